package team.owners

# The platform team's own rule: an agent tool that can change something outside the
# model (permissions: write) names the human approval step that gates it.

import data.lib.result

# METADATA
# title: Every agent tool with write permissions names its human approval step
# description: >-
#   Our agent policy requires a named human approval step (who approves, above which
#   threshold) for any tool that can change data, so that the blast radius stays bounded.
# custom:
#   id: TM-TEAM-001
#   severity: high
#   controls: {nist-ai-rmf: ["MAP 3.5"]}
deny contains finding if {
	some i, a in input.model.assets
	_writing_tool(a)
	not _approval_named(a)
	finding := result.deny(
		"TM-TEAM-001",
		sprintf("agent tool %s has write permissions but no human_approval", [a.id]),
		["assets", i, "human_approval"],
	)
}

not_applicable contains "TM-TEAM-001" if {
	not _has_writing_tool
}

_has_writing_tool if {
	some a in object.get(input.model, "assets", [])
	_writing_tool(a)
}

_writing_tool(a) if {
	a.type == "agent_tool"
	object.get(a, "permissions", "") == "write"
}

_approval_named(a) if trim_space(object.get(a, "human_approval", "")) != ""
