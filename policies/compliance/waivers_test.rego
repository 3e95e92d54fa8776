package compliance.waivers_test

import data.compliance.waivers

_model := {"compliance": {"waivers": [
	{"control": "nist-ai-rmf/MEASURE 2.11", "reason": "r", "approved_by": "board", "expires": "2026-01-31"},
	{"control": "iso42001/A.7.6", "reason": "r", "approved_by": "board", "expires": "2027-03-31"},
]}}

test_expired_waiver_denied if {
	m := _model
	waivers.deny == {{
		"rule_id": "TM-WAIVER-001",
		"msg": "waiver of nist-ai-rmf/MEASURE 2.11 expired on 2026-01-31",
		"path": ["compliance", "waivers", 0, "expires"],
		"control": "nist-ai-rmf/MEASURE 2.11",
	}} with input.model as m
		with input.facts as {"waivers": [{"expired": true, "days_left": -300}, {"expired": false, "days_left": 120}]}
}

test_current_waivers_allowed if {
	m := _model
	count(waivers.deny) == 0 with input.model as m
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
