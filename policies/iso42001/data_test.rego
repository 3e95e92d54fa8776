package iso42001.data_test

import data.iso42001.data as datasets
import data.lib.testdata

_dataset := {
	"id": "tickets", "type": "dataset", "name": "support tickets", "version": "2025-11",
	"provenance": {"source": "ticketing export", "sha256": "3f1d0c5e"},
	"ingestion": {"access_controlled": true, "writers": ["ml-engineering"]},
	"quality": "Deduplicated; personal data removed; labels spot-checked.",
}

# The test model with one more asset, at index 4.
_with(dataset) := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [dataset])})

test_dataset_without_provenance_source_denied if {
	m := _with(testdata.patched(_dataset, ["provenance"], {"sha256": "3f1d0c5e"}))
	f := testdata.facts
	testdata.found(datasets.deny) == {{
		"rule_id": "TM-ISO-020",
		"path": ["assets", 4, "provenance", "source"],
		"params": {"message": "absent", "dataset": ["assets", 4, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_documented_dataset_allowed if {
	m := _with(_dataset)
	f := testdata.facts
	count(testdata.found(datasets.deny)) == 0 with input.model as m with input.facts as f
	count(datasets.not_applicable) == 0 with input.model as m with input.facts as f
}

test_no_dataset_not_applicable if {
	m := testdata.model
	f := testdata.facts
	datasets.not_applicable == {"TM-ISO-020", "TM-ISO-021", "TM-ISO-022", "TM-ISO-023"} with input.model as m
		with input.facts as f
}

test_open_dataset_denied if {
	m := _with(testdata.patched(_dataset, ["ingestion"], {"access_controlled": false}))
	f := testdata.facts
	testdata.found(datasets.deny) == {
		{"rule_id": "TM-ISO-021", "path": ["assets", 4, "ingestion", "access_controlled"], "params": {"message": "absent", "dataset": ["assets", 4, "id"], "problem": "does not control who can write to it"}},
		{"rule_id": "TM-ISO-021", "path": ["assets", 4, "ingestion", "writers"], "params": {"message": "absent", "dataset": ["assets", 4, "id"], "problem": "names no writers"}},
	} with input.model as m
		with input.facts as f
}

test_unpinned_dataset_denied if {
	m := _with(testdata.patched(testdata.patched(_dataset, ["version"], ""), ["provenance"], {"source": "ticketing export"}))
	f := testdata.facts
	testdata.found(datasets.deny) == {
		{"rule_id": "TM-ISO-022", "path": ["assets", 4, "version"], "params": {"dataset": ["assets", 4, "id"], "field": "version"}},
		{"rule_id": "TM-ISO-022", "path": ["assets", 4, "provenance", "sha256"], "params": {"dataset": ["assets", 4, "id"], "field": "provenance.sha256"}},
	} with input.model as m
		with input.facts as f
}

test_numeric_version_allowed if {
	m := _with(testdata.patched(_dataset, ["version"], 3))
	f := testdata.facts
	count(testdata.found(datasets.deny)) == 0 with input.model as m with input.facts as f
}

test_dataset_without_quality_denied if {
	m := _with(testdata.patched(_dataset, ["quality"], {}))
	f := testdata.facts
	testdata.found(datasets.deny) == {{
		"rule_id": "TM-ISO-023",
		"path": ["assets", 4, "quality"],
		"params": {"message": "absent", "dataset": ["assets", 4, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_quality_object_allowed if {
	m := _with(testdata.patched(_dataset, ["quality"], {"requirements": ["no duplicates"]}))
	f := testdata.facts
	count(testdata.found(datasets.deny)) == 0 with input.model as m with input.facts as f
}

# The hollow texts policyengine/substance.py lists for a dataset whose provenance source is
# "x", whose quality is "n/a" and one of whose writers is "TBD", each with the check that
# reads it.
_hollow_dataset := [
	{"check": "TM-ISO-020", "path": ["assets", 4, "provenance", "source"], "field": "provenance source", "owner": ["assets", 4, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-ISO-021", "path": ["assets", 4, "ingestion", "writers", 1], "field": "writers", "owner": ["assets", 4, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-ISO-023", "path": ["assets", 4, "quality"], "field": "quality", "owner": ["assets", 4, "id"], "kind": "placeholder text", "controls": []},
	{"check": "TM-TEXT-008", "path": ["assets", 4, "name"], "field": "the name of asset", "owner": ["assets", 4, "id"], "kind": "placeholder text", "controls": []},
]

test_placeholder_provenance_writer_and_quality_denied if {
	d := testdata.patched(testdata.patched(_dataset, ["provenance"], {"source": "x", "sha256": "3f1d0c5e"}), ["quality"], "n/a")
	m := _with(testdata.patched(d, ["ingestion"], {"access_controlled": true, "writers": ["ml-engineering", "TBD"]}))
	f := object.union(testdata.facts, {"placeholders": _hollow_dataset})
	testdata.found(datasets.deny) == {
		{"rule_id": "TM-ISO-020", "path": ["assets", 4, "provenance", "source"], "params": {"message": "placeholder", "dataset": ["assets", 4, "id"], "text": ["assets", 4, "provenance", "source"]}},
		{"rule_id": "TM-ISO-021", "path": ["assets", 4, "ingestion", "writers", 1], "params": {"message": "placeholder", "dataset": ["assets", 4, "id"], "field": "writers", "text": ["assets", 4, "ingestion", "writers", 1]}},
		{"rule_id": "TM-ISO-023", "path": ["assets", 4, "quality"], "params": {"message": "placeholder", "dataset": ["assets", 4, "id"], "text": ["assets", 4, "quality"]}},
	} with input.model as m
		with input.facts as f
}
