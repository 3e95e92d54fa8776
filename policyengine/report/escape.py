"""Escaping of untrusted text for each report format family, so that no field can forge output.

Everything a report shows from a pull request (paths, ids, owners, messages that quote a
model, names from a repository's catalog or Rego tests) goes through one of these
functions before it reaches a format; a formatter never interpolates such text raw. Each
is one small, pure function per format family, for the formatters of today and any added
later:

- `text`: plain text lines (the `text` format, stderr, and inside every other format).
  Characters that are not printable (controls, line and paragraph separators,
  bidirectional overrides) become visible escapes (`\\n`, `\\x1b`, `\\u2028`), so a
  field never starts a new line nor rewrites the terminal.
- `github_data` / `github_property` / `github_file`: GitHub Actions workflow commands
  (`::error file=...::message`); `text`, then `%`, and in a property also `:` and `,`, as
  `%XX`; a `file=` path keeps its carriage returns and line feeds, as `%0D` and `%0A`.
- `csv_cell`: `text`, then a cell that would start a spreadsheet formula (`=`, `+`, `-`,
  `@`, after any leading spaces) is prefixed with `'`, which makes it text.
- `markdown` / `markdown_code`: inline Markdown text with its specials backslash-escaped,
  or a code span no backtick can close (and, in a table, no `|` can end the cell).
- `html`: `text`, then `&`, `<`, `>`, `"` and `'` as character references.
- `json_document`: JSON text (whose strings already escape C0 controls) with the other
  characters `text` escapes, which JSON leaves raw, as `\\uXXXX`.
"""

from __future__ import annotations

import re

_BIDI = (*range(0x200E, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Left-to-right/right-to-left marks, embeddings, overrides and isolates ("Trojan source")."""


def _visible(ch: str) -> str:
    return ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")


def text(value: str) -> str:
    """`value` on one line: every character Python does not count as printable (C0 and
    C1 controls, DEL, line and paragraph separators, bidirectional and other format
    controls, unassigned code points; space is printable) replaced by its visible escape
    (`\\n`, `\\x1b`, `\\u202e`). Other characters, backslashes included, are kept, so
    ordinary text reads as it is."""
    if value.isprintable():
        return value
    return "".join(_visible(ch) for ch in value)


def github_data(value: str) -> str:
    """The message of a GitHub Actions workflow command (after `::`): `text`, then `%` as
    `%25`, so that neither a newline nor an encoded `%0A` starts another command."""
    return text(value).replace("%", "%25")


def github_property(value: str) -> str:
    """A property value of a workflow command (`file=`, `title=`): `github_data`, plus `:`
    as `%3A` and `,` as `%2C`, so that it can neither end the properties nor add one."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def github_file(path: str) -> str:
    """A file path as a workflow command's `file=`: `github_property`, except that a
    carriage return and a line feed are encoded as GitHub decodes them (`%0D`, `%0A`),
    not shown as `\\r` and `\\n`, so that the annotation lands on the file whose name has
    them. Other characters that are not printable cannot be encoded: they show as `text`
    does."""
    encoded = path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text(encoded).replace(":", "%3A").replace(",", "%2C")


_FORMULA_START = frozenset("=+-@")


def csv_cell(value: str) -> str:
    """A CSV cell of free text: `text`, and a `'` in front when a spreadsheet would read it
    as a formula (it starts with `=`, `+`, `-` or `@`, after any leading spaces)."""
    cell = text(value)
    stripped = cell.lstrip(" ")
    return "'" + cell if stripped[:1] in _FORMULA_START else cell


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~&#!])")


_AUTOLINK_TRIGGERS = re.compile(
    r"(?<=@)|(?<=\#)|(?<=[A-Za-z])(?=://)|(?i:(?<=mailto)|(?<=xmpp))(?=:)|(?i:(?<=www))(?=\.)"
)
"""Where GitHub would make a link or a notification of plain text: after `@` (a mention
of a user or team, an e-mail address), after `#` (an issue reference), before `://` (a
URL), after `mailto`, `xmpp` and `www`."""

_ZERO_WIDTH_SPACE = "&#8203;"


def markdown(value: str) -> str:
    """Inline Markdown (GitHub-flavoured) showing `value` literally: backslash, backtick,
    emphasis (`*`, `_`), link and image (`[`, `]`, `!`), `<`, `>`, `&`, `~`, `#` and `|`
    backslash-escaped, then `text`, so that no link, image, tag, entity, cell or line can
    come from the value; then a zero-width space (as a character reference) at each
    `_AUTOLINK_TRIGGERS` point, so that neither GitHub's autolinks (`https://…`, `www.…`,
    e-mail addresses) nor its mentions (`@team`) and issue references (`#12`), which it
    finds in the rendered text, come from the value. (`-`, `+` and `1.` only mean
    something at the start of a line, which the value never is.)"""
    escaped = text(_MARKDOWN_SPECIALS.sub(r"\\\1", value))
    return _AUTOLINK_TRIGGERS.sub(_ZERO_WIDTH_SPACE, escaped)


def markdown_code(value: str, *, in_table: bool = False) -> str:
    """`value` as a Markdown code span: fenced by more backticks than any run inside it
    (padded with spaces when it starts or ends with one), after `text`; in a table cell
    `|` is escaped as `\\|` (a code span does not stop a pipe from ending the cell)."""
    body = text(value)
    if in_table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def html(value: str) -> str:
    """HTML text or attribute content: `text`, then `&`, `<`, `>`, `"` and `'` as
    character references."""
    import html as _html  # only here: its import (~5 ms) is not the other formats' cost

    return _html.escape(text(value), quote=True)


_JSON_TABLE = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), 0x2028, 0x2029, *_BIDI)}


def json_document(dumped: str) -> str:
    """The JSON text `dumped` (from `json.dumps`) with DEL, the C1 controls, the line and
    paragraph separators and the bidi controls, which JSON allows raw inside strings,
    written as `\\uXXXX` escapes: the same document, whose lines no string can break."""
    if dumped.isascii() and "\x7f" not in dumped:
        return dumped  # nothing to escape (`isascii` reads a flag of the string)
    return dumped.translate(_JSON_TABLE)
