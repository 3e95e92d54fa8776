package atlas.agentic_test

import data.atlas.agentic
import data.lib.testdata

_tools := {"id": "tools", "layer": "agentic", "assets": ["chat-model"]}

_steered := {
	"family": "AML.T0053", "name": "AI Agent Tool Invocation", "surface": 3,
	"techniques": "AML.T0053 AI Agent Tool Invocation, AML.T0083 Credentials from AI Agent Configuration, AML.T0102 Generate Malicious Commands",
}

_exfiltration := {
	"family": "AML.T0086", "name": "Exfiltration via AI Agent Tool Invocation", "surface": 3,
	"techniques": "AML.T0086 Exfiltration via AI Agent Tool Invocation",
}

_model := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, [_tools])})

_finding(ask) := {
	"rule_id": "TM-ATLAS-005", "path": ["surfaces", 3], "control": concat("/", ["atlas", ask.family]),
	"params": {"family": ask.family, "name": ask.name, "surface": ["surfaces", 3, "id"], "techniques": ask.techniques},
}

test_agentic_surface_without_threats_denied if {
	m := _model
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_steered, _exfiltration]))
	f := testdata.facts_for(m, f0)
	testdata.found(agentic.deny) == {_finding(_steered), _finding(_exfiltration)} with input.model as m
		with input.facts as f
}

test_agentic_surface_with_threats_allowed if {
	# A sub-technique of each family covers it, with the steps grouped under AML.T0053.
	threat := {"id": "T-9", "surface": "tools", "atlas": ["AML.T0053", "AML.T0086"]}
	m := object.union(_model, {"threats": array.concat(testdata.model.threats, [threat])})
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], array.concat(testdata.asks, [_steered, _exfiltration]))
	f := testdata.facts_for(m, f0)
	count(agentic.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-005" in agentic.not_applicable with input.model as m with input.facts as f
}

test_nothing_asked_on_agentic_not_applicable if {
	m := _model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-005" in agentic.not_applicable with input.model as m with input.facts as f
	count(agentic.deny) == 0 with input.model as m with input.facts as f
}
