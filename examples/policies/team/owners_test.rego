package team.owners_test

import data.team.owners

# NOTE: regopy 1.5.2 sees an empty input when "with" names a rule directly
# (policies/lib/testdata.rego): every override is bound to a local first.

_threats := [
	{"id": "T-1", "title": "injection", "likelihood": 4, "impact": 4},
	{"id": "T-2", "title": "leak", "likelihood": 2, "impact": 3},
]

_facts := {"threat_risks": [16, 6]}

_denied := {{
	"rule_id": "TM-TEAM-001",
	"path": ["threats", 0, "owner"],
	"params": {"threat": ["threats", 0, "id"], "risk": 16},
}}

test_severe_threat_without_owner_denied if {
	m := {"threats": _threats}
	f := _facts
	want := _denied
	denies := owners.deny with input.model as m with input.facts as f
	denies == want
}

test_blank_owner_denied if {
	m := {"threats": [object.union(_threats[0], {"owner": "  "}), _threats[1]]}
	f := _facts
	want := _denied
	denies := owners.deny with input.model as m with input.facts as f
	denies == want
}

test_severe_threat_with_owner_passes if {
	m := {"threats": [object.union(_threats[0], {"owner": "orders-team"}), _threats[1]]}
	f := _facts
	denies := owners.deny with input.model as m with input.facts as f
	count([d | some d in denies; d.rule_id == "TM-TEAM-001"]) == 0
	inapplicable := owners.not_applicable with input.model as m with input.facts as f
	not "TM-TEAM-001" in inapplicable
}

test_no_severe_threat_not_applicable if {
	m := {"threats": [_threats[1]]}
	f := {"threat_risks": [6]}
	inapplicable := owners.not_applicable with input.model as m with input.facts as f
	"TM-TEAM-001" in inapplicable
	denies := owners.deny with input.model as m with input.facts as f
	count(denies) == 0
}

test_risk_read_from_facts_only if {
	# Without facts the risk is unknown (0): the check does not apply.
	m := {"threats": _threats}
	inapplicable := owners.not_applicable with input.model as m with input.facts as {}
	"TM-TEAM-001" in inapplicable
}
