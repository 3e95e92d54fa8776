package iso42001.attestations_test

import data.iso42001.attestations
import data.lib.testdata

# Index of the iso42001/A.5.3 attestation in the test model.
_a53 := 14

test_missing_attestation_denied if {
	kept := [a | some a in testdata.model.compliance.attestations; a.control != "iso42001/A.5.3"]
	m := testdata.patched(testdata.model, ["compliance", "attestations"], kept)
	f := testdata.facts
	testdata.found(attestations.deny) == {{
		"rule_id": "TM-ATTEST-002",
		"path": ["compliance", "attestations"],
		"params": {"message": "missing", "control": "iso42001/A.5.3"},
		"control": "iso42001/A.5.3",
	}} with input.model as m
		with input.facts as f
}

test_stale_attestation_without_evidence_denied if {
	testdata.model.compliance.attestations[_a53].control == "iso42001/A.5.3"
	m := testdata.model
	f := testdata.patched(testdata.facts, ["attestations", _a53], {"age_days": 200, "within_cadence": false, "evidence_exists": false, "names_model": true})
	testdata.found(attestations.deny) == {
		{
			"rule_id": "TM-ATTEST-002",
			"path": ["compliance", "attestations", 14],
			"params": {"message": "invalid", "control": "iso42001/A.5.3", "problem": "is not dated within the review cadence"},
			"control": "iso42001/A.5.3",
		},
		{
			"rule_id": "TM-ATTEST-002",
			"path": ["compliance", "attestations", 14],
			"params": {"message": "invalid", "control": "iso42001/A.5.3", "problem": "cites an evidence file that does not exist, is empty or is placeholder text"},
			"control": "iso42001/A.5.3",
		},
	} with input.model as m
		with input.facts as f
}

test_valid_attestations_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(attestations.deny)) == 0 with input.model as m with input.facts as f
}

test_attestations_apply_to_every_model if {
	f := testdata.facts
	not "TM-ATTEST-002" in attestations.not_applicable with input.model as {} with input.facts as f
	count(testdata.found(attestations.deny)) == 6 with input.model as {} with input.facts as f
}
