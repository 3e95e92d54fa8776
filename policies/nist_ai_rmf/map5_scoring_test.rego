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
	open := object.union(_t[3], {"mitigations": [], "status": "open"})
	m := _threats([_t[0], _t[1], _t[2], open])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-001") == {{
		"rule_id": "TM-TREAT-001",
		"path": ["threats", 3],
		"params": {"threat": ["threats", 3, "id"], "risk": 10, "threshold": 8, "tolerance": "low"},
	}} with input.model as m with input.facts as f
}

test_treated_high_risks_pass if {
	accepted := object.union(_t[0], {"mitigations": [], "status": "accepted", "acceptance": {"approved_by": "CISO", "expires": "2027-01-31"}})
	transferred := object.union(_t[2], {"mitigations": [], "status": "transferred"})
	m := _threats([accepted, _t[1], transferred, _t[3]])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
	count(_ids("TM-TREAT-002")) == 0 with input.model as m with input.facts as f
}

test_the_threshold_comes_from_the_facts if {
	open := object.union(_t[3], {"mitigations": [], "status": "open"})
	m := _threats([_t[0], _t[1], _t[2], open])
	f0 := testdata.patched(testdata.facts, ["risk"], {"tolerance": "high", "threshold": 15, "max_acceptance_days": 365})
	f := testdata.facts_for(m, f0)
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
	"TM-TREAT-001" in map5_scoring.not_applicable with input.model as m with input.facts as f
}

test_no_high_risk_treatment_not_applicable if {
	m := testdata.model
	f0 := json.patch(testdata.facts, [
		{"op": "add", "path": ["threats", "T-001", "risk"], "value": 7},
		{"op": "add", "path": ["threats", "T-003", "risk"], "value": 4},
		{"op": "add", "path": ["threats", "T-004", "risk"], "value": 6},
	])
	f := testdata.facts_for(m, f0)
	"TM-TREAT-001" in map5_scoring.not_applicable with input.model as m with input.facts as f
	"TM-TREAT-002" in map5_scoring.not_applicable with input.model as m with input.facts as f
	"TM-TREAT-003" in map5_scoring.not_applicable with input.model as m with input.facts as f
}

_planned_control := {"id": "C-04", "title": "Signed articles", "kind": "preventive", "status": "planned", "owner": "docs-team", "due": "2026-12-15"}

test_high_risk_treated_only_by_planned_controls_denied if {
	only_planned := object.union(_t[2], {"mitigations": ["C-04"]})

	# A planned control beside one in place treats nothing less: no finding.
	both := object.union(_t[3], {"mitigations": ["C-04", "C-03"]})
	m0 := _threats([_t[0], _t[1], only_planned, both])
	m := object.union(m0, {"controls": array.concat(testdata.model.controls, [_planned_control])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-002") == {{
		"rule_id": "TM-TREAT-002",
		"path": ["threats", 2, "mitigations", 0],
		"params": {"threat": ["threats", 2, "id"], "risk": 12, "control": ["controls", 3, "id"]},
	}} with input.model as m with input.facts as f
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
}

test_a_control_without_status_is_planned if {
	only_planned := object.union(_t[2], {"mitigations": ["C-04"]})
	m0 := _threats([_t[0], _t[1], only_planned, _t[3]])
	m := object.union(m0, {"controls": array.concat(testdata.model.controls, [object.remove(_planned_control, ["status"])])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-TREAT-002")) == 1 with input.model as m with input.facts as f
}

test_controls_in_place_pass_the_planned_check if {
	m := testdata.model
	count(_ids("TM-TREAT-002")) == 0 with input.model as m
}

_accept(t, acceptance) := object.union(t, {"mitigations": [], "status": "accepted", "acceptance": acceptance})

_ok := {"acceptance_expired": false, "acceptance_not_yet": false, "acceptance_days": 120, "acceptance_too_long": false, "acceptance_authorized": true}

test_acceptances_outside_the_risk_criteria_denied if {
	m := _threats([
		_accept(_t[0], {"expires": "2027-01-31"}),
		_t[1],
		_accept(_t[2], {"approved_by": "x", "date": "2026-10-01", "expires": "2030-12-31"}),
		_accept(_t[3], {"approved_by": "CISO", "expires": "2026-10-01"}),
	])
	f0 := json.patch(testdata.facts, [
		{"op": "add", "path": ["threats", "T-001"], "value": object.union(_ok, {"risk": 12, "acceptance_authorized": false})},
		{"op": "add", "path": ["threats", "T-003"], "value": object.union(_ok, {"risk": 12, "acceptance_authorized": false, "acceptance_days": 1552, "acceptance_too_long": true})},
		{"op": "add", "path": ["threats", "T-004"], "value": object.union(_ok, {"risk": 10, "acceptance_expired": true})},
	])
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-003") == {
		{"rule_id": "TM-TREAT-003", "path": ["threats", 0, "acceptance"], "params": {"message": "no_approver", "threat": ["threats", 0, "id"], "risk": 12}},
		{
			"rule_id": "TM-TREAT-003", "path": ["threats", 2, "acceptance", "approved_by"],
			"params": {"message": "unauthorized", "threat": ["threats", 2, "id"], "risk": 12, "approver": ["threats", 2, "acceptance", "approved_by"], "acceptors_from": "risk.acceptors in .policyengine.yaml"},
		},
		{
			"rule_id": "TM-TREAT-003", "path": ["threats", 2, "acceptance", "expires"],
			"params": {"message": "too_long", "threat": ["threats", 2, "id"], "risk": 12, "days": 1552, "max": 365},
		},
		{"rule_id": "TM-TREAT-003", "path": ["threats", 3, "acceptance"], "params": {"message": "expired", "threat": ["threats", 3, "id"], "risk": 10}},
	} with input.model as m with input.facts as f
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
}

test_an_acceptance_dated_after_the_as_of_date_denied if {
	m := _threats([_accept(_t[0], {"approved_by": "CISO", "date": "2027-01-15", "expires": "2027-01-31"}), _t[1], _t[2], _t[3]])
	f0 := json.patch(testdata.facts, [{"op": "add", "path": ["threats", "T-001"], "value": object.union(_ok, {"risk": 12, "acceptance_not_yet": true})}])
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-003") == {{
		"rule_id": "TM-TREAT-003", "path": ["threats", 0, "acceptance", "date"],
		"params": {"message": "not_yet", "threat": ["threats", 0, "id"], "risk": 12, "date": ["threats", 0, "acceptance", "date"]},
	}} with input.model as m with input.facts as f
}

