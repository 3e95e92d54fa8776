package nist_ai_rmf.measure2_redteam_test

import data.lib.testdata
import data.nist_ai_rmf.measure2_redteam

_ids(id) := {f | some f in testdata.found(measure2_redteam.deny); f.rule_id == id}

_rt := testdata.model.red_team[0]

test_no_independent_exercise_denied if {
	m := testdata.patched(testdata.model, ["red_team", 0, "independent"], false)
	_ids("TM-REDTEAM-001") == {{"rule_id": "TM-REDTEAM-001", "path": ["red_team"], "params": {"message": "unmarked"}}} with input.model as m
}

test_exercise_by_the_owner_team_is_not_independent if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "by_owner"], true)
	_ids("TM-REDTEAM-001") == {{"rule_id": "TM-REDTEAM-001", "path": ["red_team"], "params": {"message": "by_owner"}}} with input.model as m with input.facts as f
	_ids("TM-REDTEAM-010") == {{
		"rule_id": "TM-REDTEAM-010", "path": ["red_team", 0, "performed_by"],
		"params": {"exercise": ["red_team", 0, "id"], "performer": ["red_team", 0, "performed_by"]},
	}} with input.model as m with input.facts as f
}

test_another_independent_exercise_still_counts if {
	own := object.union(_rt, {"id": "RT-OWN", "performed_by": "ai platform team"})
	m := object.union(testdata.model, {"red_team": [own, _rt]})
	f := testdata.patched(testdata.facts, ["red_team", "RT-OWN"], {"age_days": 10, "overdue": [], "by_owner": true})
	count(_ids("TM-REDTEAM-001")) == 0 with input.model as m with input.facts as f
	_ids("TM-REDTEAM-010") == {{
		"rule_id": "TM-REDTEAM-010", "path": ["red_team", 0, "performed_by"],
		"params": {"exercise": ["red_team", 0, "id"], "performer": ["red_team", 0, "performed_by"]},
	}} with input.model as m with input.facts as f
}

test_independent_exercise_by_another_team_passes_the_owner_check if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-010")) == 0 with input.model as m with input.facts as f
	not "TM-REDTEAM-010" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_owner_check_not_applicable_without_an_exercise_marked_independent if {
	m := testdata.patched(testdata.model, ["red_team", 0, "independent"], false)
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "by_owner"], true)
	"TM-REDTEAM-010" in measure2_redteam.not_applicable with input.model as m with input.facts as f
	count(_ids("TM-REDTEAM-010")) == 0 with input.model as m with input.facts as f
}

test_independent_exercise_passes if {
	m := testdata.model
	count(_ids("TM-REDTEAM-001")) == 0 with input.model as m
}

test_independence_check_always_applies if {
	m := object.union(testdata.model, {"red_team": []})
	not "TM-REDTEAM-001" in measure2_redteam.not_applicable with input.model as m
}

test_old_exercise_fails_both_measure_2_7_checks if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "age_days"], 400)
	_ids("TM-REDTEAM-002") == {{"rule_id": "TM-REDTEAM-002", "path": ["red_team"], "params": {}}} with input.model as m with input.facts as f
	count(_ids("TM-REDTEAM-003")) == 3 with input.model as m with input.facts as f
}

test_recent_exercise_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-002")) == 0 with input.model as m with input.facts as f
}

test_recency_check_always_applies if {
	m := object.union(testdata.model, {"red_team": []})
	not "TM-REDTEAM-002" in measure2_redteam.not_applicable with input.model as m
}

test_uncovered_layer_denied_while_recent_exercise_passes if {
	m := testdata.patched(testdata.model, ["red_team", 0, "scope", "surfaces"], ["chat-io"])
	f := testdata.facts
	_ids("TM-REDTEAM-003") == {
		{"rule_id": "TM-REDTEAM-003", "path": ["surfaces", 1], "params": {"surface": ["surfaces", 1, "id"], "layer": ["surfaces", 1, "layer"]}},
		{"rule_id": "TM-REDTEAM-003", "path": ["surfaces", 2], "params": {"surface": ["surfaces", 2, "id"], "layer": ["surfaces", 2, "layer"]}},
	} with input.model as m with input.facts as f
	count(_ids("TM-REDTEAM-002")) == 0 with input.model as m with input.facts as f
}

