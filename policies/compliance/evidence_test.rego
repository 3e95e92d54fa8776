package compliance.evidence_test

import data.compliance.evidence
import data.lib.testdata

_model := {
	"controls": [
		{"id": "C-1", "status": "implemented", "evidence": ["docs/a.md", "docs/empty.md"]},
		{"id": "C-2", "status": "verified", "evidence": ["docs/gone.md"]},
		{"id": "C-3", "status": "planned"},
	],
	"red_team": [
		{"id": "RT-1", "report": "evidence/rt-1.md"},
		{"id": "RT-2"},
	],
}

test_missing_or_empty_evidence_denied if {
	m := _model
	f := {"evidence": {"docs/a.md": true, "docs/empty.md": false, "docs/gone.md": false, "evidence/rt-1.md": false}}
	testdata.found(evidence.deny) == {
		{
			"rule_id": "TM-EVID-001", "path": ["controls", 0, "evidence", 1],
			"params": {"message": "control", "evidence": ["controls", 0, "evidence", 1], "owner": ["controls", 0, "id"]},
		},
		{
			"rule_id": "TM-EVID-002", "path": ["red_team", 0, "report"],
			"params": {"message": "report", "evidence": ["red_team", 0, "report"], "owner": ["red_team", 0, "id"]},
		},
		{
			"rule_id": "TM-EVID-002", "path": ["red_team", 1],
			"params": {"message": "unreported", "owner": ["red_team", 1, "id"]},
		},
	} with input.model as m
		with input.facts as f
}

test_filed_evidence_allowed if {
	m := testdata.model
	f := testdata.facts
	count(testdata.found(evidence.deny)) == 0 with input.model as m with input.facts as f
}

