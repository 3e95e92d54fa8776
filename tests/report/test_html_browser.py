"""The HTML matrix in a real headless browser: Debian's chromium, driven by Selenium
through Debian's chromedriver (`.ci/run` installs both with apt; a browser download of
its own cannot be reached from our machines).

The page renders, is not blank, logs no console error (a model field forged to load an
image would log one, were it not escaped), loads nothing, and each filter changes what
is shown. Locally the tests skip when chromium is missing; in CI (`CI=true`) they fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
FORGED_OWNER = "<img src=x onerror=\"document.title='pwned'\"> | =cmd"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML matrix of the examples, one model's owner forged to carry markup."""
    root = tmp_path_factory.mktemp("html") / "examples"
    shutil.copytree(REPO / "examples", root)
    model = root / "models" / "partner-classifier.yaml"
    text = model.read_text(encoding="utf-8")
    assert "owner: risk-ml" in text
    forged = FORGED_OWNER.replace('"', '\\"')
    model.write_text(text.replace("owner: risk-ml", f'owner: "{forged}"', 1), encoding="utf-8")
    out = root.parent / "matrix.html"
    code = main(["matrix", str(root), "--as-of", "2026-11-27", "-f", "html", "-o", str(out)])
    assert code == 0
    return out


@pytest.fixture
def loaded(browser: Any, page: Path) -> Any:
    browser.get(page.as_uri())
    browser.get_log("browser")  # nothing before the page counts
    browser.get(page.as_uri())
    return browser


def _shown_cells(driver: Any) -> int:
    """Heat-map cells shown and not dimmed, counted by the browser's own layout."""
    count: int = driver.execute_script(
        "return Array.from(document.querySelectorAll('table.heat td.cell'))"
        ".filter(td => td.offsetParent !== null && !td.classList.contains('dim')).length;"
    )
    return count


def _select(driver: Any, which: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", f"filter-{which}")).select_by_value(value)


def test_page_renders_without_console_errors(loaded: Any) -> None:
    assert loaded.title == "Control-coverage matrix (2026-11-27)"
    body = loaded.find_element("tag name", "body").text
    assert "MAP 5.1" in body and "Likelihood by impact, per model" in body
    assert loaded.execute_script("return document.body.scrollHeight") > 1000
    # the cells are painted in their status's colour, not left blank
    colour = loaded.execute_script(
        "return getComputedStyle(document.querySelector('td.s-satisfied')).backgroundColor"
    )
    assert colour == "rgb(198, 239, 206)"
    errors = [e for e in loaded.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []


def test_model_text_stays_text(loaded: Any) -> None:
    assert loaded.execute_script("return document.images.length") == 0
    assert FORGED_OWNER in loaded.find_element("id", "models").text
    assert loaded.title != "pwned"


def test_nothing_is_loaded_from_elsewhere(loaded: Any) -> None:
    names = loaded.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert names == []


def test_filters_change_what_is_shown(loaded: Any) -> None:
    everything = _shown_cells(loaded)
    assert everything == 3 * (40 + 45 + 16)
    assert loaded.find_element("id", "shown").text == f"{everything} cells shown"

    _select(loaded, "status", "not_satisfied")
    gaps = _shown_cells(loaded)
    assert 0 < gaps < everything
    rows = loaded.execute_script(
        "return Array.from(document.querySelectorAll('table.heat tbody tr'))"
        ".filter(tr => tr.offsetParent !== null).length;"
    )
    assert rows < 40 + 45 + 16

    _select(loaded, "model", "0")
    mine = _shown_cells(loaded)
    assert 0 < mine < gaps
    risk_maps = loaded.execute_script(
        "return Array.from(document.querySelectorAll('div.risk'))"
        ".filter(d => d.offsetParent !== null).map(d => d.dataset.model);"
    )
    assert risk_maps == ["0"]

    _select(loaded, "framework", "atlas")
    # the coding agent's ATLAS gaps: AML.T0018, T0024, T0040, T0101
    assert _shown_cells(loaded) == 4
    assert loaded.find_element("id", "shown").text == "4 cells shown"

    for which in ("framework", "status", "model"):
        _select(loaded, which, "")
    assert _shown_cells(loaded) == everything
