package nist_ai_rmf.measure2_redteam_test

import data.lib.testdata
import data.nist_ai_rmf.measure2_redteam

_ids(id) := {f | some f in testdata.found(measure2_redteam.deny); f.rule_id == id}

_rt := testdata.model.red_team[0]

test_no_independent_exercise_denied if {
	m := testdata.patched(testdata.model, ["red_team", 0, "independent"], false)
	_ids("TM-REDTEAM-001") == {{"rule_id": "TM-REDTEAM-001", "path": ["red_team"], "params": {}}} with input.model as m
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
