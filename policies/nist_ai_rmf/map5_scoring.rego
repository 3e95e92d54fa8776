package nist_ai_rmf.map5_scoring

# MAP 5.1 and ISO 6.1.2 / 6.1.3: every threat is scored with its assumptions, and high risks are treated.

import data.lib.model
import data.lib.result

_threats := object.get(input.model, "threats", [])

# METADATA
# description: Scoring needs threats; treatment needs a threat at or above the risk threshold.
not_applicable contains "TM-SCORE-001" if count(_threats) == 0

# regopy 1.5.2 gets "every x in xs { not f(x) }" wrong: count instead.
not_applicable contains "TM-TREAT-001" if count(_high_risk_threats) == 0

_high_risk_threats := [t | some t in _threats; model.high_risk(input.facts, t)]

# METADATA
# title: Every threat has a likelihood, an impact and at least one assumption
# description: A score without the assumptions behind it cannot be challenged or revisited.
# custom:
#   id: TM-SCORE-001
#   severity: high
#   controls: {nist-ai-rmf: ["MAP 5.1"], iso42001: ["6.1.2"]}
deny contains finding if {
	some i, t in _threats
	some field in ["likelihood", "impact"]
	not object.get(t, field, null) in {1, 2, 3, 4, 5}
	msg := sprintf("threat %s has no %s from 1 to 5", [t.id, field])
	finding := result.deny("TM-SCORE-001", msg, ["threats", i, field])
}

deny contains finding if {
	some i, t in _threats
	count(object.get(t, "assumptions", [])) == 0
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
	some i, t in _threats
	model.high_risk(input.facts, t)
	not _treated(t)
	msg := sprintf("threat %s (risk %d) has no treatment: %s", [t.id, model.threat_risk(input.facts, t), _why_untreated(t)])
	finding := result.deny("TM-TREAT-001", msg, ["threats", i])
}

_treated(t) if {
	some cid in object.get(t, "mitigations", [])
	model.control_exists(input.model, cid)
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
