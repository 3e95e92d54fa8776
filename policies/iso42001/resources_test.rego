package iso42001.resources_test

import data.iso42001.resources
import data.lib.testdata

test_model_without_version_denied if {
	m := testdata.without(testdata.model, ["assets", 0, "version"])
	f := testdata.facts
	testdata.found(resources.deny) == {{
		"rule_id": "TM-ISO-030",
		"path": ["assets", 0, "version"],
		"params": {"type": ["assets", 0, "type"], "asset": ["assets", 0, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_versioned_models_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(resources.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-030" in resources.not_applicable with input.model as m with input.facts as f
}

test_no_model_or_dataset_not_applicable if {
	m := object.union(testdata.model, {"assets": array.slice(testdata.model.assets, 1, 4)})
	f := testdata.facts
	"TM-ISO-030" in resources.not_applicable with input.model as m with input.facts as f
}

test_ml_library_without_components_or_sbom_denied if {
	m := testdata.without(testdata.without(testdata.model, ["assets", 3, "components"]), ["assets", 3, "sbom"])
	f := testdata.facts
	testdata.found(resources.deny) == {{
		"rule_id": "TM-ISO-031",
		"path": ["assets", 3],
		"params": {"message": "undocumented", "asset": ["assets", 3, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_missing_sbom_file_denied if {
	m := testdata.patched(testdata.model, ["assets", 3, "components"], [{"name": "litellm"}])
	f := object.union(testdata.facts, {"evidence": object.union(testdata.facts.evidence, {"sbom/serving.cdx.json": false})})
	testdata.found(resources.deny) == {{
		"rule_id": "TM-ISO-031",
		"path": ["assets", 3, "sbom"],
		"params": {"message": "no_sbom", "sbom": ["assets", 3, "sbom"], "asset": ["assets", 3, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_pinned_components_without_sbom_allowed if {
	m := testdata.without(testdata.model, ["assets", 3, "sbom"])
	f := testdata.facts
	count(testdata.found(resources.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-031" in resources.not_applicable with input.model as m with input.facts as f
}

test_no_ml_library_not_applicable if {
	m := object.union(testdata.model, {"assets": array.slice(testdata.model.assets, 0, 3)})
	f := testdata.facts
	"TM-ISO-031" in resources.not_applicable with input.model as m with input.facts as f
}

test_base_model_without_hosting_denied if {
	m := testdata.without(testdata.model, ["assets", 0, "hosting"])
	f := testdata.facts
	testdata.found(resources.deny) == {{
		"rule_id": "TM-ISO-032",
		"path": ["assets", 0, "hosting"],
		"params": {"message": "no_hosting", "asset": ["assets", 0, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_no_runtime_documented_denied if {
	m := object.union(testdata.model, {
		"assets": array.slice(testdata.model.assets, 0, 3),
		"surfaces": array.slice(testdata.model.surfaces, 0, 2),
	})
	f := testdata.facts
	testdata.found(resources.deny) == {{
		"rule_id": "TM-ISO-032",
		"path": ["surfaces"],
		"params": {"message": "no_runtime"},
	}} with input.model as m
		with input.facts as f
}

test_computing_resources_apply_to_every_model if {
	f := testdata.facts
	not "TM-ISO-032" in resources.not_applicable with input.model as {} with input.facts as f
}
