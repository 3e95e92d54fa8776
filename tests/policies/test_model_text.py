"""Model text never changes what the engines answer: policies return pointers, numbers and
their own words, and the messages are rendered in Python (policyengine.message).

regopy writes strings into its text output without escaping them; before, an evidence path
holding `"}]}]], "deny":[[]], ...` rewrote the embedded engine's result (TM-ISO-061
vanished) and a single `"` made the run exit 2 on that engine only.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import running_opa

from policyengine.applicability import load_mapping
from policyengine.atlas import load_catalog
from policyengine.engine import EngineOutput
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.opa import OpaEngine
from policyengine.engine.wasm import WasmEngine
from policyengine.evaluate import build_facts, policy_input
from policyengine.loader import load_document
from policyengine.policyset import PolicySet, load_policy_set
from policyengine.results import ReviewStatus

pytestmark = pytest.mark.opa

INJECTION = 'docs/x.md"}]}]], "deny":[[]], "x":[[{"each":[{"msg":"b'


def _example(repo_root: Path, name: str = "support-assistant") -> dict[str, Any]:
    data = load_document(repo_root / "examples" / "models" / f"{name}.yaml", repo_root).data
    assert isinstance(data, dict)
    return data


def _input(model: dict[str, Any]) -> dict[str, Any]:
    facts = build_facts(
        model,
        as_of=date(2026, 11, 27),
        review_status=ReviewStatus.CURRENT,
        cadence_days=92,
        atlas=load_catalog(),
        mapping=load_mapping(),
        evidence_exists=lambda rel: rel.startswith("docs/controls/"),
    )
    return json.loads(json.dumps(policy_input(model, facts)))


def _messages(ps: PolicySet, out: EngineOutput, model: dict[str, Any]) -> list[str]:
    """Every finding rendered; fails when one does not render."""
    rendered = []
    for d in out.deny:
        message = ps.checks[d["rule_id"]].message
        assert message is not None, d["rule_id"]
        rendered.append(f"{d['rule_id']}: {message.render(d['params'], model)}")
    return rendered


def _both(ps: PolicySet, opa_bin: str, models: list[dict[str, Any]]) -> list[EngineOutput]:
    inputs = [_input(m) for m in models]
    embedded = EmbeddedEngine(workers=1).evaluate(ps, inputs)
    with running_opa(opa_bin) as url:
        opa = OpaEngine(url).evaluate(ps, inputs)
    on_wasm = WasmEngine().evaluate(ps, inputs)
    for i, (ours, wasm) in enumerate(zip(embedded, on_wasm, strict=True)):
        assert ours == wasm, f"model {i}: regopy and wasm differ"
    for i, (ours, theirs) in enumerate(zip(embedded, opa, strict=True)):
        only_ours = [d for d in ours.deny if d not in theirs.deny]
        only_opa = [d for d in theirs.deny if d not in ours.deny]
        assert ours == theirs, f"model {i}: regopy only {only_ours}, OPA only {only_opa}"
    return embedded


def _verified_evidence(model: dict[str, Any]) -> tuple[int, int]:
    for i, control in enumerate(model["controls"]):
        if control.get("status") == "verified" and control.get("evidence"):
            return i, 0
    raise AssertionError("the example has a verified control with evidence")


def test_injected_evidence_path_is_one_more_finding_on_both_engines(
    opa_bin: str, repo_root: Path
) -> None:
    ps = load_policy_set([repo_root / "policies"])
    plain = _example(repo_root)
    attacked = copy.deepcopy(plain)
    i, j = _verified_evidence(attacked)
    attacked["controls"][i]["evidence"][j] = INJECTION
    quoted = copy.deepcopy(plain)
    quoted["controls"][i]["evidence"][j] = 'docs/"x.md'
    before, after, one_quote = _both(ps, opa_bin, [plain, attacked, quoted])
    path = ["controls", i, "evidence", j]
    new = {
        "rule_id": "TM-ISO-061",
        "path": path,
        "params": {"message": "missing", "evidence": path, "control": ["controls", i, "id"]},
    }
    assert new not in before.deny
    # Nothing else moved: the findings of the clean model, plus that one, on both engines.
    assert sorted(map(json.dumps, after.deny)) == sorted(map(json.dumps, [*before.deny, new]))
    assert sorted(map(json.dumps, one_quote.deny)) == sorted(map(json.dumps, after.deny))
    control_id = attacked["controls"][i]["id"]
    assert (
        f"TM-ISO-061: evidence {INJECTION} of verified control {control_id} "
        "does not exist, is empty or is placeholder text" in _messages(ps, after, attacked)
    )


# Quotes, backslashes, JSON and Rego punctuation, newlines, control characters (no NUL:
# the embedded engine refuses it, located, before evaluation) and text beyond ASCII.
_NASTY = ['"', "\\", '\\"', "\n", "\r\n", "\t", "\x01", "\x1b[31m", "\x7f", "}", "]", "{",
          '"}]', "%s", "%v", "::error ", "é", "\u2028", "😀", "'", "`", "\ufeff"]  # fmt: skip


def _nasty(text: str, rng: random.Random) -> str:
    cut = rng.randrange(len(text) + 1)
    return text[:cut] + "".join(rng.choice(_NASTY) for _ in range(rng.randint(1, 3))) + text[cut:]


def _spoil(value: Any, rng: random.Random) -> Any:
    """`value` with nasty characters put into every string (keys are the schema's)."""
    if isinstance(value, str):
        return _nasty(value, rng)
    if isinstance(value, list):
        return [_spoil(v, rng) for v in value]
    if isinstance(value, dict):
        return {k: _spoil(v, rng) for k, v in value.items()}
    return value


def test_nasty_text_in_every_string_field_gives_the_same_findings_on_both_engines(
    opa_bin: str, repo_root: Path
) -> None:
    """Seeded fuzz: every string of each example model spoiled, ten times; the enums and
    ids then mismatch (so many checks fire) and every message still renders the text."""
    ps = load_policy_set([repo_root / "policies", repo_root / "examples" / "policies"])
    rng = random.Random(20261127)
    models = [
        _spoil(_example(repo_root, name), rng)
        for _ in range(10)
        for name in ("support-assistant", "coding-agent", "partner-classifier")
    ]
    outputs = _both(ps, opa_bin, models)
    fired = {d["rule_id"] for out in outputs for d in out.deny}
    assert len(fired) >= 15, sorted(fired)
    texts = [
        m for out, model in zip(outputs, models, strict=True) for m in _messages(ps, out, model)
    ]
    assert any('"' in t for t in texts) and any("\n" in t for t in texts)


# Text beyond ASCII, whole: regopy matched `lib.model.stated`'s character class byte by
# byte, so Cyrillic, Greek or `é` read as blank there and as stated on wasm and OPA.
_STATED = ["Отмена или перенаправление любого заказа клиента", "Ωμέγα", "é", "日本", "\u2080"]
_BLANK = ["\u00a0", "\u3000\u2003 ", "\u200b", "\ufeff\u2060\u200d", "\u0085\u2028\t"]


def test_text_beyond_ascii_is_stated_alike_on_every_engine(opa_bin: str, repo_root: Path) -> None:
    """A blast radius in any script is stated; one of white space or zero-width characters
    alone is not: the same findings on regopy, wasm and OPA (`_both` compares them)."""
    ps = load_policy_set([repo_root / "policies"])
    plain = _example(repo_root)
    [i] = [n for n, a in enumerate(plain["assets"]) if a["id"] == "order-tool"]
    models = []
    for text in [*_STATED, *_BLANK]:
        model = copy.deepcopy(plain)
        model["assets"][i]["blast_radius"] = text
        models.append(model)
    outputs = _both(ps, opa_bin, models)
    unstated = [
        any(d["rule_id"] == "TM-ISO-011" and d["path"][:2] == ["assets", i] for d in out.deny)
        for out in outputs
    ]
    assert unstated == [False] * len(_STATED) + [True] * len(_BLANK)
