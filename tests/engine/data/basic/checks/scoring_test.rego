package checks.scoring_test

import data.checks.scoring

test_threat_without_assumption_denied if {
	scoring.deny == {{"rule_id": "TM-TEST-001", "msg": "threat T-2 has no assumption", "path": ["threats", 0, "assumptions"]}} with input.model as {"threats": [{"id": "T-2"}]}
}

test_threat_with_assumption_passes if {
	count(scoring.deny) == 0 with input.model as {"threats": [{"id": "T-2", "assumptions": ["a"]}]}
}

test_no_threats_not_applicable if {
	"TM-TEST-001" in scoring.not_applicable with input.model as {}
}

test_high_risk_without_owner_denied if {
	scoring.deny == {{"rule_id": "TM-TEST-002", "msg": "threat T-1 has a high risk and no owner", "path": ["threats", 0], "control": "iso42001/6.1.3"}} with input.model as {"threats": [{"id": "T-1", "assumptions": ["a"]}]}
		with input.facts as {"threats": {"T-1": {"risk": 20}}}
}
