package atlas.agentic_test

import data.atlas.agentic
import data.lib.testdata

_agentic_surface := {"id": "tools", "layer": "agentic", "assets": []}

_writing_tool := {"id": "order-tool", "type": "agent_tool", "actions": ["cancel_order"], "permissions": "write"}

_memory_tool := {"id": "notes-tool", "type": "agent_tool", "permissions": "read", "memory": true}

_with_asset(asset) := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [asset])})

_with_threat(m, atlas) := object.union(m, {"threats": array.concat(m.threats, [{"id": "T-9", "surface": "tools", "atlas": atlas}])})

test_agentic_surface_without_techniques_denied if {
	m := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, [_agentic_surface])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	agentic.deny == {
		{
			"rule_id": "TM-ATLAS-005", "path": ["surfaces", 3], "control": "atlas/AML.T0053",
			"params": {"technique": "AML.T0053", "name": "AI Agent Tool Invocation"},
		},
		{
			"rule_id": "TM-ATLAS-005", "path": ["surfaces", 3], "control": "atlas/AML.T0086",
			"params": {"technique": "AML.T0086", "name": "Exfiltration via AI Agent Tool Invocation"},
		},
	} with input.model as m
		with input.facts as f
}

test_agentic_surface_with_techniques_allowed if {
	m0 := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, [_agentic_surface])})
	m := _with_threat(m0, ["AML.T0053", "AML.T0086"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(agentic.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-005" in agentic.not_applicable with input.model as m with input.facts as f
}

test_no_agentic_surface_not_applicable if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-005" in agentic.not_applicable with input.model as m with input.facts as f
}

test_writing_tool_without_data_destruction_denied if {
	m := _with_asset(_writing_tool)
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	agentic.deny == {{
		"rule_id": "TM-ATLAS-006", "path": ["assets", 4, "permissions"], "control": "atlas/AML.T0101",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_admin_in_permission_list_denied if {
	m := _with_asset({"id": "admin-tool", "type": "agent_tool", "permissions": ["read", "admin"]})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{d.rule_id | some d in agentic.deny} == {"TM-ATLAS-006"} with input.model as m with input.facts as f
}

test_writing_tool_with_data_destruction_allowed if {
	m := _with_threat(_with_asset(_writing_tool), ["AML.T0101"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(agentic.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-006" in agentic.not_applicable with input.model as m with input.facts as f
}

test_read_only_tool_not_applicable if {
	m := _with_asset({"id": "lookup", "type": "agent_tool", "permissions": "read"})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-006" in agentic.not_applicable with input.model as m with input.facts as f
}

test_memory_without_context_poisoning_denied if {
	m := _with_asset(_memory_tool)
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	agentic.deny == {{
		"rule_id": "TM-ATLAS-007", "path": ["assets", 4, "memory"], "control": "atlas/AML.T0080",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_memory_with_context_poisoning_allowed if {
	m := _with_threat(_with_asset(_memory_tool), ["AML.T0080.000"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(agentic.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-007" in agentic.not_applicable with input.model as m with input.facts as f
}

test_memory_on_other_asset_not_applicable if {
	m := _with_asset({"id": "ds", "type": "dataset", "memory": true})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-007" in agentic.not_applicable with input.model as m with input.facts as f
}

test_path_names_the_first_trigger_by_number if {
	# Assets 4-8 read-only tools, 9 and 11 writing tools, 10 and 12 memory: 9 before 11
	# (not ordered as text) and the first agentic surface of two.
	fillers := [{"id": sprintf("ro-%d", [n]), "type": "agent_tool", "permissions": "read"} | some n in numbers.range(1, 5)]
	tail := [_writing_tool, _memory_tool, _writing_tool, _memory_tool]
	surfaces := array.concat(testdata.model.surfaces, [_agentic_surface, _agentic_surface])
	m := object.union(testdata.model, {"assets": array.concat(array.concat(testdata.model.assets, fillers), tail), "surfaces": surfaces})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{[d.rule_id, d.path] | some d in agentic.deny} == {
		["TM-ATLAS-005", ["surfaces", 3]],
		["TM-ATLAS-006", ["assets", 9, "permissions"]],
		["TM-ATLAS-007", ["assets", 10, "memory"]],
	} with input.model as m
		with input.facts as f
}
