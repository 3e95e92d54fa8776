package lib.techniques

# What the ATLAS completeness checks (policies/atlas) share. Unlike lib.model, these
# rules read input.model and input.facts directly: a rule is computed once per query and
# shared by every package, where a function copies the model and facts it is given on
# every call (see lib/model.rego).

import data.lib.model

# METADATA
# description: >-
#   The ATLAS ids the model considers: named by a threat, or a parent of one named
#   (facts.atlas.mentioned), then those compliance.not_applicable rules out with a reason.
#   An array of a few ids, not a set (regopy builds a set slower than it scans a short
#   array): test membership. Reads input.model and input.facts.
considered := array.concat(_mentioned, _ruled_out)

# Not object.get(input.facts, ...): it copies the facts.
default _mentioned := []

_mentioned := input.facts.atlas.mentioned

_ruled_out := [object.get(e, "technique", "") |
	some e in input.model.compliance.not_applicable
	model.stated(e, "reason")
]