test_future_exercise_is_not_recent if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team", "RT-2026-09", "age_days"], -3)
	count(_ids("TM-REDTEAM-002")) == 1 with input.model as m with input.facts as f
}

test_every_layer_covered_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-003")) == 0 with input.model as m with input.facts as f
}

test_layer_coverage_not_applicable_without_surfaces if {
	m := object.union(testdata.model, {"surfaces": []})
	"TM-REDTEAM-003" in measure2_redteam.not_applicable with input.model as m
}

test_unscoped_exercise_denied if {
	m := object.union(testdata.model, {"red_team": [testdata.patched(object.remove(_rt, ["performed_by"]), ["scope"], {})]})
	_ids("TM-REDTEAM-004") == {
		{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "performed_by"], "params": {"message": "no_performer", "exercise": ["red_team", 0, "id"]}},
		{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "scope"], "params": {"message": "no_scope", "exercise": ["red_team", 0, "id"]}},
	} with input.model as m
}

test_exercise_without_tools_test_sets_or_metrics_denied if {
	m := object.union(testdata.model, {"red_team": [object.remove(_rt, ["tools", "metrics"])]})
	_ids("TM-REDTEAM-004") == {
		{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "tools"], "params": {"message": "no_method", "exercise": ["red_team", 0, "id"], "field": "tools"}},
		{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "metrics"], "params": {"message": "no_method", "exercise": ["red_team", 0, "id"], "field": "metrics"}},
	} with input.model as m
}

test_exercise_with_empty_test_sets_denied if {
	m := object.union(testdata.model, {"red_team": [object.union(_rt, {"test_sets": []})]})
	_ids("TM-REDTEAM-004") == {{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "test_sets"], "params": {"message": "no_method", "exercise": ["red_team", 0, "id"], "field": "test_sets"}}} with input.model as m
}

test_exercise_with_placeholder_tools_denied if {
	# policyengine/substance.py lists a tool "x" for TM-REDTEAM-004: it records no method,
	# as no tool would; a hollow text another check reads is not this check's.
	m := object.union(testdata.model, {"red_team": [object.union(_rt, {"tools": ["x"]})]})
	hollow := {"check": "TM-REDTEAM-004", "path": ["red_team", 0, "tools", 0], "field": "tools", "owner": ["red_team", 0, "id"], "kind": "placeholder text", "controls": []}
	other := object.union(hollow, {"check": "TM-TEXT-005", "path": ["red_team", 0, "performed_by"]})
	f := object.union(testdata.facts, {"placeholders": [hollow, other]})
	_ids("TM-REDTEAM-004") == {{"rule_id": "TM-REDTEAM-004", "path": ["red_team", 0, "tools", 0], "params": {"message": "placeholder", "exercise": ["red_team", 0, "id"], "field": "tools", "text": ["red_team", 0, "tools", 0]}}} with input.model as m
		with input.facts as f
}

test_scoped_exercise_passes if {
	m := testdata.model
	count(_ids("TM-REDTEAM-004")) == 0 with input.model as m
}

test_no_exercise_scope_not_applicable if {
	m := object.union(testdata.model, {"red_team": []})
	"TM-REDTEAM-004" in measure2_redteam.not_applicable with input.model as m
}

test_exercise_without_age_fact_is_not_recent if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["red_team"], {})
	_ids("TM-REDTEAM-002") == {{"rule_id": "TM-REDTEAM-002", "path": ["red_team"], "params": {}}} with input.model as m with input.facts as f
}

_t := testdata.model.threats

_with_threats(ts) := object.union(testdata.model, {"threats": ts})

# json.patch "add" at an array index inserts: replace the entry instead.
_validation_fact(i, v) := json.patch(testdata.facts, [{"op": "replace", "path": ["validation", i], "value": v}])

_open(status) := {"exercise": 0, "finding": 0, "status": status}

