"""Precision and recall of `policyengine discover` on the corpus in tests/data/discovery/.

Each folder there is a small project shaped like a real one (one per framework the issue
names, plus `decoys/`: a variable called `openai`, commented-out code, a docstring that
names `OpenAI()`, a local class called `tool`, test files, a file with a syntax error).
What discovery should find is written in the files themselves, as a comment on the line
of the evidence: `# expect: KIND NAME` (several joined with `;`). Comments are invisible
to the analysis, so the labels cannot help it. A finding counts as correct when its file,
line, kind and name match a label exactly.

    python benchmarks/bench_discovery.py [--misses] [--corpus DIR]

`--misses` lists every false positive and every missed label.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policyengine.discovery import analyse  # noqa: E402
from policyengine.sources import read_sources  # noqa: E402

CORPUS = REPO / "tests" / "data" / "discovery"
MARK = "# expect:"

Key = tuple[str, int, str, str]
"""(file relative to the project, line, kind, name) of one finding."""


def expected(project: Path) -> set[Key]:
    """The labels of one project: every `# expect:` comment in its files."""
    out: set[Key] = set()
    for path in sorted(project.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(project).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MARK not in line:
                continue
            for label in line.split(MARK, 1)[1].split(";"):
                kind, _, name = label.strip().partition(" ")
                out.add((rel, number, kind, name.strip()))
    return out


def found(project: Path) -> set[Key]:
    """What discovery finds in one project, read as the CLI reads it."""
    sources, _ = read_sources([project], project)
    findings, _ = analyse(sources)
    return {(f.file, f.line, f.kind.value, f.name) for f in findings}


@dataclass(frozen=True)
class Score:
    """The corpus's counts, and the precision and recall they give."""

    true_positives: int
    false_positives: tuple[tuple[str, Key], ...]
    missed: tuple[tuple[str, Key], ...]
    by_kind: dict[str, tuple[int, int, int]]

    @property
    def precision(self) -> float:
        """Correct findings over all findings (1.0 when there are none)."""
        total = self.true_positives + len(self.false_positives)
        return self.true_positives / total if total else 1.0

    @property
    def recall(self) -> float:
        """Correct findings over all labels (1.0 when there are none)."""
        total = self.true_positives + len(self.missed)
        return self.true_positives / total if total else 1.0


def score(corpus: Path = CORPUS) -> Score:
    """Precision and recall over every project folder of `corpus`."""
    tp = 0
    fps: list[tuple[str, Key]] = []
    misses: list[tuple[str, Key]] = []
    counts: Counter[tuple[str, str]] = Counter()
    for project in sorted(p for p in corpus.iterdir() if p.is_dir()):
        want, got = expected(project), found(project)
        tp += len(want & got)
        fps.extend((project.name, k) for k in sorted(got - want))
        misses.extend((project.name, k) for k in sorted(want - got))
        for k in want & got:
            counts[(k[2], "tp")] += 1
        for k in got - want:
            counts[(k[2], "fp")] += 1
        for k in want - got:
            counts[(k[2], "fn")] += 1
    kinds = sorted({kind for kind, _ in counts})
    by_kind = {k: (counts[(k, "tp")], counts[(k, "fp")], counts[(k, "fn")]) for k in kinds}
    return Score(tp, tuple(fps), tuple(misses), by_kind)


def main() -> int:
    """Print the table of the corpus; exit 1 below precision 0.95 or recall 0.9."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list false positives and misses")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    result = score(args.corpus)
    projects = sum(1 for p in args.corpus.iterdir() if p.is_dir())
    print(f"corpus: {projects} projects under {args.corpus.relative_to(REPO)}")
    print(f"{'kind':<16} {'correct':>7} {'wrong':>6} {'missed':>6}")
    for kind, (tp, fp, fn) in result.by_kind.items():
        print(f"{kind:<16} {tp:>7} {fp:>6} {fn:>6}")
    print(
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  "
        f"({result.true_positives} correct, {len(result.false_positives)} wrong, "
        f"{len(result.missed)} missed)"
    )
    if args.misses:
        for project, key in result.false_positives:
            print(f"wrong:  {project}/{key[0]}:{key[1]} {key[2]} {key[3]}")
        for project, key in result.missed:
            print(f"missed: {project}/{key[0]}:{key[1]} {key[2]} {key[3]}")
    return 0 if result.precision >= 0.95 and result.recall >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
