package nist_ai_rmf.map5_scoring

# MAP 5.1 and ISO 6.1.2 / 6.1.3, MAP 1.5: every threat is scored with its assumptions, and
# the risks at or above the organisation's threshold (input.facts.risk) are treated.

import data.lib.model
import data.lib.result

# Speed on regopy (see lib.model and lib.result): findings that grow with the threats are
# reported as one result.each batch; each check is one comprehension over the threats or
# facts.high_risk_indices, on lists bound to local variables first (regopy looks up
# `threats[i]` several times faster than `input.model.threats[i]`).

# METADATA
# description: >-
#   Scoring needs threats; treatment needs a threat at or above the risk threshold, and
#   judging acceptances an accepted one.
not_applicable contains "TM-SCORE-001" if not _has_threats

not_applicable contains "TM-TREAT-001" if count(input.facts.high_risk_indices) == 0

not_applicable contains "TM-TREAT-002" if count(input.facts.high_risk_indices) == 0

not_applicable contains "TM-TREAT-003" if count(_accepted) == 0

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
#   judges: ["threats"]
#   absent: no threat in this model
#   message:
#     unscored: "threat {threat} has no {field} from 1 to 5"
#     no_assumption: "threat {threat} has no assumption"
#   controls: {nist-ai-rmf: ["MAP 5.1", "MEASURE 1.1"], iso42001: ["6.1.2"]}
#   rationale: >-
#     Likelihood and impact are judgements; a reviewer can only challenge them through the
#     assumptions written beside them, and revisit them when an assumption stops holding.
#   hint: >-
#     Give the threat a likelihood and an impact from 1 to 5 and at least one assumption
#     that explains them.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
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

# A threat is treated when it is transferred, accepted (TM-TREAT-003 judges the
# acceptance against the organisation's criteria) or mitigated by a control in place.
_treated_by_status := {"accepted", "transferred"}

_in_place := {"implemented", "verified"}

# The ids of the controls in place, and [id, index] of the planned ones (a control without
# a status is planned). Small sets, built once.
_in_place_ids := {c.id | some c in input.model.controls; object.get(c, "status", "planned") in _in_place}

_planned := [[c.id, j] |
	some j
	c := input.model.controls[j]
	not object.get(c, "status", "planned") in _in_place
]

# The indices (among the threats at or above the threshold) of those that neither status
# nor a control in place treats.
_not_in_place := [i |
	threats := input.model.threats
	some i in input.facts.high_risk_indices
	t := threats[i]
	not object.get(t, "status", "open") in _treated_by_status
	count([1 | some cid in object.get(t, "mitigations", []); cid in _in_place_ids]) == 0
]

# METADATA
# title: Every threat at or above the organisation's risk threshold has a treatment
# description: >-
#   The threshold is the risk criteria's score for the system's risk tolerance. A treatment
#   is a mitigating control (TM-TREAT-002 judges one still planned), an acceptance
#   (TM-TREAT-003 judges it) or a transfer.
# custom:
#   id: TM-TREAT-001
#   severity: high
#   judges: ["threats"]
#   absent: no threat at or above the risk threshold in this model
#   message: "threat {threat} (risk {risk}, at or above {threshold} for risk tolerance {tolerance}) has no treatment: no mitigation names a control, and it is neither accepted nor transferred"
#   controls: {nist-ai-rmf: ["MAP 1.5"], iso42001: ["6.1.3", "8.3"]}
#   rationale: >-
#     A high risk without a treatment is a risk accepted by nobody.
#   hint: >-
#     Mitigate the threat with a control, accept it with an approver and an expiry, or
#     transfer it.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TREAT-001", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(["threats", i], params) |
		some i in _not_in_place
		t := threats[i]

		# Not `not f(t.mitigations)`: OPA skips the threat when the list is missing.
		count([1 | some cid in object.get(t, "mitigations", []); _is_planned(cid)]) == 0
		params := {
			"threat": ["threats", i, "id"], "risk": risks[i],
			"threshold": input.facts.risk.threshold, "tolerance": input.facts.risk.tolerance,
		}
	]
	count(found) > 0
}

_is_planned(cid) if {
	some p in _planned
	p[0] == cid
}

# METADATA
# title: No threat at or above the risk threshold relies on a control that is only planned
# description: >-
#   A planned control treats nothing yet: a threat at or above the threshold whose
#   mitigations are all still planned (none implemented or verified) is treated in part.
# custom:
#   id: TM-TREAT-002
#   severity: high
#   judges: ["threats"]
#   absent: no threat at or above the risk threshold in this model
#   message: "threat {threat} (risk {risk}) is treated only by control {control}, which is still planned"
#   controls: {nist-ai-rmf: ["MAP 1.5"], iso42001: ["6.1.3", "8.3"]}
#   rationale: >-
#     A control that is only planned treats nothing yet.
#   hint: >-
#     Implement a mitigating control (status implemented or verified), or accept or transfer
#     the risk until it is.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TREAT-002", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "mitigations", k], params) |
		some i in _not_in_place
		mitigations := object.get(threats[i], "mitigations", [])
		some k
		cid := mitigations[k]
		some p in _planned
		p[0] == cid
		params := {"threat": ["threats", i, "id"], "risk": risks[i], "control": ["controls", p[1], "id"]}
	]
	count(found) > 0
}

