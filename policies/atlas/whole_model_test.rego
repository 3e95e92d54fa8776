package atlas.whole_model_test

import data.atlas.whole_model
import data.lib.testdata

# A technique imported after the mapping was reviewed applies to the model as a whole.
_later := {
	"family": "AML.T0199", "name": "Technique From A Later Release", "surface": -1,
	"techniques": "AML.T0199 Technique From A Later Release",
}

test_unmapped_technique_without_threat_denied if {
	m := testdata.model
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_later]))
	f := testdata.facts_for(m, f0)
	testdata.found(whole_model.deny) == {{
		"rule_id": "TM-ATLAS-013", "path": [], "control": "atlas/AML.T0199",
		"params": {
			"family": "AML.T0199", "name": "Technique From A Later Release",
			"techniques": "AML.T0199 Technique From A Later Release",
		},
	}} with input.model as m
		with input.facts as f
}

test_unmapped_technique_ruled_out_allowed if {
	ruled_out := [{"technique": "AML.T0199", "reason": "The system has no such component."}]
	m := object.union(testdata.model, {"compliance": {"not_applicable": ruled_out}})
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_later]))
	f := testdata.facts_for(m, f0)
	count(whole_model.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-013" in whole_model.not_applicable with input.model as m with input.facts as f
}

test_every_question_on_a_surface_not_applicable if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-013" in whole_model.not_applicable with input.model as m with input.facts as f
	count(whole_model.deny) == 0 with input.model as m with input.facts as f
}
