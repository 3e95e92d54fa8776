package compliance.code_drift

# Drift between the code and its threat model: the AI assets `check --code` finds in the
# code (agent tools, models, vector stores, training entry points, ML libraries) against
# the assets the model declares. policyengine reads the code (static analysis, the same
# as `policyengine discover`) and matches each thing it finds to the assets that declare
# it (policyengine/codefacts.py: type plus name, version, or the asset's x-code-refs);
# input.facts.code.items lists them with `matches`, `uses` and `drift`. These checks decide what
# is a finding. Messages point into input.facts.code for the names, places and source
# lines of the code, which are text from the code and never pass through an engine.

import data.lib.result

_code := input.facts.code

# The asset types discovery finds in code: a declared one that no code uses is stale.
_expected_types := {
	"agent_tool", "base_model", "fine_tuned_model", "embedding_model", "vector_store",
	"training_pipeline", "fine_tuning_pipeline",
}

# METADATA
# description: Without code to compare (no --code, no code in the config) there is nothing to judge.
not_applicable contains id if {
	not _code.scanned
	some id in ["TM-CODE-001", "TM-CODE-002", "TM-CODE-003", "TM-CODE-004"]
}

_undeclared(it) if {
	count(it.matches) == 0
	count(it.drift) == 0
}

# METADATA
# title: Every agent tool, model, data source and training entry point in the code is declared
# description: >-
#   An AI asset the code uses that the threat model does not list was never threat-modelled:
#   possible shadow AI.
# custom:
#   id: TM-CODE-001
#   severity: high
#   judges: ["assets"]
#   absent: no code was compared with this model (check --code, or code in the config)
#   message: "{what} `{name}` at {at} is not declared in the threat model (possible shadow AI; the code reads: {evidence})"
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.4.2"]}
#   rationale: >-
#     The method starts with an inventory of every AI asset; a tool, model or data source
#     in the code that no threat model lists has had none of its threats considered.
#   hint: >-
#     Declare the asset in assets (type and name as in the code, or list the code's name in
#     the asset's x-code-refs), put it on its surface, add its threats, and review the model.
#   rule_out: >-
#     Give the model metadata.x-code-paths when the code belongs to another system's model;
#     waive the control in compliance.waivers (reason, approved_by, expires) while the model
#     is being updated.
deny contains result.each("TM-CODE-001", found) if {
	_code.scanned
	items := _code.items
	found := [result.item(["assets"], params) |
		some i
		it := items[i]
		it.kind != "library"
		_undeclared(it)
		params := {
			"what": ["facts", "code", "items", i, "what"],
			"name": ["facts", "code", "items", i, "name"],
			"at": ["facts", "code", "items", i, "at"],
			"evidence": ["facts", "code", "items", i, "evidence"],
		}
	]
	count(found) > 0
}

# METADATA
# title: Every ML library in the dependency manifests is declared
# description: An ML library the code depends on that no ml_library asset lists.
# custom:
#   id: TM-CODE-004
#   severity: low
#   judges: ["assets"]
#   absent: no code was compared with this model (check --code, or code in the config)
#   message: "{what} `{name}` at {at} is not declared in the threat model (the manifest reads: {evidence})"
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.4.2"]}
#   rationale: >-
#     ML libraries are the runtime surface's supply chain (a compromised client library
#     reaches every request); the model lists them so that their risks are judged.
#   hint: >-
#     Add the library as a component (name and version) of an ml_library asset.
#   rule_out: >-
#     List the library in an ml_library asset's x-code-refs, or waive the control in
#     compliance.waivers with a reason.
deny contains result.each("TM-CODE-004", found) if {
	_code.scanned
	items := _code.items
	found := [result.item(["assets"], params) |
		some i
		it := items[i]
		it.kind == "library"
		_undeclared(it)
		params := {
			"what": ["facts", "code", "items", i, "what"],
			"name": ["facts", "code", "items", i, "name"],
			"at": ["facts", "code", "items", i, "at"],
			"evidence": ["facts", "code", "items", i, "evidence"],
		}
	]
	count(found) > 0
}

# The assets the code uses, by index: used by a finding, or drifted from. A finding
# declares what it `matches`, and uses all of it but the models a model client names only
# by their provider: an `OpenAI()` uses no particular OpenAI model.
_referenced contains j if {
	some it in _code.items
	some j in it.uses
}

_referenced contains j if {
	some it in _code.items
	some d in it.drift
	j := d.asset
}

# Assets other assets are made from (a base model of a fine-tuned one, a pipeline's
# inputs): the code may use only what was made from them.
_upstream contains a.derived_from if {
	some a in input.model.assets
	a.derived_from
}

_upstream contains x if {
	some a in input.model.assets
	some x in object.get(a, "inputs", [])
}

_expected(a) if object.get(a, "type", "") in _expected_types

_expected(a) if {
	object.get(a, "type", "") == "ml_library"
	_code.manifests > 0
}

# `x-code-refs: []` says on purpose that no code of this repository uses the asset.
_opted_out(a) if object.get(a, "x-code-refs", null) == []

# METADATA
# title: Every declared tool, model and data source is still used by the code
# description: An asset the model declares that no code under the compared paths refers to any more.
# custom:
#   id: TM-CODE-002
#   severity: medium
#   judges: ["assets"]
#   absent: no code was compared with this model (check --code, or code in the config)
#   message: "asset {asset} ({what}) is declared, but no code under {scope} uses it"
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.4.2"]}
#   rationale: >-
#     A threat model that lists what the system no longer has describes another system; its
#     threats and scores may no longer hold.
#   hint: >-
#     Remove the asset (and its threats) if the system no longer has it, or list the names the
#     code uses for it in x-code-refs; `x-code-refs: []` marks an asset no code here uses.
#   rule_out: >-
#     Set x-code-refs: [] on an asset that lives outside this repository's code (a hosted
#     tool, a model served elsewhere).
deny contains result.each("TM-CODE-002", found) if {
	_code.scanned
	assets := input.model.assets
	found := [result.item(["assets", i], params) |
		some i
		a := assets[i]
		_expected(a)
		not _opted_out(a)
		not a.id in _upstream
		not i in _referenced
		params := {"asset": ["assets", i, "id"], "what": ["assets", i, "type"], "scope": ["facts", "code", "scope"]}
	]
	count(found) > 0
}

# METADATA
# title: The models and libraries in the code are the versions the threat model declares
# description: A model name or library version in the code that differs from the version the model file declares.
# custom:
#   id: TM-CODE-003
#   severity: medium
#   judges: ["assets"]
#   absent: no code was compared with this model (check --code, or code in the config)
#   message: "{what} {found} at {at} differs from {declared}, the version asset {asset} declares"
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.4.2"]}
#   rationale: >-
#     A new model version or library release changes the system's behaviour and supply
#     chain; the threat model's scores were made for the version it names.
#   hint: >-
#     Update the asset's version (or the component's) to what the code uses, and review the
#     model's threats for the new version.
#   rule_out: >-
#     Waive the control in compliance.waivers (reason, approved_by, expires) while the
#     upgrade is being assessed.
deny contains result.each("TM-CODE-003", found) if {
	_code.scanned
	items := _code.items
	found := [result.item(d.path, params) |
		some i
		it := items[i]
		some d in it.drift
		params := {
			"what": ["facts", "code", "items", i, "what"],
			"found": ["facts", "code", "items", i, "shown"],
			"at": ["facts", "code", "items", i, "at"],
			"declared": d.path,
			"asset": ["assets", d.asset, "id"],
		}
	]
	count(found) > 0
}
