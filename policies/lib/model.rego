package lib.model

# Helpers over a threat model and its facts, shared by the policy packs.
# They take the model (and facts) as arguments and never read input.
#
# Speed on regopy (the embedded engine), as measured with benchmarks/bench_eval.py: a
# comprehension iterates several times faster than a rule body; object.get copies the
# object it reads, so iterate a list by reference (`some t in model.threats`, empty when
# missing); a lookup by key, or a set or object built element by element, costs time in
# proportion to its size. Compute what a package needs once, in rules.
#
# More regopy costs, measured the same way at 200 threats: `some [i, x] in pairs` then
# `input.model.threats[i]` scans every threat for each pair (~2 ms a finding): iterate
# `some pair in pairs` and index `pair[0]`. A set of finding objects costs time in the
# square of its size (~45 ms for 80 findings), an array of them ~4 ms. A function gets its
# arguments once per body: give a threat to a one-body helper. Read what Python derives
# from the threats (facts.threat_risks, facts.high_risk_indices, facts.atlas.mentioned)
# instead of recomputing it.

import data.lib.result

# METADATA
# description: The risk threshold at or above which a threat needs a treatment.
high_risk_threshold := 10

# METADATA
# description: A field of obj is present and not empty (blank string, empty list or object).
stated(obj, key) if _non_empty(object.get(obj, key, null))

_non_empty(v) if {
	is_string(v)
	trim_space(v) != ""
}

_non_empty(v) if {
	is_array(v)
	count(v) > 0
}

_non_empty(v) if {
	is_object(v)
	count(v) > 0
}

_non_empty(v) if is_number(v)

_non_empty(v) if is_boolean(v)

# METADATA
# description: The set of layers the model has a surface for.
layers(model) := {s.layer | some s in model.surfaces}

# METADATA
# description: The model has a surface of this layer (input_output, retrieval, agentic, model, runtime).
has_layer(model, layer) if layer in layers(model)

# METADATA
# description: The layer of the surface with this id (undefined for an unknown surface).
surface_layer(model, surface_id) := s.layer if {
	some s in model.surfaces
	s.id == surface_id
}

# METADATA
# description: The assets of this type, in model order.
assets_of_type(model, type) := [a | some a in model.assets; a.type == type]

# METADATA
# description: The model has at least one asset of this type.
has_asset_type(model, type) if count(assets_of_type(model, type)) > 0

# METADATA
# description: The model declares a control with this id.
control_exists(model, control_id) if {
	some c in model.controls
	c.id == control_id
}

# METADATA
# description: likelihood x impact of a threat, from the facts (0 when unknown).
threat_risk(facts, threat) := object.get(facts, ["threats", threat.id, "risk"], 0)

# METADATA
# description: >-
#   facts.threats kept to the threats with these ids. regopy looks a key up in time that
#   grows with the object, so a package filters the facts once to the threats it may
#   report, then reads each risk from the smaller object.
threat_facts(facts, ids) := object.filter(object.get(facts, "threats", {}), ids)

# METADATA
# description: The risk in threat facts (see threat_facts) of the threat with this id (0 when unknown).
risk_of(threat_facts, id) := object.get(object.get(threat_facts, id, {}), "risk", 0)

# METADATA
# description: Some threat in threat facts (see threat_facts) has a risk at or above the treatment threshold.
any_high_risk(threat_facts) if {
	# regopy does not enumerate an unbound index inside a built-in call: bind it first.
	high := [id | some id; f := threat_facts[id]; object.get(f, "risk", 0) >= high_risk_threshold]
	count(high) > 0
}

# METADATA
# description: The threat's risk is at or above the treatment threshold.
high_risk(facts, threat) if threat_risk(facts, threat) >= high_risk_threshold

# METADATA
# description: Some threat names the technique or one of its sub-techniques.
mentions_technique(model, tid) if tid in named_techniques(model)

# METADATA
# description: >-
#   The ATLAS ids the threats name, with every parent of each (AML.T0051 for AML.T0051.001),
#   so that a technique is named when it or a sub-technique is. Bind it once per package:
#   one pass over the threats instead of one per technique.
named_techniques(model) := named | _parents(named) if {
	named := {a | some t in model.threats; some a in t.atlas}
}

# Every proper prefix of an id that ends before a dot.
_parents(ids) := {p |
	some a in ids
	parts := split(a, ".")
	count(parts) > 1
	some k in numbers.range(1, count(parts) - 1)
	p := concat(".", array.slice(parts, 0, k))
}

# METADATA
# description: compliance.not_applicable rules the technique out, with a reason.
technique_ruled_out(model, tid) if tid in ruled_out_techniques(model)

