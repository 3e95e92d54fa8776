package nist_ai_rmf.map4_controls_test

import data.lib.testdata
import data.nist_ai_rmf.map4_controls

_ids(id) := {f | some f in testdata.found(map4_controls.deny); f.rule_id == id}

_planned(c) := object.union(c, {"status": "planned"})

test_mitigated_threat_with_planned_control_denied if {
	cs := testdata.model.controls
	m := object.union(testdata.model, {"controls": [cs[0], _planned(cs[1]), _planned(cs[2])]})
	_ids("TM-CTRL-001") == {
		{
			"rule_id": "TM-CTRL-001", "path": ["threats", 2, "mitigations", 0],
			"params": {"threat": ["threats", 2, "id"], "control": ["threats", 2, "mitigations", 0], "status": ["controls", 1, "status"]},
		},
		{
			"rule_id": "TM-CTRL-001", "path": ["threats", 3, "mitigations", 0],
			"params": {"threat": ["threats", 3, "id"], "control": ["threats", 3, "mitigations", 0], "status": ["controls", 2, "status"]},
		},
	} with input.model as m
}

test_mitigated_threats_with_controls_in_place_pass if {
	m := testdata.model
	count(_ids("TM-CTRL-001")) == 0 with input.model as m
}

test_no_mitigated_threat_not_applicable if {
	m := object.union(testdata.model, {"threats": [testdata.model.threats[0]]})
	"TM-CTRL-001" in map4_controls.not_applicable with input.model as m
}

test_no_detective_control_in_operation_denied if {
	f := testdata.facts
	cs := testdata.model.controls
	m := object.union(testdata.model, {"controls": [cs[0], cs[1], _planned(cs[2])]})
	_ids("TM-CTRL-002") == {{"rule_id": "TM-CTRL-002", "path": ["controls"], "params": {"message": "none"}}} with input.model as m with input.facts as f
}

test_detective_control_off_the_running_system_denied if {
	f := testdata.facts

	# The only detective control (C-03) mitigates a threat on a retrieval surface: a scan at
	# build or index time, not production monitoring.
	ts := testdata.model.threats
	moved := object.union(ts[3], {"surface": "kb-retrieval"})
	m := object.union(testdata.model, {"threats": [ts[0], ts[1], ts[2], moved]})
	_ids("TM-CTRL-002") == {{"rule_id": "TM-CTRL-002", "path": ["controls"], "params": {"message": "none"}}} with input.model as m with input.facts as f
}

test_detective_control_mitigating_nothing_denied if {
	f := testdata.facts
	ts := testdata.model.threats
	m := object.union(testdata.model, {"threats": [ts[0], ts[1], ts[2], object.union(ts[3], {"mitigations": []})]})
	_ids("TM-CTRL-002") == {{"rule_id": "TM-CTRL-002", "path": ["controls"], "params": {"message": "none"}}} with input.model as m with input.facts as f
}

test_detective_control_on_an_input_output_surface_passes if {
	f := testdata.facts
	ts := testdata.model.threats
	cs := testdata.model.controls
	m := object.union(testdata.model, {
		"threats": [object.union(ts[0], {"mitigations": ["C-03"]}), ts[1], ts[2], object.union(ts[3], {"mitigations": []})],
		"controls": cs,
	})
	count(_ids("TM-CTRL-002")) == 0 with input.model as m with input.facts as f
}

test_detective_control_without_evidence_denied if {
	m := testdata.model

	# object.union, not json.patch: regopy reads the "/" in the key as a pointer step.
	f := object.union(testdata.facts, {"evidence": {"docs/controls/sbom-diff.md": false}})
	_ids("TM-CTRL-002") == {{"rule_id": "TM-CTRL-002", "path": ["controls"], "params": {"message": "none"}}} with input.model as m with input.facts as f
}

test_detective_control_in_operation_passes if {
	f := testdata.facts
	m := testdata.model
	count(_ids("TM-CTRL-002")) == 0 with input.model as m with input.facts as f
}

test_detective_control_check_always_applies if {
	m := testdata.model
	not "TM-CTRL-002" in map4_controls.not_applicable with input.model as m
}

test_control_without_status_not_reported if {
	cs := testdata.model.controls
	m := object.union(testdata.model, {"controls": [cs[0], object.remove(cs[1], ["status"]), cs[2]]})
	count(_ids("TM-CTRL-001")) == 0 with input.model as m
}

test_detective_control_with_only_sbom_evidence_denied if {
	# A component list is no evidence that anything watches the running system: C-03 (the
	# only detective control) cites the SBOM the ML library cites, and nothing else.
	f := testdata.facts
	cs := testdata.model.controls
	c3 := object.union(cs[2], {"evidence": ["sbom/serving.cdx.json"]})
	m := object.union(testdata.model, {"controls": [cs[0], cs[1], c3]})
	_ids("TM-CTRL-002") == {{
		"rule_id": "TM-CTRL-002", "path": ["controls", 2, "evidence"],
		"params": {"message": "sbom_only", "control": ["controls", 2, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_detective_control_with_sbom_and_runbook_passes if {
	f := testdata.facts
	cs := testdata.model.controls
	c3 := object.union(cs[2], {"evidence": ["sbom/serving.cdx.json", "docs/controls/sbom-diff.md"]})
	m := object.union(testdata.model, {"controls": [cs[0], cs[1], c3]})
	count(_ids("TM-CTRL-002")) == 0 with input.model as m with input.facts as f
}
