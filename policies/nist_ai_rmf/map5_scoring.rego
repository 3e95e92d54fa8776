package nist_ai_rmf.map5_scoring

# MAP 5.1 and ISO 6.1.2 / 6.1.3: every threat is scored with its assumptions, and high risks are treated.

import data.lib.model
import data.lib.result

# Speed on regopy (see lib.model and lib.result): findings that grow with the threats are
# reported as one result.each batch; each check is one comprehension over the threats or
# facts.high_risk_indices, on lists bound to local variables first (regopy looks up
# `threats[i]` several times faster than `input.model.threats[i]`).

# METADATA
# description: Scoring needs threats; treatment needs a threat at or above the risk threshold.
not_applicable contains "TM-SCORE-001" if not _has_threats

not_applicable contains "TM-TREAT-001" if count(input.facts.high_risk_indices) == 0

# count() of a missing list is undefined: the rule is then false.
_has_threats if count(input.model.threats) > 0

_scores := {1, 2, 3, 4, 5}

_score_fields := ["likelihood", "impact"]

# The usual case, every threat scored, in two built-in calls per field instead of a set
# lookup per threat and field: the list of likelihoods (or impacts), one per threat, prints
# as single digits 1 to 5 only when each is an integer from 1 to 5 (a missing one is left
# out of the list, so the counts differ).
_all_scored if {
	threats := input.model.threats
	likelihoods := [t.likelihood | some t in threats]
	impacts := [t.impact | some t in threats]
	count(likelihoods) == count(threats)
	count(impacts) == count(threats)
	regex.match(`^\[([1-5],)*[1-5]\]$`, json.marshal(likelihoods))
	regex.match(`^\[([1-5],)*[1-5]\]$`, json.marshal(impacts))
}

# The same for assumptions: one column, one built-in call (a missing list is left out).
_all_assumed if {
	threats := input.model.threats
	counts := [count(t.assumptions) | some t in threats]
	count(counts) == count(threats)
	not 0 in counts
}

# METADATA
# title: Every threat has a likelihood, an impact and at least one assumption
# description: A score without the assumptions behind it cannot be challenged or revisited.
# custom:
#   id: TM-SCORE-001
#   severity: high
#   message:
#     unscored: "threat {threat} has no {field} from 1 to 5"
#     no_assumption: "threat {threat} has no assumption"
#   controls: {nist-ai-rmf: ["MAP 5.1"], iso42001: ["6.1.2"]}
deny contains result.each("TM-SCORE-001", found) if {
	not _all_scored
	threats := input.model.threats
	found := [result.item(["threats", i, field], {"message": "unscored", "threat": ["threats", i, "id"], "field": field}) |
		some i
		t := threats[i]
		some field in _score_fields
		not object.get(t, field, null) in _scores
	]
	count(found) > 0
}

deny contains result.each("TM-SCORE-001", found) if {
	not _all_assumed
	threats := input.model.threats
	found := [result.item(["threats", i, "assumptions"], {"message": "no_assumption", "threat": ["threats", i, "id"]}) |
		some i
		t := threats[i]
		count(object.get(t, "assumptions", [])) == 0
	]
	count(found) > 0
}

# METADATA
# title: Every threat with risk 10 or more has a treatment
# description: A mitigation naming a control, an approved unexpired acceptance, or a transfer.
# custom:
#   id: TM-TREAT-001
#   severity: high
#   message: "threat {threat} (risk {risk}) has no treatment: {why}"
#   controls: {iso42001: ["6.1.3", "8.3"]}
deny contains result.each("TM-TREAT-001", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks

	# A threat is treated by a mitigation naming a declared control (tested first, inline:
	# regopy copies a function's arguments), or by an approved unexpired acceptance or a
	# transfer. Not `not f(t.mitigations)`: OPA skips the threat when the list is missing.
	found := [result.item(["threats", i], params) |
		some i in input.facts.high_risk_indices
		t := threats[i]
		count([1 | some cid in t.mitigations; _declared[cid]]) == 0
		not _accepted_or_transferred(t)
		params := {"threat": ["threats", i, "id"], "risk": risks[i], "why": _why_untreated(t)}
	]
	count(found) > 0
}

_declared := {c.id: true | some c in input.model.controls}

_accepted_or_transferred(t) if {
	t.status == "accepted"
	model.stated(object.get(t, "acceptance", {}), "approved_by")
	not _acceptance_expired(t)
}

_accepted_or_transferred(t) if t.status == "transferred"

# Expired unless the facts say false (a missing fact counts as expired).
_acceptance_expired(t) if not input.facts.threats[t.id].acceptance_expired == false

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
