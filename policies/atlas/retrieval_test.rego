package atlas.retrieval_test

import data.atlas.retrieval
import data.lib.testdata

_notes_corpus := {
	"id": "notes", "type": "retrieval_corpus", "name": "agent notes",
	"ingestion_paths": [
		{"id": "cms", "source": "CMS", "reviewed_before_publish": true},
		{"id": "agent-notes", "source": "agent notes", "reviewed_before_publish": false},
	],
}

test_retrieval_without_techniques_denied if {
	threats := array.concat(array.slice(testdata.model.threats, 0, 2), array.slice(testdata.model.threats, 3, 4))
	m := object.union(testdata.model, {"threats": threats})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	retrieval.deny == {
		{
			"rule_id": "TM-ATLAS-003", "path": ["surfaces", 1], "control": "atlas/AML.T0051.001",
			"params": {"technique": "AML.T0051.001", "name": "LLM Prompt Injection: Indirect"},
		},
		{
			"rule_id": "TM-ATLAS-003", "path": ["surfaces", 1], "control": "atlas/AML.T0070",
			"params": {"technique": "AML.T0070", "name": "RAG Poisoning"},
		},
		{
			"rule_id": "TM-ATLAS-003", "path": ["surfaces", 1], "control": "atlas/AML.T0071",
			"params": {"technique": "AML.T0071", "name": "False RAG Entry Injection"},
		},
	} with input.model as m
		with input.facts as f
}

test_retrieval_with_techniques_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(retrieval.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-003" in retrieval.not_applicable with input.model as m with input.facts as f
}

test_no_retrieval_surface_not_applicable if {
	m := object.union(testdata.model, {"surfaces": [testdata.model.surfaces[0], testdata.model.surfaces[2]], "threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-003" in retrieval.not_applicable with input.model as m with input.facts as f
	count(retrieval.deny) == 0 with input.model as m with input.facts as f
}

test_unreviewed_ingestion_path_denied if {
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [_notes_corpus])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	retrieval.deny == {{
		"rule_id": "TM-ATLAS-004", "path": ["assets", 4, "ingestion_paths", 1], "control": "atlas/AML.T0066",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_ingestion_path_without_review_field_denied if {
	corpus := {"id": "wiki", "type": "retrieval_corpus", "ingestion_paths": [{"id": "wiki-sync", "source": "wiki"}]}
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [corpus])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{d.path | some d in retrieval.deny} == {["assets", 4, "ingestion_paths", 0]} with input.model as m
		with input.facts as f
}

test_unreviewed_ingestion_path_considered_allowed if {
	threat := {"id": "T-9", "surface": "kb-retrieval", "atlas": ["AML.T0066"]}
	m := object.union(testdata.model, {
		"assets": array.concat(testdata.model.assets, [_notes_corpus]),
		"threats": array.concat(testdata.model.threats, [threat]),
	})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(retrieval.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-004" in retrieval.not_applicable with input.model as m with input.facts as f
}

test_reviewed_ingestion_paths_not_applicable if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-004" in retrieval.not_applicable with input.model as m with input.facts as f
}

test_path_names_the_first_unreviewed_path_by_asset_then_path if {
	later := {"id": "wiki", "type": "retrieval_corpus", "ingestion_paths": [{"id": "wiki-sync", "reviewed_before_publish": false}]}
	assets := array.concat(testdata.model.assets, [_notes_corpus, later])
	m := object.union(testdata.model, {"assets": assets})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{d.path | some d in retrieval.deny} == {["assets", 4, "ingestion_paths", 1]} with input.model as m
		with input.facts as f
}
