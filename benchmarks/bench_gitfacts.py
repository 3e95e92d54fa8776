"""Benchmark of the change rule's history scan: 1,000 models, 5,000 commits.

Builds a repository with `git fast-import` (seconds, not minutes): one commit adds every
model (about 40 threats each), then each further commit edits one model: prose, a review
(`last_reviewed` moves), a trigger change (a model version), or a rename. Then it times
`gitfacts.collect_change_facts` over all models, the call `policyengine status` makes:
with no cache of parsed versions, with an empty one (it is filled), and with that one
(every version read before), best of `--repeat` each, wall and CPU seconds. Then it
times the review history of every model, as `policyengine evidence` reads it
(`gitfacts.review_histories`: one pass), against one `git log --follow` a model
(`gitfacts.review_history`, over `--follow-sample` models and scaled to all), and checks
that both give the same history.

    python benchmarks/bench_gitfacts.py [--models 1000] [--commits 5000] [--repeat 3] [--keep DIR]

DESIGN.md's budget: `status` over such a history in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policyengine.gitfacts import (  # noqa: E402
    ChangeFacts,
    collect_change_facts,
    review_histories,
    review_history,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "tests/data/design/threat-model.example.yaml"

THREAT = """  - id: T-{n:03d}
    title: Synthetic threat {n} against the assistant
    surface: chat-io
    atlas: [AML.T0054]
    stride: [information_disclosure]
    likelihood: {lik}
    impact: 3
    prerequisites: [query_access]
    assumptions:
      - Assumption {n} holds for the signed-in customer.
    mitigations: [C-03]
    status: mitigated
    validation: {{status: untested}}
