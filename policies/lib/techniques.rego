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

# METADATA
# description: >-
#   The questions of facts.atlas.asks (computed in Python from the applicability mapping:
#   one per family asked and surface) whose family no threat considers: neither named
#   (itself, a sub-technique or a sibling) nor ruled out with a reason. An array.
unconsidered := [ask |
	some ask in _asks
	not ask.family in considered
]

default _asks := []

_asks := input.facts.atlas.asks

# METADATA
# description: >-
#   The unconsidered questions on surfaces of `layer`, in facts order: each names the
#   family, its name, the surface (an index of input.model.surfaces) and the techniques the
#   question covers there.
missing_on(layer) := [ask |
	some ask in unconsidered
	_on(ask, layer)
]

# METADATA
# description: The number of questions (considered or not) on surfaces of `layer`.
asked_on(layer) := count([ask |
	some ask in _asks
	_on(ask, layer)
])

# METADATA
# description: >-
#   The unconsidered questions about the model as a whole (surface -1: a technique not
#   mapped yet, or a condition met with no surface on its layers).
missing_whole := [ask |
	some ask in unconsidered
	ask.surface == -1
]

# METADATA
# description: The number of questions about the model as a whole.
asked_whole := count([ask |
	some ask in _asks
	ask.surface == -1
])

_on(ask, layer) if {
	ask.surface >= 0
	surfaces := input.model.surfaces
	surfaces[ask.surface].layer == layer
}
