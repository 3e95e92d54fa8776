package atlas.model_layer_test

import data.atlas.model_layer
import data.lib.testdata

_weights := {"id": "weights", "layer": "model", "assets": ["chat-model"]}

_poisoning := {
	"family": "AML.T0020", "name": "Poison Training Data", "surface": 3,
	"techniques": "AML.T0019 Publish Poisoned Datasets, AML.T0020 Poison Training Data",
}

_model := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, [_weights])})

test_model_surface_without_threats_denied if {
	m := _model
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_poisoning]))
	f := testdata.facts_for(m, f0)
	testdata.found(model_layer.deny) == {{
		"rule_id": "TM-ATLAS-008", "path": ["surfaces", 3], "control": "atlas/AML.T0020",
		"params": {
			"family": "AML.T0020", "name": "Poison Training Data", "surface": ["surfaces", 3, "id"],
			"techniques": "AML.T0019 Publish Poisoned Datasets, AML.T0020 Poison Training Data",
		},
	}} with input.model as m
		with input.facts as f
}

test_model_surface_with_threats_allowed if {
	threat := {"id": "T-9", "surface": "weights", "atlas": ["AML.T0020.000"]}
	m := object.union(_model, {"threats": array.concat(testdata.model.threats, [threat])})
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_poisoning]))
	f := testdata.facts_for(m, f0)
	count(model_layer.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-008" in model_layer.not_applicable with input.model as m with input.facts as f
}

test_nothing_asked_on_model_surface_not_applicable if {
	m := _model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-008" in model_layer.not_applicable with input.model as m with input.facts as f
	count(model_layer.deny) == 0 with input.model as m with input.facts as f
}
