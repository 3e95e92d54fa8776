package iso42001.design_test

import data.iso42001.design
import data.lib.testdata

test_asset_on_no_surface_denied if {
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [{"id": "orphan", "type": "agent_tool"}])})
	f := testdata.facts
	testdata.found(design.deny) == {{"rule_id": "TM-ISO-040", "path": ["assets", 4], "params": {"message": "off_surface", "asset": ["assets", 4, "id"]}}} with input.model as m
		with input.facts as f
}

test_empty_inventory_denied if {
	f := testdata.facts
	testdata.found(design.deny) == {
		{"rule_id": "TM-ISO-040", "path": ["assets"], "params": {"message": "empty", "part": "assets"}},
		{"rule_id": "TM-ISO-040", "path": ["surfaces"], "params": {"message": "empty", "part": "surfaces"}},
	} with input.model as {"assets": [], "surfaces": []}
		with input.facts as f
}

test_every_asset_on_a_surface_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(design.deny)) == 0 with input.model as m with input.facts as f
}

test_design_applies_to_every_model if {
	f := testdata.facts
	not "TM-ISO-040" in design.not_applicable with input.model as {} with input.facts as f
}
