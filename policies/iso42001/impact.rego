package iso42001.impact

import data.lib.model
import data.lib.result

# METADATA
# title: The impact assessment has recorded results
# description: >-
#   An AI system impact assessment is performed and its results retained when the threat
#   model lists at least one assessed threat; an empty threat list assesses nothing.
#   Scores and assumptions of each threat are judged by the risk-assessment checks.
# custom:
#   id: TM-ISO-010
#   severity: high
#   judges: ["threats"]
#   controls: {iso42001: ["6.1.4", "8.4", "A.5.3", "A.5.4"]}
#   message: "model lists no threat, so no impact is assessed"
#   rationale: >-
#     A threat model without threats assesses no impact at all.
#   hint: >-
#     Add the threats of the system, each scored with its assumptions.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not _has_threat
	finding := result.finding("TM-ISO-010", ["threats"], {})
}

# count() of the list read by reference: object.get would copy the threats (see lib.model),
# a comprehension visit each. A list or object with an entry, as "some _ in" would find.
_has_threat if {
	is_array(input.model.threats)
	count(input.model.threats) > 0
}

_has_threat if {
	is_object(input.model.threats)
	count(input.model.threats) > 0
}

# Permission levels that let a tool change or delete data.
_write_permissions := {"write", "read_write", "admin"}

# METADATA
# title: Agent tools that can write state their blast radius and human approval
# description: >-
#   The impact of an agent's actions on people is assessed when every tool that can change
#   data says the worst an attacker could do through it (blast_radius) and when a person
#   must approve its actions (human_approval, which may be "none" as a stated decision).
# custom:
#   id: TM-ISO-011
#   severity: high
#   judges: ["assets[type=agent_tool]"]
#   absent: no agent tool with write permissions in this model
#   controls: {iso42001: ["6.1.4", "8.4", "A.5.4", "A.9.2"]}
#   message:
#     absent: "agent tool {tool} with write permissions does not state its {field}"
#     placeholder: "agent tool {tool} with write permissions states placeholder text as its {field}: '{text}'"
#   rationale: >-
#     The harm an agent can do through a tool that writes is bounded by its blast radius and
#     by who must approve it.
#   hint: >-
#     State blast_radius and human_approval on the tool (human_approval: none is a valid,
#     stated decision).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-011", found) if {
	absent := [result.item(["assets", i, field], {"message": "absent", "tool": ["assets", i, "id"], "field": field}) |
		some i in _writing_tools
		tool := input.model.assets[i]
		some field in ["blast_radius", "human_approval"]
		not model.stated(tool, field)
	]

	# A placeholder counts as absent: policyengine judges the text (policyengine/substance.py)
	# and lists each hollow text a check reads in input.facts.placeholders, with that check.
	hollow := [result.item(p.path, {"message": "placeholder", "tool": p.owner, "field": p.field, "text": p.path}) |
		some p in _placeholders
		p.check == "TM-ISO-011"
	]
	found := array.concat(absent, hollow)
	count(found) > 0
}

not_applicable contains "TM-ISO-011" if {
	count(_writing_tools) == 0
}

# The indices of the agent tools that can write, found once for the check and its
# applicability (lib.result says why findings come in a batch).
_writing_tools := [i |
	some i
	asset := input.model.assets[i]
	asset.type == "agent_tool"
	_writes(asset.permissions)
]

_writes(permissions) if permissions in _write_permissions

_writes(permissions) if {
	is_array(permissions)
	some permission in permissions
	permission in _write_permissions
}

# The hollow texts policyengine listed (policyengine/substance.py), read by reference: a
# built-in call on input.facts would copy them all (lib.model says why).
_placeholders := input.facts.placeholders

default _placeholders := []
