package iso42001.data

import data.lib.model
import data.lib.result

# The indices of the dataset assets, found in one pass: each check below looks only at
# these (a rule-body loop over every asset per check costs regopy far more). Findings are
# reported in lib.result.each batches (lib.result says why).
_datasets := [i | some i; asset := input.model.assets[i]; asset.type == "dataset"]

# METADATA
# title: Every dataset records its provenance source
# description: >-
#   Data provenance must be recorded for every dataset the system is trained, fine-tuned or
#   evaluated on: where it came from is what a poisoning investigation starts from.
#   Every dataset asset states provenance.source.
# custom:
#   id: TM-ISO-020
#   severity: high
#   judges: ["assets[type=dataset]"]
#   absent: no dataset in this model
#   controls: {iso42001: ["A.7.5"]}
#   message:
#     absent: "dataset {dataset} does not record its provenance source"
#     placeholder: "dataset {dataset} records placeholder text as its provenance source: '{text}'"
#   rationale: >-
#     Where data came from is what a poisoning investigation starts from.
#   hint: >-
#     Record provenance.source on the dataset asset.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-020", found) if {
	absent := [result.item(["assets", i, "provenance", "source"], {"message": "absent", "dataset": ["assets", i, "id"]}) |
		some i in _datasets
		asset := input.model.assets[i]
		not model.stated(asset, ["provenance", "source"])
	]
	hollow := [result.item(p.path, {"message": "placeholder", "dataset": p.owner, "text": p.path}) | some p in _hollow("TM-ISO-020")]
	found := array.concat(absent, hollow)
	count(found) > 0
}

# A placeholder counts as absent: policyengine judges the text (policyengine/substance.py)
# and lists each hollow text a check reads in input.facts.placeholders, with that check.
_hollow(check) := [p | some p in _placeholders; p.check == check]

_placeholders := input.facts.placeholders

default _placeholders := []

# METADATA
# title: Dataset ingestion is access-controlled
# description: >-
#   Data management for development means knowing who can change the data. Every dataset
#   states ingestion.access_controlled: true and names its writers.
# custom:
#   id: TM-ISO-021
#   severity: high
#   judges: ["assets[type=dataset]"]
#   absent: no dataset in this model
#   controls: {iso42001: ["A.7.2"]}
#   message:
#     absent: "dataset {dataset} {problem}"
#     placeholder: "dataset {dataset} names placeholder text among its {field}: '{text}'"
#   rationale: >-
#     Data that anyone can change cannot be trusted for training or evaluation.
#   hint: >-
#     Set ingestion.access_controlled: true on the dataset and name its writers.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-021", found) if {
	uncontrolled := [result.item(["assets", i, "ingestion", "access_controlled"], {"message": "absent", "dataset": ["assets", i, "id"], "problem": "does not control who can write to it"}) |
		some i in _datasets
		asset := input.model.assets[i]
		not asset.ingestion.access_controlled == true
	]
	no_writers := [result.item(["assets", i, "ingestion", "writers"], {"message": "absent", "dataset": ["assets", i, "id"], "problem": "names no writers"}) |
		some i in _datasets
		asset := input.model.assets[i]
		count(object.get(asset, ["ingestion", "writers"], [])) == 0
	]
	hollow := [result.item(p.path, {"message": "placeholder", "dataset": p.owner, "field": p.field, "text": p.path}) | some p in _hollow("TM-ISO-021")]
	found := array.concat(array.concat(uncontrolled, no_writers), hollow)
	count(found) > 0
}

# The fields TM-ISO-022 requires: name in the message, path in the asset. Pairs, not an
# object: regopy does not compile "some k, v in" inside a comprehension.
_pinning_fields := [["version", ["version"]], ["provenance.sha256", ["provenance", "sha256"]]]

# METADATA
# title: Every dataset is pinned to a version and a content hash
# description: >-
#   Acquired data is documented as a resource when the exact data used can be named again:
#   every dataset states a version and provenance.sha256.
# custom:
#   id: TM-ISO-022
#   severity: medium
#   judges: ["assets[type=dataset]"]
#   absent: no dataset in this model
#   controls: {iso42001: ["A.4.3", "A.7.3"]}
#   message: "dataset {dataset} does not record {field}"
#   rationale: >-
#     The exact data a model used can only be found again by version and hash.
#   hint: >-
#     Record the dataset's version and provenance.sha256.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-022", found) if {
	found := [result.item(array.concat(["assets", i], field[1]), {"dataset": ["assets", i, "id"], "field": field[0]}) |
		some i in _datasets
		asset := input.model.assets[i]
		some field in _pinning_fields
		not model.stated(asset, field[1])
	]
	count(found) > 0
}

# METADATA
# title: Every dataset states its data quality requirements
# description: >-
#   Data quality requirements (completeness, accuracy, labelling, freshness) are stated for
#   each dataset in a quality field (text, or an object with requirements).
# custom:
#   id: TM-ISO-023
#   severity: medium
#   judges: ["assets[type=dataset]"]
#   absent: no dataset in this model
#   controls: {iso42001: ["A.7.4"]}
#   message:
#     absent: "dataset {dataset} states no data quality requirements"
#     placeholder: "dataset {dataset} states placeholder text as its data quality requirements: '{text}'"
#   rationale: >-
#     Without stated quality requirements, bad data cannot be told from good.
#   hint: >-
#     State the dataset's quality requirements (completeness, accuracy, labelling,
#     freshness) in its quality field.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-023", found) if {
	absent := [result.item(["assets", i, "quality"], {"message": "absent", "dataset": ["assets", i, "id"]}) |
		some i in _datasets
		asset := input.model.assets[i]
		not _has_quality(asset)
	]
	hollow := [result.item(p.path, {"message": "placeholder", "dataset": p.owner, "text": p.path}) | some p in _hollow("TM-ISO-023")]
	found := array.concat(absent, hollow)
	count(found) > 0
}

not_applicable contains id if {
	count(_datasets) == 0
	some id in ["TM-ISO-020", "TM-ISO-021", "TM-ISO-022", "TM-ISO-023"]
}

_has_quality(asset) if {
	is_string(asset.quality)
	trim_space(asset.quality) != ""
}

_has_quality(asset) if {
	is_object(asset.quality)
	count(asset.quality) > 0
}
