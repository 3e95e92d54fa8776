package nist_ai_rmf.map2_categorization_test

import data.lib.testdata
import data.nist_ai_rmf.map2_categorization

_without(field) := testdata.without(testdata.model, ["system", field])

_ids(id) := {f | some f in map2_categorization.deny; f.rule_id == id}

test_missing_ai_tasks_denied if {
	m := _without("ai_tasks")
	_ids("TM-CTX-003") == {{"rule_id": "TM-CTX-003", "path": ["system", "ai_tasks"], "params": {}}} with input.model as m
}

test_listed_ai_tasks_pass if {
	m := testdata.model
	count(_ids("TM-CTX-003")) == 0 with input.model as m
}

test_ai_tasks_check_always_applies if {
	m := _without("ai_tasks")
	not "TM-CTX-003" in map2_categorization.not_applicable with input.model as m
}

test_missing_human_oversight_denied if {
	m := _without("human_oversight")
	_ids("TM-CTX-004") == {{
		"rule_id": "TM-CTX-004", "path": ["system", "human_oversight"],
		"params": {},
	}} with input.model as m
}

test_described_human_oversight_passes if {
	m := testdata.model
	count(_ids("TM-CTX-004")) == 0 with input.model as m
}

test_human_oversight_check_always_applies if {
	m := _without("human_oversight")
	not "TM-CTX-004" in map2_categorization.not_applicable with input.model as m
}

test_missing_out_of_scope_uses_denied if {
	m := testdata.patched(testdata.model, ["system", "out_of_scope_uses"], [])
	_ids("TM-CTX-005") == {{
		"rule_id": "TM-CTX-005", "path": ["system", "out_of_scope_uses"],
		"params": {},
	}} with input.model as m
}

test_listed_out_of_scope_uses_pass if {
	m := testdata.model
	count(_ids("TM-CTX-005")) == 0 with input.model as m
}

test_out_of_scope_check_always_applies if {
	m := _without("out_of_scope_uses")
	not "TM-CTX-005" in map2_categorization.not_applicable with input.model as m
}
