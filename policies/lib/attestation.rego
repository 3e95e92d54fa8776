package lib.attestation

# What the attestation checks (nist_ai_rmf.attestations, iso42001.attestations) read from
# compliance.attestations, compliance.not_applicable, compliance.waivers and their facts.
# Rules, not functions over the model: regopy computes a rule once per query and shares it
# across packages, where a function copies the model and facts on every call (see
# lib.model). Collections that grow with the attestations are arrays (lib.result says why).

import data.lib.model

# METADATA
# description: The control key ("framework/ID") of each compliance.attestations entry, in model order ("" when missing).
controls := [object.get(a, "control", "") | some a in input.model.compliance.attestations]

# METADATA
# description: >-
#   Each attestation as [index, control key, problems]: what is wrong with it, empty when
#   it is dated within the review cadence and its evidence file exists. Tests may give fewer
#   attestation facts than attestations: a missing fact has both problems.
entries := [[i, controls[i], problems] |
	# Bound once: each reference to a rule holding the facts copies them (~1 ms for 46).
	facts := _att_facts
	n := count(facts)
	some i in _indices

	# The fact of attestation i, or none: indexing past the end is an error on regopy.
	held := [f | i < n; f := facts[i]]
	problems := [check[1] |
		some check in _checks
		count([1 | some f in held; f[check[0]] == true]) == 0
	]
]

# The indices of compliance.attestations (numbers.range(0, -1) would be [0, -1]).
_indices := numbers.range(0, count(controls) - 1) if count(controls) > 0

default _indices := []

# Each problem an attestation can have: the fact that must be true, and what is wrong otherwise.
_checks := [
	["within_cadence", "is not dated within the review cadence"],
	["evidence_exists", "cites an evidence file that does not exist, is empty or is placeholder text"],
	["names_model", "cites evidence that does not name this model (its metadata.id)"],
]

_att_facts := input.facts.attestations

default _att_facts := []

# METADATA
# description: The control keys with at least one valid attestation.
valid := [e[1] | some e in entries; count(e[2]) == 0]

# METADATA
# description: >-
#   The control keys that need no attestation: scoped out in compliance.not_applicable with
#   a reason, or waived by a waiver that has not expired, runs no longer than the risk
#   criteria allow (facts.waivers[i].too_long) and states a reason. A reason that
#   is placeholder text (input.facts.placeholders: "x", "n/a", "TBD") excuses nothing.
excused := _scoped_out | _waived

# A rule, not a comprehension: regopy 1.5.2 does not compile "some i, e in" inside one.
_scoped_out contains e.control if {
	some i, e in input.model.compliance.not_applicable
	model.stated(e, "reason")
	not _hollow_reason("not_applicable", i)
}

# The reason of entry i of compliance.<section> is placeholder text (facts.placeholders).
# NOTE: regopy 1.5.2 rejects an array literal on the left of `in` ("Invalid collection").
_hollow_reason(section, i) if {
	some p in input.facts.placeholders
	p.path == ["compliance", section, i, "reason"]
}

# Zip waivers and their facts by index: "some i; w := waivers[i]" then facts[i] is a join
# that regopy enumerates in full.
_waived := {waivers[i].control |
	waivers := input.model.compliance.waivers
	waiver_facts := input.facts.waivers
	count(waivers) > 0 # numbers.range(0, -1) is [0, -1]
	some i in numbers.range(0, count(waivers) - 1)
	count(waiver_facts) > i
	waiver_facts[i].expired == false

	# One that runs longer than the risk criteria allow waives nothing (TM-WAIVER-003).
	not waiver_facts[i].too_long == true
	not _hollow_reason("waivers", i)
}

# The control keys that need no new attestation: attested (validly or not) or excused.
# One membership test per key instead of two.
_covered := array.concat(controls, [k | some k in excused])

# METADATA
# description: >-
#   The problems an attestation check finds over its control keys (an array of
#   "framework/ID"), each as [path, control key, reason]: each key not excused with no
#   attestation (reason ""), and each problem of each attestation of a key not excused that
#   has no valid attestation. The key is always one of `keys`, never text from the model.
problems(keys) := array.concat(
	[[["compliance", "attestations"], key, ""] |
		some key in keys
		not key in _covered
	],
	[[["compliance", "attestations", e[0]], key, reason] |
		some e in entries
		count(e[2]) > 0
		key := e[1]
		key in keys
		not key in excused
		not key in valid
		some reason in e[2]
	],
)
