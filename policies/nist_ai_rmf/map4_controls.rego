package nist_ai_rmf.map4_controls

# MAP 4.2 and MEASURE 2.4: the controls a threat relies on are in place, and something watches production.

import data.lib.result

# Speed on regopy (see lib.model and lib.result): the few controls are read first, and the
# threats only when some control is not in place; findings come as one result.each batch.

_in_place := {"implemented", "verified"}

# The index of each declared control that is not in place (usually none), by id.
_not_in_place := {c.id: k |
	some k
	c := input.model.controls[k]
	status := c.status
	not status in _in_place
}

# The indices of the threats marked mitigated: one pass, shared by both rules of TM-CTRL-001.
_mitigated := [i | some i; t := input.model.threats[i]; t.status == "mitigated"]

# METADATA
# description: TM-CTRL-001 needs a threat marked mitigated.
not_applicable contains "TM-CTRL-001" if count(_mitigated) == 0

# METADATA
# title: Threats marked mitigated rely only on controls in place
# description: A threat is not mitigated while one of its controls is still planned.
# custom:
#   id: TM-CTRL-001
#   severity: high
#   judges: ["threats[status=mitigated]"]
#   absent: no threat is marked mitigated in this model
#   message: "threat {threat} is marked mitigated but control {control} is {status}"
#   controls: {nist-ai-rmf: ["MAP 4.2", "MEASURE 1.2"], iso42001: ["8.3"]}
#   rationale: >-
#     A threat mitigated by a control that is only planned is not mitigated yet.
#   hint: >-
#     Set the threat's status to mitigating until the control is implemented, or implement
#     the control and update its status.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-CTRL-001", found) if {
	count(_not_in_place) > 0
	threats := input.model.threats
	found := [result.item(path, params) |
		some i in _mitigated
		t := threats[i]
		some j
		cid := t.mitigations[j]
		k := _not_in_place[cid]
		path := ["threats", i, "mitigations", j]
		params := {"threat": ["threats", i, "id"], "control": path, "status": ["controls", k, "status"]}
	]
	count(found) > 0
}

# METADATA
# title: A detective control watches the running system
# description: >-
#   Some implemented or verified detective control, citing evidence that exists and is not
#   empty, mitigates a threat on a runtime or input_output surface, so it watches the
#   system in production (a build-time scan of the code or the supply chain alone is not
#   production monitoring). An SBOM is no such evidence: a list of components says what
#   was built, not that anything watches the running system.
# custom:
#   id: TM-CTRL-002
#   severity: medium
#   judges: ["controls"]
#   message:
#     none: "no implemented or verified detective control with evidence mitigates a threat on a runtime or input_output surface"
#     sbom_only: "detective control {control} cites only SBOMs as evidence: a component list shows no monitoring of the running system"
#   controls: {nist-ai-rmf: ["MEASURE 2.4"], iso42001: ["A.6.2.6"]}
#   rationale: >-
#     Preventive controls fail; something must notice misuse or failure in production.
#   hint: >-
#     Add a detective control that watches the running system (monitoring, alerting,
#     audit of tool calls), list it in the mitigations of a threat on a runtime or
#     input_output surface, cite evidence that it runs (an alert runbook) and mark it
#     implemented.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not _detective_in_operation
	count(_sbom_only) == 0
	finding := result.finding("TM-CTRL-002", ["controls"], {"message": "none"})
}

# The detective controls that would watch the system but for their evidence, all SBOMs: at
# each, so the reader sees which claim was not taken.
deny contains result.each("TM-CTRL-002", found) if {
	not _detective_in_operation
	found := [result.item(["controls", i, "evidence"], {"message": "sbom_only", "control": ["controls", i, "id"]}) |
		some i in _sbom_only
	]
	count(found) > 0
}

_detective_in_operation if {
	some c in input.model.controls
	_watching_detective(c)
	some p in c.evidence
	_filed(p)
	not _sbom(p)
}

_sbom_only := [i |
	some i
	c := input.model.controls[i]
	_watching_detective(c)
	count([p | some p in c.evidence; _filed(p)]) > 0
]

_watching_detective(c) if {
	c.kind == "detective"
	c.status in _in_place
	c.id in _watching
}

_filed(p) if input.facts.evidence[p] == true

# An SBOM the model cites (policyengine.evaluate.sbom_facts lists each in facts.sbom).
_sbom(p) if input.facts.sbom[p]

# The surfaces where a detective control sees the system run: its runtime and its inputs
# and outputs (a few ids); the mitigations of the threats on them, one pass over the threats
# into an array (lib.model says why not a set).
_watched_surfaces := {s.id | some s in input.model.surfaces; s.layer in {"runtime", "input_output"}}

_watching := [m |
	some t in input.model.threats
	t.surface in _watched_surfaces
	some m in t.mitigations
]
