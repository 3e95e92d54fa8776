package compliance.evidence_test

import data.compliance.evidence
import data.lib.testdata

_model := {
	"controls": [
		{"id": "C-1", "status": "implemented", "evidence": ["docs/a.md", "docs/empty.md"]},
		{"id": "C-2", "status": "verified", "evidence": ["docs/gone.md"]},
		{"id": "C-3", "status": "planned"},
	],
	"red_team": [
		{"id": "RT-1", "report": "evidence/rt-1.md"},
		{"id": "RT-2"},
	],
}

test_missing_or_empty_evidence_denied if {
	m := _model
	f := {"evidence": {"docs/a.md": true, "docs/empty.md": false, "docs/gone.md": false, "evidence/rt-1.md": false}}
	testdata.found(evidence.deny) == {
		{
			"rule_id": "TM-EVID-001", "path": ["controls", 0, "evidence", 1],
			"params": {"message": "control", "evidence": ["controls", 0, "evidence", 1], "owner": ["controls", 0, "id"]},
		},
		{
			"rule_id": "TM-EVID-002", "path": ["red_team", 0, "report"],
			"params": {"message": "report", "evidence": ["red_team", 0, "report"], "owner": ["red_team", 0, "id"]},
		},
		{
			"rule_id": "TM-EVID-002", "path": ["red_team", 1],
			"params": {"message": "unreported", "owner": ["red_team", 1, "id"]},
		},
	} with input.model as m
		with input.facts as f
}

test_filed_evidence_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(evidence.deny)) == 0 with input.model as m with input.facts as f
}

test_no_cited_evidence_not_applicable if {
	m := {"controls": [{"id": "C-1", "status": "planned"}], "red_team": []}
	"TM-EVID-001" in evidence.not_applicable with input.model as m
	"TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_exercise_without_report_denied if {
	m := object.union(testdata.model, {"red_team": [{"id": "RT-1"}]})
	f := testdata.facts
	{d | some d in testdata.found(evidence.deny); d.rule_id == "TM-EVID-002"} == {{
		"rule_id": "TM-EVID-002", "path": ["red_team", 0],
		"params": {"message": "unreported", "owner": ["red_team", 0, "id"]},
	}} with input.model as m
		with input.facts as f
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_cited_evidence_applicable if {
	m := _model
	not "TM-EVID-001" in evidence.not_applicable with input.model as m
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_report_alone_applicable_to_the_report_check_only if {
	m := {"controls": [{"id": "C-1", "status": "planned"}], "red_team": [{"id": "RT-1", "report": "r.md"}]}
	"TM-EVID-001" in evidence.not_applicable with input.model as m
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}