# The accepted or transferred threats at or above the threshold, each with its acceptance
# facts: a transfer is a risk decision too, approved like an acceptance.
_accepted := [[i, a] |
	threats := input.model.threats
	some i in input.facts.high_risk_indices
	t := threats[i]
	object.get(t, "status", "open") in {"accepted", "transferred"}
	a := object.get(input.facts.threats, t.id, {})
]

# METADATA
# title: Risks accepted or transferred at or above the threshold meet the organisation's risk criteria
# description: >-
#   An acceptance of a threat at or above the threshold names an approver the risk
#   criteria authorise (the organisation register's risk_acceptors, else risk.acceptors
#   in the config), is granted (acceptance.date on or before the as-of date: one dated
#   later is no acceptance yet), has not expired (it holds through its expires day), and
#   runs no longer than the longest acceptance (risk.max_acceptance_days, from
#   acceptance.date to expires).
#   A transfer (status transferred) names who carries the risk (transferred_to) and
#   carries the same acceptance: who approved the transfer, when, and until when.
# custom:
#   id: TM-TREAT-003
#   severity: high
#   judges: ["threats[status=accepted|transferred]"]
#   absent: no accepted or transferred risk in this model
#   message:
#     no_party: "threat {threat} (risk {risk}) is transferred, but transferred_to names no one who carries it"
#     no_approver: "the acceptance of threat {threat} (risk {risk}) names no approver"
#     unauthorized: "the acceptance of threat {threat} (risk {risk}) is approved by {approver}, who is not among the acceptors of the risk criteria ({acceptors_from})"
#     expired: "the acceptance of threat {threat} (risk {risk}) has expired or states no expiry"
#     not_yet: "the acceptance of threat {threat} (risk {risk}) is dated {date}, after the as-of date: it is not granted yet"
#     too_long: "the acceptance of threat {threat} (risk {risk}) runs {days} days, longer than the {max} days the risk criteria allow"
#   controls: {nist-ai-rmf: ["MAP 1.5"], iso42001: ["6.1.3"]}
#   rationale: >-
#     Only the people the risk criteria name may accept a risk, and only for a limited time.
#   hint: >-
#     Have one of the acceptors (the register's risk_acceptors, else risk.acceptors)
#     approve the acceptance (of a transfer too: acceptance.approved_by, date, expires,
#     with transferred_to naming who carries the risk), with an expiry within
#     risk.max_acceptance_days, or treat the threat instead.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TREAT-003", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "status"], {"message": "no_party", "threat": ["threats", i, "id"], "risk": risks[i]}) |
		some pair in _accepted
		i := pair[0]
		threats[i].status == "transferred"
		not model.stated(threats[i], "transferred_to")
	]
	count(found) > 0
}

deny contains result.each("TM-TREAT-003", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "acceptance"], {"message": "no_approver", "threat": ["threats", i, "id"], "risk": risks[i]}) |
		some pair in _accepted
		i := pair[0]
		not model.stated(object.get(threats[i], "acceptance", {}), "approved_by")
	]
	count(found) > 0
}

deny contains result.each("TM-TREAT-003", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(path, params) |
		some pair in _accepted
		i := pair[0]
		model.stated(object.get(threats[i], "acceptance", {}), "approved_by")
		not pair[1].acceptance_authorized == true
		path := ["threats", i, "acceptance", "approved_by"]
		params := {
			"message": "unauthorized", "threat": ["threats", i, "id"], "risk": risks[i], "approver": path,
			"acceptors_from": object.get(input.facts.risk, "acceptors_from", "risk.acceptors"),
		}
	]
	count(found) > 0
}

deny contains result.each("TM-TREAT-003", found) if {
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "acceptance"], {"message": "expired", "threat": ["threats", i, "id"], "risk": risks[i]}) |
		some pair in _accepted
		i := pair[0]

		# Expired unless the facts say false (a missing fact counts as expired).
		not pair[1].acceptance_expired == false
	]
	count(found) > 0
}

deny contains result.each("TM-TREAT-003", found) if {
	risks := input.facts.threat_risks
	found := [result.item(path, params) |
		some pair in _accepted
		i := pair[0]

		# Dated after the as-of date: on that date nobody has accepted the risk yet.
		pair[1].acceptance_not_yet == true
		path := ["threats", i, "acceptance", "date"]
		params := {"message": "not_yet", "threat": ["threats", i, "id"], "risk": risks[i], "date": path}
	]
	count(found) > 0
}

deny contains result.each("TM-TREAT-003", found) if {
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "acceptance", "expires"], params) |
		some pair in _accepted
		i := pair[0]
		pair[1].acceptance_too_long == true
		params := {
			"message": "too_long", "threat": ["threats", i, "id"], "risk": risks[i],
			"days": pair[1].acceptance_days, "max": input.facts.risk.max_acceptance_days,
		}
	]
	count(found) > 0
}
