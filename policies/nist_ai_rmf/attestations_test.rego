package nist_ai_rmf.attestations_test

import data.lib.testdata
import data.nist_ai_rmf.attestations

_atts := testdata.model.compliance.attestations

test_missing_and_stale_attestations_denied if {
	# Keep every attestation but MAP 1.4 (index 0), and make MAP 1.6 (index 1) stale.
	m := testdata.patched(testdata.model, ["compliance", "attestations"], array.slice(_atts, 1, count(_atts)))
	f := testdata.patched(testdata.facts, ["attestations", 0, "within_cadence"], false)
	testdata.found(attestations.deny) == {
		{
			"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations"],
			"params": {"message": "missing", "control": "nist-ai-rmf/MAP 1.4"}, "control": "nist-ai-rmf/MAP 1.4",
		},
		{
			"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations", 0],
			"params": {"message": "invalid", "control": "nist-ai-rmf/MAP 1.6", "problem": "is not dated within the review cadence"}, "control": "nist-ai-rmf/MAP 1.6",
		},
	} with input.model as m with input.facts as f
}

test_attestation_without_evidence_denied if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["attestations", 3, "evidence_exists"], false)
	testdata.found(attestations.deny) == {{
		"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations", 3],
		"params": {"message": "invalid", "control": "nist-ai-rmf/MAP 3.2", "problem": "cites an evidence file that does not exist, is empty or is placeholder text"}, "control": "nist-ai-rmf/MAP 3.2",
	}} with input.model as m with input.facts as f
}

test_no_attestations_deny_every_listed_control if {
	m := testdata.patched(testdata.model, ["compliance", "attestations"], [])
	f := testdata.patched(testdata.facts, ["attestations"], [])
	count(testdata.found(attestations.deny)) == 12 with input.model as m with input.facts as f
}

test_valid_attestations_pass if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(attestations.deny)) == 0 with input.model as m with input.facts as f
}

test_attestation_check_always_applies if {
	m := testdata.model
	not "TM-ATTEST-001" in attestations.not_applicable with input.model as m
}

test_scoped_out_or_waived_controls_need_no_attestation if {
	# Drop MAP 1.4 (index 0) and MAP 1.6 (index 1); scope out the first, waive the second.
	m1 := testdata.patched(testdata.model, ["compliance", "attestations"], array.slice(_atts, 2, count(_atts)))
	m2 := testdata.patched(m1, ["compliance", "not_applicable"], [{"control": "nist-ai-rmf/MAP 1.4", "reason": "r"}])
	m := testdata.patched(m2, ["compliance", "waivers"], [{
		"control": "nist-ai-rmf/MAP 1.6", "reason": "r",
		"approved_by": "board", "expires": "2027-03-31",
	}])
	f := testdata.patched(testdata.facts, ["waivers"], [{"expired": false, "days_left": 120}])
	count(testdata.found(attestations.deny)) == 0 with input.model as m with input.facts as f
}

test_expired_waiver_still_needs_an_attestation if {
	m1 := testdata.patched(testdata.model, ["compliance", "attestations"], array.slice(_atts, 2, count(_atts)))
	m2 := testdata.patched(m1, ["compliance", "not_applicable"], [{"control": "nist-ai-rmf/MAP 1.4", "reason": "r"}])
	m := testdata.patched(m2, ["compliance", "waivers"], [{
		"control": "nist-ai-rmf/MAP 1.6", "reason": "r",
		"approved_by": "board", "expires": "2026-01-31",
	}])
	f := testdata.patched(testdata.facts, ["waivers"], [{"expired": true, "days_left": -300}])
	testdata.found(attestations.deny) == {{
		"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations"],
		"params": {"message": "missing", "control": "nist-ai-rmf/MAP 1.6"}, "control": "nist-ai-rmf/MAP 1.6",
	}} with input.model as m with input.facts as f
}

test_a_valid_attestation_covers_a_stale_one_of_the_same_control if {
	# A second, stale attestation of MAP 1.4 (index 0) is no finding while the first is valid.
	m := testdata.patched(testdata.model, ["compliance", "attestations", "-"], _atts[0])
	f := testdata.patched(testdata.facts, ["attestations", "-"], {"age_days": 400, "within_cadence": false, "evidence_exists": true, "names_model": true})
	count(testdata.found(attestations.deny)) == 0 with input.model as m with input.facts as f
}

test_a_stale_attestation_is_a_finding_when_no_other_is_valid if {
	m := testdata.patched(testdata.model, ["compliance", "attestations", "-"], _atts[0])
	f1 := testdata.patched(testdata.facts, ["attestations", "-"], {"age_days": 400, "within_cadence": false, "evidence_exists": true, "names_model": true})
	f := testdata.patched(f1, ["attestations", 0, "evidence_exists"], false)
	testdata.found(attestations.deny) == {
		{
			"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations", 0],
			"params": {"message": "invalid", "control": "nist-ai-rmf/MAP 1.4", "problem": "cites an evidence file that does not exist, is empty or is placeholder text"}, "control": "nist-ai-rmf/MAP 1.4",
		},
		{
			"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations", 18],
			"params": {"message": "invalid", "control": "nist-ai-rmf/MAP 1.4", "problem": "is not dated within the review cadence"}, "control": "nist-ai-rmf/MAP 1.4",
		},
	} with input.model as m with input.facts as f
}

test_evidence_that_does_not_name_the_model_denied if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["attestations", 0, "names_model"], false)
	testdata.found(attestations.deny) == {{
		"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations", 0],
		"params": {"message": "invalid", "control": "nist-ai-rmf/MAP 1.4", "problem": "cites evidence that does not name this model (its metadata.id)"}, "control": "nist-ai-rmf/MAP 1.4",
	}} with input.model as m with input.facts as f
}

test_placeholder_reason_scopes_nothing_out if {
	# MAP 1.4 (index 0) dropped and ruled out with "n/a", which the placeholder facts flag.
	m1 := testdata.patched(testdata.model, ["compliance", "attestations"], array.slice(_atts, 1, count(_atts)))
	m := testdata.patched(m1, ["compliance", "not_applicable"], [{"control": "nist-ai-rmf/MAP 1.4", "reason": "n/a"}])
	f := testdata.patched(testdata.facts, ["placeholders"], [{"path": ["compliance", "not_applicable", 0, "reason"]}])
	testdata.found(attestations.deny) == {{
		"rule_id": "TM-ATTEST-001", "path": ["compliance", "attestations"],
		"params": {"message": "missing", "control": "nist-ai-rmf/MAP 1.4"}, "control": "nist-ai-rmf/MAP 1.4",
	}} with input.model as m with input.facts as f
}

test_placeholder_waiver_reason_waives_nothing if {
	m1 := testdata.patched(testdata.model, ["compliance", "attestations"], array.slice(_atts, 1, count(_atts)))
	m := testdata.patched(m1, ["compliance", "waivers"], [{
		"control": "nist-ai-rmf/MAP 1.4", "reason": "TBD",
		"approved_by": "board", "expires": "2027-03-31",
	}])
	f1 := testdata.patched(testdata.facts, ["waivers"], [{"expired": false, "days_left": 120}])
	f := testdata.patched(f1, ["placeholders"], [{"path": ["compliance", "waivers", 0, "reason"]}])
	count(testdata.found(attestations.deny)) == 1 with input.model as m with input.facts as f
}
