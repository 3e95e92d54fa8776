"""Benchmark of policy evaluation: the shipped policies over models of 40 and 200 threats.

Scales the example model up (its threats repeated with distinct ids), builds each input
as `policyengine check` does (`build_facts`, `policy_input`), then times, side by side:

- the embedded engine (regopy): the policy set compiled once, then one query per model;
- `(input)`: of that, building the input through regopy's C API and setting it, which
  every policy set pays before its first rule runs: the engine's floor for that model;
- `opa eval --format json` per model, process start included (the same modules plus the
  generated aggregator, the same input file), and the ratio embedded / opa eval;
- the wasm engine (the shipped OPA WebAssembly module on wasmtime): one `opa_eval` call
  per model, the input's JSON encoding included, and the ratio wasm / embedded; then
  `(cpu)`, the least CPU time of the same call (what other jobs on the machine do not
  change).

It also checks that the three engines give the same deny and not_applicable sets.

    python benchmarks/bench_eval.py [--threats 40 200] [--repeat 5] [--opa PATH] [--profile]

Two models of each size: `complete`, the example's threats as they are (few findings), and
`gaps`, where every other threat lacks its ATLAS ids, assumptions, validation, mitigations
and likelihood (one finding or more per such threat: the costly case for a policy engine).

`--profile` adds, on the embedded engine's own compiled programs (one per package, or per
group of packages sharing an input-reading module), the cost of every program's query once
the input is set, and of each program, slowest first.

Issue 3's budget: a model of 200 threats costs at most a few tens of milliseconds on the
embedded engine.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from regopy import rego_shared as _rs  # noqa: E402

from policyengine.applicability import load_mapping
from policyengine.atlas import load_catalog  # noqa: E402
from policyengine.engine import EngineOutput  # noqa: E402
from policyengine.engine.embedded import _RESULT_ENTRYPOINT as ENTRYPOINT  # noqa: E402
from policyengine.engine.embedded import EmbeddedEngine  # noqa: E402
from policyengine.engine.embedded import _Compiled as Compiled  # noqa: E402
from policyengine.engine.embedded import _input_handle as input_handle  # noqa: E402
from policyengine.engine.embedded import _sources as engine_sources  # noqa: E402
from policyengine.engine.wasm import WasmEngine  # noqa: E402
from policyengine.evaluate import build_facts, policy_input  # noqa: E402
from policyengine.loader import load_document  # noqa: E402
from policyengine.policyset import (  # noqa: E402
    AGGREGATOR_MODULE,
    AGGREGATOR_PACKAGE,
    PolicySet,
    load_policy_set,
)
from policyengine.results import ReviewStatus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests/data/design/threat-model.example.yaml"
POLICIES = ROOT / "policies"
AS_OF = date(2026, 11, 27)


def scaled_model(base: Mapping[str, Any], threats: int) -> dict[str, Any]:
    """The example model with `threats` threats: its own repeated, ids T-000, T-001, ..."""
    model = copy.deepcopy(dict(base))
    own = model["threats"]
    model["threats"] = [dict(own[i % len(own)], id=f"T-{i:03d}") for i in range(threats)]
    return model


def with_gaps(model: Mapping[str, Any]) -> dict[str, Any]:
    """The model with every other threat stripped of what the checks look for."""
    gapped = copy.deepcopy(dict(model))
    for i, threat in enumerate(gapped["threats"]):
        if i % 2:
            for key in ("atlas", "assumptions", "validation", "mitigations", "likelihood"):
                threat.pop(key, None)
    return gapped


def model_input(model: Mapping[str, Any]) -> dict[str, Any]:
    """The policy input of a model, as `policyengine check` builds it (every file exists)."""
    facts = build_facts(
        model,
        as_of=AS_OF,
        review_status=ReviewStatus.CURRENT,
        cadence_days=92,
        atlas=load_catalog(),
        mapping=load_mapping(),
        evidence_exists=lambda _path: True,
    )
    return policy_input(model, facts)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest wall time of `repeat` runs of `run`, in seconds (the machine is shared:
    the shortest run is the one least disturbed by other jobs)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def best_cpu_of(repeat: int, run: Callable[[], object]) -> float:
    """The least CPU time of this process in `repeat` runs of `run`, in seconds: what the
    run costs whatever else the machine does (wall time counts the moments it waited)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def side_by_side(
    repeat: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[float, float]:
    """The shortest wall times of `first` and `second`, run alternately `repeat` times each,
    so that both see the same moments of a shared machine."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for run, kept in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            run()
            kept.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def opa_output(opa: str, bundle: Path, input_file: Path) -> EngineOutput:
    """One `opa eval` process over the written modules and input file."""
    proc = subprocess.run(
        [opa, "eval", "--format", "json", "-d", str(bundle), "-i", str(input_file)]
        + [f"data.{AGGREGATOR_PACKAGE}.result"],
        check=True,
        capture_output=True,
        text=True,
    )
    value = json.loads(proc.stdout)["result"][0]["expressions"][0]["value"]
    return EngineOutput.from_json(value)


def write_bundle(policy_set: PolicySet, folder: Path) -> None:
    """The policy set's modules and its aggregator as .rego files (no data files)."""
    modules = {**policy_set.modules, AGGREGATOR_MODULE: policy_set.aggregator()}
    for name, source in modules.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")


def transfer_time(compiled: Compiled, value: Mapping[str, Any], repeat: int) -> float:
    """Seconds to build the input through regopy's C API and set it: what any policy set
    costs on the embedded engine before its first rule runs (the engine's floor)."""

    def set_input() -> None:
        handle = input_handle(value)
        _rs.rego_set_input(compiled.runner._impl, handle)
        _rs.rego.regoFreeInput(handle)

    return best_of(repeat, set_input)


def profile(
    policy_set: PolicySet, value: Mapping[str, Any], repeat: int
) -> tuple[float, list[tuple[float, str]]]:
    """On the engine's own compiled programs, once the input is set: the cost of all
    program queries and of each program, in seconds."""
    compiled = Compiled(*engine_sources(policy_set))
    transfer_time(compiled, value, 1)  # the input the queries read

    def query(bundle: Any) -> None:
        _rs.rego_free_output(
            _rs.rego_bundle_query_entrypoint(compiled.runner._impl, bundle.handle, ENTRYPOINT)
        )

    def query_all() -> None:
        for _, bundle in compiled.programs:
            query(bundle)

    costs = [(best_of(repeat, partial(query, b)), package) for package, b in compiled.programs]
    return best_of(repeat, query_all), sorted(costs, reverse=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints one line per model size (and per package with --profile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threats", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--opa", default=shutil.which("opa") or str(Path.home() / "go" / "bin" / "opa")
    )
    parser.add_argument("--profile", action="store_true", help="print each package's cost")
    args = parser.parse_args(argv)

    base = load_document(EXAMPLE, EXAMPLE.parent).data
    policy_set = load_policy_set([POLICIES])
    engine = EmbeddedEngine()
    engine.evaluate(policy_set, [model_input(scaled_model(base, 1))])  # compile once
    compiled = Compiled(*engine_sources(policy_set))
    wasm = WasmEngine()
    wasm.evaluate(policy_set, [model_input(scaled_model(base, 1))])  # load the module once
    print(
        f"{'model':>8}  {'threats':>7}  {'embedded':>10}  {'(input)':>10}  {'wasm':>10}  "
        f"{'(cpu)':>10}  {'opa eval':>10}  {'emb/opa':>7}  {'wasm/emb':>8}  denies"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        write_bundle(policy_set, bundle)
        for n in args.threats:
            for kind, model in (("complete", scaled_model(base, n)), ("gaps", None)):
                model = model if model is not None else with_gaps(scaled_model(base, n))
                value = model_input(model)
                input_file = Path(tmp) / f"input-{kind}-{n}.json"
                input_file.write_text(json.dumps(value), encoding="utf-8")
                embedded = engine.evaluate(policy_set, [value])[0]
                opa = opa_output(args.opa, bundle, input_file)
                t_emb, t_opa = side_by_side(
                    args.repeat,
                    partial(engine.evaluate, policy_set, [value]),
                    partial(opa_output, args.opa, bundle, input_file),
                )
                t_input = transfer_time(compiled, value, args.repeat)
                on_wasm = wasm.evaluate(policy_set, [value])[0]
                t_wasm = best_of(args.repeat, partial(wasm.evaluate, policy_set, [value]))
                c_wasm = best_cpu_of(args.repeat, partial(wasm.evaluate, policy_set, [value]))
                same = "same" if embedded == opa == on_wasm else "DIFFERENT"
                print(
                    f"{kind:>8}  {n:>7}  {t_emb * 1000:>8.1f}ms  {t_input * 1000:>8.1f}ms  "
                    f"{t_wasm * 1000:>8.2f}ms  {c_wasm * 1000:>8.2f}ms  "
                    f"{t_opa * 1000:>8.1f}ms  {t_emb / t_opa:>7.2f}  "
                    f"{t_wasm / t_emb:>8.3f}  {len(embedded.deny)} ({same} on the three engines)"
                )
                if args.profile:
                    t_query, costs = profile(policy_set, value, args.repeat)
                    print(f"{'':>18}{t_query * 1000:>8.1f}ms  (every program's query, input set)")
                    for cost, package in costs[:8]:
                        print(f"{'':>18}{cost * 1000:>8.1f}ms  {package}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