"""


def model_text(base: str, i: int, reviewed: date, base_version: int, extra_threats: int) -> str:
    """One synthetic model: the example with its own id, review date and base version."""
    text = base.replace("id: support-assistant", f"id: model-{i:04d}")
    text = text.replace("last_reviewed: 2026-10-02", f"last_reviewed: {reviewed.isoformat()}")
    text = text.replace('version: "2025-08-01"', f'version: "base-{base_version}"')
    threats = "".join(THREAT.format(n=100 + k, lik=1 + (i + k) % 5) for k in range(extra_threats))
    return text.replace("\ncontrols:\n", "\n" + threats + "\ncontrols:\n", 1)


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def build(root: Path, models: int, commits: int, seed: int = 7) -> list[str]:
    """Create the repository at `root`; returns the model paths (relative, current names)."""
    rng = random.Random(seed)
    base = EXAMPLE.read_text(encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    paths = [f"models/team-{i % 20:02d}/model-{i:04d}.yaml" for i in range(models)]
    state = [(date(2025, 1, 1), 1) for _ in range(models)]
    start = 1_700_000_000
    out = bytearray()

    def commit(mark: int, when: int, msg: str, ops: bytes) -> None:
        who = b"Dev %d <dev%d@example.com> %d +0000" % (mark % 7, mark % 7, when)
        out.extend(b"commit refs/heads/main\nmark :%d\n" % mark)
        out.extend(b"author " + who + b"\ncommitter " + who + b"\n")
        out.extend(_data(msg.encode()))
        if mark > 1:
            out.extend(b"from :%d\n" % (mark - 1))
        out.extend(ops)

    ops = bytearray()
    for i, path in enumerate(paths):
        text = model_text(base, i, state[i][0], state[i][1], 35)
        ops.extend(b"M 100644 inline " + path.encode() + b"\n" + _data(text.encode()))
    commit(1, start, "initial models", bytes(ops))
    for mark in range(2, commits + 1):
        i = rng.randrange(models)
        reviewed, version = state[i]
        roll = rng.random()
        if roll < 0.02:
            new_path = paths[i].replace("/model-", "/renamed-model-")
            if new_path != paths[i]:
                op = f'R "{paths[i]}" "{new_path}"\n'.encode()
                paths[i] = new_path
                commit(mark, start + mark * 600, "move", op)
                continue
        if roll < 0.35:
            reviewed = reviewed + timedelta(days=rng.randrange(30, 120))
        elif roll < 0.6:
            version += 1
        state[i] = (reviewed, version)
        text = model_text(base, i, reviewed, version, 35)
        if roll >= 0.6:
            text = text.replace("Synthetic threat 100", f"Synthetic threat 100 (rev {mark})")
        op = b"M 100644 inline " + paths[i].encode() + b"\n" + _data(text.encode())
        commit(mark, start + mark * 600, "edit", op)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(out), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    return sorted(paths)


def _timed(
    root: Path, paths: list[str], cache: Path | None
) -> tuple[float, float, dict[str, ChangeFacts]]:
    """One scan: wall seconds, CPU seconds of this process, the facts. `cache` None: no
    cache folder at all."""
    if cache is None:
        os.environ["POLICYENGINE_CACHE_DIR"] = ""
    before, t0 = os.times(), time.perf_counter()
    facts = collect_change_facts(root, paths, cache=cache)
    wall, after = time.perf_counter() - t0, os.times()
    os.environ.pop("POLICYENGINE_CACHE_DIR", None)
    return wall, after.user + after.system - before.user - before.system, facts


def main() -> int:
    """Build the repository, time the scan, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (best shown)")
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    parser.add_argument(
        "--follow-sample", type=int, default=50, help="models timed one `git log --follow` each"
    )
    args = parser.parse_args()
    saved = os.environ.get("POLICYENGINE_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep if args.keep is not None else Path(tmp) / "repo"
        cache = Path(tmp) / "cache"
        t0 = time.perf_counter()
        paths = build(root, args.models, args.commits)
        built = time.perf_counter() - t0
        print(f"built {args.models} models / {args.commits} commits in {built:.2f} s")
        print(f"load average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs")
        rows: dict[str, list[tuple[float, float]]] = {
            "no cache": [],
            "cold cache": [],
            "warm cache": [],
        }
        results = []
        for _ in range(args.repeat):
            wall, cpu, facts = _timed(root, paths, None)
            rows["no cache"].append((wall, cpu))
            results.append(facts)
            shutil.rmtree(cache, ignore_errors=True)
            wall, cpu, facts = _timed(root, paths, cache)
            rows["cold cache"].append((wall, cpu))
            results.append(facts)
            wall, cpu, facts = _timed(root, paths, cache)
            rows["warm cache"].append((wall, cpu))
            results.append(facts)
        if saved is not None:
            os.environ["POLICYENGINE_CACHE_DIR"] = saved
        history_rows, history_same = _review_histories(root, paths, args.follow_sample)
    facts = results[0]
    same = all(r == facts for r in results)
    changed = sum(1 for f in facts.values() if f.changes)
    unknown = sum(1 for f in facts.values() if f.unknown)
    moved = sum(1 for f in facts.values() if f.path_history)
    for name, runs in rows.items():
        wall = min(w for w, _ in runs)
        cpu = min(c for _, c in runs)
        print(f"collect_change_facts, {name:10}  {wall:6.2f} s  (CPU {cpu:5.2f} s)")
    print(
        f"{changed} models with changes, {moved} renamed, {unknown} unknown; "
        f"the same facts in every run: {'yes' if same else 'NO'}"
    )
    for line in history_rows:
        print(line)
    print(f"the same review history both ways: {'yes' if history_same else 'NO'}")
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")
    return 0


def _review_histories(root: Path, paths: list[str], sample: int) -> tuple[list[str], bool]:
    """The evidence pack's review history of every model in one pass, and one model at a
    time (`sample` models, scaled): the lines to print, and whether both agree."""
    before, t0 = os.times(), time.perf_counter()
    together = review_histories(root, paths)
    wall, after = time.perf_counter() - t0, os.times()
    cpu = after.user + after.system - before.user - before.system
    git = after.children_user + after.children_system
    git -= before.children_user + before.children_system
    picked = paths[:: max(1, len(paths) // sample)][:sample]
    before, t0 = os.times(), time.perf_counter()
    each = {p: review_history(root, p) for p in picked}
    one_wall, after = time.perf_counter() - t0, os.times()
    one_cpu = after.user + after.system - before.user - before.system
    one_git = after.children_user + after.children_system
    one_git -= before.children_user + before.children_system
    scale = len(paths) / max(1, len(picked))
    commits = sum(len(h) for h, _ in together.values())
    lines = [
        f"review_histories, one pass, {len(paths)} models  {wall:6.2f} s  (CPU {cpu:5.2f} s, "
        f"git {git:5.2f} s; {commits} review commits)",
        f"review_history, one model at a time  {one_wall * scale:6.2f} s  (CPU "
        f"{one_cpu * scale:5.2f} s, git {one_git * scale:5.2f} s; {len(picked)} models timed, "
        f"scaled to {len(paths)})",
    ]
    return lines, all(together[p] == each[p] for p in picked)


if __name__ == "__main__":
    raise SystemExit(main())
