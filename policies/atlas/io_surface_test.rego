package atlas.io_surface_test

import data.atlas.io_surface
import data.lib.testdata

_public_api := {"id": "public-api", "type": "inference_api", "name": "open endpoint", "exposure": "public", "authentication": "api_key"}

_finding(id, tid, name, path) := {"rule_id": id, "path": path, "params": {"technique": tid, "name": name}, "control": concat("/", ["atlas", tid])}

test_io_surface_without_techniques_denied if {
	m := object.union(testdata.model, {"threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	io_surface.deny == {
		_finding("TM-ATLAS-001", "AML.T0051", "LLM Prompt Injection", ["surfaces", 0]),
		_finding("TM-ATLAS-001", "AML.T0054", "LLM Jailbreak", ["surfaces", 0]),
		_finding("TM-ATLAS-001", "AML.T0056", "Extract LLM System Prompt", ["surfaces", 0]),
		_finding("TM-ATLAS-001", "AML.T0057", "LLM Data Leakage", ["surfaces", 0]),
	} with input.model as m
		with input.facts as f
}

test_io_surface_with_techniques_allowed if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	every d in io_surface.deny {
		d.rule_id != "TM-ATLAS-001"
	} with input.model as m
		with input.facts as f
}

test_io_surface_sub_technique_and_ruled_out_allowed if {
	threat := {"id": "T-1", "surface": "chat-io", "atlas": ["AML.T0051.000", "AML.T0054"]}
	ruled_out := [
		{"technique": "AML.T0056", "reason": "The prompt is public."},
		{"technique": "AML.T0057", "reason": "The model sees no private data."},
	]
	m := object.union(testdata.model, {"threats": [threat], "compliance": {"not_applicable": ruled_out}})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
}

test_ruled_out_without_reason_denied if {
	threat := {"id": "T-1", "surface": "chat-io", "atlas": ["AML.T0051", "AML.T0054", "AML.T0056"]}
	m := object.union(testdata.model, {"threats": [threat], "compliance": {"not_applicable": [{"technique": "AML.T0057", "reason": ""}]}})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	io_surface.deny == {_finding("TM-ATLAS-001", "AML.T0057", "LLM Data Leakage", ["surfaces", 0])} with input.model as m
		with input.facts as f
}

test_no_io_surface_not_applicable if {
	m := object.union(testdata.model, {"surfaces": array.slice(testdata.model.surfaces, 1, 3), "threats": []})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-001" in io_surface.not_applicable with input.model as m with input.facts as f
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
}

test_public_api_without_techniques_denied if {
	m := object.union(testdata.model, {"assets": array.concat(testdata.model.assets, [_public_api])})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	io_surface.deny == {
		_finding("TM-ATLAS-002", "AML.T0040", "AI Model Inference API Access", ["assets", 4]),
		_finding("TM-ATLAS-002", "AML.T0024", "Exfiltration via AI Inference API", ["assets", 4]),
		_finding("TM-ATLAS-002", "AML.T0029", "Denial of AI Service", ["assets", 4]),
		_finding("TM-ATLAS-002", "AML.T0034", "Cost Harvesting", ["assets", 4]),
	} with input.model as m
		with input.facts as f
}

test_unauthenticated_api_denied if {
	api := {"id": "internal-api", "type": "inference_api", "exposure": "internal", "authentication": "none"}
	threat := {"id": "T-9", "surface": "chat-io", "atlas": ["AML.T0040", "AML.T0024", "AML.T0029"]}
	m := object.union(testdata.model, {
		"assets": array.concat(testdata.model.assets, [api]),
		"threats": array.concat(testdata.model.threats, [threat]),
	})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	io_surface.deny == {_finding("TM-ATLAS-002", "AML.T0034", "Cost Harvesting", ["assets", 4])} with input.model as m
		with input.facts as f
}

test_public_api_with_techniques_allowed if {
	threat := {"id": "T-9", "surface": "chat-io", "atlas": ["AML.T0040", "AML.T0024.002", "AML.T0029", "AML.T0034.000"]}
	m := object.union(testdata.model, {
		"assets": array.concat(testdata.model.assets, [_public_api]),
		"threats": array.concat(testdata.model.threats, [threat]),
	})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	count(io_surface.deny) == 0 with input.model as m with input.facts as f
	not "TM-ATLAS-002" in io_surface.not_applicable with input.model as m with input.facts as f
}

test_authenticated_api_not_applicable if {
	m := testdata.model
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	"TM-ATLAS-002" in io_surface.not_applicable with input.model as m with input.facts as f
}

test_path_names_the_first_open_api_by_number if {
	# Assets 4-8 authenticated APIs, 9 and 11 open ones: 9 before 11 (not ordered as text).
	fillers := [a |
		some n in numbers.range(1, 5)
		a := {"id": sprintf("api-%d", [n]), "type": "inference_api", "exposure": "internal", "authentication": "oauth2"}
	]
	tail := [_public_api, testdata.model.assets[1], _public_api]
	m := object.union(testdata.model, {"assets": array.concat(array.concat(testdata.model.assets, fillers), tail)})
	f0 := testdata.facts
	f := testdata.facts_for(m, f0)
	{d.path | some d in io_surface.deny} == {["assets", 9]} with input.model as m with input.facts as f
}
