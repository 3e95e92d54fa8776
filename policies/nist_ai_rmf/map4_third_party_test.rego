package nist_ai_rmf.map4_third_party_test

import data.lib.testdata
import data.nist_ai_rmf.map4_third_party

_ids(id) := {f | some f in testdata.found(map4_third_party.deny); f.rule_id == id}

_with_assets(assets) := object.union(testdata.model, {"assets": assets})

_first_party := [object.union(testdata.model.assets[0], {"supplier": "first_party"})]

test_shadow_ai_and_unnamed_supplier_denied if {
	m := _with_assets([
		object.union(testdata.model.assets[0], {"procurement_reviewed": false}),
		{"id": "ocr", "type": "third_party_service", "name": "OCR API"},
	])
	_ids("TM-SUPPLY-001") == {
		{"rule_id": "TM-SUPPLY-001", "path": ["assets", 0, "procurement_reviewed"], "params": {"asset": ["assets", 0, "id"], "problem": "is shadow AI: procurement_reviewed is false"}},
		{"rule_id": "TM-SUPPLY-001", "path": ["assets", 1, "supplier"], "params": {"asset": ["assets", 1, "id"], "problem": "states no supplier"}},
		{"rule_id": "TM-SUPPLY-001", "path": ["assets", 1, "procurement_reviewed"], "params": {"asset": ["assets", 1, "id"], "problem": "records no procurement review"}},
	} with input.model as m
}

test_reviewed_third_party_model_passes if {
	m := testdata.model
	count(_ids("TM-SUPPLY-001")) == 0 with input.model as m
}

test_first_party_only_not_applicable if {
	m := _with_assets(_first_party)
	"TM-SUPPLY-001" in map4_third_party.not_applicable with input.model as m
	count(map4_third_party.deny) == 0 with input.model as m
}

test_uncovered_third_party_asset_denied if {
	m := object.union(testdata.model, {"threats": [testdata.model.threats[2]]})
	_ids("TM-SUPPLY-002") == {{
		"rule_id": "TM-SUPPLY-002", "path": ["assets", 0],
		"params": {"asset": ["assets", 0, "id"]},
	}} with input.model as m
}

test_covered_third_party_asset_passes if {
	m := testdata.model
	count(_ids("TM-SUPPLY-002")) == 0 with input.model as m
}

test_coverage_not_applicable_without_third_party if {
	m := _with_assets(_first_party)
	"TM-SUPPLY-002" in map4_third_party.not_applicable with input.model as m
}
