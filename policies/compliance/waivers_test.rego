package compliance.waivers_test

import data.compliance.waivers
import data.lib.testdata

_model := {"compliance": {"waivers": [
	{"control": "nist-ai-rmf/MEASURE 2.11", "reason": "r", "approved_by": "board", "expires": "2026-01-31"},
	{"control": "iso42001/A.7.6", "reason": "r", "approved_by": "board", "expires": "2027-03-31"},
]}}

test_expired_waiver_denied if {
	m := _model
	testdata.found(waivers.deny) == {{
		"rule_id": "TM-WAIVER-001",
		"path": ["compliance", "waivers", 0, "expires"],
		"params": {"control": ["compliance", "waivers", 0, "control"], "expires": ["compliance", "waivers", 0, "expires"]},
		"control": "nist-ai-rmf/MEASURE 2.11",
	}} with input.model as m
		with input.facts as {"waivers": [{"expired": true, "days_left": -300}, {"expired": false, "days_left": 120}]}
}

test_current_waivers_allowed if {
	m := _model
	count(testdata.found(waivers.deny)) == 0 with input.model as m
		with input.facts as {"waivers": [{"expired": false, "days_left": 1}, {"expired": false, "days_left": 120}]}
}

test_no_waivers_not_applicable if {
	"TM-WAIVER-001" in waivers.not_applicable with input.model as {"compliance": {}}
		with input.facts as {"waivers": []}
}

test_waivers_applicable_when_present if {
	m := _model
	not "TM-WAIVER-001" in waivers.not_applicable with input.model as m
		with input.facts as {"waivers": [{"expired": false, "days_left": 1}, {"expired": false, "days_left": 1}]}
}

test_every_expired_waiver_denied_and_missing_facts_ignored if {
	# Three waivers, two facts: the third waiver has no fact and is not judged.
	m := {"compliance": {"waivers": array.concat(_model.compliance.waivers, [{"control": "iso42001/A.2.2", "expires": "2020-01-01"}])}}
	testdata.found(waivers.deny) == {
		{
			"rule_id": "TM-WAIVER-001",
			"path": ["compliance", "waivers", 0, "expires"],
			"params": {"control": ["compliance", "waivers", 0, "control"], "expires": ["compliance", "waivers", 0, "expires"]},
			"control": "nist-ai-rmf/MEASURE 2.11",
		},
		{
			"rule_id": "TM-WAIVER-001",
			"path": ["compliance", "waivers", 1, "expires"],
			"params": {"control": ["compliance", "waivers", 1, "control"], "expires": ["compliance", "waivers", 1, "expires"]},
			"control": "iso42001/A.7.6",
		},
	} with input.model as m
		with input.facts as {"waivers": [{"expired": true, "days_left": -300}, {"expired": true, "days_left": -1}]}
}

test_unapproved_waivers_denied if {
	m := {"compliance": {"waivers": [
		{"control": "nist-ai-rmf/MEASURE 2.11", "reason": "r", "approved_by": "the intern", "expires": "2027-01-31"},
		{"control": "iso42001/A.7.6", "reason": "r", "expires": "2027-03-31"},
		{"control": "iso42001/A.2.2", "reason": "r", "approved_by": "board", "expires": "2027-03-31"},
	]}}
	testdata.found(waivers.deny) == {
		{
			"rule_id": "TM-WAIVER-002",
			"path": ["compliance", "waivers", 0, "approved_by"],
			"params": {
				"message": "unauthorized", "control": ["compliance", "waivers", 0, "control"],
				"approver": ["compliance", "waivers", 0, "approved_by"], "acceptors_from": "risk_acceptors in register.yaml",
			},
			"control": "nist-ai-rmf/MEASURE 2.11",
		},
		{
			"rule_id": "TM-WAIVER-002",
			"path": ["compliance", "waivers", 1],
			"params": {"message": "no_approver", "control": ["compliance", "waivers", 1, "control"], "acceptors_from": "risk_acceptors in register.yaml"},
			"control": "iso42001/A.7.6",
		},
	} with input.model as m
		with input.facts as {
			"risk": {"acceptors_from": "risk_acceptors in register.yaml"},
			"waivers": [
				{"expired": false, "days_left": 60, "authorized": false},
				{"expired": false, "days_left": 120, "authorized": false},
				{"expired": false, "days_left": 120, "authorized": true},
			],
		}
}

test_authorized_waivers_allowed if {
	m := _model
	count(testdata.found(waivers.deny)) == 0 with input.model as m
		with input.facts as {"waivers": [{"expired": false, "days_left": 1, "authorized": true}, {"expired": false, "days_left": 120, "authorized": true}]}
}

test_unapproved_waiver_rule_not_applicable_without_waivers if {
	"TM-WAIVER-002" in waivers.not_applicable with input.model as {"compliance": {}}
		with input.facts as {"waivers": []}
}

test_waivers_longer_than_the_risk_criteria_allow_denied if {
	m := {"compliance": {"waivers": [
		{"control": "nist-ai-rmf/MEASURE 2.11", "reason": "r", "approved_by": "board", "expires": "2126-03-31"},
		{"control": "iso42001/A.7.6", "reason": "r", "approved_by": "board", "expires": "2027-11-27"},
	]}}
	testdata.found(waivers.deny) == {{
		"rule_id": "TM-WAIVER-003",
		"path": ["compliance", "waivers", 0, "expires"],
		"params": {
			"control": ["compliance", "waivers", 0, "control"], "expires": ["compliance", "waivers", 0, "expires"],
			"days": 36283, "max": 365,
		},
		"control": "nist-ai-rmf/MEASURE 2.11",
	}} with input.model as m
		with input.facts as {
			"risk": {"max_waiver_days": 365},
			"waivers": [
				{"expired": false, "days_left": 36283, "too_long": true, "authorized": true},
				{"expired": false, "days_left": 365, "too_long": false, "authorized": true},
			],
		}
}

test_waivers_within_the_risk_criteria_allowed if {
	m := _model
	count([f | some f in testdata.found(waivers.deny); f.rule_id == "TM-WAIVER-003"]) == 0 with input.model as m
		with input.facts as {"waivers": [{"expired": true, "days_left": -300, "too_long": false}, {"expired": false, "days_left": 120, "too_long": false}]}
	not "TM-WAIVER-003" in waivers.not_applicable with input.model as m
		with input.facts as {"waivers": [{"expired": true, "days_left": -300, "too_long": false}, {"expired": false, "days_left": 120, "too_long": false}]}
}

test_no_waivers_nothing_too_long if {
	"TM-WAIVER-003" in waivers.not_applicable with input.model as {"compliance": {}}
		with input.facts as {"waivers": []}
}
