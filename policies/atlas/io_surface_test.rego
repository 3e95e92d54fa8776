package atlas.io_surface_test

import data.atlas.io_surface
import data.lib.testdata

_finding(family, name, s, covered) := {
	"rule_id": "TM-ATLAS-001", "path": ["surfaces", s], "control": concat("/", ["atlas", family]),
	"params": {"family": family, "name": name, "surface": ["surfaces", s, "id"], "techniques": covered},
}

test_io_surface_without_threats_denied if {
	m := object.union(testdata.model, {"threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	testdata.found(io_surface.deny) == {
		_finding("AML.T0051", "LLM Prompt Injection", 0, "AML.T0051.000 LLM Prompt Injection: Direct"),
		_finding("AML.T0054", "LLM Jailbreak", 0, "AML.T0054 LLM Jailbreak"),
		_finding("AML.T0056", "Extract LLM System Prompt", 0, "AML.T0056 Extract LLM System Prompt"),
	} with input.model as m
		with input.facts as f
}

test_io_surface_with_threats_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-001" in io_surface.not_applicable with input.model as m with input.facts as f
}

test_sibling_and_ruled_out_family_allowed if {
	# AML.T0051.001 (a sibling of the Direct sub-technique asked) covers the family.
	threat := {"id": "T-1", "surface": "kb-retrieval", "atlas": ["AML.T0051.001", "AML.T0054.000"]}
	ruled_out := [{"technique": "AML.T0056", "reason": "The system prompt is published."}]
	m := object.union(testdata.model, {"threats": [threat], "compliance": {"not_applicable": ruled_out}})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
}

test_ruled_out_without_reason_denied if {
	threat := {"id": "T-1", "surface": "chat-io", "atlas": ["AML.T0051", "AML.T0054"]}
	m := object.union(testdata.model, {"threats": [threat], "compliance": {"not_applicable": [{"technique": "AML.T0056", "reason": ""}]}})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	testdata.found(io_surface.deny) == {_finding(
		"AML.T0056", "Extract LLM System Prompt", 0,
		"AML.T0056 Extract LLM System Prompt",
	)} with input.model as m
		with input.facts as f
}

test_grouped_techniques_named_in_one_finding if {
	# A predictive model: evasion, the adversarial data crafted for it and the proxy model
	# built to develop it are one question, asked under AML.T0015.
	ask := {
		"family": "AML.T0015", "name": "Evade AI Model", "surface": 0,
		"techniques": "AML.T0015 Evade AI Model, AML.T0043 Craft Adversarial Data",
	}
	m := testdata.model
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], [ask])
	f := testdata.facts_for(m, f0)
	testdata.found(io_surface.deny) == {_finding(
		"AML.T0015", "Evade AI Model", 0,
		"AML.T0015 Evade AI Model, AML.T0043 Craft Adversarial Data",
	)} with input.model as m
		with input.facts as f
}

test_nothing_asked_on_io_surface_not_applicable if {
	m := object.union(testdata.model, {"threats": []})
	asks := [a | some a in testdata.asks; a.surface != 0]
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], asks)
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-001" in io_surface.not_applicable with input.model as m with input.facts as f
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
}

test_path_names_the_surface_by_number if {
	# Surfaces 3-11 are more input_output surfaces: a question on surface 11 points at 11.
	fillers := [s |
		some n in numbers.range(3, 11)
		s := {"id": sprintf("io-%d", [n]), "layer": "input_output", "assets": ["chat-model"]}
	]
	m := object.union(testdata.model, {"surfaces": array.concat(testdata.model.surfaces, fillers), "threats": []})
	ask := {"family": "AML.T0054", "name": "LLM Jailbreak", "surface": 11, "techniques": "AML.T0054 LLM Jailbreak"}
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], [ask])
	f := testdata.facts_for(m, f0)
	{d.path | some d in testdata.found(io_surface.deny)} == {["surfaces", 11]} with input.model as m with input.facts as f
}
