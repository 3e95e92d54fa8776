"""The review rules against a pull request that tries to pass them (issue 10, items 3-5):
spellings that hide a change, review data that cannot be judged, and missing history. Each
case runs through `status`, `remind` and `check`, end to end on real git repositories."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

import git
import pytest
from conftest import run_cli as _run

from policyengine.loader import parse_document

WHO = git.Actor("Alice Reviewer", "alice@example.com")
AS_OF = ["--as-of", "2026-11-01"]
MODEL = "models/support.yaml"


def _commit(repo: git.Repo, root: Path, text: str, day: str) -> None:
    (root / MODEL).parent.mkdir(parents=True, exist_ok=True)
    (root / MODEL).write_text(text, encoding="utf-8")
    repo.index.add([MODEL])
    stamp = f"{int(datetime.fromisoformat(f'{day}T10:00:00+00:00').timestamp())} +0000"
    repo.index.commit("c", author=WHO, committer=WHO, author_date=stamp, commit_date=stamp)


@pytest.fixture
def example(design_example: Path) -> str:
    return design_example.read_text(encoding="utf-8")


def _repo(tmp_path: Path, reviewed: str, changed: str) -> Path:
    """A model reviewed (committed 2026-10-02), then changed (committed 2026-10-20)."""
    root = tmp_path / "repo"
    r = git.Repo.init(root)
    _commit(r, root, reviewed, "2026-10-02")
    _commit(r, root, changed, "2026-10-20")
    r.close()
    return root


def _verdicts(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, object]:
    """The review status of the model in `status`, `remind` and `check`, with exit codes."""
    target = str(root / MODEL)
    out: dict[str, object] = {}
    code, text, _ = _run(capsys, "status", target, *AS_OF, "-f", "json", *extra)
    out["status"] = (code, json.loads(text)["models"][0]["status"])
    code, text, _ = _run(capsys, "remind", target, *AS_OF, "-f", "json", *extra)
    reminded = {m["status"] for group in json.loads(text)["owners"] for m in group["models"]}
    out["remind"] = (code, sorted(reminded))
    code, text, _ = _run(capsys, "check", target, *AS_OF, "-f", "json", "--fail-on", "high", *extra)
    (model,) = json.loads(text)["models"]
    review = model["review"]["status"] if model["review"] else None
    fired = sorted(
        c["id"] for c in model["checks"] if c["id"] == "TM-REVIEW-001" and c["status"] == "fail"
    )
    out["check"] = (code, review, fired)
    return out


_TOOL_CHANGE = ("permissions: write", "permissions: admin")


def _escaped_key(example: str) -> str:
    return example.replace("  last_reviewed: 2026-10-02", '  "last_r\\u0065viewed": 2026-10-02')


def _flow_assets(example: str) -> str:
    """The assets as a flow list whose items start at column 0."""
    data = parse_document(example.encode(), "x").data
    lines = example.split("\n")
    start = lines.index("assets:")
    end = next(
        i
        for i in range(start + 1, len(lines))
        if lines[i] and not lines[i].startswith((" ", "#", "-"))
    )
    flow = ["assets: ["] + [json.dumps(a) + "," for a in data["assets"]] + ["]"]
    return "\n".join(lines[:start] + flow + lines[end:])


@pytest.mark.parametrize(
    ("respell"), [_escaped_key, _flow_assets], ids=["escaped-key", "flow-list-at-column-0"]
)
def test_a_respelt_model_still_needs_its_review(
    tmp_path: Path, example: str, capsys: pytest.CaptureFixture[str], respell: object
) -> None:
    assert callable(respell)
    changed = respell(example.replace(*_TOOL_CHANGE))
    root = _repo(tmp_path, example, changed)
    got = _verdicts(capsys, root)
    assert got["status"] == (1, "review_required")
    assert got["remind"] == (1, ["review_required"])
    assert got["check"] == (1, "review_required", ["TM-REVIEW-001"])


def test_a_respelt_model_without_a_trigger_change_stays_current(
    tmp_path: Path, example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Spelling alone changes nothing: not every rewrite is a change.
    root = _repo(tmp_path, example, _flow_assets(_escaped_key(example)))
    code, text, _ = _run(capsys, "status", str(root / MODEL), *AS_OF, "-f", "json")
    assert (code, json.loads(text)["models"][0]["status"]) == (0, "current")


@pytest.mark.parametrize(
    ("old", "new", "schema_error"),
    [
        ("cadence: quarterly ", "cadence: weekly ", True),
        ("cadence: quarterly ", "cadence: {days: 0} ", True),
        ("cadence: quarterly ", "cadence: {days: 2.5} ", True),
        ("cadence: quarterly ", "cadence: null ", True),
        ("cadence: quarterly ", "cadence: {days: 3000000} ", True),
        ("last_reviewed: 2026-10-02", "last_reviewed: 2026-02-29", True),
        ("last_reviewed: 2026-10-02", "last_reviewed: 2026-10-2", True),
        ("last_reviewed: 2026-10-02", "last_reviewed: 2099-12-31", False),
        ("last_reviewed: 2026-10-02", "last_reviewed: 9999-12-31", False),
    ],
    ids=[
        "weekly",
        "days-0",
        "days-2.5",
        "null",
        "days-3000000",
        "2026-02-29",
        "2026-10-2",
        "2099-12-31",
        "9999-12-31",
    ],
)
def test_review_data_that_cannot_be_judged_is_never_current(
    tmp_path: Path,
    example: str,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    schema_error: bool,
) -> None:
    text = example.replace(old, new)
    assert text != example
    root = _repo(tmp_path, text, text)
    got = _verdicts(capsys, root)
    assert got["status"] == (1, "never_reviewed")
    assert got["remind"] == (1, ["never_reviewed"])
    code, review, fired = got["check"]  # type: ignore[misc]
    assert code == 1
    if schema_error:  # the schema rejects it with a located error: the model is invalid
        assert (review, fired) == (None, [])
    else:  # a date after --as-of: no schema can know, the review rule says never reviewed
        assert (review, fired) == ("never_reviewed", ["TM-REVIEW-001"])
        code, out, _ = _run(capsys, "validate", str(root / MODEL), *AS_OF)
        assert code == 0  # a warning: the model is still judged
        assert f"warning: review/last_reviewed: {new.split(': ')[1]} is after the as-of" in out


def test_a_huge_as_of_date_is_no_crash(
    tmp_path: Path, example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = example.replace("last_reviewed: 2026-10-02", "last_reviewed: 9999-12-31")
    root = _repo(tmp_path, text, text)
    code, out, err = _run(capsys, "status", str(root / MODEL), "--as-of", "9999-12-31")
    assert code == 1
    assert "would be due after 9999-12-31" in out and "internal error" not in err


def test_a_shallow_clone_is_unknown_and_fails_unless_allowed(
    tmp_path: Path, example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, example, example.replace(*_TOOL_CHANGE))
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    got = _verdicts(capsys, clone)
    assert got["status"] == (1, "unknown")
    assert got["remind"] == (1, ["unknown"])
    assert got["check"] == (1, "unknown", ["TM-REVIEW-001"])
    code, out, _ = _run(capsys, "status", str(clone / MODEL), *AS_OF)
    assert "[unknown] change rule not evaluated: git history is shallow" in out
    assert "fetch-depth: 0" in out and "--allow-unknown-history" in out

    allowed = _verdicts(capsys, clone, "--allow-unknown-history")
    assert allowed["status"] == (0, "current")
    assert allowed["remind"] == (0, [])
    code, out, _ = _run(capsys, "status", str(clone / MODEL), *AS_OF, "--allow-unknown-history")
    assert "[not evaluated] change rule not evaluated (allowed by --allow-unknown-history)" in out

    # Every format tells the failing `unknown` from the allowed `not evaluated`.
    assert _change_rule_shown(capsys, clone) == {
        "status json": "unknown",
        "remind json": "unknown",
        "check json": "unknown",
        "text": "[unknown]",
        "markdown": "[unknown]",
        "csv": "[unknown]",
    }
    assert _change_rule_shown(capsys, clone, "--allow-unknown-history") == {
        "status json": "not_evaluated",
        "remind json": None,  # nothing to remind of
        "check json": "not_evaluated",
        "text": "[not evaluated]",
        "markdown": "[not evaluated]",
        "csv": "[not evaluated]",
    }


def _change_rule_shown(
    capsys: pytest.CaptureFixture[str], root: Path, *extra: str
) -> dict[str, str | None]:
    """How each report shows the change rule's reason: its JSON status, its label."""
    target = str(root / MODEL)

    def status_of(reasons: list[dict[str, str]]) -> str:
        (change,) = [r for r in reasons if r["rule"] == "change"]
        return change["status"]

    shown: dict[str, str | None] = {}
    _, text, _ = _run(capsys, "status", target, *AS_OF, "-f", "json", *extra)
    shown["status json"] = status_of(json.loads(text)["models"][0]["reasons"])
    _, text, _ = _run(capsys, "remind", target, *AS_OF, "-f", "json", *extra)
    reminded = [m for group in json.loads(text)["owners"] for m in group["models"]]
    shown["remind json"] = status_of(reminded[0]["reasons"]) if reminded else None
    _, text, _ = _run(capsys, "check", target, *AS_OF, "-f", "json", *extra)
    shown["check json"] = status_of(json.loads(text)["models"][0]["review"]["reasons"])
    for fmt in ("text", "markdown", "csv"):
        _, text, _ = _run(capsys, "status", target, *AS_OF, "-f", fmt, *extra)
        labels = re.findall(r"\[(?:unknown|not evaluated)\] change rule", text)
        assert len(set(labels)) == 1, (fmt, text)
        shown[fmt] = labels[0].removesuffix(" change rule")
    return shown


def test_a_folder_outside_git_is_unknown(
    tmp_path: Path, example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / MODEL).write_text(example, encoding="utf-8")
    got = _verdicts(capsys, tmp_path)
    assert got["status"] == (1, "unknown")
    assert got["check"][:2] == (1, "unknown")  # type: ignore[index]
