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
		"msg": "dataset tickets does not record its provenance source",
		"path": ["assets", 4, "provenance", "source"],
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
		{"rule_id": "TM-ISO-021", "msg": "dataset tickets does not control who can write to it", "path": ["assets", 4, "ingestion", "access_controlled"]},
		{"rule_id": "TM-ISO-021", "msg": "dataset tickets names no writers", "path": ["assets", 4, "ingestion", "writers"]},
	} with input.model as m
		with input.facts as f
}

test_unpinned_dataset_denied if {
	m := _with(testdata.patched(testdata.patched(_dataset, ["version"], ""), ["provenance"], {"source": "ticketing export"}))
	f := testdata.facts
	testdata.found(datasets.deny) == {
		{"rule_id": "TM-ISO-022", "msg": "dataset tickets does not record version", "path": ["assets", 4, "version"]},
		{"rule_id": "TM-ISO-022", "msg": "dataset tickets does not record provenance.sha256", "path": ["assets", 4, "provenance", "sha256"]},
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
		"msg": "dataset tickets states no data quality requirements",
		"path": ["assets", 4, "quality"],
	}} with input.model as m
		with input.facts as f
}

test_quality_object_allowed if {
	m := _with(testdata.patched(_dataset, ["quality"], {"requirements": ["no duplicates"]}))
	f := testdata.facts
	count(testdata.found(datasets.deny)) == 0 with input.model as m with input.facts as f
}
