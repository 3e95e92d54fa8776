package iso42001.treatment_test

import data.iso42001.treatment
import data.lib.testdata

test_planned_control_without_due_denied if {
	m := testdata.patched(testdata.model, ["controls", 0, "status"], "planned")
	f := testdata.facts
	testdata.found(treatment.deny) == {{"rule_id": "TM-ISO-060", "path": ["controls", 0, "due"], "params": {"control": ["controls", 0, "id"]}}} with input.model as m
		with input.facts as f
}

test_planned_control_with_due_allowed if {
	m := testdata.patched(testdata.patched(testdata.model, ["controls", 0, "status"], "planned"), ["controls", 0, "due"], "2026-12-15")
	f := testdata.facts
	count(testdata.found(treatment.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-060" in treatment.not_applicable with input.model as m with input.facts as f
}

test_no_planned_control_not_applicable if {
	m := testdata.model
	f := testdata.facts
	"TM-ISO-060" in treatment.not_applicable with input.model as m with input.facts as f
}

test_verified_control_with_missing_evidence_denied if {
	m := testdata.model
	f := object.union(testdata.facts, {"evidence": object.union(testdata.facts.evidence, {"docs/controls/article-review.md": false})})
	testdata.found(treatment.deny) == {{
		"rule_id": "TM-ISO-061",
		"path": ["controls", 1, "evidence", 0],
		"params": {"message": "missing", "evidence": ["controls", 1, "evidence", 0], "control": ["controls", 1, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_verified_control_without_evidence_denied if {
	m := testdata.without(testdata.model, ["controls", 1, "evidence"])
	f := testdata.facts
	testdata.found(treatment.deny) == {{
		"rule_id": "TM-ISO-061",
		"path": ["controls", 1, "evidence"],
		"params": {"message": "no_evidence", "control": ["controls", 1, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_verified_control_with_evidence_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(treatment.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-061" in treatment.not_applicable with input.model as m with input.facts as f
}

test_no_verified_control_not_applicable if {
	m := testdata.patched(testdata.model, ["controls", 1, "status"], "implemented")
	f := testdata.facts
	"TM-ISO-061" in treatment.not_applicable with input.model as m with input.facts as f
}

test_missing_owners_denied if {
	m := testdata.without(testdata.without(testdata.model, ["metadata", "owner"]), ["controls", 2, "owner"])
	f := testdata.facts
	testdata.found(treatment.deny) == {
		{"rule_id": "TM-ISO-062", "path": ["metadata", "owner"], "params": {"message": "system"}},
		{"rule_id": "TM-ISO-062", "path": ["controls", 2, "owner"], "params": {"message": "control", "control": ["controls", 2, "id"]}},
	} with input.model as m
		with input.facts as f
}

test_owned_controls_allowed if {
	m := testdata.model
	f := testdata.facts
	every d in testdata.found(treatment.deny) {
		d.rule_id != "TM-ISO-062"
	} with input.model as m
		with input.facts as f
}

test_accountability_applies_to_every_model if {
	f := testdata.facts
	not "TM-ISO-062" in treatment.not_applicable with input.model as {} with input.facts as f
}
