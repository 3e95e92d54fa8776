"""Writes a synthetic threat-model repository for the benchmarks, deterministically.

`make_repo(dest, models=N, threats=T, commits=K)` writes `dest/.policyengine.yaml`, N
valid models under `models/team-XX/` derived from `examples/models/support-assistant.yaml`
(distinct ids and owners, T threats each: the example's nine plus copies of them with new
ids), and the evidence files the example cites, copied from `examples/`. With K > 0 it
also writes a git history of K commits with `git fast-import` (fixed authors and dates):
the first commit adds everything, each later one edits one model (a prose edit, a review
that moves `last_reviewed`, or a base-model version bump), and the last one adds an agent
tool to the first model without a new review, so `check --base HEAD~1 --changed-only`
evaluates one changed model and reports a review_required finding. Same arguments, same
bytes, same commit ids.

    python benchmarks/generate.py DEST [--models 100] [--threats 40] [--commits 500]
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The bundled example repository the synthetic models are derived from."""

SOURCE_MODEL = EXAMPLES / "models" / "support-assistant.yaml"
"""The model every synthetic model is a copy of."""

BASE_THREATS = 11
"""Threats in the source model: the fewest a synthetic model can have."""

CONFIG = """\
# policyengine configuration of a synthetic benchmark repository (benchmarks/generate.py).
models: ["models/**/*.yaml"]
frameworks: [nist-ai-rmf, iso42001, atlas]
fail_on: high
review:
  cadence: quarterly
  remind_before: 14
evidence_dir: evidence
"""

NEW_TOOL = """\
  - id: refund-tool
    type: agent_tool
    name: refunds API
    actions: [issue_refund]
    permissions: write
    blast_radius: Refund any order of the signed-in customer up to 200 EUR.
    human_approval: above 200 EUR
"""

_EVIDENCE_RE = re.compile(r"\b((?:docs|evidence|sbom)/[A-Za-z0-9_./-]+\.(?:md|json))")
_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_END = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


class GenerateError(Exception):
    """The example model no longer has the text the generator edits, or DEST is not empty."""


@dataclass(frozen=True)
class SyntheticRepo:
    """What `make_repo` wrote."""

    root: Path
    """The repository root (holds `.policyengine.yaml`)."""
    model_paths: tuple[str, ...]
    """Every model, relative to `root`, POSIX, sorted."""
    changed_path: str
    """The model the last commit changed (an agent tool added without a review); "" with
    no history."""
    base_ref: str
    """The ref a pull-request check compares with (`HEAD~1`); "" with no history."""


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise GenerateError(f"{SOURCE_MODEL}: expected one {old!r}, found {text.count(old)}")
    return text.replace(old, new)


def _threat_blocks(text: str) -> tuple[str, list[str], str]:
    """Split the model text into (before threats, threat blocks, from controls on)."""
    head, sep, rest = text.partition("\nthreats:\n")
    body, sep2, tail = rest.partition("\ncontrols:\n")
    if not sep or not sep2:
        raise GenerateError(f"{SOURCE_MODEL}: no threats: or controls: section")
    blocks = ["  - id: " + b for b in body.split("  - id: ")[1:]]
    if len(blocks) != BASE_THREATS:
        raise GenerateError(f"{SOURCE_MODEL}: expected {BASE_THREATS} threats, found {len(blocks)}")
    return head + sep, blocks, sep2 + tail


def _threats(blocks: list[str], count: int) -> str:
    out = list(blocks)
    for n in range(BASE_THREATS + 1, count + 1):
        block = blocks[(n - 1) % BASE_THREATS]
        block = re.sub(r"^  - id: T-\d+", f"  - id: T-{n:03d}", block, count=1)
        block = re.sub(
            r"^    title: (.*)$", rf"    title: \1 (variant {n})", block, count=1, flags=re.M
        )
        out.append(block)
    return "".join(out).rstrip("\n")


_CITES = re.compile(r"^  - id: (T-\d+)$|findings: \[([^\]]*)\]", re.M)


def _naming_variants(tail: str, threats: str) -> str:
    """`tail` (from controls on) with each red-team finding's `threats` naming the variant
    threats that cite it too, as the original threats do (a finding a threat cites is
    about it)."""
    citing: dict[str, list[str]] = {}
    current = ""
    for m in _CITES.finditer(threats):
        if m.group(1):
            current = m.group(1)
        elif int(current[2:]) > BASE_THREATS:
            for ref in m.group(2).split(","):
                citing.setdefault(ref.strip(), []).append(current)
    out, exercise, finding = [], "", ""
    for line in tail.splitlines(keepends=True):
        if line.startswith("  - id: "):
            exercise = line[len("  - id: ") :].strip()
        elif line.startswith("      - id: "):
            finding = line[len("      - id: ") :].strip()
        elif line.startswith("        threats: [") and citing.get(f"{exercise}/{finding}"):
            extra = ", ".join(citing[f"{exercise}/{finding}"])
            line = line.replace("]", f", {extra}]", 1)
        out.append(line)
    return "".join(out)


@dataclass(frozen=True)
class _State:
    reviewed: date
    base_version: int
    prose: int


