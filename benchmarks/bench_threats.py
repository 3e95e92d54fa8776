"""Benchmark of one model's cost per threat, at sizes up to the threat ceiling.

A model may list at most `validate.MAX_THREATS` threats (5,000); this script shows that
the cost of checking one model grows linearly with its threats up to that limit. For each
size it writes the example model scaled to that many threats (`bench_eval.scaled_model`,
and `with_gaps`: every other threat stripped of what the checks look for), then times,
in process, the best of `--repeat` runs of:

- `check`: `pipeline.run_check` of that one file, in one process (`workers=1`): load,
  schema and references, evaluation on the embedded engine, review rules and the report
  data; the policies compiled once beforehand;
- `evaluate`: the embedded engine's evaluation of that model's policy input alone.

Each is printed in wall seconds and CPU seconds (`time.process_time`: the machine may be
shared, so the per-threat figures use CPU time), then in CPU microseconds per threat;
`x first` is the cost per threat divided by that of the smallest size of the same kind:
about 1 at every size means linear growth, a number that grows with the size means worse.

    python benchmarks/bench_threats.py [--threats 625 1250 2500 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_eval import AS_OF, EXAMPLE, POLICIES, model_input, scaled_model, with_gaps  # noqa: E402

from policyengine.config import load_config  # noqa: E402
from policyengine.engine.embedded import EmbeddedEngine  # noqa: E402
from policyengine.loader import load_document  # noqa: E402
from policyengine.pipeline import RunOptions, run_check  # noqa: E402
from policyengine.policyset import load_policy_set  # noqa: E402
from policyengine.validate import MAX_THREATS  # noqa: E402


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the fastest of `repeat` runs."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints one line per model size and kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threats", type=int, nargs="+", default=[625, 1250, 2500, MAX_THREATS])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if max(args.threats) > MAX_THREATS:
        parser.error(f"the threat ceiling is {MAX_THREATS}: larger models are refused")

    base = load_document(EXAMPLE, EXAMPLE.parent).data
    policy_set = load_policy_set([POLICIES])
    engine = EmbeddedEngine()
    engine.evaluate(policy_set, [model_input(scaled_model(base, 1))])  # compile once
    first: dict[str, tuple[float, float]] = {}
    print(
        f"{'model':>8}  {'threats':>7}  {'check':>8}  {'cpu':>7}  {'us/threat':>9}  "
        f"{'x first':>7}  {'evaluate':>8}  {'cpu':>7}  {'us/threat':>9}  {'x first':>7}  findings"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".policyengine.yaml").write_text("fail_on: low\n", encoding="utf-8")
        options = RunOptions(config=load_config(root), as_of=AS_OF, workers=1)
        for kind in ("complete", "gaps"):
            for n in sorted(args.threats):
                model = scaled_model(base, n)
                model = with_gaps(model) if kind == "gaps" else model
                path = root / f"{kind}-{n}.yaml"
                path.write_text(json.dumps(model, indent=1), encoding="utf-8")
                run = run_check([path], options, engine)
                value = model_input(model)
                check = best_of(args.repeat, lambda p=path: run_check([p], options, engine))
                evaluate = best_of(args.repeat, lambda v=value: engine.evaluate(policy_set, [v]))
                per_check, per_eval = check[1] / n * 1e6, evaluate[1] / n * 1e6
                first.setdefault(kind, (per_check, per_eval))
                findings = sum(len(c.findings) for m in run.models for c in m.checks)
                print(
                    f"{kind:>8}  {n:>7}  {check[0]:>7.2f}s  {check[1]:>6.2f}s  {per_check:>9.0f}  "
                    f"{per_check / first[kind][0]:>7.2f}  {evaluate[0]:>7.2f}s  "
                    f"{evaluate[1]:>6.2f}s  {per_eval:>9.0f}  {per_eval / first[kind][1]:>7.2f}  "
                    f"{findings}"
                )
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
