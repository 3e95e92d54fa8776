package atlas.training_test

import data.atlas.training
import data.lib.testdata

_dataset := {"id": "ds", "type": "dataset", "ingestion": {"access_controlled": true, "writers": ["ml"]}}

_open_dataset := {"id": "scraped", "type": "dataset", "ingestion": {"access_controlled": false}}

_with_asset(asset) := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [asset])})

_with_threat(m, atlas) := object.union(m, {"threats": array.concat(m.threats, [{"id": "T-9", "surface": "runtime", "atlas": atlas}])})

test_dataset_without_techniques_denied if {
	m := _with_asset(_dataset)
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	training.deny == {
		{
			"rule_id": "TM-ATLAS-008", "path": ["assets", 4], "control": "atlas/AML.T0020",
			"params": {"technique": "AML.T0020", "name": "Poison Training Data"},
		},
		{
			"rule_id": "TM-ATLAS-008", "path": ["assets", 4], "control": "atlas/AML.T0018",
			"params": {"technique": "AML.T0018", "name": "Manipulate AI Model"},
		},
	} with input.model as m
		with input.facts as f
}

test_pipeline_with_techniques_allowed if {
	m := _with_threat(_with_asset({"id": "ft", "type": "fine_tuning_pipeline"}), ["AML.T0020", "AML.T0018.000"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(training.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-008" in training.not_applicable with input.model as m with input.facts as f
}

test_no_training_assets_not_applicable if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-008" in training.not_applicable with input.model as m with input.facts as f
}

test_open_dataset_without_publish_poisoned_denied if {
	m := _with_threat(_with_asset(_open_dataset), ["AML.T0020", "AML.T0018"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	training.deny == {{
		"rule_id": "TM-ATLAS-009", "path": ["assets", 4], "control": "atlas/AML.T0019",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_dataset_without_ingestion_record_denied if {
	m := _with_threat(_with_asset({"id": "raw", "type": "dataset"}), ["AML.T0020", "AML.T0018"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{d.rule_id | some d in training.deny} == {"TM-ATLAS-009"} with input.model as m with input.facts as f
}

test_open_dataset_with_publish_poisoned_allowed if {
	m := _with_threat(_with_asset(_open_dataset), ["AML.T0020", "AML.T0018", "AML.T0019"])
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(training.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-009" in training.not_applicable with input.model as m with input.facts as f
}

test_access_controlled_dataset_not_applicable if {
	m := _with_asset(_dataset)
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-009" in training.not_applicable with input.model as m with input.facts as f
}

test_path_names_the_first_trigger_by_number if {
	fillers := [{"id": sprintf("tool-%d", [n]), "type": "agent_tool"} | some n in numbers.range(1, 6)]
	assets := array.concat(array.concat(testdata.model.assets, [_dataset]), array.concat(fillers, [_open_dataset]))
	m := object.union(testdata.model, {"assets": assets})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{[d.rule_id, d.path] | some d in training.deny} == {["TM-ATLAS-008", ["assets", 4]], ["TM-ATLAS-009", ["assets", 11]]} with input.model as m
		with input.facts as f
}
