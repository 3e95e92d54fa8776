package iso42001.impact_test

import data.iso42001.impact
import data.lib.testdata

_tool := {"id": "order-tool", "type": "agent_tool", "actions": ["cancel_order"], "permissions": "write"}

_with_tool(patch) := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [object.union(_tool, patch)])})

test_no_threat_denied if {
	m := object.union(testdata.model, {"threats": []})
	f := testdata.facts
	testdata.found(impact.deny) == {{"rule_id": "TM-ISO-010", "path": ["threats"], "params": {}}} with input.model as m
		with input.facts as f
}

test_missing_threat_list_denied if {
	m := object.remove(testdata.model, ["threats"])
	f := testdata.facts
	testdata.found(impact.deny) == {{"rule_id": "TM-ISO-010", "path": ["threats"], "params": {}}} with input.model as m
		with input.facts as f
}

test_assessed_threats_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(impact.deny)) == 0 with input.model as m with input.facts as f
}

test_impact_results_apply_to_every_model if {
	f := testdata.facts
	not "TM-ISO-010" in impact.not_applicable with input.model as {} with input.facts as f
}

test_writing_tool_without_impact_statement_denied if {
	m := _with_tool({})
	f := testdata.facts
	testdata.found(impact.deny) == {
		{
			"rule_id": "TM-ISO-011",
			"path": ["assets", 4, "blast_radius"],
			"params": {"message": "absent", "tool": ["assets", 4, "id"], "field": "blast_radius"},
		},
		{
			"rule_id": "TM-ISO-011",
			"path": ["assets", 4, "human_approval"],
			"params": {"message": "absent", "tool": ["assets", 4, "id"], "field": "human_approval"},
		},
	} with input.model as m
		with input.facts as f
}

test_writing_tool_with_impact_statement_allowed if {
	m := _with_tool({"permissions": ["read", "admin"], "blast_radius": "Cancel any order of the caller.", "human_approval": "above 500 EUR"})
	f := testdata.facts
	count(testdata.found(impact.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-011" in impact.not_applicable with input.model as m with input.facts as f
}

test_read_only_tool_not_applicable if {
	m := _with_tool({"permissions": "read"})
	f := testdata.facts
	"TM-ISO-011" in impact.not_applicable with input.model as m with input.facts as f
}

test_writing_tool_with_placeholder_approval_denied if {
	# policyengine/substance.py lists the hollow human_approval "-" for TM-ISO-011; a
	# hollow text another check reads is not this check's.
	m := _with_tool({"blast_radius": "Cancel any order of the caller.", "human_approval": "-"})
	hollow := {"check": "TM-ISO-011", "path": ["assets", 4, "human_approval"], "field": "human_approval", "owner": ["assets", 4, "id"], "kind": "placeholder text", "controls": []}
	other := object.union(hollow, {"check": "TM-TEXT-008", "path": ["assets", 4, "name"]})
	f := object.union(testdata.facts, {"placeholders": [hollow, other]})
	testdata.found(impact.deny) == {{
		"rule_id": "TM-ISO-011",
		"path": ["assets", 4, "human_approval"],
		"params": {"message": "placeholder", "tool": ["assets", 4, "id"], "field": "human_approval", "text": ["assets", 4, "human_approval"]},
	}} with input.model as m
		with input.facts as f
}
