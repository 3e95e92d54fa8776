package iso42001.resources

import data.lib.model
import data.lib.result

# Asset types whose exact version decides what the system is.
_versioned_types := {"base_model", "fine_tuned_model", "embedding_model", "dataset"}

# The indices of the assets each check looks at, found in one pass over the assets (a
# rule-body loop over every asset per check costs regopy far more). Findings come in
# lib.result.each batches (lib.result says why). Bind the element before testing it:
# regopy does not enumerate "some i" inside "xs[i].type in types" (a built-in call).
_versioned := [i | some i; asset := input.model.assets[i]; asset.type in _versioned_types]

_libraries := [i | some i; asset := input.model.assets[i]; asset.type == "ml_library"]

# METADATA
# title: Every model and dataset asset records its version
# description: >-
#   The resources an AI system uses are documented when each model and dataset can be named
#   exactly: every base, fine-tuned and embedding model and every dataset states a version.
# custom:
#   id: TM-ISO-030
#   severity: medium
#   judges: ["assets[type=base_model|fine_tuned_model|embedding_model|dataset]"]
#   absent: no model or dataset asset in this model
#   controls: {iso42001: ["A.4.2"]}
#   message: "{type} {asset} does not record its version"
#   rationale: >-
#     A model or dataset without a version cannot be named exactly, so neither can its
#     risks.
#   hint: >-
#     Record the version of every model and dataset asset.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-030", found) if {
	found := [result.item(["assets", i, "version"], {"type": ["assets", i, "type"], "asset": ["assets", i, "id"]}) |
		some i in _versioned
		asset := input.model.assets[i]
		not model.stated(asset, "version")
	]
	count(found) > 0
}

# METADATA
# title: ML libraries are documented by pinned components or an SBOM that exists
# description: >-
#   Tooling resources are documented when every ML library asset lists its components with
#   versions, or names an SBOM file that exists in the repository.
# custom:
#   id: TM-ISO-031
#   severity: medium
#   judges: ["assets[type=ml_library]"]
#   absent: no ML library in this model
#   controls: {iso42001: ["A.4.4"]}
#   message:
#     undocumented: "ML library {asset} lists no pinned components and no SBOM"
#     no_sbom: "SBOM {sbom} of ML library {asset} does not exist, is empty or is placeholder text"
#   rationale: >-
#     Unpinned ML libraries change under the system without anyone deciding so.
#   hint: >-
#     List the library's components with versions, or name an SBOM file that exists in the
#     repository.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-031", found) if {
	undocumented := [result.item(["assets", i], {"message": "undocumented", "asset": ["assets", i, "id"]}) |
		some i in _libraries
		asset := input.model.assets[i]
		not _pinned(asset)
		not asset.sbom
	]
	no_sbom := [result.item(["assets", i, "sbom"], {"message": "no_sbom", "sbom": ["assets", i, "sbom"], "asset": ["assets", i, "id"]}) |
		some i in _libraries
		asset := input.model.assets[i]
		asset.sbom
		not input.facts.evidence[asset.sbom] == true
	]
	found := array.concat(undocumented, no_sbom)
	count(found) > 0
}

# METADATA
# title: Serving and computing resources are documented
# description: >-
#   System and computing resources are documented when the model describes where it runs:
#   a runtime surface or a serving_infrastructure or ml_library asset, and the hosting of
#   every base model.
# custom:
#   id: TM-ISO-032
#   severity: low
#   judges: ["surfaces[layer=runtime]", "assets[type=serving_infrastructure|ml_library]"]
#   controls: {iso42001: ["A.4.5"]}
#   message:
#     no_runtime: "model documents no runtime surface, serving infrastructure or ML library"
#     no_hosting: "base model {asset} does not record its hosting"
#   rationale: >-
#     Where a system runs decides who else can reach it and what fails with it.
#   hint: >-
#     Add a runtime surface or a serving_infrastructure or ml_library asset, and record the
#     hosting of every base model.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not _documents_runtime
	finding := result.finding("TM-ISO-032", ["surfaces"], {"message": "no_runtime"})
}

deny contains result.each("TM-ISO-032", found) if {
	found := [result.item(["assets", i, "hosting"], {"message": "no_hosting", "asset": ["assets", i, "id"]}) |
		some i
		asset := input.model.assets[i]
		asset.type == "base_model"
		count(object.get(asset, "hosting", {})) == 0
	]
	count(found) > 0
}

not_applicable contains "TM-ISO-030" if {
	count(_versioned) == 0
}

not_applicable contains "TM-ISO-031" if {
	count(_libraries) == 0
}

_documents_runtime if {
	some surface in input.model.surfaces
	surface.layer == "runtime"
}

_documents_runtime if count(_libraries) > 0

_documents_runtime if {
	some asset in input.model.assets
	asset.type == "serving_infrastructure"
}

# Every component states a version (a count, not "every": regopy gets "every" wrong).
_pinned(asset) if {
	count(object.get(asset, "components", [])) > 0
	count([c | some c in asset.components; not model.stated(c, "version")]) == 0
}
