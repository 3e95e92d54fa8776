package lib.attestation_test

import data.lib.attestation
import data.lib.testdata

_model := {"compliance": {
	"attestations": [
		{"control": "fw/A", "evidence": "a.md"},
		{"control": "fw/B", "evidence": "b.md"},
		{"control": "fw/B", "evidence": "b2.md"},
		{"evidence": "c.md"},
	],
	"not_applicable": [
		{"control": "fw/S", "reason": "out of scope"},
		{"control": "fw/T", "reason": " "},
		{"technique": "AML.T0010", "reason": "r"},
	],
	"waivers": [
		{"control": "fw/W", "expires": "2027-01-01"},
		{"control": "fw/X", "expires": "2026-01-01"},
		{"control": "fw/Y", "expires": "2027-01-01"},
	],
}}

# Three attestation facts for four attestations, two waiver facts for three waivers.
_facts := {
	"attestations": [
		{"within_cadence": true, "evidence_exists": true, "names_model": true},
		{"within_cadence": false, "evidence_exists": true, "names_model": true},
		{"within_cadence": true, "evidence_exists": false, "names_model": true},
	],
	"waivers": [{"expired": false}, {"expired": true}],
}

_late := "is not dated within the review cadence"

_no_file := "cites an evidence file that does not exist, is empty or is placeholder text"

_unnamed := "cites evidence that does not name this model (its metadata.id)"

test_entries_list_problems_by_index if {
	m := _model
	f := _facts
	attestation.entries == [
		[0, "fw/A", []],
		[1, "fw/B", [_late]],
		[2, "fw/B", [_no_file]],
		[3, "", [_late, _no_file, _unnamed]],
	] with input.model as m
		with input.facts as f
}

test_valid_keeps_controls_with_a_valid_attestation if {
	m := _model
	f := _facts
	attestation.valid == ["fw/A"] with input.model as m with input.facts as f
}

test_excused_by_reasoned_scope_or_running_waiver if {
	m := _model
	f := _facts
	attestation.excused == {"fw/S", "fw/W"} with input.model as m with input.facts as f
}

test_a_waiver_longer_than_the_risk_criteria_allow_excuses_nothing if {
	m := _model
	f := object.union(_facts, {"waivers": [{"expired": false, "too_long": true}, {"expired": true}]})
	attestation.excused == {"fw/S"} with input.model as m with input.facts as f
}

test_nothing_excused_without_compliance if {
	f := _facts
	attestation.excused == set() with input.model as {} with input.facts as f
	attestation.entries == [] with input.model as {} with input.facts as f
}

test_problems_of_missing_and_invalid_keys if {
	m := _model
	f := _facts
	attestation.problems(["fw/A", "fw/B", "fw/M", "fw/S", "fw/W", "fw/X"]) == [
		[["compliance", "attestations"], "fw/M", ""],
		[["compliance", "attestations"], "fw/X", ""],
		[["compliance", "attestations", 1], "fw/B", _late],
		[["compliance", "attestations", 2], "fw/B", _no_file],
	] with input.model as m
		with input.facts as f
}

test_one_valid_attestation_is_enough if {
	# regopy 1.5.2 got this wrong in lib.model.attestation_denials ({xs[i] | some i; count(ys[i]) == 0} is empty).
	m := testdata.patched(_model, ["compliance", "attestations", 3], {"control": "fw/B", "evidence": "b3.md"})
	f := testdata.patched(_facts, ["attestations", 3], {"within_cadence": true, "evidence_exists": true, "names_model": true})
	attestation.problems(["fw/B"]) == [] with input.model as m with input.facts as f
}
