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

# A string holds a character that is neither white space (Unicode White_Space, as
# trim_space trims) nor invisible: the characters of `_blank` are removed, then any
# character left that is not ASCII white space makes the text stated.
# `substance.placeholder` judges the same characters.
# NOTE: regopy 1.5.2 matches a regex byte by byte: a character class that holds a
# character beyond ASCII is a class of its UTF-8 bytes (U+2000-U+200A became the bytes
# 0x80-0xE2, and Cyrillic text read as blank), so only ASCII goes into the class. Its
# string literals keep their escapes ("\u00a0" is six characters) and its
# json.unmarshal fails on \u escapes: the characters are written in base64. Its
# trim_space reads a backslash in the text as an escape ("abc\\" fails with "Invalid
# escape sequence"); replace_n and regex.match read the text as it is.
_non_empty(v) if {
	is_string(v)
	regex.match(`[^\s\v]`, strings.replace_n(_blank, v))
}

# Unicode White_Space beyond ASCII, and the zero-width characters (UTF-8, base64) -> "".
_blank := {base64.decode(c): "" | some c in [
	"woU=", # U+0085 NEXT LINE
	"wqA=", # U+00A0 NO-BREAK SPACE
	"4ZqA", # U+1680 OGHAM SPACE MARK
	"4oCA", # U+2000 EN QUAD
	"4oCB", # U+2001 EM QUAD
	"4oCC", # U+2002 EN SPACE
	"4oCD", # U+2003 EM SPACE
	"4oCE", # U+2004 THREE-PER-EM SPACE
	"4oCF", # U+2005 FOUR-PER-EM SPACE
	"4oCG", # U+2006 SIX-PER-EM SPACE
	"4oCH", # U+2007 FIGURE SPACE
	"4oCI", # U+2008 PUNCTUATION SPACE
	"4oCJ", # U+2009 THIN SPACE
	"4oCK", # U+200A HAIR SPACE
	"4oCL", # U+200B ZERO WIDTH SPACE
	"4oCM", # U+200C ZERO WIDTH NON-JOINER
	"4oCN", # U+200D ZERO WIDTH JOINER
	"4oCo", # U+2028 LINE SEPARATOR
	"4oCp", # U+2029 PARAGRAPH SEPARATOR
	"4oCv", # U+202F NARROW NO-BREAK SPACE
	"4oGf", # U+205F MEDIUM MATHEMATICAL SPACE
	"4oGg", # U+2060 WORD JOINER
	"44CA", # U+3000 IDEOGRAPHIC SPACE
	"77u/", # U+FEFF ZERO WIDTH NO-BREAK SPACE
]}

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
