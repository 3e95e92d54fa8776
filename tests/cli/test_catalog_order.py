"""Controls are listed in the catalogs' order (numbers as numbers: `A.2.2` before `A.10.4`,
`MEASURE 2.9` before `MEASURE 2.10`), in `policyengine checks` and in the text report's
grouped lines, never as strings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import committed_examples

from policyengine.catalog import control_order, load_controls
from policyengine.cli import main


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


def _catalog_rank() -> dict[str, int]:
    """Each control key's place in its catalog file."""
    catalog = load_controls()
    rank: dict[str, int] = {}
    for framework in ("nist-ai-rmf", "iso42001"):
        for i, control in enumerate(catalog.for_framework(framework)):
            rank[control.key] = i
    return rank


def _in_catalog_order(keys: list[str], rank: dict[str, int]) -> bool:
    """Whether the keys of each framework follow one another in catalog order."""
    for framework in ("nist-ai-rmf/", "iso42001/"):
        ours = [rank[k] for k in keys if k.startswith(framework)]
        if ours != sorted(ours):
            return False
    return True


def test_the_natural_order_is_the_catalogs_order() -> None:
    catalog = load_controls()
    for framework in ("nist-ai-rmf", "iso42001"):
        ids = [c.id for c in catalog.for_framework(framework)]
        assert ids == sorted(ids, key=control_order)
    assert sorted(["A.10.4", "A.2.2", "A.9.2"], key=control_order) == ["A.2.2", "A.9.2", "A.10.4"]
    assert sorted(["A.10.4", "A.2.2"]) == ["A.10.4", "A.2.2"]  # what string order did


def test_checks_lists_controls_in_catalog_order(
    examples: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(examples)
    assert main(["checks", "--format", "json"]) == 0
    checks = {c["id"]: c["controls"] for c in json.loads(capsys.readouterr().out)["checks"]}
    rank = _catalog_rank()
    for check_id, controls in checks.items():
        known = [k for k in controls if k in rank]
        assert _in_catalog_order(known, rank), check_id
    register = checks["TM-REG-001"]
    assert register.index("iso42001/A.2.2") < register.index("iso42001/A.10.4")
    attest = checks["TM-ATTEST-001"]
    assert attest.index("nist-ai-rmf/MEASURE 2.9") < attest.index("nist-ai-rmf/MEASURE 2.10")
    assert main(["checks"]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("TM-REG-001"))
    assert line.index("iso42001/A.2.2,") < line.index("iso42001/A.10.4,")


def test_grouped_lines_list_controls_in_catalog_order(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", str(examples), "--as-of", "2026-11-27", "--format", "text"])
    out = capsys.readouterr().out
    rank = _catalog_rank()
    grouped = [x for x in out.splitlines() if re.search(r"TM-ATTEST-00[12] \d+ x ", x)]
    assert grouped
    for line in grouped:
        listed = line.split('": ', 1)[1].split(", ")
        assert _in_catalog_order(listed, rank), line
    nist = next(x for x in grouped if "TM-ATTEST-001" in x)
    assert nist.index("MEASURE 2.9,") < nist.index("MEASURE 2.10,")
