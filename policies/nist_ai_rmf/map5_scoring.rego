package nist_ai_rmf.map5_scoring

# MAP 5.1 and ISO 6.1.2 / 6.1.3: every threat is scored with its assumptions, and high risks are treated.

import data.lib.model
import data.lib.result

# METADATA
# description: Scoring needs threats; treatment needs a threat at or above the risk threshold.
not_applicable contains "TM-SCORE-001" if count([1 | some _ in input.model.threats]) == 0

not_applicable contains "TM-TREAT-001" if count(input.facts.high_risk_indices) == 0

# Each check first keeps, in one comprehension, the threats it may report (see lib.model).

# [index, field] of each likelihood or impact that is not a score from 1 to 5, looked for
# only in the threats that fail _scored (one call per threat instead of one per field).
_unscored := [[i, field] |
	some i in _badly_scored
	some field in ["likelihood", "impact"]
	not object.get(input.model.threats[i], field, null) in _scores
]

_badly_scored := [i | some i; t := input.model.threats[i]; not _scored(t)]

_scored(t) if {
	t.likelihood in _scores
	t.impact in _scores
}

_scores := {1, 2, 3, 4, 5}

_without_assumptions := [i | some i; t := input.model.threats[i]; count(object.get(t, "assumptions", [])) == 0]

_control_ids := {c.id | some c in input.model.controls}

# The indices of the threats at or above the risk threshold without a treatment, in two
# steps: regopy passes the threat to each body of a function, so one body per call.
_untreated_high_risks := [i | some i in _unmitigated_high_risks; not _accepted_or_transferred(input.model.threats[i])]

_unmitigated_high_risks := [i | some i in input.facts.high_risk_indices; not _mitigated(input.model.threats[i])]

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
	some i in _untreated_high_risks
	t := input.model.threats[i]
	msg := sprintf("threat %s (risk %d) has no treatment: %s", [t.id, input.facts.threat_risks[i], _why_untreated(t)])
	finding := result.deny("TM-TREAT-001", msg, ["threats", i])
}

# A threat is treated by a mitigation naming a declared control (_mitigated), or by an
# approved unexpired acceptance or a transfer (_accepted_or_transferred).
_mitigated(t) if {
	some cid in t.mitigations
	cid in _control_ids
}

_accepted_or_transferred(t) if {
	t.status == "accepted"
	model.stated(object.get(t, "acceptance", {}), "approved_by")
	not _acceptance_expired(t)
}

_accepted_or_transferred(t) if t.status == "transferred"

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
