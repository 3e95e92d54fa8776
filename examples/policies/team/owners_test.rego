package team.owners_test

import data.team.owners

_read_tool := {"id": "kb-search", "type": "agent_tool", "actions": ["search"], "permissions": "read"}

_write_tool := {"id": "orders", "type": "agent_tool", "actions": ["cancel_order"], "permissions": "write"}

test_write_tool_without_approval_denied if {
	m := {"assets": [_read_tool, _write_tool]}
	owners.deny == {{
		"rule_id": "TM-TEAM-001",
		"msg": "agent tool orders has write permissions but no human_approval",
		"path": ["assets", 1, "human_approval"],
	}} with input.model as m
}

test_blank_approval_denied if {
	m := {"assets": [object.union(_write_tool, {"human_approval": "  "})]}
	owners.deny == {{
		"rule_id": "TM-TEAM-001",
		"msg": "agent tool orders has write permissions but no human_approval",
		"path": ["assets", 0, "human_approval"],
	}} with input.model as m
}

test_write_tool_with_approval_passes if {
	m := {"assets": [object.union(_write_tool, {"human_approval": "above 500 EUR"})]}
	denies := owners.deny with input.model as m
	every f in denies {
		f.rule_id != "TM-TEAM-001"
	}
	inapplicable := owners.not_applicable with input.model as m
	not "TM-TEAM-001" in inapplicable
}

test_read_only_tools_not_applicable if {
	m := {"assets": [_read_tool]}
	"TM-TEAM-001" in owners.not_applicable with input.model as m
	count(owners.deny) == 0 with input.model as m
}

test_no_assets_not_applicable if {
	"TM-TEAM-001" in owners.not_applicable with input.model as {}
}
