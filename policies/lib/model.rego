package lib.model

# Small helpers shared by the policy packs. What the packs read from the whole model is in
# rules of their own (lib.techniques, lib.attestation, the packs' private rules): regopy
# computes a rule once per query, but copies a function's arguments on every call, so a
# function here takes a small value, never input.model or input.facts.
#
# What costs time on regopy (the embedded engine), measured at 200 threats with
# benchmarks/bench_eval.py and throwaway micro-benchmarks (CPU time):
# - A set, a partial set rule or an object built element by element costs time in the
#   square of its size (200 findings: ~225 ms, the same in an array ~4 ms): findings that
#   grow with the model are reported with lib.result.each, helper lists are arrays.
# - `some i; t := xs[i]` then indexing another collection with i (`ys[i]`) is a join that
#   enumerates both (~250 ms at 200): zip with `some i in numbers.range(0, count(xs) - 1)`,
#   or iterate a list of indices (a bound index is a cheap lookup).
# - A function call copies its arguments (a threat: ~25-50 us, the whole model: ms);
#   `object.get(input.model, ..)` copies too. Bind a list once (`threats :=
#   input.model.threats`) and read it by reference.
# - Each element a comprehension yields costs ~20-40 us, each expression ~5-25 us: filter
#   early, pass over the threats as few times as possible, name a set literal as a rule.

# METADATA
# description: A field of obj is present and not empty (blank string, empty list or object).
stated(obj, key) if _non_empty(object.get(obj, key, null))

# A string holds a character that is not white space (Unicode White_Space, as trim_space
# trims): the class lists U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
# U+205F and U+3000 as the characters themselves.
# NOTE: regopy 1.5.2's trim_space reads a backslash in the text as an escape ("abc\\"
# fails with "Invalid escape sequence"); regex.match reads the text as it is.
_non_empty(v) if {
	is_string(v)
	regex.match(`[^\s\v   -     　]`, v)
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