def _model_text(source: str, i: int, threats: int, state: _State, tool: bool) -> str:
    head, blocks, tail = _threat_blocks(source)
    threat_text = _threats(blocks, threats)
    if state.prose:
        threat_text = threat_text.replace(
            "title: Compromised serving dependency",
            f"title: Compromised serving dependency (edit {state.prose})",
            1,
        )
    text = head + threat_text + _naming_variants(tail, threat_text)
    text = _replace_once(text, "  id: support-assistant\n", f"  id: model-{i:04d}\n")
    text = _replace_once(
        text,
        "  name: Customer Support Assistant\n  owner: ai-platform-team\n",
        f"  name: Support Assistant {i:04d}\n  owner: team-{i % 20:02d}\n",
    )
    text = _replace_once(
        text, "  last_reviewed: 2026-10-02\n", f"  last_reviewed: {state.reviewed.isoformat()}\n"
    )
    text = _replace_once(
        text, '    version: "2025-08-01"\n', f'    version: "2025-08-{state.base_version:02d}"\n'
    )
    if tool:
        text = _replace_once(text, "  - id: serving-stack\n", NEW_TOOL + "  - id: serving-stack\n")
        text = _replace_once(
            text, "    assets: [order-tool]\n", "    assets: [order-tool, refund-tool]\n"
        )
    return text


def _evidence_files(source: str) -> dict[str, bytes]:
    out = {}
    for rel in sorted(set(_EVIDENCE_RE.findall(source))):
        path = EXAMPLES / rel
        if not path.is_file():
            raise GenerateError(f"{SOURCE_MODEL} cites {rel}, which examples/ does not have")
        out[rel] = path.read_bytes()
    return out


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, payload in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)


def make_repo(
    dest: Path, *, models: int = 100, threats: int = 40, commits: int = 0, seed: int = 7
) -> SyntheticRepo:
    """Write the synthetic repository at `dest` (created; must not exist or be empty).

    `threats` is at least 11 (the example's own); `commits` is 0 (files only, no git) or at
    least 2 (the initial commit and the final change). Raises `GenerateError` otherwise.
    """
    if threats < BASE_THREATS:
        raise GenerateError(f"threats must be at least {BASE_THREATS} (got {threats})")
    if commits == 1 or commits < 0:
        raise GenerateError(f"commits must be 0 or at least 2 (got {commits})")
    if models < 1:
        raise GenerateError(f"models must be at least 1 (got {models})")
    if dest.exists() and any(dest.iterdir()):
        raise GenerateError(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    source = SOURCE_MODEL.read_text(encoding="utf-8")
    paths = [f"models/team-{i % 20:02d}/model-{i:04d}.yaml" for i in range(models)]
    fixed = {".policyengine.yaml": CONFIG.encode(), **_evidence_files(source)}

    if commits == 0:
        state = _State(date(2026, 10, 2), 1, 0)
        files = {
            p: _model_text(source, i, threats, state, False).encode() for i, p in enumerate(paths)
        }
        _write(dest, {**fixed, **files})
        return SyntheticRepo(dest, tuple(sorted(paths)), "", "")

    rng = random.Random(seed)
    step = (_END - _START) / (commits - 1)
    states = [_State(_START.date(), 1, 0) for _ in range(models)]
    stream = bytearray()

    def commit(mark: int, message: str, ops: bytes) -> None:
        when = int((_START + step * (mark - 1)).timestamp())
        who = b"Dev %d <dev%d@example.com> %d +0000" % (mark % 7, mark % 7, when)
        stream.extend(b"commit refs/heads/main\nmark :%d\n" % mark)
        stream.extend(b"author " + who + b"\ncommitter " + who + b"\n")
        stream.extend(_data(message.encode()))
        if mark > 1:
            stream.extend(b"from :%d\n" % (mark - 1))
        stream.extend(ops)

    def put(path: str, payload: bytes) -> bytes:
        return b"M 100644 inline " + path.encode() + b"\n" + _data(payload)

    ops = bytearray()
    for rel, payload in sorted(fixed.items()):
        ops.extend(put(rel, payload))
    for i, path in enumerate(paths):
        ops.extend(put(path, _model_text(source, i, threats, states[i], False).encode()))
    commit(1, "Add the threat models, their evidence and the config", bytes(ops))
    for mark in range(2, commits):
        i = rng.randrange(models)
        s = states[i]
        roll = rng.random()
        day = (_START + step * (mark - 1)).date()
        if roll < 0.35:
            s, message = _State(day, s.base_version, s.prose), f"model-{i:04d}: quarterly review"
        elif roll < 0.55:
            s = _State(s.reviewed, s.base_version % 28 + 1, s.prose)
            message = f"model-{i:04d}: pin base model 2025-08-{s.base_version:02d}"
        else:
            s, message = _State(s.reviewed, s.base_version, mark), f"model-{i:04d}: wording"
        states[i] = s
        commit(mark, message, put(paths[i], _model_text(source, i, threats, s, False).encode()))
    changed = _model_text(source, 0, threats, states[0], True).encode()
    commit(commits, "model-0000: add the refunds tool", put(paths[0], changed))

    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=dest, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=dest, check=True)
    return SyntheticRepo(dest, tuple(sorted(paths)), paths[0], "HEAD~1")


def main() -> int:
    """Write the repository named on the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--threats", type=int, default=40)
    parser.add_argument("--commits", type=int, default=500)
    args = parser.parse_args()
    repo = make_repo(args.dest, models=args.models, threats=args.threats, commits=args.commits)
    print(f"{repo.root}: {len(repo.model_paths)} models; changed: {repo.changed_path or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
