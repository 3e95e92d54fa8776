package iso42001.data

import data.lib.model
import data.lib.result

# METADATA
# title: Every dataset records its provenance source
# description: >-
#   Data provenance must be recorded for every dataset the system is trained, fine-tuned or
#   evaluated on: where it came from is what a poisoning investigation starts from.
#   Every dataset asset states provenance.source.
# custom:
#   id: TM-ISO-020
#   severity: high
#   controls: {iso42001: ["A.7.5"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "dataset"
	not model.stated(asset, ["provenance", "source"])
	msg := sprintf("dataset %s does not record its provenance source", [asset.id])
	finding := result.deny("TM-ISO-020", msg, ["assets", i, "provenance", "source"])
}

# METADATA
# title: Dataset ingestion is access-controlled
# description: >-
#   Data management for development means knowing who can change the data. Every dataset
#   states ingestion.access_controlled: true and names its writers.
# custom:
#   id: TM-ISO-021
#   severity: high
#   controls: {iso42001: ["A.7.2"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "dataset"
	not asset.ingestion.access_controlled == true
	msg := sprintf("dataset %s does not control who can write to it", [asset.id])
	finding := result.deny("TM-ISO-021", msg, ["assets", i, "ingestion", "access_controlled"])
}

deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "dataset"
	count(object.get(asset, ["ingestion", "writers"], [])) == 0
	msg := sprintf("dataset %s names no writers", [asset.id])
	finding := result.deny("TM-ISO-021", msg, ["assets", i, "ingestion", "writers"])
}

# METADATA
# title: Every dataset is pinned to a version and a content hash
# description: >-
#   Acquired data is documented as a resource when the exact data used can be named again:
#   every dataset states a version and provenance.sha256.
# custom:
#   id: TM-ISO-022
#   severity: medium
#   controls: {iso42001: ["A.4.3", "A.7.3"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "dataset"
	some field, path in {"version": ["version"], "provenance.sha256": ["provenance", "sha256"]}
	not model.stated(asset, path)
	msg := sprintf("dataset %s does not record %s", [asset.id, field])
	finding := result.deny("TM-ISO-022", msg, array.concat(["assets", i], path))
}

# METADATA
# title: Every dataset states its data quality requirements
# description: >-
#   Data quality requirements (completeness, accuracy, labelling, freshness) are stated for
#   each dataset in a quality field (text, or an object with requirements).
# custom:
#   id: TM-ISO-023
#   severity: medium
#   controls: {iso42001: ["A.7.4"]}
deny contains finding if {
	some i, asset in input.model.assets
	asset.type == "dataset"
	not _has_quality(asset)
	msg := sprintf("dataset %s states no data quality requirements", [asset.id])
	finding := result.deny("TM-ISO-023", msg, ["assets", i, "quality"])
}

not_applicable contains id if {
	not _has_dataset
	some id in {"TM-ISO-020", "TM-ISO-021", "TM-ISO-022", "TM-ISO-023"}
}

_has_dataset if {
	some asset in input.model.assets
	asset.type == "dataset"
}

_has_quality(asset) if {
	is_string(asset.quality)
	trim_space(asset.quality) != ""
}

_has_quality(asset) if {
	is_object(asset.quality)
	count(asset.quality) > 0
}
