"""`policyengine status` and `policyengine remind` end to end, on real git repositories."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import git
import icalendar
import pytest

from policyengine.bundled import policies_dir
from policyengine.cli import main
from policyengine.policyset import load_policy_set
from policyengine.results import ReviewStatus, Severity, review_severity

ALICE = git.Actor("Alice Reviewer", "alice@example.com")
BOB = git.Actor("Bob Builder", "bob@example.com")


def _stamp(day: str) -> str:
    return f"{int(datetime.fromisoformat(f'{day}T10:00:00+00:00').timestamp())} +0000"


def _commit(repo: git.Repo, root: Path, files: dict[str, str], day: str, who: git.Actor) -> str:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    repo.index.add(list(files))
    stamp = _stamp(day)
    return repo.index.commit(
        "c", author=who, committer=who, author_date=stamp, commit_date=stamp
    ).hexsha


@pytest.fixture
def example(design_example: Path) -> str:
    return design_example.read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, example: str) -> Path:
    """Two models: `support` reviewed 2026-10-02 quarterly; `search` (owner search-team)
    reviewed 2026-06-01 monthly."""
    root = tmp_path / "repo"
    r = git.Repo.init(root)
    search = (
        example.replace("id: support-assistant", "id: search-bot")
        .replace("owner: ai-platform-team ", "owner: search-team ")
        .replace("last_reviewed: 2026-10-02", "last_reviewed: 2026-06-01")
        .replace("cadence: quarterly ", "cadence: monthly ")
    )
    _commit(
        r, root, {"models/support.yaml": example, "models/search.yaml": search}, "2026-10-02", ALICE
    )
    r.close()
    return root


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_status_text_and_exit_1_when_a_review_is_overdue(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["status", str(repo), "--as-of", "2026-10-10"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "Review status as of 2026-10-10"
    search = next(line for line in lines if line.startswith("models/search.yaml"))
    assert search.split()[1:] == [
        "search-bot",
        "search-team",
        "2026-06-01",
        "2026-07-01",
        "-101",
        "overdue",
    ]
    support = next(line for line in lines if line.startswith("models/support.yaml"))
    assert support.split()[-1] == "current"
    assert "policyengine: 2 models: 1 current, 1 overdue" in err


def test_status_exit_0_when_all_current(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["status", str(repo / "models" / "support.yaml"), "--as-of", "2026-10-10"], capsys
    )
    assert code == 0
    assert "support-assistant" in out and "search-bot" not in out


def test_status_json_to_a_file(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "status.json"
    code, out, _ = run(
        ["status", str(repo), "--as-of", "2026-12-25", "-f", "json", "-o", str(target)], capsys
    )
    assert out == ""
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [m["id"] for m in doc["models"]] == ["search-bot", "support-assistant"]
    support = doc["models"][1]
    assert (support["status"], support["due"], support["days_left"]) == (
        "due_soon",
        "2027-01-02",
        8,
    )
    assert code == 1  # search-bot is overdue


def test_status_shows_a_change_with_commit_and_author(
    repo: Path, example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    r = git.Repo(repo)
    changed = example.replace("permissions: write", "permissions: admin")
    sha = _commit(r, repo, {"models/support.yaml": changed}, "2026-10-20", BOB)
    r.close()
    code, out, _ = run(
        ["status", str(repo / "models" / "support.yaml"), "--as-of", "2026-10-21", "-f", "json"],
        capsys,
    )
    assert code == 1
    (model,) = json.loads(out)["models"]
    assert model["status"] == "review_required"
    (reason,) = model["reasons"]
    assert reason["rule"] == "change"
    assert reason["details"]["asset"] == "order-tool"
    assert reason["details"]["change"] == "permissions_changed"
    assert (reason["details"]["old"], reason["details"]["new"]) == ("write", "admin")
    assert (reason["details"]["commit"], reason["details"]["author"]) == (sha, "Bob Builder")
    assert reason["details"]["date"] == "2026-10-20"


def test_status_on_a_shallow_clone_is_unknown_with_the_fix(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    code, out, _ = run(
        ["status", str(clone / "models" / "support.yaml"), "--as-of", "2026-10-10"], capsys
    )
    assert code == 1  # unknown is not a pass (tests/cli/test_review_rules_untrusted.py)
    assert (
        "[unknown] change rule not evaluated: git history is shallow: fetch the full "
        "history (actions/checkout fetch-depth: 0)"
    ) in out


@pytest.mark.parametrize("fmt", ["markdown", "csv"])
def test_status_other_formats(repo: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["status", str(repo), "--as-of", "2026-10-10", "-f", fmt], capsys)
    assert code == 1
    assert "search-bot" in out and "overdue" in out


def test_config_defaults_and_globs(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (repo / "models" / "support.yaml").read_text(encoding="utf-8")
    text = text.replace("  cadence: quarterly ", "  x-cadence: removed ")
    (repo / "models" / "support.yaml").write_text(text, encoding="utf-8")
    (repo / ".policyengine.yaml").write_text(
        "models: [models/support.yaml]\nreview: {cadence: monthly, remind_before: 3}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(repo)
    code, out, _ = run(["status", "--as-of", "2026-10-29", "-f", "json"], capsys)
    (model,) = json.loads(out)["models"]
    assert (model["due"], model["status"]) == ("2026-11-02", "current")  # 4 days > 3
    assert code == 0
    code, out, _ = run(["remind", "--as-of", "2026-10-30"], capsys)
    assert code == 1 and "support-assistant  due_soon" in out


def test_remind_nothing_due_exits_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["remind", str(repo / "models" / "support.yaml"), "--as-of", "2026-10-10"], capsys
    )
    assert code == 0
    assert "Nothing is due." in out
    assert "0 of 1 models to review" in err


def test_remind_within_widens_the_window(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(repo / "models" / "support.yaml")
    code, out, _ = run(
        ["remind", path, "--as-of", "2026-10-10", "--within", "84", "-f", "markdown"], capsys
    )
    assert code == 1
    assert (
        "- [ ] **support-assistant** (`models/support.yaml`): current, due 2027-01-02 (in 84 days)"
        in out
    )
    code, _, _ = run(["remind", path, "--as-of", "2026-10-10", "--within", "83"], capsys)
    assert code == 0


def test_remind_within_narrows_the_configs_window(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13: `remind --within 5` listed a review due in 11 days (due_soon by the
    config's `remind_before: 14`). The window given wins both ways."""
    (repo / ".policyengine.yaml").write_text("review: {remind_before: 14}\n", encoding="utf-8")
    path = str(repo / "models" / "support.yaml")
    code, out, _ = run(["remind", path, "--as-of", "2026-12-22", "--within", "5"], capsys)
    assert (code, "Nothing is due." in out) == (0, True)
    code, out, _ = run(["remind", path, "--as-of", "2026-12-22", "--within", "11"], capsys)
    assert code == 1 and "support-assistant  due_soon  due 2027-01-02 (in 11 days)" in out
    code, out, _ = run(["remind", path, "--as-of", "2026-12-22"], capsys)  # remind_before
    assert code == 1 and "due_soon" in out


