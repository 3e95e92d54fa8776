package atlas.whole_model

import data.lib.result
import data.lib.techniques

# METADATA
# title: ATLAS techniques that apply to the model as a whole are considered
# description: >-
#   A technique the applicability mapping does not cover yet (imported after it was
#   reviewed) applies to every model until it is mapped; a technique put in scope by an
#   asset (a dataset open to writers, a model from a supplier) applies even when the model
#   lists no surface on its layer. Each such family must appear in a threat (the family, a
#   sub-technique or a sibling) or be ruled out in compliance.not_applicable with a reason.
#   Which apply is decided in Python (policyengine.applicability) and given as
#   facts.atlas.asks with surface -1.
# custom:
#   id: TM-ATLAS-013
#   severity: high
#   judges: ["assets"]
#   absent: no ATLAS technique applies to this model as a whole
#   controls:
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}), which applies to the model as a whole; it covers {techniques}"
#   rationale: >-
#     Some techniques apply to the whole model: new ones not mapped yet, and those an asset
#     puts in scope whatever the surfaces.
#   hint: >-
#     Add a threat that names the family (or one of the techniques the message lists) in its
#     atlas list.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-013", found) if {
	found := [result.item_control([], {"family": ask.family, "name": ask.name, "techniques": ask.techniques}, concat("/", ["atlas", ask.family])) |
		some ask in techniques.missing_whole
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-013" if techniques.asked_whole == 0
