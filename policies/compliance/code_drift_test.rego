package compliance.code_drift_test

import data.compliance.code_drift
import data.lib.testdata

# The test model's assets: 0 base-model (base_model, version 2026-06-01), 1 chat-api
# (inference_api), 2 kb (retrieval_corpus on pgvector), 3 serving-stack (ml_library:
# litellm 1.52.0). Code facts as policyengine/codefacts.py makes them.

_ids(id) := {f | some f in testdata.found(code_drift.deny); f.rule_id == id}

# NOTE: not `_item`: regopy 1.5.2 crashes (SIGSEGV) when a test package defines a function
# of the same name as one of another package with another arity (iso42001.attestations).
_code_item(kind, name, matches, drift) := {
	"id": concat(":", [kind, name]), "kind": kind, "what": kind, "name": name, "version": "",
	"shown": name, "provider": "", "at": "app/agent.py:7", "evidence": "def x():", "places": 1,
	"matches": matches, "uses": matches, "drift": drift,
}

_code(items) := {"scanned": true, "scope": "app", "manifests": 1, "items": items}

# The code uses the model, the store and the library the model declares.
_declared_items := [
	_code_item("model", "hosted foundation model", [0], []),
	_code_item("vector_store", "pgvector", [2], []),
	_code_item("library", "litellm", [3], []),
]

_facts(items) := object.union(testdata.facts, {"code": _code(items)})

_said(i) := {
	"what": ["facts", "code", "items", i, "what"],
	"name": ["facts", "code", "items", i, "name"],
	"at": ["facts", "code", "items", i, "at"],
	"evidence": ["facts", "code", "items", i, "evidence"],
}

test_undeclared_tool_and_store_denied if {
	items := array.concat(_declared_items, [
		_code_item("agent_tool", "refund_order", [], []),
		_code_item("vector_store", "chroma", [], []),
	])
	f := _facts(items)
	m := testdata.model
	_ids("TM-CODE-001") == {
		{"rule_id": "TM-CODE-001", "path": ["assets"], "params": _said(3)},
		{"rule_id": "TM-CODE-001", "path": ["assets"], "params": _said(4)},
	} with input.model as m with input.facts as f
}

test_declared_code_passes if {
	f := _facts(_declared_items)
	m := testdata.model
	count(code_drift.deny) == 0 with input.model as m with input.facts as f
}

test_no_code_not_applicable if {
	f := testdata.facts
	m := testdata.model
	code_drift.not_applicable == {"TM-CODE-001", "TM-CODE-002", "TM-CODE-003", "TM-CODE-004"} with input.model as m
		with input.facts as f
	count(code_drift.deny) == 0 with input.model as m with input.facts as f
}

test_undeclared_library_denied_low if {
	items := array.concat(_declared_items, [_code_item("library", "torch", [], [])])
	f := _facts(items)
	m := testdata.model
	_ids("TM-CODE-004") == {{"rule_id": "TM-CODE-004", "path": ["assets"], "params": _said(3)}} with input.model as m
		with input.facts as f
	count(_ids("TM-CODE-001")) == 0 with input.model as m with input.facts as f
}

test_declared_library_passes if {
	f := _facts(_declared_items)
	m := testdata.model
	count(_ids("TM-CODE-004")) == 0 with input.model as m with input.facts as f
}

test_library_check_not_applicable_without_code if {
	f := testdata.facts
	m := testdata.model
	"TM-CODE-004" in code_drift.not_applicable with input.model as m with input.facts as f
}

_tool := {"id": "refund", "type": "agent_tool", "name": "refund_order", "permissions": "write"}

test_stale_tool_and_library_denied if {
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [_tool])})
	f := _facts([_code_item("model", "hosted foundation model", [0], [])])
	_ids("TM-CODE-002") == {
		{"rule_id": "TM-CODE-002", "path": ["assets", 3], "params": {"asset": ["assets", 3, "id"], "what": ["assets", 3, "type"], "scope": ["facts", "code", "scope"]}},
		{"rule_id": "TM-CODE-002", "path": ["assets", 4], "params": {"asset": ["assets", 4, "id"], "what": ["assets", 4, "type"], "scope": ["facts", "code", "scope"]}},
	} with input.model as m with input.facts as f
}

test_opted_out_upstream_and_used_assets_pass if {
	opted := object.union(_tool, {"x-code-refs": []})
	base := {"id": "llama", "type": "base_model", "name": "Llama 3.1 8B"}
	tuned := {"id": "tuned", "type": "fine_tuned_model", "name": "support-ft", "derived_from": "llama"}
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [opted, base, tuned])})
	f := _facts(array.concat(_declared_items, [_code_item("model", "support-ft", [6], [])]))
	count(_ids("TM-CODE-002")) == 0 with input.model as m with input.facts as f
}

test_model_named_by_its_client_only_is_stale if {
	# codefacts: an OpenAI() declares the models of its provider (matches) but uses none
	client := object.union(_code_item("model_client", "openai", [0, 1], []), {"uses": [1]})
	f := _facts([client, _code_item("vector_store", "pgvector", [2], []), _code_item("library", "litellm", [3], [])])
	m := testdata.model
	_ids("TM-CODE-002") == {{
		"rule_id": "TM-CODE-002", "path": ["assets", 0],
		"params": {"asset": ["assets", 0, "id"], "what": ["assets", 0, "type"], "scope": ["facts", "code", "scope"]},
	}} with input.model as m with input.facts as f
	count(_ids("TM-CODE-001")) == 0 with input.model as m with input.facts as f
}

test_stale_check_not_applicable_without_code if {
	f := testdata.facts
	m := testdata.model
	"TM-CODE-002" in code_drift.not_applicable with input.model as m with input.facts as f
}

test_library_asset_not_expected_without_manifest if {
	f := object.union(testdata.facts, {"code": {"scanned": true, "scope": "app", "manifests": 0, "items": []}})
	m := testdata.model
	{x.path | some x in _ids("TM-CODE-002")} == {["assets", 0]} with input.model as m with input.facts as f
}

test_model_version_drift_denied if {
	drifted := object.union(_code_item("model", "hosted foundation model-2026-09-01", [], [{"asset": 0, "path": ["assets", 0, "version"]}]), {})
	f := _facts([drifted, _code_item("vector_store", "pgvector", [2], []), _code_item("library", "litellm", [3], [])])
	m := testdata.model
	_ids("TM-CODE-003") == {{
		"rule_id": "TM-CODE-003", "path": ["assets", 0, "version"],
		"params": {
			"what": ["facts", "code", "items", 0, "what"], "found": ["facts", "code", "items", 0, "shown"],
			"at": ["facts", "code", "items", 0, "at"], "declared": ["assets", 0, "version"],
			"asset": ["assets", 0, "id"],
		},
	}} with input.model as m with input.facts as f
	count(_ids("TM-CODE-001")) == 0 with input.model as m with input.facts as f
	count(_ids("TM-CODE-002")) == 0 with input.model as m with input.facts as f
}

test_same_versions_pass if {
	f := _facts(_declared_items)
	m := testdata.model
	count(_ids("TM-CODE-003")) == 0 with input.model as m with input.facts as f
}

test_drift_not_applicable_without_code if {
	f := testdata.facts
	m := testdata.model
	"TM-CODE-003" in code_drift.not_applicable with input.model as m with input.facts as f
}
