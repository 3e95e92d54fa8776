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

_tool := {"id": "refund-tool", "type": "agent_tool", "name": "refunds API", "actions": ["refund"], "permissions": "write"}

_with_tool := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [_tool])})

_kinds(kinds) := testdata.patched(testdata.facts, ["atlas", "kinds"], kinds)

test_predictive_tasks_with_an_agent_tool_denied if {
	m := _with_tool
	f := _kinds(["predictive"])
	n := count(testdata.model.assets)
	_ids("TM-CTX-006") == {{
		"rule_id": "TM-CTX-006", "path": ["system", "ai_tasks"],
		"params": {"agent": ["assets", n, "id"], "count": 1},
	}} with input.model as m with input.facts as f
}

test_predictive_tasks_with_an_agentic_surface_denied if {
	surface := {"id": "agent-loop", "layer": "agentic", "assets": ["base-model"]}
	m := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, [surface])})
	f := _kinds(["predictive"])
	n := count(testdata.model.surfaces)
	{x.params.agent | some x in _ids("TM-CTX-006")} == {["surfaces", n, "id"]} with input.model as m with input.facts as f
}

test_generative_tasks_with_an_agent_tool_pass if {
	m := _with_tool
	f := _kinds(["generative", "predictive"])
	count(_ids("TM-CTX-006")) == 0 with input.model as m with input.facts as f
}

test_predictive_tasks_without_an_agent_pass if {
	m := testdata.model
	f := _kinds(["predictive"])
	count(_ids("TM-CTX-006")) == 0 with input.model as m with input.facts as f
}
