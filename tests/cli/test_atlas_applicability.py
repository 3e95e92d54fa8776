"""`check` asks a model only the ATLAS techniques that apply to what it says it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import git
import pytest

from policyengine.atlas import SHIPPED_CATALOG
from policyengine.cli import main

AS_OF = ["--as-of", "2026-11-27"]

_CLASSIFIER = """\
apiVersion: policyengine/v1
kind: ThreatModel
metadata: {id: fraud-xgb, name: Card Fraud Scorer, owner: risk-ml, version: 1.0.0}
system:
  intended_purpose: Score each card payment for fraud so that analysts review the riskiest ones.
  deployment_context: Internal gRPC service called by the payment switch in one region.
  users: [payment switch, fraud analysts]
  ai_tasks: [classification]
  frameworks: [nist-ai-rmf]
assets:
  - {id: xgb, type: fine_tuned_model, name: XGBoost fraud classifier, version: "7"}
  - {id: grpc, type: inference_api, name: scoring service, exposure: internal, authentication: mtls}
surfaces:
  - id: scoring
    layer: input_output
    assets: [grpc, xgb]
    interfaces:
      - {id: score, who: payment switch, access: internal, input: payment, output: fraud score}
threats:
  - id: T-1
    title: Fraudsters shape payments that score just below the review threshold
    surface: scoring
    atlas: [AML.T0015]
    stride: [tampering]
    likelihood: 3
    impact: 3
    assumptions: [Fraudsters see which payments are declined and adapt.]
    mitigations: []
    status: open
review: {cadence: quarterly, last_reviewed: 2026-10-02, atlas_version: 5.6.1}
"""

_LLM_ONLY = {"AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057", "AML.T0069", "AML.T0077"}


def _repo(tmp_path: Path, text: str) -> Path:
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    repo = git.Repo.init(tmp_path)
    repo.git.add("--all")
    who = git.Actor("Test", "test@example.com")
    repo.index.commit("model", author=who, committer=who)
    repo.close()
    return tmp_path / "model.yaml"


def _check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict[str, Any]:
    main(["check", str(path), *AS_OF, "--format", "json", *extra])
    out, _ = capsys.readouterr()
    [model] = json.loads(out)["models"]
    assert isinstance(model, dict)
    return model


def test_classifier_gets_no_llm_technique(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = _check(capsys, _repo(tmp_path, _CLASSIFIER))
    atlas = [f for c in model["checks"] if c["id"].startswith("TM-ATLAS-") for f in c["findings"]]
    messages = " ".join(f["message"] for f in atlas)
    assert atlas, "a classifier is still asked about evasion, extraction and access"
    assert "AML.T0024 (Exfiltration via AI Inference API)" in messages
    assert "LLM" not in messages
    assert not [t for t in _LLM_ONLY if t in messages]
    # one finding per family and surface, on the surface
    assert all(f["pointer"] == "/surfaces/0" for f in atlas)
    assert len({f["message"].split(" (")[0] for f in atlas}) == len(atlas)
    # an ATLAS control of an LLM technique is not applicable, with the reason; evasion,
    # considered by T-1, is satisfied
    controls = {c["control"]: c for c in model["controls"]}
    injection = controls["atlas/AML.T0051"]
    assert injection["status"] == "not_applicable"
    assert "applies to this system" in injection["note"]
    assert controls["atlas/AML.T0024"]["status"] == "not_satisfied"


def test_llm_assistant_is_asked_about_prompt_injection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = _CLASSIFIER.replace("ai_tasks: [classification]", "ai_tasks: [chat, summarization]")
    model = _check(capsys, _repo(tmp_path, text))
    messages = " ".join(
        f["message"] for c in model["checks"] if c["id"] == "TM-ATLAS-001" for f in c["findings"]
    )
    assert "AML.T0051 (LLM Prompt Injection)" in messages
    assert "AML.T0054 (LLM Jailbreak)" in messages
    assert "AML.T0015" not in messages  # classical evasion: predictive models only


def test_technique_imported_later_triggers_a_review(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A repository catalog from a later release, with one technique the shipped mapping
    # does not cover: it applies to every model until it is mapped.
    later = json.loads(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    later["version"] = "5.7.0"
    later["techniques"]["AML.T0199"] = {
        **later["techniques"]["AML.T0105"],
        "name": "Technique From A Later Release",
        "tactics": ["AML.TA0011"],
        "first_release": "5.7.0",
        "former_names": [],
    }
    (tmp_path / "atlas.json").write_text(json.dumps(later), encoding="utf-8")
    config = tmp_path / ".policyengine.yaml"
    config.write_text("atlas_catalog: atlas.json\n", encoding="utf-8")
    path = _repo(tmp_path, _CLASSIFIER)
    model = _check(capsys, path, "--config", str(config))
    (reason,) = [r for r in model["review"]["reasons"] if r["rule"] == "atlas"]
    assert reason["status"] == "review_required"
    assert [t["id"] for t in reason["details"]["techniques"]] == ["AML.T0199"]
    assert reason["details"]["techniques"][0]["because"] == "not mapped"
    whole = next(c for c in model["checks"] if c["id"] == "TM-ATLAS-013")
    assert whole["status"] == "fail"
    assert "AML.T0199 (Technique From A Later Release)" in whole["findings"][0]["message"]
