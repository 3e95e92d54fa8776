package nist_ai_rmf.measure1_coverage_test

import data.lib.testdata
import data.nist_ai_rmf.measure1_coverage

_ids(id) := {f | some f in testdata.found(measure1_coverage.deny); f.rule_id == id}

_t := testdata.model.threats

_threats(ts) := object.union(testdata.model, {"threats": ts})

test_threat_without_atlas_denied if {
	m := testdata.patched(testdata.model, ["threats", 1, "atlas"], [])
	_ids("TM-THREAT-001") == {{"rule_id": "TM-THREAT-001", "path": ["threats", 1, "atlas"], "params": {"threat": ["threats", 1, "id"]}}} with input.model as m
}

test_atlas_mapped_threats_pass if {
	m := testdata.model
	count(_ids("TM-THREAT-001")) == 0 with input.model as m
}

test_no_threats_atlas_mapping_not_applicable if {
	m := _threats([])
	"TM-THREAT-001" in measure1_coverage.not_applicable with input.model as m
}

test_surface_without_threat_denied if {
	m := _threats([_t[0], _t[1]])
	_ids("TM-THREAT-002") == {
		{"rule_id": "TM-THREAT-002", "path": ["surfaces", 1], "params": {"surface": ["surfaces", 1, "id"]}},
		{"rule_id": "TM-THREAT-002", "path": ["surfaces", 2], "params": {"surface": ["surfaces", 2, "id"]}},
	} with input.model as m
}

test_every_surface_with_threat_passes if {
	m := testdata.model
	count(_ids("TM-THREAT-002")) == 0 with input.model as m
}

test_no_surfaces_not_applicable if {
	m := object.union(testdata.model, {"surfaces": []})
	"TM-THREAT-002" in measure1_coverage.not_applicable with input.model as m
}

test_privacy_not_examined_denied if {
	m := _threats([_t[0], object.union(_t[1], {"stride": ["tampering"], "atlas": ["AML.T0056"]})])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-THREAT-003") == {{
		"rule_id": "TM-THREAT-003", "path": ["threats"],
		"params": {},
	}} with input.model as m with input.facts as f
}

test_data_leakage_technique_counts_as_privacy if {
	m := _threats([_t[0], object.union(_t[1], {"stride": ["tampering"]})])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-THREAT-003")) == 0 with input.model as m with input.facts as f
}

test_exfiltration_technique_counts_as_privacy if {
	# AML.T0086 (exfiltration through an agent tool) serves the ATLAS Exfiltration tactic.
	m := _threats([_t[0], object.union(_t[1], {"stride": ["tampering"], "atlas": ["AML.T0086"]})])
	f1 := testdata.facts_for(m, testdata.facts)
	flagged := {"valid": true, "retired": false, "current_id": "AML.T0086", "parent": "", "information_disclosure": true}
	f := testdata.patched(f1, ["atlas", "techniques", "AML.T0086"], flagged)
	count(_ids("TM-THREAT-003")) == 0 with input.model as m with input.facts as f
	unflagged := testdata.patched(f1, ["atlas", "techniques", "AML.T0086"], object.union(flagged, {"information_disclosure": false}))
	count(_ids("TM-THREAT-003")) == 1 with input.model as m with input.facts as unflagged
}

test_privacy_not_applicable_without_io_or_retrieval if {
	m := object.union(testdata.model, {"surfaces": [testdata.model.surfaces[2]], "threats": [_t[3]]})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-THREAT-003" in measure1_coverage.not_applicable with input.model as m with input.facts as f
	count(_ids("TM-THREAT-003")) == 0 with input.model as m with input.facts as f
}

test_untested_high_risk_denied if {
	m := testdata.patched(testdata.model, ["threats", 3, "validation", "status"], "untested")
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-EVAL-001") == {{"rule_id": "TM-EVAL-001", "path": ["threats", 3, "validation"], "params": {"threat": ["threats", 3, "id"], "risk": 10}}} with input.model as m with input.facts as f
}

test_validated_high_risks_pass if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(_ids("TM-EVAL-001")) == 0 with input.model as m with input.facts as f
}

test_no_high_risk_validation_not_applicable if {
	m := testdata.model
	f0 := testdata.patched(testdata.facts, ["threats"], {})
	f := testdata.facts_for(m, f0)
	"TM-EVAL-001" in measure1_coverage.not_applicable with input.model as m with input.facts as f
}

test_high_risk_without_validation_denied if {
	m := testdata.without(testdata.model, ["threats", 3, "validation"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-EVAL-001") == {{"rule_id": "TM-EVAL-001", "path": ["threats", 3, "validation"], "params": {"threat": ["threats", 3, "id"], "risk": 10}}} with input.model as m with input.facts as f
}

test_threat_without_atlas_field_denied if {
	m := testdata.without(testdata.model, ["threats", 0, "atlas"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	_ids("TM-THREAT-001") == {{"rule_id": "TM-THREAT-001", "path": ["threats", 0, "atlas"], "params": {"threat": ["threats", 0, "id"]}}} with input.model as m with input.facts as f
}

test_untested_threat_without_a_note_denied if {
	no_note := testdata.patched(_t[1], ["validation"], {"status": "untested"})
	no_validation := object.remove(_t[2], ["validation"])
	m := _threats([_t[0], no_note, no_validation, _t[3]])
	_ids("TM-THREAT-004") == {
		{"rule_id": "TM-THREAT-004", "path": ["threats", 1, "validation"], "params": {"threat": ["threats", 1, "id"]}},
		{"rule_id": "TM-THREAT-004", "path": ["threats", 2, "validation"], "params": {"threat": ["threats", 2, "id"]}},
	} with input.model as m
}

test_blank_note_is_no_reason_denied if {
	m := testdata.patched(testdata.model, ["threats", 1, "validation", "note"], "  ")
	_ids("TM-THREAT-004") == {{"rule_id": "TM-THREAT-004", "path": ["threats", 1, "validation"], "params": {"threat": ["threats", 1, "id"]}}} with input.model as m
}

test_measured_or_explained_threats_pass if {
	m := testdata.model
	count(_ids("TM-THREAT-004")) == 0 with input.model as m
}

test_no_threats_unmeasured_not_applicable if {
	m := _threats([])
	"TM-THREAT-004" in measure1_coverage.not_applicable with input.model as m
}