def test_remind_ics_names_the_owners_attendees(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".policyengine.yaml").write_text(
        "owners:\n  search-team: [sam@example.com, '@acme/search']\n", encoding="utf-8"
    )
    target = repo / "reviews.ics"
    code, _, _ = run(
        ["remind", str(repo / "models"), "--as-of", "2026-12-25", "-f", "ics", "-o", str(target)],
        capsys,
    )
    assert code == 1
    cal = icalendar.Calendar.from_ical(target.read_text(encoding="utf-8"))
    events = {str(e["x-policyengine-owner"]): e for e in cal.walk("VEVENT")}
    assert str(events["search-team"]["attendee"]) == "mailto:sam@example.com"
    assert events["search-team"].decoded("dtstart").isoformat() == "2026-12-25"  # overdue
    assert "attendee" not in events["ai-platform-team"]


def test_remind_names_an_owner_nobody_is_reached_for(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With `owners` configured, an owner missing from it (a typo in `metadata.owner`, or a
    pull request that moved the model to another team) is said in every format that
    reaches people, instead of a reminder that mentions and invites nobody."""
    (repo / ".policyengine.yaml").write_text(
        "owners:\n  search-team: [sam@example.com, '@acme/search']\n", encoding="utf-8"
    )
    argv = ["remind", str(repo / "models"), "--as-of", "2026-12-25"]
    code, out, err = run([*argv, "-f", "markdown"], capsys)
    assert code == 1
    platform = out.split("### ai-platform-team\n", 1)[1].split("### ", 1)[0]
    assert platform.startswith(
        "\n**No contact:** the config's `owners` has no entry for this owner, so nobody is "
        "mentioned or invited."
    )
    assert "No contact" not in out.split("### search-team\n", 1)[1]
    assert (
        "policyengine: warning: owner 'ai-platform-team' has no entry in the config's owners: "
        "nobody is reminded of 1 of its models"
    ) in err
    code, out, _ = run(argv, capsys)
    assert "ai-platform-team (no contact: the config's owners has no entry for this owner):" in out
    # without `owners` in the config nobody has contacts, and nothing is said
    (repo / ".policyengine.yaml").write_text("fail_on: high\n", encoding="utf-8")
    _, out, err = run([*argv, "-f", "markdown"], capsys)
    assert "No contact" not in out and "warning" not in err


def test_remind_ics_file_groups_owners(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "reviews.ics"
    code, out, _ = run(
        ["remind", str(repo), "--as-of", "2026-12-25", "-f", "ics", "-o", str(target)], capsys
    )
    assert code == 1 and out == ""
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    owners = sorted(str(e["x-policyengine-owner"]) for e in cal.walk("VEVENT"))
    assert owners == ["ai-platform-team", "search-team"]


@pytest.mark.parametrize(
    "argv",
    [
        ["remind", "--within", "-3"],
        ["remind", "--within", "soon"],
        ["status", "--as-of", "2026-02-30"],
    ],
    ids=["negative-days", "not-a-number", "no-such-date"],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["status", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and out == ""
    assert "no such file or folder" in err


# --- --fail-on: review verdicts as severities ---------------------------------------------


def test_a_failing_review_verdict_has_the_severity_check_gives_it() -> None:
    """status and remind rank unknown, overdue, review_required and never_reviewed as
    `check` does: the severity of TM-REVIEW-001, the check that fails on them."""
    review_check = load_policy_set([policies_dir()]).checks["TM-REVIEW-001"]
    failing = {
        ReviewStatus.UNKNOWN,
        ReviewStatus.OVERDUE,
        ReviewStatus.REVIEW_REQUIRED,
        ReviewStatus.NEVER_REVIEWED,
    }
    for status in ReviewStatus:
        expected = review_check.severity if status in failing else None
        assert review_severity(status) == expected, status
    assert review_check.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [(None, 1), ("low", 1), ("high", 1), ("critical", 0)],
    ids=["default-low", "low", "high", "critical"],
)
def test_status_fails_on_an_overdue_review_at_or_below_high(
    repo: Path, capsys: pytest.CaptureFixture[str], fail_on: str | None, code: int
) -> None:
    flags = ["--fail-on", fail_on] if fail_on else []
    got, out, _ = run(["status", str(repo), "--as-of", "2026-10-10", *flags], capsys)
    assert "overdue" in out  # search-bot
    assert got == code


def test_status_never_fails_on_due_soon(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    support = str(repo / "models" / "support.yaml")
    code, out, _ = run(["status", support, "--as-of", "2026-12-25", "--fail-on", "low"], capsys)
    assert out.splitlines()[-1].split()[-1] == "due_soon"
    assert code == 0


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [(None, 1), ("low", 1), ("medium", 0), ("critical", 0)],
    ids=["default-low", "low", "medium", "critical"],
)
def test_remind_counts_an_upcoming_review_as_low(
    repo: Path, capsys: pytest.CaptureFixture[str], fail_on: str | None, code: int
) -> None:
    support = str(repo / "models" / "support.yaml")
    flags = ["--fail-on", fail_on] if fail_on else []
    got, out, _ = run(["remind", support, "--as-of", "2026-12-25", *flags], capsys)
    assert "support-assistant" in out and "due_soon" in out
    assert got == code


@pytest.mark.parametrize(
    ("fail_on", "code"), [("high", 1), ("critical", 0)], ids=["high", "critical"]
)
def test_remind_counts_an_overdue_review_as_high(
    repo: Path, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    search = str(repo / "models" / "search.yaml")
    got, out, _ = run(["remind", search, "--as-of", "2026-10-10", "--fail-on", fail_on], capsys)
    assert "search-bot" in out and "overdue" in out
    assert got == code


def test_status_and_remind_ignore_the_configs_fail_on(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The config's fail_on is for check runs: a reminder still fails remind."""
    (repo / ".policyengine.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    code, _, _ = run(["status", str(repo), "--as-of", "2026-10-10"], capsys)
    assert code == 1
    code, _, _ = run(["remind", str(repo / "models"), "--as-of", "2026-12-25"], capsys)
    assert code == 1


def test_a_file_that_does_not_load_fails_at_any_fail_on(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "models" / "broken.yaml").write_text("kind: ThreatModel\nmetadata: [\n")
    support = str(repo / "models" / "support.yaml")
    broken = str(repo / "models" / "broken.yaml")
    for command in ("status", "remind"):
        argv = [command, support, broken, "--as-of", "2026-10-10", "--fail-on", "critical"]
        code, _, err = run(argv, capsys)
        assert code == 1, command
        assert "broken.yaml:3:1" in err