test_an_acceptance_without_facts_counts_as_expired_and_unauthorized if {
	m := _threats([_accept(_t[0], {"approved_by": "CISO", "expires": "2027-01-31"}), _t[1], _t[2], _t[3]])
	f0 := json.patch(testdata.facts, [{"op": "add", "path": ["threats", "T-001"], "value": {"risk": 12}}])
	f := testdata.facts_for(m, f0)
	{x.params.message | some x in _ids("TM-TREAT-003")} == {"unauthorized", "expired"} with input.model as m with input.facts as f
}

test_acceptances_within_the_risk_criteria_pass if {
	m := _threats([_accept(_t[0], {"approved_by": "CISO", "date": "2026-10-01", "expires": "2027-01-31"}), _t[1], _t[2], _t[3]])
	f0 := json.patch(testdata.facts, [{"op": "add", "path": ["threats", "T-001"], "value": object.union(_ok, {"risk": 12})}])
	f := testdata.facts_for(m, f0)
	count(_ids("TM-TREAT-003")) == 0 with input.model as m with input.facts as f
	not "TM-TREAT-003" in map5_scoring.not_applicable with input.model as m with input.facts as f
}

test_acceptances_below_the_threshold_not_applicable if {
	# T-002 (risk 6, under the threshold 8) is accepted by nobody: not judged.
	m := _threats([_t[0], _accept(_t[1], {}), _t[2], _t[3]])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-TREAT-003" in map5_scoring.not_applicable with input.model as m with input.facts as f
	count(_ids("TM-TREAT-003")) == 0 with input.model as m with input.facts as f
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
		"params": {"threat": ["threats", 3, "id"], "risk": 10, "threshold": 8, "tolerance": "low"},
	}} with input.model as m with input.facts as f
}

_transfer(t, fields) := object.union(object.union(t, {"mitigations": [], "status": "transferred"}), fields)

test_transfers_need_a_party_and_an_acceptance if {
	m := _threats([
		_transfer(_t[0], {}),
		_t[1],
		_transfer(_t[2], {"transferred_to": "cyber insurer", "acceptance": {"approved_by": "CISO", "date": "2026-10-01", "expires": "2027-01-31"}}),
		_t[3],
	])
	f0 := json.patch(testdata.facts, [
		{"op": "add", "path": ["threats", "T-001"], "value": object.union(_ok, {"risk": 12, "acceptance_expired": true, "acceptance_authorized": false})},
		{"op": "add", "path": ["threats", "T-003"], "value": object.union(_ok, {"risk": 12})},
	])
	f := testdata.facts_for(m, f0)
	_ids("TM-TREAT-003") == {
		{"rule_id": "TM-TREAT-003", "path": ["threats", 0, "status"], "params": {"message": "no_party", "threat": ["threats", 0, "id"], "risk": 12}},
		{"rule_id": "TM-TREAT-003", "path": ["threats", 0, "acceptance"], "params": {"message": "no_approver", "threat": ["threats", 0, "id"], "risk": 12}},
		{"rule_id": "TM-TREAT-003", "path": ["threats", 0, "acceptance"], "params": {"message": "expired", "threat": ["threats", 0, "id"], "risk": 12}},
	} with input.model as m with input.facts as f
	count(_ids("TM-TREAT-001")) == 0 with input.model as m with input.facts as f
	not "TM-TREAT-003" in map5_scoring.not_applicable with input.model as m with input.facts as f
}