test_no_cited_evidence_not_applicable if {
	m := {"controls": [{"id": "C-1", "status": "planned"}], "red_team": []}
	"TM-EVID-001" in evidence.not_applicable with input.model as m
	"TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_exercise_without_report_denied if {
	m := object.union(testdata.model, {"red_team": [{"id": "RT-1"}]})
	f := testdata.facts
	{d | some d in testdata.found(evidence.deny); d.rule_id == "TM-EVID-002"} == {{
		"rule_id": "TM-EVID-002", "path": ["red_team", 0],
		"params": {"message": "unreported", "owner": ["red_team", 0, "id"]},
	}} with input.model as m
		with input.facts as f
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_cited_evidence_applicable if {
	m := _model
	not "TM-EVID-001" in evidence.not_applicable with input.model as m
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}

test_report_alone_applicable_to_the_report_check_only if {
	m := {"controls": [{"id": "C-1", "status": "planned"}], "red_team": [{"id": "RT-1", "report": "r.md"}]}
	"TM-EVID-001" in evidence.not_applicable with input.model as m
	not "TM-EVID-002" in evidence.not_applicable with input.model as m
}

_evid3(f, m) := found if {
	found := {d | some d in testdata.found(evidence.deny); d.rule_id == "TM-EVID-003"} with input.model as m
		with input.facts as f
}

# The test model with C-03 citing SBOMs too, and facts saying what the SBOMs hold.
_with_sboms(sboms) := {"model": m, "facts": f} if {
	cs := testdata.model.controls
	c3 := object.union(cs[2], {"evidence": ["docs/controls/sbom-diff.md", "sbom/image.cdx.json", "sbom/gpu.spdx.json"]})
	m := object.union(testdata.model, {"controls": [cs[0], cs[1], c3]})
	files := {"sbom/serving.cdx.json": true, "sbom/image.cdx.json": true, "sbom/gpu.spdx.json": true}
	f := object.union(testdata.facts, {"evidence": object.union(testdata.facts.evidence, files), "sbom": sboms})
}

_cdx(components) := {"format": "cyclonedx", "why": "", "components": components}

test_sbom_that_is_no_sbom_or_lists_nothing_denied if {
	x := _with_sboms({
		"sbom/serving.cdx.json": {"format": "", "why": "not JSON", "components": {}},
		"sbom/image.cdx.json": {"format": "", "why": "neither bomFormat CycloneDX nor an spdxVersion", "components": {}},
		"sbom/gpu.spdx.json": {"format": "spdx", "why": "", "components": {}},
	})
	_evid3(x.facts, x.model) == {
		{
			"rule_id": "TM-EVID-003", "path": ["assets", 3, "sbom"], "control": "iso42001/A.4.4",
			"params": {"message": "unreadable", "evidence": ["assets", 3, "sbom"], "what": "asset", "owner": ["assets", 3, "id"], "why": "not JSON"},
		},
		{
			"rule_id": "TM-EVID-003", "path": ["controls", 2, "evidence", 1], "control": "iso42001/8.3",
			"params": {
				"message": "unreadable", "evidence": ["controls", 2, "evidence", 1], "what": "control", "owner": ["controls", 2, "id"],
				"why": "neither bomFormat CycloneDX nor an spdxVersion",
			},
		},
		{
			"rule_id": "TM-EVID-003", "path": ["controls", 2, "evidence", 2], "control": "iso42001/8.3",
			"params": {"message": "empty", "evidence": ["controls", 2, "evidence", 2], "what": "control", "owner": ["controls", 2, "id"]},
		},
	}
}

test_sbom_that_lacks_a_declared_component_denied if {
	# litellm at another version, torch (no version declared) not at all; numpy listed with
	# no version and "@scope/pkg" (a key with a slash) listed: both pass.
	x := _with_sboms({
		"sbom/serving.cdx.json": _cdx({"litellm": ["1.53.0"], "numpy": [], "@scope/pkg": ["1"]}),
		"sbom/image.cdx.json": _cdx({"vllm": ["0.6.3"]}),
		"sbom/gpu.spdx.json": {"format": "spdx", "why": "", "components": {"cuda": ["12.4"]}},
	})
	components := [
		{"name": "litellm", "version": "1.52.0"}, {"name": "torch"},
		{"name": "numpy", "version": "2.1.3"}, {"name": "@scope/pkg", "version": " 1 "},
	]
	m := testdata.patched(x.model, ["assets", 3, "components"], components)
	_evid3(x.facts, m) == {
		{
			"rule_id": "TM-EVID-003", "path": ["assets", 3, "components", 0], "control": "iso42001/A.4.4",
			"params": {
				"message": "missing", "evidence": ["assets", 3, "sbom"], "owner": ["assets", 3, "id"],
				"component": ["assets", 3, "components", 0, "name"], "version": ["assets", 3, "components", 0, "version"],
			},
		},
		{
			"rule_id": "TM-EVID-003", "path": ["assets", 3, "components", 1], "control": "iso42001/A.4.4",
			"params": {
				"message": "missing_name", "evidence": ["assets", 3, "sbom"], "owner": ["assets", 3, "id"],
				"component": ["assets", 3, "components", 1, "name"],
			},
		},
	}
}

test_sboms_listing_the_declared_components_allowed if {
	x := _with_sboms({
		"sbom/serving.cdx.json": _cdx({"litellm": ["1.52.0"]}),
		"sbom/image.cdx.json": _cdx({"vllm": ["0.6.3"]}),
		"sbom/gpu.spdx.json": {"format": "spdx", "why": "", "components": {"cuda": ["12.4"]}},
	})
	m := x.model
	f := x.facts
	count(_evid3(f, m)) == 0
	not "TM-EVID-003" in evidence.not_applicable with input.model as m with input.facts as f
}

test_sbom_not_filed_left_to_the_filing_checks if {
	# TM-ISO-031 and TM-EVID-001 report an SBOM that is missing or empty: not this check.
	f := object.union(testdata.facts, {
		"evidence": object.union(testdata.facts.evidence, {"sbom/serving.cdx.json": false}),
		"sbom": {"sbom/serving.cdx.json": {"format": "", "why": "not a readable file", "components": {}}},
	})
	m := testdata.model
	count(_evid3(f, m)) == 0
	"TM-EVID-003" in evidence.not_applicable with input.model as m with input.facts as f
}

test_no_sbom_cited_not_applicable if {
	m := testdata.without(testdata.model, ["assets", 3, "sbom"])
	f := object.union(testdata.facts, {"sbom": {}})
	"TM-EVID-003" in evidence.not_applicable with input.model as m with input.facts as f
}

test_implemented_control_without_evidence_denied if {
	m := object.union(testdata.model, {"controls": [
		{"id": "C-1", "status": "implemented", "evidence": []},
		{"id": "C-2", "status": "implemented"},
		{"id": "C-3", "status": "planned"},
		{"id": "C-4", "status": "verified"},
		{"id": "C-5", "status": "implemented", "evidence": ["docs/controls/output-filter.md"]},
	]})
	f := testdata.facts
	{d | some d in testdata.found(evidence.deny); d.rule_id == "TM-EVID-004"} == {
		{"rule_id": "TM-EVID-004", "path": ["controls", 0, "evidence"], "params": {"control": ["controls", 0, "id"]}},
		{"rule_id": "TM-EVID-004", "path": ["controls", 1, "evidence"], "params": {"control": ["controls", 1, "id"]}},
	} with input.model as m
		with input.facts as f
	not "TM-EVID-004" in evidence.not_applicable with input.model as m
}

test_implemented_controls_citing_evidence_allowed if {
	m := testdata.model
	f := testdata.facts
	not "TM-EVID-004" in {d.rule_id | some d in testdata.found(evidence.deny)} with input.model as m with input.facts as f
	not "TM-EVID-004" in evidence.not_applicable with input.model as m
}

test_no_implemented_control_not_applicable if {
	m := object.union(testdata.model, {"controls": [{"id": "C-1", "status": "planned"}, {"id": "C-2", "status": "verified"}]})
	"TM-EVID-004" in evidence.not_applicable with input.model as m
}
