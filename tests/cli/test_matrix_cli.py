"""`policyengine matrix` end to end on the bundled examples, in every format it offers.

Each format's output is compared with a golden file (`pytest --update-golden` rewrites
them); the xlsx workbook is compared as a text dump of what openpyxl reads from it (its
sheets, cells, fills, frozen panes and filters), and its bytes are compared between two
runs. Provenance digests are placeholders in the golden files (conftest.stable).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import (
    assert_golden,
    commit_placeholder,
    committed_examples,
    provenance_placeholders,
)
from conftest import run_cli as _run

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


@pytest.fixture
def in_examples(examples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(examples)
    return examples


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@cache
def _placeholders() -> dict[str, str]:
    return provenance_placeholders(EXAMPLES)


def _golden(name: str, text: str, update: bool) -> None:
    assert_golden(name, text, update, _placeholders() | commit_placeholder(Path.cwd()))


def test_matrix_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, err = _run(capsys, "matrix", "--as-of", AS_OF)
    assert code == 0, err
    assert "\x1b[" not in out  # not a terminal: no colour
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "MAP 5.1       Likelihood and magnitude of each identified impact documented" in out
    assert "  gap: AML.T0101 not_satisfied in [1]: TM-ATLAS-005 (1 finding)" in out
    (commit,) = commit_placeholder(in_examples)
    assert f"commit: {commit}\n" in out
    _golden("matrix-examples.txt", out, update)


def test_matrix_markdown(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "matrix", "--as-of", AS_OF, "--format", "markdown")
    assert code == 0
    assert "| MAP 5.1 | Likelihood and magnitude of each identified impact documented |" in out
    assert "## Provenance" in out
    _golden("matrix-examples.md", out, update)


def test_matrix_csv(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "matrix", "--as-of", AS_OF, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["model_id"] for r in rows} == {
        "coding-agent",
        "partner-classifier",
        "support-assistant",
    }
    cell = next(r for r in rows if r["control"] == "AML.T0101" and r["model_id"] == "coding-agent")
    assert (cell["status"], cell["failed"], cell["findings"]) == (
        "not_satisfied",
        "TM-ATLAS-005",
        "1",
    )
    assert cell["title"] and all(r["as_of"] == AS_OF for r in rows)
    _golden("matrix-examples.csv", out, update)


def test_matrix_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "matrix", "--as-of", AS_OF, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 3
    assert [fw["framework"] for fw in doc["frameworks"]] == ["nist-ai-rmf", "iso42001", "atlas"]
    for fw in doc["frameworks"]:
        own = [c for row in fw["controls"] if not row["organisation"] for c in row["cells"]]
        org = [row for row in fw["controls"] if row["organisation"]]
        # the totals count every model's cell with a result, each status once, and an
        # organisation control once for the repository, not once per model
        assert sum(fw["totals"].values()) + fw["unjudged"] == len(own) + len(org)
        assert all(row["judged_by"] == "organisation" for row in org)
        for row in org:  # every model inherits the register's one result
            assert {c["status"] for c in row["cells"]} == {row["organisation"]["status"]}
        assert all(row["title"] for row in fw["controls"])
    # every cell the checks satisfy points at what it rests on: the parts of the model the
    # passing checks judged, located; a check that did not run is listed apart
    cells = [c for fw in doc["frameworks"] for row in fw["controls"] for c in row["cells"]]
    satisfied = [c for c in cells if c["status"] == "satisfied"]
    assert satisfied and all(c["judged"] for c in satisfied)
    assert all(not c["judged"] for c in cells if c["status"] not in (
        "satisfied", "attested", "partial"))  # fmt: skip
    for c in satisfied:
        assert not set(c["checks"]) & set(c["not_run"])
        for j in c["judged"]:
            assert (
                j["file"] == c["model"]
                and j["line"] > 0
                and set(j["judged_by"]) <= set(c["checks"])
            )
    nist = {row["id"]: row for row in doc["frameworks"][0]["controls"]}
    monitoring = nist["MEASURE 2.4"]["cells"][2]  # support-assistant
    assert monitoring["status"] == "satisfied"
    (controls,) = monitoring["judged"]
    assert (controls["pointer"], controls["judged_by"], controls["items"]) == (
        "/controls",
        ["TM-CTRL-002"],
        len(yaml.safe_load(Path("models/support-assistant.yaml").read_text())["controls"]),
    )
    inventory = nist["MAP 4.1"]["cells"][2]
    assert {"TM-CODE-001", "TM-CODE-004"} <= set(inventory["not_run"])
    assert not any(c.startswith("TM-CODE-") for c in inventory["checks"])
    assert doc["provenance"]["policy_digest"] in _placeholders()
    scores = {t["id"]: (t["likelihood"], t["impact"]) for t in doc["models"][2]["threats"]}
    assert scores["T-001"] == (4, 4)
    _golden("matrix-examples.json", out, update)


def test_matrix_html(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "matrix", "--as-of", AS_OF, "--format", "html")
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    assert "http://" not in out and "https://" not in out  # nothing to load from anywhere
    assert 'id="filter-framework"' in out and 'class="risk"' in out
    _golden("matrix-examples.html", out, update)


def _dump(path: Path) -> str:
    """What a spreadsheet shows: every sheet's frozen cell, filter range and cells (value
    and fill colour)."""
    book = openpyxl.load_workbook(path)
    lines = [f"created: {book.properties.created.isoformat()}"]
    for ws in book.worksheets:
        lines.append(f"sheet {ws.title}: freeze {ws.freeze_panes}, filter {ws.auto_filter.ref}")
        for row in ws.iter_rows():
            cells = []
            for c in row:
                if c.value is None:
                    continue
                fill = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else ""
                cells.append(f"{c.coordinate}={c.value!r}" + (f" [{fill}]" if fill else ""))
            if cells:
                lines.append("  " + " ".join(cells))
    return "\n".join(lines) + "\n"


def test_matrix_xlsx(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    code, out, _ = _run(capsys, "matrix", "--as-of", AS_OF, "-f", "xlsx", "-o", str(first))
    assert code == 0 and out == ""
    _run(capsys, "matrix", "--as-of", AS_OF, "-f", "xlsx", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()  # fixed timestamps: the same bytes
    book = openpyxl.load_workbook(first)
    assert book.sheetnames == ["nist-ai-rmf", "iso42001", "atlas", "cells", "about"]
    nist = book["nist-ai-rmf"]
    assert nist.freeze_panes == "C2" and nist.auto_filter.ref == "A1:G41"
    assert nist["A18"].value == "MAP 5.1" and nist["B18"].value.startswith("Likelihood")
    assert nist["E18"].value == "not_satisfied" and nist["E18"].fill.fgColor.rgb == "FFFFC7CE"
    _golden("matrix-examples.xlsx.txt", _dump(first), update)


@pytest.mark.parametrize(
    "unwritable", ["README.md/m.xlsx", "/sys/policyengine-test.xlsx"], ids=["file", "sysfs"]
)
def test_matrix_csv_and_xlsx_written_both_or_neither(
    in_examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, unwritable: str
) -> None:
    """tester-c C5: the csv was written, then the xlsx could not be (exit 2)."""
    if unwritable.startswith("/sys/") and not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    csv_file = tmp_path / "m.csv"
    csv_file.write_text("old\n", encoding="utf-8")
    code, out, err = _run(
        capsys, "matrix", "--as-of", AS_OF, "-f", "csv,xlsx", "-o", f"{csv_file},{unwritable}"
    )
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert csv_file.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


def test_matrix_xlsx_is_refused_on_a_terminal(in_examples: Path) -> None:
    """A workbook is not written to a terminal; colour comes only on a terminal, and
    never with NO_COLOR."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, out = _on_terminal(["matrix", "--as-of", AS_OF, "-f", "xlsx"], env, in_examples)
    assert code == 2 and "give --output FILE" in out
    code, out = _on_terminal(["matrix", "--as-of", AS_OF], env, in_examples)
    assert code == 0 and "\x1b[32m+\x1b[0m" in out
    code, out = _on_terminal(["matrix", "--as-of", AS_OF], {**env, "NO_COLOR": "1"}, in_examples)
    assert code == 0 and "\x1b[" not in out and "MAP 5.1" in out
    # an empty NO_COLOR is unset (no-color.org, and the README says so)
    code, out = _on_terminal(["matrix", "--as-of", AS_OF], {**env, "NO_COLOR": ""}, in_examples)
    assert code == 0 and "\x1b[32m+\x1b[0m" in out
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "never with `NO_COLOR` set to any non-empty value" in readme


def _on_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal: (exit status, output)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "policyengine", *argv],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", errors="replace")


def test_invalid_model_has_no_result_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    broken = tmp_path / "ex" / "models" / "coding-agent.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\nunknown_key: 1\n", encoding="utf-8")
    code, out, _ = _run(capsys, "matrix", str(tmp_path / "ex"), "--as-of", AS_OF, "-f", "json")
    doc = json.loads(out)
    assert code == 1
    assert [m["valid"] for m in doc["models"]] == [False, True, True]
    first = doc["frameworks"][0]["controls"][0]["cells"]
    assert first[0]["status"] is None and first[1]["status"] == "satisfied"
