package nist_ai_rmf.map5_scoring

# MAP 5.1 and ISO 6.1.2 / 6.1.3: every threat is scored with its assumptions, and high risks are treated.

import data.lib.model
import data.lib.result

# METADATA
# description: Scoring needs threats; treatment needs a threat at or above the risk threshold.
not_applicable contains "TM-SCORE-001" if count([1 | some _ in input.model.threats]) == 0

not_applicable contains "TM-TREAT-001" if not model.any_high_risk(model.threat_facts(input.facts, [t.id | some t in input.model.threats]))

# Each check first keeps, in one comprehension, the threats it may report (see lib.model).

# [index, field] of each likelihood or impact that is not a score from 1 to 5.
_unscored := [[i, field] |
	some i
	t := input.model.threats[i]
	some field in ["likelihood", "impact"]
	not object.get(t, field, null) in {1, 2, 3, 4, 5}
]

_without_assumptions := [i | some i; t := input.model.threats[i]; count(object.get(t, "assumptions", [])) == 0]

_control_ids := {c.id | some c in input.model.controls}

_untreated := [i | some i; t := input.model.threats[i]; not _treated(t)]

_untreated_facts := model.threat_facts(input.facts, [input.model.threats[i].id | some i in _untreated])

# [index, risk] of each untreated threat at or above the risk threshold.
_untreated_high_risks := [[i, r] |
	some i in _untreated
	r := model.risk_of(_untreated_facts, input.model.threats[i].id)
	r >= model.high_risk_threshold
]

# METADATA
# title: Every threat has a likelihood, an impact and at least one assumption
# description: A score without the assumptions behind it cannot be challenged or revisited.
# custom:
#   id: TM-SCORE-001
#   severity: high
#   controls: {nist-ai-rmf: ["MAP 5.1"], iso42001: ["6.1.2"]}
deny contains finding if {
	# Not "some [i, field] in": regopy then scans every threat for each pair (see lib.model).
	some pair in _unscored
	i := pair[0]
	field := pair[1]
	t := input.model.threats[i]
	msg := sprintf("threat %s has no %s from 1 to 5", [t.id, field])
	finding := result.deny("TM-SCORE-001", msg, ["threats", i, field])
}

deny contains finding if {
	some i in _without_assumptions
	t := input.model.threats[i]
	finding := result.deny("TM-SCORE-001", sprintf("threat %s has no assumption", [t.id]), ["threats", i, "assumptions"])
}

# METADATA
# title: Every threat with risk 10 or more has a treatment
# description: A mitigation naming a control, an approved unexpired acceptance, or a transfer.
# custom:
#   id: TM-TREAT-001
#   severity: high
#   controls: {iso42001: ["6.1.3", "8.3"]}
deny contains finding if {
	some pair in _untreated_high_risks
	i := pair[0]
	t := input.model.threats[i]
	msg := sprintf("threat %s (risk %d) has no treatment: %s", [t.id, pair[1], _why_untreated(t)])
	finding := result.deny("TM-TREAT-001", msg, ["threats", i])
}

_treated(t) if {
	some cid in t.mitigations
	cid in _control_ids
}

_treated(t) if {
	t.status == "accepted"
	model.stated(object.get(t, "acceptance", {}), "approved_by")
	not _acceptance_expired(t)
}

_treated(t) if t.status == "transferred"

_acceptance_expired(t) if object.get(input.facts, ["threats", t.id, "acceptance_expired"], true) != false

_why_untreated(t) := "its acceptance names no approver" if {
	t.status == "accepted"
	not model.stated(object.get(t, "acceptance", {}), "approved_by")
}

_why_untreated(t) := "its acceptance has expired" if {
	t.status == "accepted"
	model.stated(object.get(t, "acceptance", {}), "approved_by")
	_acceptance_expired(t)
}

_why_untreated(t) := "no mitigation names a control, and it is neither accepted nor transferred" if {
	t.status != "accepted"
}
