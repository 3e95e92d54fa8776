package nist_ai_rmf.map1_context_test

import data.lib.testdata
import data.nist_ai_rmf.map1_context

_system(patch) := object.union(testdata.model, {"system": object.union(testdata.model.system, patch)})

_ids(id) := {f | some f in map1_context.deny; f.rule_id == id}

test_missing_context_denied if {
	m := _system({"intended_purpose": "", "users": []})
	_ids("TM-CTX-001") == {
		{"rule_id": "TM-CTX-001", "path": ["system", "intended_purpose"], "params": {"field": "intended_purpose"}},
		{"rule_id": "TM-CTX-001", "path": ["system", "users"], "params": {"field": "users"}},
	} with input.model as m
}

test_full_context_passes if {
	m := testdata.model
	count(_ids("TM-CTX-001")) == 0 with input.model as m
}

test_context_check_always_applies if {
	m := testdata.model
	not "TM-CTX-001" in map1_context.not_applicable with input.model as m
}

test_unknown_risk_tolerance_denied if {
	m := _system({"risk_tolerance": "moderate"})
	_ids("TM-CTX-002") == {{
		"rule_id": "TM-CTX-002", "path": ["system", "risk_tolerance"],
		"params": {},
	}} with input.model as m
}

test_declared_risk_tolerance_passes if {
	m := testdata.model
	count(_ids("TM-CTX-002")) == 0 with input.model as m
}

test_risk_tolerance_check_always_applies if {
	m := testdata.model
	not "TM-CTX-002" in map1_context.not_applicable with input.model as m
}
