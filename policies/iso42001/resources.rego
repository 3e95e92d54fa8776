package iso42001.resources

import data.lib.model
import data.lib.result

# Asset types whose exact version decides what the system is.
_versioned_types := {"base_model", "fine_tuned_model", "embedding_model", "dataset"}

# METADATA
# title: Every model and dataset asset records its version
# description: >-
#   The resources an AI system uses are documented when each model and dataset can be named
#   exactly: every base, fine-tuned and embedding model and every dataset states a version.
# custom:
#   id: TM-ISO-030
#   severity: medium
#   controls: {iso42001: ["A.4.2"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type in _versioned_types
	not model.stated(asset, "version")
	msg := sprintf("%s %s does not record its version", [asset.type, asset.id])
	finding := result.deny("TM-ISO-030", msg, ["assets", i, "version"])
}

# METADATA
# title: ML libraries are documented by pinned components or an SBOM that exists
# description: >-
#   Tooling resources are documented when every ML library asset lists its components with
#   versions, or names an SBOM file that exists in the repository.
# custom:
#   id: TM-ISO-031
#   severity: medium
#   controls: {iso42001: ["A.4.4"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "ml_library"
	not _pinned(asset)
	not asset.sbom
	msg := sprintf("ML library %s lists no pinned components and no SBOM", [asset.id])
	finding := result.deny("TM-ISO-031", msg, ["assets", i])
}

deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "ml_library"
	asset.sbom
	not input.facts.evidence[asset.sbom] == true
	msg := sprintf("SBOM %s of ML library %s does not exist", [asset.sbom, asset.id])
	finding := result.deny("TM-ISO-031", msg, ["assets", i, "sbom"])
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
#   controls: {iso42001: ["A.4.5"]}
deny contains finding if {
	not _documents_runtime
	msg := "model documents no runtime surface, serving infrastructure or ML library"
	finding := result.deny("TM-ISO-032", msg, ["surfaces"])
}

deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "base_model"
	count(object.get(asset, "hosting", {})) == 0
	msg := sprintf("base model %s does not record its hosting", [asset.id])
	finding := result.deny("TM-ISO-032", msg, ["assets", i, "hosting"])
}

not_applicable contains "TM-ISO-030" if {
	not _has_type(_versioned_types)
}

not_applicable contains "TM-ISO-031" if {
	not _has_type({"ml_library"})
}

_documents_runtime if {
	some surface in input.model.surfaces
	surface.layer == "runtime"
}

_documents_runtime if _has_type({"serving_infrastructure", "ml_library"})

_has_type(types) if {
	some asset in input.model.assets
	asset.type in types
}

_pinned(asset) if {
	count(object.get(asset, "components", [])) > 0
	every component in asset.components {
		model.stated(component, "version")
	}
}
