package iso42001.monitoring_test

import data.iso42001.monitoring
import data.lib.testdata

test_old_red_team_denied if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "age_days"], 366)
	monitoring.deny == {{
		"rule_id": "TM-ISO-050",
		"msg": "no red-team exercise is dated within 365 days of the as-of date",
		"path": ["red_team"],
	}} with input.model as m
		with input.facts as f
}

test_future_red_team_denied if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "age_days"], -3)
	{d.rule_id | some d in monitoring.deny} == {"TM-ISO-050"} with input.model as m with input.facts as f
}

test_recent_red_team_allowed if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "age_days"], 365)
	count(monitoring.deny) == 0 with input.model as m with input.facts as f
}

test_red_team_applies_to_every_model if {
	f := testdata.facts
	not "TM-ISO-050" in monitoring.not_applicable with input.model as {} with input.facts as f
}

test_unvalidated_mitigated_threat_denied if {
	m := testdata.patched(testdata.model, ["threats", 2, "validation"], {"status": "untested"})
	f := testdata.facts
	monitoring.deny == {{
		"rule_id": "TM-ISO-052",
		"msg": "threat T-003 (risk 12) is marked mitigated but its mitigation was never validated",
		"path": ["threats", 2, "validation"],
	}} with input.model as m
		with input.facts as f
}

test_validated_mitigated_threats_allowed if {
	m := testdata.without(testdata.model, ["threats", 1, "validation"])
	f := testdata.facts
	count(monitoring.deny) == 0 with input.model as m with input.facts as f
	not "TM-ISO-052" in monitoring.not_applicable with input.model as m with input.facts as f
}

test_no_high_risk_mitigated_threat_not_applicable if {
	m := testdata.patched(testdata.patched(testdata.model, ["threats", 2, "status"], "mitigating"), ["threats", 3, "status"], "mitigating")
	f := testdata.facts
	"TM-ISO-052" in monitoring.not_applicable with input.model as m with input.facts as f
}
