package lib.model_test

import data.lib.model
import data.lib.testdata

test_testdata_model_has_its_layers if {
	model.layers(testdata.model) == {"input_output", "retrieval", "runtime"}
	model.has_layer(testdata.model, "retrieval")
	not model.has_layer(testdata.model, "agentic")
	model.surface_layer(testdata.model, "kb-retrieval") == "retrieval"
}

test_assets_of_type_keeps_model_order if {
	[a.id | some a in model.assets_of_type(testdata.model, "inference_api")] == ["chat-api"]
	model.has_asset_type(testdata.model, "ml_library")
	not model.has_asset_type(testdata.model, "dataset")
}

test_threat_risk_reads_facts if {
	model.threat_risk(testdata.facts, {"id": "T-001"}) == 12
	model.threat_risk(testdata.facts, {"id": "T-999"}) == 0
	model.high_risk(testdata.facts, {"id": "T-004"})
	not model.high_risk(testdata.facts, {"id": "T-002"})
}

test_mentions_technique_counts_sub_techniques if {
	model.mentions_technique(testdata.model, "AML.T0051")
	model.mentions_technique(testdata.model, "AML.T0051.001")
	model.mentions_technique(testdata.model, "AML.T0010")
	not model.mentions_technique(testdata.model, "AML.T0010.003")
	not model.mentions_technique(testdata.model, "AML.T005")
}

test_technique_ruled_out_needs_a_reason if {
	model.technique_ruled_out(testdata.model, "AML.T0010.003")
	model.technique_considered(testdata.model, "AML.T0010.003")
	m := testdata.patched(testdata.model, ["compliance", "not_applicable", 0, "reason"], " ")
	not model.technique_ruled_out(m, "AML.T0010.003")
}

test_stated_rejects_blank_values if {
	model.stated({"a": "x"}, "a")
	not model.stated({"a": "  "}, "a")
	not model.stated({"a": []}, "a")
	not model.stated({}, "a")
}

test_attestations_of_testdata_are_valid if {
	every key in testdata.attested_controls {
		model.has_valid_attestation(testdata.model, testdata.facts, key)
	}
	count(model.attestation_denials("TM-X-001", testdata.model, testdata.facts, {"iso42001/A.2.2"})) == 0
}

test_attestation_denials_name_missing_and_invalid if {
	facts := object.union(testdata.facts, {"attestations": [{"within_cadence": false, "evidence_exists": true}]})
	denials := model.attestation_denials("TM-X-001", testdata.model, facts, {"nist-ai-rmf/MAP 1.2", "nist-ai-rmf/MAP 9.9"})
	denials == {
		{
			"rule_id": "TM-X-001", "msg": "control nist-ai-rmf/MAP 9.9 has no attestation",
			"path": ["compliance", "attestations"], "control": "nist-ai-rmf/MAP 9.9",
		},
		{
			"rule_id": "TM-X-001", "msg": "attestation for nist-ai-rmf/MAP 1.2 is not dated within the review cadence",
			"path": ["compliance", "attestations", 0], "control": "nist-ai-rmf/MAP 1.2",
		},
	}
}

test_testdata_facts_derived_from_threats_match_the_model if {
	# Arguments bound to locals first (see testdata: regopy and rule references).
	m := testdata.model
	f := testdata.facts
	g := testdata.facts_for(m, f)
	g.threat_risks == f.threat_risks
	g.high_risk_indices == f.high_risk_indices
	_as_set(g.atlas.mentioned) == _as_set(f.atlas.mentioned)
	object.remove(g, ["threat_risks", "high_risk_indices", "atlas"]) == object.remove(f, ["threat_risks", "high_risk_indices", "atlas"])
}

test_facts_for_recomputes_risks_and_mentioned_ids if {
	m := object.union(testdata.model, {"threats": [testdata.model.threats[3], testdata.model.threats[1]]})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	f.threat_risks == [10, 6]
	f.high_risk_indices == [0]
	_as_set(f.atlas.mentioned) == {"AML", "AML.T0010", "AML.T0010.001", "AML.T0056", "AML.T0057"}
}

test_considered_reads_mentioned_ids_and_ruled_out_techniques if {
	m := object.union(testdata.model, {"compliance": {"not_applicable": [{"technique": "AML.T0099", "reason": "none"}]}})
	considered := model.considered(m, {"atlas": {"mentioned": ["AML", "AML.T0051"]}})
	considered == {"AML", "AML.T0051", "AML.T0099"}
}

_as_set(xs) := {x | some x in xs}
