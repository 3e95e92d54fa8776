package atlas.supply_chain_test

import data.atlas.supply_chain
import data.lib.testdata

_open_model := {"id": "llama", "type": "base_model", "version": "3", "supplier": "open_weights", "procurement_reviewed": true}

_with_asset(asset) := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [asset])})

test_third_party_model_without_supply_chain_denied if {
	m := object.union(testdata.model, {"compliance": {"not_applicable": []}})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	supply_chain.deny == {{
		"rule_id": "TM-ATLAS-010", "path": ["assets", 0], "control": "atlas/AML.T0010.003",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_third_party_model_ruled_out_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(supply_chain.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-010" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_first_party_model_not_applicable if {
	base := object.union(testdata.model.assets[0], {"supplier": "first_party"})
	m := object.union(testdata.model, {"assets": array.concat([base], array.slice(testdata.model.assets, 1, 4))})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-010" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_ml_library_without_software_supply_chain_denied if {
	m := object.union(testdata.model, {"threats": array.slice(testdata.model.threats, 0, 3)})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	supply_chain.deny == {{
		"rule_id": "TM-ATLAS-011", "path": ["surfaces", 2], "control": "atlas/AML.T0010.001",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_ml_library_with_software_supply_chain_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(supply_chain.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-011" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_no_runtime_not_applicable if {
	m := object.union(testdata.model, {
		"assets": array.slice(testdata.model.assets, 0, 3),
		"surfaces": array.slice(testdata.model.surfaces, 0, 2),
	})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-011" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_open_weights_without_unsafe_artifacts_denied if {
	m := _with_asset(_open_model)
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	supply_chain.deny == {{
		"rule_id": "TM-ATLAS-012", "path": ["assets", 4], "control": "atlas/AML.T0011.000",
		"params": {},
	}} with input.model as m
		with input.facts as f
}

test_open_weights_with_unsafe_artifacts_allowed if {
	m0 := _with_asset(object.union(_open_model, {"loaded_from_files": true}))
	m := object.union(m0, {"threats": array.concat(m0.threats, [{"id": "T-9", "surface": "runtime", "atlas": ["AML.T0011.000"]}])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(supply_chain.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-012" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_open_weights_through_api_not_applicable if {
	m := _with_asset(object.union(_open_model, {"loaded_from_files": false}))
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-012" in supply_chain.not_applicable with input.model as m with input.facts as f
}

test_ml_library_without_runtime_surface_denied_at_the_library if {
	m := object.union(testdata.model, {
		"surfaces": array.slice(testdata.model.surfaces, 0, 2),
		"threats": array.slice(testdata.model.threats, 0, 3),
	})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{[d.rule_id, d.path] | some d in supply_chain.deny} == {["TM-ATLAS-011", ["assets", 3]]} with input.model as m
		with input.facts as f
	not "TM-ATLAS-011" in supply_chain.not_applicable with input.model as m with input.facts as f
}
