"""The evidence pack's dates: one meaning of the last day in force on every page (held on
that day, lapsed the day after), and nothing granted or approved after the as-of date is
shown in force (tester-a A3, A8)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import git
import pytest
from conftest import committed_examples

from policyengine.cli import main
from policyengine.config import load_config
from policyengine.evidence import pack_files
from policyengine.evidence.gather import gather
from policyengine.evidence.pack import UNTIL
from policyengine.pipeline import RunOptions

WHO = git.Actor("Auditee", "auditee@example.com")
REGISTER = "governance/register.yaml"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return committed_examples(tmp_path_factory)


def _pages(root: Path, as_of: date, tmp_path: Path) -> dict[str, str]:
    options = RunOptions(config=load_config(root), as_of=as_of)
    sources, _ = gather([root], options, target=tmp_path / "pack", register=REGISTER)
    files = pack_files(sources)
    return {name: files[name].decode() for name in ("commitments.md", "register/index.md")}


def _edited(examples: Path, tmp_path: Path, path: str, old: str, new: str) -> Path:
    """A clone of the examples with one committed edit."""
    root = tmp_path / "examples"
    git.Repo.clone_from(examples, root).close()
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")
    with git.Repo(root) as repo:
        repo.index.add([path])
        repo.index.commit("edit", author=WHO, committer=WHO)
    return root


def _section(page: str, heading: str) -> str:
    return page.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def test_an_acceptance_dated_after_the_as_of_date_is_not_yet_in_force(
    examples: Path, tmp_path: Path
) -> None:
    root = _edited(
        examples,
        tmp_path,
        "models/support-assistant.yaml",
        "      date: 2026-10-02\n      expires: 2027-01-31",
        "      date: 2027-01-15\n      expires: 2027-01-31",
    )
    page = _pages(root, date(2026, 11, 27), tmp_path)["commitments.md"]
    row = "| acceptance | `T-005` | head of support engineering | 2027-01-15 | 2027-01-31 |"
    assert row not in _section(page, "In force")
    assert row in _section(page, "Not yet in force (granted after 2026-11-27)")
    assert "not yet in force (granted after 2026-11-27): 1;" in page


def test_a_document_approved_after_the_as_of_date_is_not_shown_in_force(
    examples: Path, tmp_path: Path
) -> None:
    root = _edited(
        examples,
        tmp_path,
        REGISTER,
        "approver: AI governance board, approved: 2025-10-15",
        "approver: AI governance board, approved: 2027-06-15",
    )
    page = _pages(root, date(2026, 11, 27), tmp_path)["register/index.md"]
    (row,) = [r for r in page.splitlines() if r.startswith("| `DOC-ENVIRONMENT` |")]
    assert row.endswith("| 2027-06-15 | annual | **not yet approved** |")
    assert "2028-06-15" not in page


@pytest.mark.parametrize(
    ("as_of", "shown"),
    [
        (date(2026, 10, 15), "| 2025-10-15 | annual | 2026-10-15 |"),  # its due day
        (date(2026, 10, 16), "| 2025-10-15 | annual | 2026-10-15 (**expired**) |"),
    ],
    ids=["due-day", "day-after"],
)
def test_both_pages_give_the_last_day_in_force(
    examples: Path, tmp_path: Path, as_of: date, shown: str
) -> None:
    """The register's documents and the commitments have one column head and one meaning:
    DOC-ENVIRONMENT (approved 2025-10-15, annual) holds on 2026-10-15, as the model's
    attestations (2026-10-02, quarterly) hold on 2027-01-02."""
    pages = _pages(examples, as_of, tmp_path)
    (row,) = [r for r in pages["register/index.md"].splitlines() if "`DOC-ENVIRONMENT`" in r][:1]
    assert row.endswith(shown)
    for page in pages.values():
        assert f"| {UNTIL} |" in page and "| Expires |" not in page
    commitments = _pages(examples, date(2027, 1, 2), tmp_path)["commitments.md"]
    attestation = "| support-assistant | attestation | `iso42001/A.5.4` | "
    (held,) = [r for r in commitments.splitlines() if r.startswith(attestation)]
    assert "| 2026-10-02 | 2027-01-02 |" in held
    assert held in _section(commitments, "In force")


def test_a_waiver_longer_than_the_risk_criteria_allow_is_not_in_force(
    examples: Path, tmp_path: Path
) -> None:
    """It waives nothing (TM-WAIVER-003), so the pack does not list it in force until 2126
    (tester-a A10)."""
    root = _edited(
        examples,
        tmp_path,
        "models/support-assistant.yaml",
        "      expires: 2027-03-31",
        "      expires: 2126-03-31",
    )
    page = _pages(root, date(2026, 11, 27), tmp_path)["commitments.md"]
    row = "| support-assistant | waiver | `nist-ai-rmf/MEASURE 2.11` | AI governance board | - |"
    assert row not in _section(page, "In force")
    (lapsed,) = [r for r in _section(page, "Not in force").splitlines() if r.startswith(row)]
    assert "| 2126-03-31 |" in lapsed


@pytest.mark.parametrize(
    ("as_of", "held"), [(date(2027, 3, 2), True), (date(2027, 3, 3), False)], ids=["last", "after"]
)
def test_an_attestation_holds_in_the_pack_as_long_as_the_check_accepts_it(
    examples: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    as_of: date,
    held: bool,
) -> None:
    """The support assistant's review window is 92 days (reviewed 2026-10-02, quarterly);
    an attestation dated 2026-11-30 is within it through 2027-03-02 for TM-ATTEST-002, and
    the pack gives that day, not the calendar quarter from its own date (2027-02-28)."""
    line = "iso42001/A.5.4, evidence: docs/governance/impact-assessment-support-assistant.md, "
    line += "by: AI governance board, date: "
    root = _edited(
        examples,
        tmp_path,
        "models/support-assistant.yaml",
        line + "2026-10-02",
        line + "2026-11-30",
    )
    page = _pages(root, as_of, tmp_path)["commitments.md"]
    start = "| support-assistant | attestation | `iso42001/A.5.4` | AI governance board |"
    (row,) = [r for r in page.splitlines() if r.startswith(start)]
    assert "| 2026-11-30 | 2027-03-02 |" in row
    assert (row in _section(page, "In force")) is held
    model = str(root / "models" / "support-assistant.yaml")
    args = ["check", model, "--as-of", as_of.isoformat(), "-f", "json", "--allow-unknown-history"]
    assert main(args) in (0, 1)
    report = json.loads(capsys.readouterr().out)["models"][0]
    (attest,) = [c for c in report["checks"] if c["id"] == "TM-ATTEST-002"]
    pointers = {f["pointer"] for f in attest["findings"]}
    assert ("/compliance/attestations/13" not in pointers) is held
