package iso42001.system_test

import data.iso42001.system
import data.lib.testdata

test_missing_description_and_blank_purpose_denied if {
	m := testdata.patched(testdata.without(testdata.model, ["system", "description"]), ["system", "intended_purpose"], "  ")
	f := testdata.facts
	testdata.found(system.deny) == {
		{"rule_id": "TM-ISO-001", "path": ["system", "description"], "params": {"field": "description"}},
		{"rule_id": "TM-ISO-001", "path": ["system", "intended_purpose"], "params": {"field": "intended_purpose"}},
	} with input.model as m
		with input.facts as f
}

test_described_system_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(system.deny)) == 0 with input.model as m with input.facts as f
}

test_system_description_applies_to_every_model if {
	f := testdata.facts
	not "TM-ISO-001" in system.not_applicable with input.model as {} with input.facts as f
	{d.rule_id | some d in testdata.found(system.deny)} == {"TM-ISO-001"} with input.model as {} with input.facts as f
}

test_interface_without_access_denied if {
	m := testdata.patched(testdata.model, ["surfaces", 0, "interfaces"], [{"id": "web-chat", "who": "customers", "user_information": "Told it is an AI assistant."}])
	f := testdata.facts
	testdata.found(system.deny) == {{
		"rule_id": "TM-ISO-004",
		"path": ["surfaces", 0, "interfaces", 0, "access"],
		"params": {"message": "unstated", "interface": ["surfaces", 0, "interfaces", 0, "id"], "surface": ["surfaces", 0, "id"], "field": "access"},
	}} with input.model as m
		with input.facts as f
}

test_interface_that_tells_users_nothing_denied if {
	m := testdata.without(testdata.model, ["surfaces", 0, "interfaces", 0, "user_information"])
	f := testdata.facts
	testdata.found(system.deny) == {{
		"rule_id": "TM-ISO-004",
		"path": ["surfaces", 0, "interfaces", 0, "user_information"],
		"params": {"message": "unstated", "interface": ["surfaces", 0, "interfaces", 0, "id"], "surface": ["surfaces", 0, "id"], "field": "user_information"},
	}} with input.model as m
		with input.facts as f
}

test_io_surface_without_interfaces_denied if {
	m := testdata.without(testdata.model, ["surfaces", 0, "interfaces"])
	f := testdata.facts
	testdata.found(system.deny) == {{
		"rule_id": "TM-ISO-004",
		"path": ["surfaces", 0, "interfaces"],
		"params": {"message": "no_interface", "surface": ["surfaces", 0, "id"]},
	}} with input.model as m
		with input.facts as f
}

test_documented_interfaces_allowed if {
	m := testdata.model
	f := testdata.facts
	not "TM-ISO-004" in system.not_applicable with input.model as m with input.facts as f
	every d in testdata.found(system.deny) {
		d.rule_id != "TM-ISO-004"
	} with input.model as m
		with input.facts as f
}

test_no_io_surface_not_applicable if {
	m := object.union(testdata.model, {"surfaces": array.slice(testdata.model.surfaces, 1, 3)})
	f := testdata.facts
	"TM-ISO-004" in system.not_applicable with input.model as m with input.facts as f
}

test_public_interface_behind_an_authenticated_api_denied if {
	m := testdata.patched(testdata.model, ["surfaces", 0, "interfaces", 0, "access"], "public")
	f := testdata.facts
	testdata.found(system.deny) == {{
		"rule_id": "TM-ISO-005",
		"path": ["surfaces", 0, "interfaces", 0, "access"],
		"params": {
			"interface": ["surfaces", 0, "interfaces", 0, "id"], "surface": ["surfaces", 0, "id"],
			"asset": ["surfaces", 0, "assets", 0], "exposure": "authenticated",
		},
	}} with input.model as m
		with input.facts as f
}

test_public_interface_behind_a_public_api_allowed if {
	m0 := testdata.patched(testdata.model, ["surfaces", 0, "interfaces", 0, "access"], "public")
	m := testdata.patched(m0, ["assets", 1, "exposure"], "public")
	f := testdata.facts
	count(testdata.found(system.deny)) == 0 with input.model as m with input.facts as f
	not "TM-ISO-005" in system.not_applicable with input.model as m with input.facts as f
}

test_no_public_interface_not_applicable if {
	m := testdata.model
	f := testdata.facts
	"TM-ISO-005" in system.not_applicable with input.model as m with input.facts as f
}
