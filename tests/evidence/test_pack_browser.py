"""The evidence pack's HTML pages in a real headless browser: Debian's chromium, driven by
Selenium through Debian's chromedriver (`.ci/run` installs both with apt), as the matrix's
HTML test does.

Every page of the pack renders, is not blank, logs no console error (a model field forged
to load an image would log one, were it not escaped), loads nothing, and the heat map of a
model is painted by risk band. Locally the tests skip when chromium is missing; in CI
(`CI=true`) they fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import git
import pytest

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
FORGED_OWNER = "<img src=x onerror=\"document.title='pwned'\"> | =cmd"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack of the examples, committed, one model's owner forged to carry markup."""
    root = tmp_path_factory.mktemp("html") / "examples"
    shutil.copytree(REPO / "examples", root)
    model = root / "models" / "partner-classifier.yaml"
    text = model.read_text(encoding="utf-8")
    forged = FORGED_OWNER.replace('"', '\\"')
    model.write_text(text.replace("owner: risk-ml", f'owner: "{forged}"', 1), encoding="utf-8")
    repo = git.Repo.init(root)
    repo.git.add("--all")
    who = git.Actor("Examples", "examples@example.com")
    repo.index.commit("examples", author=who, committer=who)
    repo.close()
    out = root.parent / "pack"
    assert main(["evidence", str(root), "--as-of", "2026-11-27", "--out", str(out)]) == 0
    return out


PAGES = [
    "index.html",
    "models/support-assistant/index.html",
    "models/partner-classifier/index.html",
    "models/coding-agent/index.html",
    "frameworks/nist-ai-rmf.html",
    "red-team.html",
    "reviews.html",
    "commitments.html",
    "matrix/matrix.html",
    "register/index.html",
    "soa/index.html",
]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_console_errors(browser: Any, pack: Path, name: str) -> None:
    browser.get("about:blank")
    browser.get_log("browser")  # nothing before the page counts
    browser.get((pack / name).as_uri())
    body = browser.find_element("tag name", "body").text
    assert len(body) > 200
    assert browser.execute_script("return document.querySelectorAll('h1').length") == 1
    assert browser.execute_script("return document.images.length") == 0
    assert browser.title != "pwned"
    names = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert names == []
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []


def test_index_links_and_forged_owner(browser: Any, pack: Path) -> None:
    browser.get((pack / "index.html").as_uri())
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
    )
    assert "models/support-assistant/index.html" in hrefs
    assert "red-team.html" in hrefs and "matrix/matrix.xlsx" in hrefs
    assert FORGED_OWNER in browser.find_element("tag name", "body").text


def test_heat_map_is_painted_by_band(browser: Any, pack: Path) -> None:
    browser.get((pack / "models/support-assistant/index.html").as_uri())
    cells = browser.execute_script("return document.querySelectorAll('table.heat td').length")
    assert cells == 25
    colour = browser.execute_script(
        "return getComputedStyle(document.querySelector('table.heat td.r-critical'))"
        ".backgroundColor"
    )
    assert colour == "rgb(255, 155, 155)"
    first = browser.execute_script(
        "return document.querySelector('table.heat tbody tr td:nth-child(5)').textContent"
    )
    assert first == ""  # likelihood 5, impact 4: no threat there
    t001 = browser.execute_script(
        "return document.querySelector('table.heat tbody tr:nth-child(2) td:nth-child(5)')"
        ".textContent"
    )
    assert t001 == "T-001"  # likelihood 4, impact 4