test_confirmed_threat_without_link_or_remediation_denied if {
	t2 := object.union(_t[1], {"validation": {"status": "confirmed"}})
	m := _with_threats([_t[0], t2, _t[2], _t[3]])
	f0 := _validation_fact(0, {"links": [[0, 0]], "open": [_open("unrecorded")], "unrecorded": [[0, 0]], "in_recent_scope": true})
	f := testdata.facts_for(m, f0)
	_ids("TM-REDTEAM-005") == {
		{"rule_id": "TM-REDTEAM-005", "path": ["threats", 1, "validation"], "params": {"message": "no_link", "threat": ["threats", 1, "id"]}},
		{
			"rule_id": "TM-REDTEAM-005", "path": ["red_team", 0, "findings", 0],
			"params": {"message": "no_remediation", "threat": ["threats", 0, "id"], "exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"]},
		},
	} with input.model as m with input.facts as f
}

test_confirmed_threat_with_remediation_record_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-005")) == 0 with input.model as m with input.facts as f
	not "TM-REDTEAM-005" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_no_confirmed_threat_not_applicable if {
	t0 := object.union(_t[0], {"validation": {"status": "not_reproduced"}})
	m := _with_threats([t0, _t[1], _t[2], _t[3]])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-REDTEAM-005" in measure2_redteam.not_applicable with input.model as m with input.facts as f
	"TM-REDTEAM-006" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_confirmed_threat_scored_down_during_remediation_denied if {
	t0 := object.union(_t[0], {"status": "mitigated", "likelihood": 1})
	m := _with_threats([t0, _t[1], _t[2], _t[3]])
	f := testdata.facts
	params := {"threat": ["threats", 0, "id"], "status": "in_progress", "exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"]}
	_ids("TM-REDTEAM-006") == {
		{"rule_id": "TM-REDTEAM-006", "path": ["threats", 0, "status"], "params": object.union(params, {"message": "mitigated"})},
		{"rule_id": "TM-REDTEAM-006", "path": ["threats", 0, "likelihood"], "params": object.union(params, {"message": "likelihood", "likelihood": ["threats", 0, "likelihood"]})},
	} with input.model as m with input.facts as f
}

test_a_rationale_allows_a_low_likelihood_but_not_mitigated if {
	t0 := object.union(_t[0], {"status": "mitigated", "likelihood": 2, "validation": {"status": "confirmed", "findings": ["RT-2026-09/F-1"], "rationale": "The exploit needs an insider account; access reviews run weekly."}})
	m := _with_threats([t0, _t[1], _t[2], _t[3]])
	f := testdata.facts
	{x.params.message | some x in _ids("TM-REDTEAM-006")} == {"mitigated"} with input.model as m with input.facts as f
}

test_resolved_remediation_allows_mitigated_and_low_likelihood if {
	t0 := object.union(_t[0], {"status": "mitigated", "likelihood": 1})
	m := _with_threats([t0, _t[1], _t[2], _t[3]])
	f := _validation_fact(0, {"links": [[0, 0]], "open": [], "unrecorded": [], "in_recent_scope": true})
	count(_ids("TM-REDTEAM-006")) == 0 with input.model as m with input.facts as f
}

test_open_remediation_with_honest_score_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-006")) == 0 with input.model as m with input.facts as f
}

test_untested_high_risk_out_of_every_recent_scope_denied if {
	# T-004 (risk 10, AML.T0010.001) is untested and in no recent scope; T-002 is under the threshold.
	t3 := object.union(_t[3], {"validation": {"status": "untested"}})
	m := _with_threats([_t[0], _t[1], _t[2], t3])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-REDTEAM-007") == {{"rule_id": "TM-REDTEAM-007", "path": ["threats", 3, "atlas"], "params": {"threat": ["threats", 3, "id"], "risk": 10}}} with input.model as m with input.facts as f
}

