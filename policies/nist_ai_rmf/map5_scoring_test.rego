package nist_ai_rmf.map5_scoring_test

import data.lib.testdata
import data.nist_ai_rmf.map5_scoring

_ids(id) := {f | some f in testdata.found(map5_scoring.deny); f.rule_id == id}

_threats(ts) := object.union(testdata.model, {"threats": ts})

_t := testdata.model.threats

test_unscored_threat_without_assumption_denied if {
	bare := object.remove(_t[1], ["likelihood", "assumptions"])
	m := _threats([_t[0], object.union(bare, {"impact": 7})])
	_ids("TM-SCORE-001") == {
		{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "likelihood"], "params": {"message": "unscored", "threat": ["threats", 1, "id"], "field": "likelihood"}},
		{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "impact"], "params": {"message": "unscored", "threat": ["threats", 1, "id"], "field": "impact"}},
		{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "assumptions"], "params": {"message": "no_assumption", "threat": ["threats", 1, "id"]}},
	} with input.model as m
}

test_scored_threats_with_assumptions_pass if {
	m := testdata.model
	count(_ids("TM-SCORE-001")) == 0 with input.model as m
}

test_no_threats_scoring_not_applicable if {
	m := _threats([])
	"TM-SCORE-001" in map5_scoring.not_applicable with input.model as m
}

test_untreated_high_risks_denied if {
	expired := object.union(_t[0], {"mitigations": [], "status": "accepted", "acceptance": {"approved_by": "CISO", "expires": "2026-10-01"}})
	unapproved := object.union(_t[2], {"mitigations": ["C-99"], "status": "accepted"})
	open := object.union(_t[3], {"mitigations": [], "status": "open"})
	m := _threats([expired, _t[1], unapproved, open])
	f0 := testdata.patched(testdata.facts, ["threats", "T-001", "acceptance_expired"], true)
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-001") == {
		{"rule_id": "TM-TREAT-001", "path": ["threats", 0], "params": {"threat": ["threats", 0, "id"], "risk": 12, "why": "its acceptance has expired"}},
		{"rule_id": "TM-TREAT-001", "path": ["threats", 2], "params": {"threat": ["threats", 2, "id"], "risk": 12, "why": "its acceptance names no approver"}},
		{
			"rule_id": "TM-TREAT-001",
			"path": ["threats", 3],
			"params": {"threat": ["threats", 3, "id"], "risk": 10, "why": "no mitigation names a control, and it is neither accepted nor transferred"},
		},
	} with input.model as m with input.facts as f
}

test_accepted_and_transferred_high_risks_pass if {
	accepted := object.union(_t[0], {"mitigations": [], "status": "accepted", "acceptance": {"approved_by": "CISO", "expires": "2027-01-31"}})
	transferred := object.union(_t[2], {"mitigations": [], "status": "transferred"})
	m := _threats([accepted, _t[1], transferred, _t[3]])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
}

test_no_high_risk_treatment_not_applicable if {
	m := testdata.model
	f0 := json.patch(testdata.facts, [
		{"op": "add", "path": ["threats", "T-001", "risk"], "value": 9},
		{"op": "add", "path": ["threats", "T-003", "risk"], "value": 4},
		{"op": "add", "path": ["threats", "T-004", "risk"], "value": 8},
	])
	f := testdata.facts_for(m, f0)
	"TM-TREAT-001" in map5_scoring.not_applicable with input.model as m with input.facts as f
}

test_fractional_and_text_scores_denied if {
	m := _threats([_t[0], object.union(_t[1], {"likelihood": 2.5, "impact": "3"})])
	_ids("TM-SCORE-001") == {
		{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "likelihood"], "params": {"message": "unscored", "threat": ["threats", 1, "id"], "field": "likelihood"}},
		{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "impact"], "params": {"message": "unscored", "threat": ["threats", 1, "id"], "field": "impact"}},
	} with input.model as m
}

test_empty_assumptions_denied if {
	m := _threats([_t[0], object.union(_t[1], {"assumptions": []})])
	_ids("TM-SCORE-001") == {{"rule_id": "TM-SCORE-001", "path": ["threats", 1, "assumptions"], "params": {"message": "no_assumption", "threat": ["threats", 1, "id"]}}} with input.model as m
}

test_high_risk_without_mitigations_list_denied if {
	open := object.union(object.remove(_t[3], ["mitigations"]), {"status": "open"})
	m := _threats([_t[0], _t[1], _t[2], open])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-001") == {{
		"rule_id": "TM-TREAT-001",
		"path": ["threats", 3],
		"params": {"threat": ["threats", 3, "id"], "risk": 10, "why": "no mitigation names a control, and it is neither accepted nor transferred"},
	}} with input.model as m with input.facts as f
}