# METADATA
# description: The techniques compliance.not_applicable rules out with a reason.
ruled_out_techniques(model) := {object.get(e, "technique", "") |
	some e in model.compliance.not_applicable
	stated(e, "reason")
}

# METADATA
# description: >-
#   The techniques the model considers: named by a threat (or through a sub-technique) or
#   ruled out with a reason. Bind it once per package and test membership.
considered_techniques(model) := named_techniques(model) | ruled_out_techniques(model)

# METADATA
# description: >-
#   considered_techniques(model) read from facts.atlas.mentioned (the ids the threats name,
#   with their parents, computed by Python) instead of from the threats: a small set built
#   once, where regopy takes milliseconds to collect the ids of a few hundred threats.
considered(model, facts) := {id | some id in facts.atlas.mentioned} | ruled_out_techniques(model)

# METADATA
# description: The technique is named by a threat or ruled out with a reason.
technique_considered(model, tid) if tid in considered_techniques(model)

# METADATA
# description: The indices of compliance.attestations entries for a control key ("framework/ID").
attestation_indices(model, key) := [i |
	# regopy rejects "some k, v in" inside a comprehension, and does not
	# enumerate an unbound index inside a built-in call: bind it first.
	some i
	a := object.get(model, ["compliance", "attestations"], [])[i]
	object.get(a, "control", "") == key
]

# METADATA
# description: Attestation i is dated within the review cadence and its evidence file exists.
valid_attestation(facts, i) if {
	fact := object.get(facts, ["attestations", i], {})
	object.get(fact, "within_cadence", false) == true
	object.get(fact, "evidence_exists", false) == true
}

# METADATA
# description: The control key ("framework/ID") has a valid attestation in the model.
has_valid_attestation(model, facts, key) if {
	some i in attestation_indices(model, key)
	valid_attestation(facts, i)
}

# METADATA
# description: The deny findings of an attestation check over control keys, one per missing or invalid attestation.
attestation_denials(rule_id, model, facts, keys) := _missing(rule_id, needed, controls) | _invalid(rule_id, needed, controls, problems) if {
	# Small arrays, read once: regopy copies a function's arguments on every call, so the
	# helpers below never get the whole model or facts.
	attestations := object.get(model, ["compliance", "attestations"], [])
	controls := [object.get(a, "control", "") | some a in attestations]
	problems := _problems_by_index(object.get(facts, "attestations", []), count(controls))

	# A control the model scopes out, or waives with a waiver still running, needs no attestation.
	excused := _excused(model, facts)
	needed := {k | some k in keys; not k in excused}
}

_excused(model, facts) := _scoped_out(model) | _waived(model, facts)

_scoped_out(model) := {e.control |
	some e in object.get(model, ["compliance", "not_applicable"], [])
	stated(e, "reason")
}

_waived(model, facts) := {w.control |
	# regopy rejects "some i, w in" inside a comprehension: bind the index first.
	waivers := object.get(model, ["compliance", "waivers"], [])
	waiver_facts := object.get(facts, "waivers", [])
	some i
	w := waivers[i]
	count(waiver_facts) > i
	waiver_facts[i].expired == false
}

# For each attestation index, the list of what is wrong with it (empty: valid).
# Tests may give fewer attestation facts than attestations: a missing fact is a problem.
_problems_by_index(att_facts, n) := [p |
	some i in numbers.range(0, n - 1)
	p := _problems_of(att_facts, i)
]

_problems_of(att_facts, i) := _fact_problems(att_facts[i]) if count(att_facts) > i

_problems_of(att_facts, i) := _all_problems if count(att_facts) <= i

_all_problems := _fact_problems({})

_fact_problems(fact) := array.concat(
	_unless(fact, "within_cadence", "is not dated within the review cadence"),
	_unless(fact, "evidence_exists", "cites an evidence file that does not exist"),
)

_unless(fact, key, problem) := [problem] if object.get(fact, key, false) != true

_unless(fact, key, _) := [] if object.get(fact, key, false) == true

_missing(rule_id, keys, controls) := {f |
	attested := {c | some c in controls}
	some key in keys
	not key in attested
	msg := sprintf("control %s has no attestation", [key])
	f := result.deny_control(rule_id, msg, ["compliance", "attestations"], key)
}

_invalid(rule_id, keys, controls, problems) := {f |
	valid := {controls[i] | some i; count(problems[i]) == 0}
	some i
	key := controls[i]
	key in keys
	not key in valid
	some reason in problems[i]

	# concat, not sprintf: regopy 1.5.2 quotes a string taken from an array inside sprintf.
	msg := concat(" ", ["attestation for", key, reason])
	f := result.deny_control(rule_id, msg, ["compliance", "attestations", i], key)
}
