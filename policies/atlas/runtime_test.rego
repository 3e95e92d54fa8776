package atlas.runtime_test

import data.atlas.runtime
import data.lib.testdata

test_runtime_surface_without_threats_denied if {
	m := object.union(testdata.model, {"threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	testdata.found(runtime.deny) == {{
		"rule_id": "TM-ATLAS-011", "path": ["surfaces", 2], "control": "atlas/AML.T0010",
		"params": {
			"family": "AML.T0010", "name": "AI Supply Chain Compromise", "surface": ["surfaces", 2, "id"],
			"techniques": "AML.T0010.001 AI Supply Chain Compromise: AI Software",
		},
	}} with input.model as m
		with input.facts as f
}

test_runtime_surface_with_threats_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(runtime.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-011" in runtime.not_applicable with input.model as m with input.facts as f
}

test_nothing_asked_on_runtime_not_applicable if {
	m := object.union(testdata.model, {"threats": []})
	asks := [a | some a in testdata.asks; a.surface != 2]
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], asks)
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-011" in runtime.not_applicable with input.model as m with input.facts as f
	count(runtime.deny) == 0 with input.model as m with input.facts as f
}
