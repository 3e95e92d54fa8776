package compliance.substance_test

import data.compliance.substance
import data.lib.testdata

# Facts as policyengine/substance.py lists them for a model whose purpose, one assumption,
# one acceptance approver, one control owner, one exercise performer, one AI task and what
# the users of one interface are told are hollow.
_placeholders := [
	{"check": "TM-TEXT-001", "path": ["system", "intended_purpose"], "field": "system.intended_purpose of model", "owner": ["metadata", "id"], "kind": "placeholder text", "controls": ["nist-ai-rmf/MAP 1.1", "iso42001/A.6.2.2", "iso42001/A.9.4"]},
	{"check": "TM-TEXT-002", "path": ["threats", 1, "assumptions", 0], "field": "an assumption of threat", "owner": ["threats", 1, "id"], "kind": "too short to state anything", "controls": []},
	{"check": "TM-TEXT-003", "path": ["threats", 0, "acceptance", "approved_by"], "field": "the approver of threat", "owner": ["threats", 0, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-TEXT-004", "path": ["controls", 2, "owner"], "field": "the owner of control", "owner": ["controls", 2, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-TEXT-005", "path": ["red_team", 0, "performed_by"], "field": "performed_by of red-team exercise", "owner": ["red_team", 0, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-TEXT-006", "path": ["system", "ai_tasks", 0], "field": "an AI task in system.ai_tasks of model", "owner": ["metadata", "id"], "kind": "placeholder text", "controls": ["nist-ai-rmf/MAP 2.1"]},
	{"check": "TM-TEXT-007", "path": ["surfaces", 0, "interfaces", 0, "user_information"], "field": "the user_information of an interface of surface", "owner": ["surfaces", 0, "id"], "kind": "too short to state anything", "controls": []},
]

_finding(p) := {
	"rule_id": p.check, "path": p.path,
	"params": {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path},
} if count(p.controls) == 0

_finding(p) := {
	"rule_id": p.check, "path": p.path,
	"params": {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path},
	"controls": p.controls,
} if count(p.controls) > 0

test_each_hollow_field_denied_by_its_check if {
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": _placeholders})
	testdata.found(substance.deny) == {_finding(p) | some p in _placeholders} with input.model as m
		with input.facts as f
}

test_hollow_purpose_and_assumption_denied if {
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": [_placeholders[0], _placeholders[1]]})
	testdata.found(substance.deny) == {
		{
			"rule_id": "TM-TEXT-001", "path": ["system", "intended_purpose"],
			"params": {"field": "system.intended_purpose of model", "owner": ["metadata", "id"], "kind": "placeholder text", "text": ["system", "intended_purpose"]},
			"controls": ["nist-ai-rmf/MAP 1.1", "iso42001/A.6.2.2", "iso42001/A.9.4"],
		},
		{
			"rule_id": "TM-TEXT-002", "path": ["threats", 1, "assumptions", 0],
			"params": {"field": "an assumption of threat", "owner": ["threats", 1, "id"], "kind": "too short to state anything", "text": ["threats", 1, "assumptions", 0]},
		},
	} with input.model as m
		with input.facts as f
}

test_substantive_model_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(substance.deny)) == 0 with input.model as m with input.facts as f
}

test_one_check_reports_only_its_fields if {
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": [_placeholders[1]]})
	testdata.found(substance.deny) == {_finding(_placeholders[1])} with input.model as m
		with input.facts as f
}

test_hollow_ai_task_and_interface_denied if {
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": [_placeholders[5], _placeholders[6]]})
	{d.rule_id | some d in testdata.found(substance.deny)} == {"TM-TEXT-006", "TM-TEXT-007"} with input.model as m
		with input.facts as f
}

test_hollow_field_fails_only_the_controls_it_serves if {
	# An out-of-scope use serves MAP 2.2 and 3.3 of TM-TEXT-006; an AI task only MAP 2.1.
	use := {"check": "TM-TEXT-006", "path": ["system", "out_of_scope_uses", 0], "field": "a use in system.out_of_scope_uses of model", "owner": ["metadata", "id"], "kind": "placeholder text", "controls": ["nist-ai-rmf/MAP 2.2", "nist-ai-rmf/MAP 3.3"]}
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": [_placeholders[5], use]})
	{[d.path, d.controls] | some d in testdata.found(substance.deny)} == {
		[["system", "ai_tasks", 0], ["nist-ai-rmf/MAP 2.1"]],
		[["system", "out_of_scope_uses", 0], ["nist-ai-rmf/MAP 2.2", "nist-ai-rmf/MAP 3.3"]],
	} with input.model as m
		with input.facts as f
}

test_hollow_asset_names_fail_what_they_document if {
	# An ML library "x" documents no tooling, where the system runs or its design; an
	# inference API "x" only its design (policyengine/substance.py chooses per asset type).
	lib := {"check": "TM-TEXT-008", "path": ["assets", 1, "name"], "field": "the name of asset", "owner": ["assets", 1, "id"], "kind": "placeholder text", "controls": ["iso42001/A.4.4", "iso42001/A.4.5", "iso42001/A.6.2.3"]}
	api := {"check": "TM-TEXT-008", "path": ["assets", 0, "name"], "field": "the name of asset", "owner": ["assets", 0, "id"], "kind": "placeholder text", "controls": ["iso42001/A.6.2.3"]}
	m := testdata.model
	f := object.union(testdata.facts, {"placeholders": [lib, api]})
	testdata.found(substance.deny) == {_finding(lib), _finding(api)} with input.model as m
		with input.facts as f
}

test_nothing_to_decide_not_applicable if {
	# TM-TEXT-003, -004, -005, -007 and -008 judge decisions, controls, exercises,
	# interfaces and assets.
	m := {"threats": [{"id": "T-1"}], "controls": [], "red_team": [], "compliance": {}, "surfaces": [{"id": "s", "layer": "retrieval"}]}
	f := testdata.facts
	{"TM-TEXT-003", "TM-TEXT-004", "TM-TEXT-005", "TM-TEXT-007", "TM-TEXT-008"} == substance.not_applicable with input.model as m
		with input.facts as f
}

test_decisions_applicable_when_present if {
	m := testdata.model
	f := testdata.facts
	count(substance.not_applicable) == 0 with input.model as m with input.facts as f
}
