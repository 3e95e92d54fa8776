"""Placeholder text: what counts as saying nothing, and where the facts point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from policyengine.policyset import load_policy_set
from policyengine.substance import hollow, in_substance, placeholder_document, placeholders


@pytest.mark.parametrize(
    "text", ["x", "X", " x ", "-", "--", "?", "TBD", "tbd.", "TODO", "n/a", "N/A", "na", "tba",
             "Lorem ipsum dolor sit amet", "", "   ", "xxx", "\u00a0", "\u200b", "\ufeff\u2060 ",
             "tbd\u200d"],
)  # fmt: skip
def test_placeholders(text: str) -> None:
    assert hollow(text, sentence=False) == "placeholder"


@pytest.mark.parametrize(
    "text", ["support agents", "Alex", "ai-platform-team", "C-01 owner", "Ольга", "é", "日本"]
)
def test_names_are_not_placeholders(text: str) -> None:
    assert hollow(text, sentence=False) is None


@pytest.mark.parametrize(
    "text", ["replace with who ran your first exercise", "Replace this.", "your-team",
             "Your organisation", "your_org", "your team name", "<owner>", "unassigned",
             "Unknown", "not yet assigned", "to be decided", "TO BE CONFIRMED by legal",
             "Drafted by policyengine discover from the code: describe the system."],
)  # fmt: skip
def test_text_still_to_fill_in_is_a_placeholder(text: str) -> None:
    assert hollow(text, sentence=True) == "placeholder"


@pytest.mark.parametrize(
    "text", ["S3", "GPU", "ml-eng", "none", "your customers", "Unknown callers are blocked",
             "Replacement parts team", "team", "Not applicable to minors", "to be fair"],
)  # fmt: skip
def test_short_names_and_statements_are_not_text_to_fill_in(text: str) -> None:
    assert hollow(text, sentence=False) is None


def test_a_sentence_needs_a_few_words() -> None:
    assert hollow("Public chat", sentence=True) == "short"
    assert hollow("Public web chat", sentence=True) is None
    assert hollow("Public chat", sentence=False) is None


def test_facts_name_the_check_the_field_and_its_owner() -> None:
    model = {
        "metadata": {"id": "m", "owner": "team"},
        "system": {"intended_purpose": "TBD", "users": ["customers", "x"]},
        "threats": [{"id": "T-1", "title": "Prompt injection", "assumptions": ["ok", "Two words"]}],
        "compliance": {"waivers": [{"control": "iso42001/A.7.6", "reason": "n/a"}]},
    }
    assert placeholders(model) == [
        {"check": "TM-TEXT-001", "path": ["system", "intended_purpose"],
         "field": "system.intended_purpose of model", "owner": ["metadata", "id"],
         "kind": "placeholder text",
         "controls": ["nist-ai-rmf/MAP 1.1", "iso42001/A.6.2.2", "iso42001/A.9.4"]},
        {"check": "TM-TEXT-001", "path": ["system", "users", 1],
         "field": "a user in system.users of model", "owner": ["metadata", "id"],
         "kind": "placeholder text", "controls": ["nist-ai-rmf/MAP 1.1"]},
        {"check": "TM-TEXT-002", "path": ["threats", 0, "assumptions", 0],
         "field": "an assumption of threat", "owner": ["threats", 0, "id"],
         "kind": "too short to state anything", "controls": []},
        {"check": "TM-TEXT-002", "path": ["threats", 0, "assumptions", 1],
         "field": "an assumption of threat", "owner": ["threats", 0, "id"],
         "kind": "too short to state anything", "controls": []},
        {"check": "TM-TEXT-003", "path": ["compliance", "waivers", 0, "reason"],
         "field": "the reason of the waiver of", "owner": ["compliance", "waivers", 0, "control"],
         "kind": "placeholder text", "controls": []},
    ]  # fmt: skip


def test_tasks_uses_interfaces_and_validation_texts_are_judged() -> None:
    model = {
        "metadata": {"id": "m", "owner": "team"},
        "system": {"ai_tasks": ["classification", "x"], "out_of_scope_uses": ["TBD"]},
        "surfaces": [
            {"id": "s", "interfaces": [{"who": "-", "user_information": "Told it is AI."}]}
        ],
        "threats": [
            {"id": "T-1", "validation": {"note": "n/a", "rationale": "Fixed in the gateway."}}
        ],
    }
    found = [(p["check"], p["path"], p["owner"], p["kind"]) for p in placeholders(model)]
    assert found == [
        ("TM-TEXT-006", ["system", "ai_tasks", 1], ["metadata", "id"], "placeholder text"),
        ("TM-TEXT-006", ["system", "out_of_scope_uses", 0], ["metadata", "id"], "placeholder text"),
        ("TM-TEXT-007", ["surfaces", 0, "interfaces", 0, "who"], ["surfaces", 0, "id"],
         "placeholder text"),
        ("TM-TEXT-002", ["threats", 0, "validation", "note"], ["threats", 0, "id"],
         "placeholder text"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text", ["TBD TBD TBD", "TODO, TBD", "TODO: write this", "TBD - after the pilot",
             "FIXME (owner to add)"],
)  # fmt: skip
def test_markers_and_notes_of_what_is_missing_are_placeholders(text: str) -> None:
    assert hollow(text, sentence=True) == "placeholder"


@pytest.mark.parametrize(
    "text", ["Todo list exports are out of scope", "todo-list service", "test plan attached"],
)  # fmt: skip
def test_a_marker_word_inside_a_statement_is_not_a_placeholder(text: str) -> None:
    assert hollow(text, sentence=False) is None


@pytest.mark.parametrize(
    "text",
    [
        "TODO: write this document. TBD TBD TBD.\n",
        "lorem ipsum dolor sit amet, report to follow\n",
        "TODO: hr-bot impact assessment to be written.\n",
        "# Monitoring\n\n- TODO\n",
        "# Impact assessment\n\n## Scope\n",
        "| a | b |\n|---|---|\n| TBD | TBD |\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
        "Sed do eiusmod tempor incididunt ut labore.\nWe log answers.\n",
    ],
)
def test_placeholder_documents(text: str) -> None:
    assert placeholder_document(text)


@pytest.mark.parametrize(
    "text",
    [
        "# Editor approval for hr-bot\n"
        "Every page is approved by an HR editor before the hr-bot index picks it up.\n",
        "# Monitoring\n\nAnswers are logged; people-tech samples fifty a day.\n"
        "Each sample is scored against the policy.\n\nTODO: link the dashboard.\n",
        '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}\n',
    ],
)
def test_documents_with_statements_are_evidence(text: str) -> None:
    assert not placeholder_document(text)


def test_each_field_fails_only_controls_its_check_declares(repo_root: Path) -> None:
    # Every field of the hollow model is "x": each narrowed field names a subset of its
    # check's METADATA controls (evaluate refuses any other), and the TM-TEXT-006 fields
    # split its controls between them.
    model = yaml.safe_load((repo_root / "tests/data/hollow/models/hollow.yaml").read_text())
    checks = load_policy_set([repo_root / "policies"]).checks
    found = placeholders(model)
    assert {p["check"] for p in found} >= {"TM-TEXT-001", "TM-TEXT-006"}
    for p in found:
        assert set(p["controls"]) <= set(checks[p["check"]].control_keys()), p
    narrowed = {tuple(p["path"][:2]): p["controls"] for p in found if p["check"] == "TM-TEXT-006"}
    assert narrowed == {
        ("system", "ai_tasks"): ["nist-ai-rmf/MAP 2.1"],
        ("system", "out_of_scope_uses"): ["nist-ai-rmf/MAP 2.2", "nist-ai-rmf/MAP 3.3"],
    }


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("Dependencies \u0430re pinned by hash.", "dependencies are pinned by hash"),  # Cyrillic а
        ("\uff30inned", "pinned"),  # full-width P
        ("pin\u200bned", "pinned"),  # zero-width space
        ("\U0001d429inned", "pinned"),  # mathematical bold p
        ("\u03a1\u039f\u0391", "poa"),  # Greek capitals that read as Latin
    ],
)
def test_look_alike_text_is_read_as_a_reader_reads_it(text: str, same_as: str) -> None:
    assert in_substance(text) == same_as


def test_text_in_another_script_is_kept() -> None:
    assert (
        in_substance("Отмена заказа") == "otmeha заказа"
    )  # a word that reads Latin, one that does not
    assert in_substance("Ωμέγα") == "ωμέγα"
    assert in_substance("are") != in_substance("arc")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text_is_weighed_as_the_unicode_path_weighs_it(text: str) -> None:
    """ASCII text takes a short path; a zero-width space (dropped) sends the same text
    down the general one: both must read it alike."""
    assert in_substance(text) == in_substance(text + "\u200b") == in_substance("\u200b" + text)


def _hollow_as_specified(text: str, *, sentence: bool) -> str | None:
    """The judgement of `hollow` written out plainly, as the module docstrings state it."""
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
    plain = " ".join(text.translate(invisible).split()).lower().rstrip(".!:;, ")
    marker = r"(?:tbd|tba|tbc|todo|fixme|xxx+|placeholder)"
    word = r"^(x+|-+|\?+|\.+|tbd|tba|tbc|todo|fixme|n/?a|none yet|lorem\b.*|placeholder|xxx+|test)$"
    lorem = set(
        "lorem ipsum dolor amet consectetur adipiscing elit sed eiusmod tempor incididunt "
        "labore dolore magna aliqua enim minim veniam quis nostrud exercitation ullamco "
        "laboris nisi aliquip commodo consequat duis aute irure reprehenderit voluptate velit "
        "esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat proident culpa "
        "officia deserunt mollit anim laborum".split()
    )
    # text still to fill in, the whole text: an instruction to replace it, the reader's own
    # team or organisation, a slot in angle brackets, nobody or nothing named yet, a draft
    # the tool wrote
    fill_in = (
        r"replace (with|this|me)\b.*",
        r"your[ _-](own[ _-])?(team|org|organisation|organization|company|name|owner|role|group)"
        r"([ _-](name|here))?",
        r"<[^<>]*>",
        r"unassigned|unknown|not (yet )?(assigned|known|decided|named)",
        r"to be (assigned|decided|determined|defined|confirmed|named|written|added)\b.*",
        r"(drafted|written) by policyengine\b.*",
    )
    words = re.findall(r"\w+", plain)
    filler = sum(w in lorem for w in words)
    if (
        not plain
        or any(re.fullmatch(f, plain) for f in fill_in)
        or re.match(word, plain)
        or re.match(rf"^{marker}(?:[\s,.;:!|-]+{marker})*$", plain)
        or re.match(rf"^{marker}\b\s*(?:[:(\[]|-\s)", plain)
        or (len(words) >= 3 and filler >= 3 and 2 * filler > len(words))
    ):
        return "placeholder"
    if sentence and len(re.findall(r"\w+", text)) < 3:
        return "short"
    return None


_PIECES = st.sampled_from(
    ["TBD", "todo", "x", "n/a", "lorem", "ipsum", "dolor", "amet", "-", ":", " ", "\u200b",
     "İ", "ß", "word", "The", "model", "...", "(", "\t", "XXX", "fixme -", "none yet",
     "replace with", "Your", "team", "-org", "_", "<", ">", "unknown", "not yet", "assigned",
     "to be decided", "Drafted by policyengine", "own", "here"]
)  # fmt: skip


@given(st.lists(_PIECES | st.text(max_size=8), max_size=8).map("".join), st.booleans())
@example("\u0130x y", True)  # lower case makes İ two characters, x a word of its own
def test_hollow_judges_text_as_its_rules_state(text: str, sentence: bool) -> None:
    assert hollow(text, sentence=sentence) == _hollow_as_specified(text, sentence=sentence)


def test_fields_other_checks_read_are_listed_for_those_checks() -> None:
    # A placeholder where a check asks for a field counts as absent for that check: the
    # fact names it. A read-only tool's approval step and a model's provenance source are
    # read by no check; `none` is a stated approval decision.
    model = {
        "metadata": {"id": "m", "owner": "team"},
        "assets": [
            {
                "id": "d",
                "type": "dataset",
                "provenance": {"source": "x"},
                "ingestion": {"writers": ["ml-eng", "TBD"]},
                "quality": {"labels": "n/a", "dupes": "none"},
            },
            {
                "id": "w",
                "type": "agent_tool",
                "permissions": "write",
                "blast_radius": "-",
                "human_approval": "none",
            },
            {"id": "r", "type": "agent_tool", "permissions": "read", "human_approval": "x"},
            {"id": "b", "type": "base_model", "provenance": {"source": "x"}},
        ],
        "red_team": [
            {"id": "rt", "tools": ["garak 0.9", "x"], "test_sets": ["TBD"], "metrics": ["S3"]}
        ],
    }
    found = [(p["check"], p["path"], p["field"], p["owner"][:2]) for p in placeholders(model)]
    assert found == [
        ("TM-ISO-020", ["assets", 0, "provenance", "source"], "provenance source", ["assets", 0]),
        ("TM-ISO-021", ["assets", 0, "ingestion", "writers", 1], "writers", ["assets", 0]),
        ("TM-ISO-023", ["assets", 0, "quality", "labels"], "quality", ["assets", 0]),
        ("TM-ISO-011", ["assets", 1, "blast_radius"], "blast_radius", ["assets", 1]),
        ("TM-REDTEAM-004", ["red_team", 0, "tools", 1], "tools", ["red_team", 0]),
        ("TM-REDTEAM-004", ["red_team", 0, "test_sets", 0], "test_sets", ["red_team", 0]),
    ]  # fmt: skip
