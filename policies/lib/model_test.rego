package lib.model_test

import data.lib.model
import data.lib.testdata

test_stated_rejects_blank_values if {
	model.stated({"a": "x"}, "a")
	model.stated({"a": 0}, "a")
	model.stated({"a": false}, "a")
	model.stated({"a": ["x"]}, "a")
	not model.stated({"a": "  "}, "a")
	not model.stated({"a": []}, "a")
	not model.stated({"a": {}}, "a")
	not model.stated({"a": null}, "a")
	not model.stated({}, "a")
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

_as_set(xs) := {x | some x in xs}
