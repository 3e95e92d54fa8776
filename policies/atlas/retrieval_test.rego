package atlas.retrieval_test

import data.atlas.retrieval
import data.lib.testdata

_finding(family, name, s, covered) := {
	"rule_id": "TM-ATLAS-003", "path": ["surfaces", s], "control": concat("/", ["atlas", family]),
	"params": {"family": family, "name": name, "surface": ["surfaces", s, "id"], "techniques": covered},
}

test_retrieval_surface_without_threats_denied if {
	m := object.union(testdata.model, {"threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	testdata.found(retrieval.deny) == {
		_finding("AML.T0051", "LLM Prompt Injection", 1, "AML.T0051.001 LLM Prompt Injection: Indirect"),
		_finding("AML.T0057", "LLM Data Leakage", 1, "AML.T0057 LLM Data Leakage"),
		_finding("AML.T0070", "RAG Poisoning", 1, "AML.T0070 RAG Poisoning, AML.T0071 False RAG Entry Injection"),
	} with input.model as m
		with input.facts as f
}

test_retrieval_surface_with_threats_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(retrieval.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-003" in retrieval.not_applicable with input.model as m with input.facts as f
}

test_grouped_technique_alone_does_not_cover_its_family if {
	# AML.T0071 is asked under AML.T0070: naming it alone leaves RAG Poisoning unconsidered.
	threat := {"id": "T-1", "surface": "kb-retrieval", "atlas": ["AML.T0051.001", "AML.T0057", "AML.T0071"]}
	m := object.union(testdata.model, {"threats": [threat]})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	testdata.found(retrieval.deny) == {_finding(
		"AML.T0070", "RAG Poisoning", 1,
		"AML.T0070 RAG Poisoning, AML.T0071 False RAG Entry Injection",
	)} with input.model as m
		with input.facts as f
}

test_nothing_asked_on_retrieval_not_applicable if {
	m := object.union(testdata.model, {"threats": []})
	asks := [a | some a in testdata.asks; a.surface != 1]
	f0 := testdata.patched(testdata.facts, ["atlas", "asks"], asks)
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-003" in retrieval.not_applicable with input.model as m with input.facts as f
	count(retrieval.deny) == 0 with input.model as m with input.facts as f
}