test_untested_high_risk_in_a_recent_scope_passes if {
	t3 := object.union(_t[3], {"validation": {"status": "untested"}})
	m := _with_threats([_t[0], _t[1], _t[2], t3])
	f0 := _validation_fact(3, {"links": [], "open": [], "unrecorded": [], "in_recent_scope": true})
	f := testdata.facts_for(m, f0)
	count(_ids("TM-REDTEAM-007")) == 0 with input.model as m with input.facts as f
}

test_a_threat_without_validation_is_untested if {
	t3 := object.remove(_t[3], ["validation"])
	m := _with_threats([_t[0], _t[1], _t[2], t3])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-REDTEAM-007")) == 1 with input.model as m with input.facts as f
}

test_untested_scope_check_not_applicable_without_high_risks if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["high_risk_indices"], [])
	"TM-REDTEAM-007" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_threat_named_by_a_finding_but_not_confirmed_denied if {
	m := testdata.patched(testdata.model, ["threats", 0, "validation", "status"], "not_reproduced")
	f := testdata.facts
	_ids("TM-REDTEAM-008") == {{
		"rule_id": "TM-REDTEAM-008", "path": ["threats", 0, "validation", "status"],
		"params": {
			"threat": ["threats", 0, "id"], "status": "not_reproduced",
			"exercise": ["red_team", 0, "id"], "finding": ["red_team", 0, "findings", 0, "id"],
		},
	}} with input.model as m
		with input.facts as f
}

test_threat_named_by_a_finding_without_validation_reads_untested if {
	m := testdata.without(testdata.model, ["threats", 0, "validation"])
	f := testdata.facts
	{[d.path, d.params.status] | some d in _ids("TM-REDTEAM-008")} == {[["threats", 0], "untested"]} with input.model as m
		with input.facts as f
}

test_threat_named_by_a_finding_and_confirmed_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-008")) == 0 with input.model as m with input.facts as f
	not "TM-REDTEAM-008" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_no_threat_named_by_a_finding_not_applicable if {
	m := testdata.model
	f := testdata.patched(testdata.facts, ["validation", 0, "named_by"], [])
	"TM-REDTEAM-008" in measure2_redteam.not_applicable with input.model as m with input.facts as f
}

test_tested_status_without_a_basis_denied if {
	m := testdata.model
	f := json.patch(testdata.facts, [
		{"op": "replace", "path": ["validation", 0, "basis"], "value": []},
		{"op": "replace", "path": ["validation", 3, "basis"], "value": []},
	])
	_ids("TM-REDTEAM-009") == {
		{"rule_id": "TM-REDTEAM-009", "path": ["threats", 0, "validation", "status"], "params": {"message": "confirmed", "threat": ["threats", 0, "id"]}},
		{"rule_id": "TM-REDTEAM-009", "path": ["threats", 3, "validation", "status"], "params": {"message": "not_reproduced", "threat": ["threats", 3, "id"]}},
	} with input.model as m
		with input.facts as f
}

test_tested_status_with_a_basis_passes if {
	m := testdata.model
	f := testdata.facts
	count(_ids("TM-REDTEAM-009")) == 0 with input.model as m with input.facts as f
}

test_untested_threat_needs_no_basis if {
	m := testdata.model
	f := json.patch(testdata.facts, [{"op": "replace", "path": ["validation", 1, "basis"], "value": []}])
	count(_ids("TM-REDTEAM-009")) == 0 with input.model as m with input.facts as f
}

test_a_validation_fact_without_basis_reads_as_none if {
	m := testdata.model
	f := json.patch(testdata.facts, [{"op": "remove", "path": ["validation", 2, "basis"]}])
	{d.path | some d in _ids("TM-REDTEAM-009")} == {["threats", 2, "validation", "status"]} with input.model as m
		with input.facts as f
}

test_basis_check_not_applicable_without_a_tested_threat if {
	m := json.patch(testdata.model, [
		{"op": "replace", "path": ["threats", 0, "validation", "status"], "value": "untested"},
		{"op": "replace", "path": ["threats", 2, "validation", "status"], "value": "untested"},
		{"op": "replace", "path": ["threats", 3, "validation", "status"], "value": "untested"},
	])
	"TM-REDTEAM-009" in measure2_redteam.not_applicable with input.model as m
}
