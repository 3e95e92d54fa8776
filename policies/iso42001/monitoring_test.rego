package iso42001.monitoring_test

import data.iso42001.monitoring
import data.lib.testdata

test_untracked_finding_denied if {
	m := testdata.patched(testdata.model, ["red_team", 0, "findings", 0, "remediation"], {"status": "open", "due": "2027-01-15"})
	f := testdata.facts
	testdata.found(monitoring.deny) == {{
		"rule_id": "TM-ISO-050",
		"path": ["red_team", 0, "findings", 0, "remediation", "ticket"],
		"params": {"message": "unrecorded", "exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"], "field": "ticket"},
	}} with input.model as m
		with input.facts as f
}

test_open_remediation_without_due_date_denied if {
	m := testdata.without(testdata.model, ["red_team", 0, "findings", 0, "remediation", "due"])
	f := testdata.facts
	testdata.found(monitoring.deny) == {{
		"rule_id": "TM-ISO-050",
		"path": ["red_team", 0, "findings", 0, "remediation", "due"],
		"params": {"message": "unrecorded", "exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"], "field": "due"},
	}} with input.model as m
		with input.facts as f
}

test_resolved_remediation_needs_no_due_date if {
	m := testdata.patched(testdata.model, ["red_team", 0, "findings", 0, "remediation"], {"status": "resolved", "ticket": "SEC-1"})
	f := testdata.facts
	count(testdata.found(monitoring.deny)) == 0 with input.model as m with input.facts as f
}

test_overdue_remediation_denied if {
	# A confirmed exploit whose fix is late is no evidence that results are acted upon.
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "overdue"], [0])
	testdata.found(monitoring.deny) == {{
		"rule_id": "TM-ISO-050",
		"path": ["red_team", 0, "findings", 0, "remediation", "due"],
		"params": {
			"message": "overdue", "exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"],
			"due": ["red_team", 0, "findings", 0, "remediation", "due"], "status": ["red_team", 0, "findings", 0, "remediation", "status"],
		},
	}} with input.model as m
		with input.facts as f
}

test_finding_without_remediation_denied if {
	m := testdata.without(testdata.model, ["red_team", 0, "findings", 0, "remediation"])
	f := testdata.facts
	{d.path | some d in testdata.found(monitoring.deny)} == {
		["red_team", 0, "findings", 0, "remediation", "status"],
		["red_team", 0, "findings", 0, "remediation", "ticket"],
	} with input.model as m
		with input.facts as f
}

test_tracked_findings_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(monitoring.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-050" in monitoring.not_applicable with input.model as m with input.facts as f
}

test_no_findings_not_applicable if {
	m := testdata.patched(testdata.model, ["red_team", 0, "findings"], [])
	f := testdata.facts
	"TM-ISO-050" in monitoring.not_applicable with input.model as m with input.facts as f
}
