"""The texts policyengine writes for the user to replace are placeholders to its own
detector (tester-a A7): every string of the `init` starter model, the `init-register`
starter and every `discover` draft of the corpus is walked, and each is judged a
placeholder exactly where it stands for the user's text (who owns the system, who ran the
exercise, the organisation, the system's description), and nowhere else (the made-up
example's statements, asset names found in code, ids and versions are text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from policyengine.catalog import load_controls
from policyengine.discovery import discover_report
from policyengine.register import starter_register
from policyengine.scaffold import starter_files
from policyengine.sources import read_sources
from policyengine.substance import hollow, placeholder

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "discovery"


def _strings(node: object, at: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    """(path with list indices as `*`, text) of every string in `node`."""
    if isinstance(node, str):
        yield "/".join("*" if isinstance(k, int) else k for k in at), node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*at, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, (*at, i))


def _judged(document: object, user_input: str) -> list[tuple[str, str, bool]]:
    """(path, text, judged a placeholder) of each string whose judgement is not what
    `user_input` (a regex of the paths that stand for the user's text) says it must be."""
    wrong = []
    for path, text in _strings(document):
        said = placeholder(text) and hollow(text, sentence=False) == "placeholder"
        if said != bool(re.fullmatch(user_input, path)):
            wrong.append((path, text, said))
    return wrong


def test_the_init_starter_model() -> None:
    text = starter_files(date(2026, 11, 27), "0.1.0", "5.6.1")["models/example.yaml"]
    model = yaml.safe_load(text)
    assert _judged(model, r"metadata/owner|controls/\*/owner|red_team/\*/performed_by") == []


def test_the_init_register_starter() -> None:
    register = yaml.safe_load(starter_register(load_controls()))
    assert register["controls"]  # the walk sees each decision
    assert _judged(register, r"organisation|controls/\*/(justification|owner)") == []


@pytest.mark.parametrize("project", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_every_discover_draft(project: str) -> None:
    sources, _ = read_sources([CORPUS / project], CORPUS / project)
    draft = discover_report(sources, project).draft
    assert _judged(draft, r"metadata/owner|metadata/x-draft|system/description") == []
