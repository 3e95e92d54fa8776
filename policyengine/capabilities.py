"""The Rego capability policy: which built-ins and which `data` a policy may use.

A pull request may change the policies that judge it, so a policy is untrusted code. Before
any engine sees a policy set (`check` on either engine, `policyengine test`, `bundle
build`), every module is scanned here and the set is refused, with file, line, column and
the offending name, when a module

- calls a built-in that is not in the allow-list `policyengine/data/rego-capabilities.json`
  (OPA's capabilities format: `opa check --capabilities` reads the same file), or names
  one as the replacement of a `with` (`with count as opa.runtime`), or calls a function
  that is neither such a built-in nor a rule of the policy set;
- reads `data` outside the packages of the policy set and the catalogs (`data.catalog`):
  a bare `data`, a dynamic `data[x]`, `data.other_tenant`, an import of either;
- uses a template string (`$"..."`), imports anything but `data`, `input`,
  `future.keywords` and `rego.v1`, aliases an import as `data` or `input`, or declares a
  package under `system` (OPA's own configuration).

It is an allow-list: anything not on it is refused. The modules are read with a tokenizer
of Rego (strings, raw strings and comments are never mistaken for code) because neither
engine hands back its parsed modules to Python. User rules shadow built-ins on both
engines (a package's own `count(x)` is called instead of the built-in), so a call to a
function of the set is allowed, except under the name of a built-in that is not allowed.

`namespaced` rewrites a module so that its packages live under a prefix: the OPA engine
loads each run's modules under a prefix of its own, so runs sharing a server neither see
nor replace each other's rules, and `data.other_tenant` stays inside the run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .errors import PolicyError

__all__ = [
    "CAPABILITIES_FILE",
    "Namespaced",
    "allowed_builtins",
    "check_policies",
    "namespaced",
]

CAPABILITIES_FILE = Path(__file__).resolve().parent / "data" / "rego-capabilities.json"
"""The allow-list of built-ins, in OPA's capabilities format."""

_FORMAT = "1"
"""Part of the name of a passed-check marker: bump it when what passing means changes."""

CATALOG_ROOT = "catalog"
"""`data.catalog.<name>`: the control catalogs a bundle carries, readable by any policy."""

_TOKEN_RE = re.compile(
    r"""
    (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<skip>(?:[ \t\r\f\v]+|\#[^\n]*)+)
    | (?P<op>:=|==|!=|<=|>=|[.\[\](){},;:|&+\-*/%<>=])
    | (?P<nl>\n)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<raw>`[^`]*`)
    | (?P<template>\$["`])
    | (?P<bad>.)
    """,
    re.VERBOSE,
)
"""Rego's tokens, the most frequent first (the order costs ~30% of the scan)."""

_KEYWORDS = frozenset(
    {
        "package",
        "import",
        "as",
        "default",
        "else",
        "if",
        "some",
        "in",
        "every",
        "with",
        "not",
        "true",
        "false",
        "null",
    }
)
"""Words that never start a reference. `contains` is a keyword and a built-in (allowed)."""

_IMPURE_SINGLE = frozenset({"print", "trace"})
"""OPA built-ins with a one-word name that regopy does not report as built-ins."""

_NAMESPACES = frozenset(
    "array base64 base64url bits crypto glob graph graphql hex http internal io json net "
    "numbers object opa providers rand regex rego semver strings time units uri urlquery "
    "uuid yaml".split()
)
"""The first words of OPA's dotted built-ins (`opa capabilities --current`, v1.22)."""


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    line: int
    col: int


@dataclass(frozen=True)
class _Ref:
    """A reference as written: its head and the static segments that follow."""

    segments: tuple[str, ...]
    """`("data", "lib", "result")` for `data.lib["result"]`."""
    end: int
    """Index of the first token after the reference's last segment (maybe a newline)."""
    dynamic: bool
    """A `[x]` that is not a string literal follows the static segments."""

    @property
    def name(self) -> str:
        return ".".join(self.segments)


@functools.lru_cache(maxsize=1)
def allowed_builtins() -> frozenset[str]:
    """Names of the built-ins policies may use (from `CAPABILITIES_FILE`)."""
    try:
        caps = json.loads(CAPABILITIES_FILE.read_text(encoding="utf-8"))
        return frozenset(str(b["name"]) for b in caps["builtins"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PolicyError(f"{CAPABILITIES_FILE}: cannot read the capability list: {exc}") from exc


@functools.lru_cache(maxsize=4096)
def _known_builtin(name: str) -> bool:
    """Whether either engine knows `name` as a built-in (regopy asked; OPA's print/trace)."""
    if name in _IMPURE_SINGLE:
        return True
    if "." in name and name.split(".", 1)[0] not in _NAMESPACES:
        return False  # a field of a variable or rule (`t.id`): no need to ask regopy
    from regopy import Interpreter

    # NOTE: a fresh interpreter each time (names are cached above): one kept in a global
    # is freed after regopy's own module at exit, which prints a TypeError.
    return bool(Interpreter().is_builtin(name))


class _Lexer:
    """The significant tokens of one module (newlines kept; comments and blanks dropped)."""

    def __init__(self, source: str) -> None:
        self.tokens: list[_Token] = []
        self.problems: list[tuple[int, int, str]] = []
        line, line_start = 1, 0
        for m in _TOKEN_RE.finditer(source):
            kind = m.lastgroup or "bad"
            start = m.start()
            if kind == "skip":
                continue
            col = start - line_start + 1
            text = m.group()
            if kind == "nl":
                self.tokens.append(_Token("nl", text, start, line, col))
                line, line_start = line + 1, m.end()
                continue
            if kind == "template":
                self.problems.append((line, col, 'template strings ($"...") are not allowed'))
            elif kind == "bad":
                what = "an unterminated string" if text in '"`' else f"the character {text!r}"
                self.problems.append((line, col, f"{what} cannot be read as Rego"))
            self.tokens.append(_Token(kind, text, start, line, col))
            if kind == "raw":
                newlines = text.count("\n")
                if newlines:
                    line += newlines
                    line_start = start + text.rindex("\n") + 1

    def next_index(self, i: int) -> int:
        """The index of the first token at or after `i` that is not a newline."""
        while i < len(self.tokens) and self.tokens[i].kind == "nl":
            i += 1
        return i

    def is_op(self, i: int, text: str) -> bool:
        return i < len(self.tokens) and self.tokens[i].kind == "op" and self.tokens[i].text == text

    def continues(self, i: int) -> bool:
        """Whether the identifier at `i` follows a `.` (a field, not the head of a ref)."""
        j = i - 1
        while j >= 0 and self.tokens[j].kind == "nl":
            j -= 1
        return j >= 0 and self.is_op(j, ".")

    def ref(self, i: int) -> _Ref:
        """The reference whose head identifier is at `i`. Blanks and newlines between
        its parts are skipped, so `http . send` is read as the engines might read it."""
        segments = [self.tokens[i].text]
        j = i + 1
        while True:
            k = self.next_index(j)
            if self.is_op(k, "."):
                n = self.next_index(k + 1)
                if n < len(self.tokens) and self.tokens[n].kind == "ident":
                    segments.append(self.tokens[n].text)
                    j = n + 1
                    continue
                return _Ref(tuple(segments), j, True)
            if self.is_op(k, "["):
                n = self.next_index(k + 1)
                c = self.next_index(n + 1)
                if n < len(self.tokens) and self.tokens[n].kind in ("string", "raw"):
                    if self.is_op(c, "]"):
                        segments.append(_literal(self.tokens[n]))
                        j = c + 1
                        continue
                return _Ref(tuple(segments), j, True)
            return _Ref(tuple(segments), j, False)


def _literal(token: _Token) -> str:
    if token.kind == "raw":
        return token.text[1:-1]
    try:
        return str(json.loads(token.text))
    except ValueError:
        return token.text[1:-1]


@dataclass
class _Module:
    name: str
    lexer: _Lexer
    package: tuple[str, ...]
    heads: set[str]
    imports: dict[str, tuple[str, ...]]
    """Import alias to the reference it stands for (`data...` or `input...`)."""
    import_at: dict[str, _Token]
    """Import alias to the first token of its reference, for messages."""
    statement_tokens: set[int]
    """Indices of tokens that belong to `package` and `import` statements."""


def _read_module(name: str, source: str, problems: list[tuple[str, int, int, str]]) -> _Module:
    lexer = _Lexer(source)
    problems.extend((name, line, col, what) for line, col, what in lexer.problems)
    toks = lexer.tokens
    package: tuple[str, ...] = ()
    heads: set[str] = set()
    imports: dict[str, tuple[str, ...]] = {}
    import_at: dict[str, _Token] = {}
    skip: set[int] = set()
    depth = 0
    line_start = True
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "nl":
            line_start = True
            i += 1
            continue
        at_start, line_start = line_start, False
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth = max(0, depth - 1)
        if depth or not at_start or t.kind != "ident":
            i += 1
            continue
        if t.text in ("package", "import"):
            n = lexer.next_index(i + 1)
            if n >= len(toks) or toks[n].kind != "ident":
                problems.append((name, t.line, t.col, f"a `{t.text}` without a name"))
                i = n
                continue
            ref = lexer.ref(n)
            skip.update(range(i, ref.end))
            if t.text == "package":
                package = ref.segments
                if ref.dynamic:
                    problems.append((name, t.line, t.col, "a package name must be static"))
                if ref.segments[0] == "system":
                    problems.append(
                        (name, t.line, t.col, f"package {ref.name}: `system` is OPA's own")
                    )
                i = ref.end
                continue
            alias_at = lexer.next_index(ref.end)
            alias = ref.segments[-1]
            end = ref.end
            if alias_at < len(toks) and toks[alias_at].text == "as":
                a = lexer.next_index(alias_at + 1)
                if a < len(toks) and toks[a].kind == "ident":
                    alias, end = toks[a].text, a + 1
                    skip.update(range(alias_at, end))
            problem = _import_problem(ref, alias)
            if problem:
                problems.append((name, toks[n].line, toks[n].col, problem))
            elif ref.segments[0] in ("data", "input"):
                imports[alias] = ref.segments
                import_at[alias] = toks[n]
            i = end
            continue
        n = i
        if t.text == "default":
            n = lexer.next_index(i + 1)
        if n < len(toks) and toks[n].kind == "ident" and toks[n].text not in _KEYWORDS:
            heads.add(toks[n].text)
        i += 1
    return _Module(name, lexer, package, heads, imports, import_at, skip)


def _import_problem(ref: _Ref, alias: str) -> str | None:
    head = ref.segments[0]
    if ref.dynamic:
        return f"import {ref.name}[...]: an import must be a static reference"
    if alias in ("data", "input"):
        return f"import {ref.name} as {alias}: `data` and `input` cannot be aliased"
    if head in ("data", "input"):
        return None
    if head == "future" and ref.segments[1:2] == ("keywords",):
        return None
    if ref.segments == ("rego", "v1"):
        return None
    return f"import {ref.name}: only data, input, future.keywords and rego.v1 can be imported"


def check_policies(sources: Mapping[str, str], files: Mapping[str, str] | None = None) -> None:
    """Refuse `sources` (module name to Rego source) unless every module keeps to the
    capability policy (see the module docstring).

    Raises `PolicyError` listing each violation as `file:line:col: what`, in file order;
    `files` maps a module name to the path shown (the name itself when absent).
    """
    passed = _passed_marker(sources)
    if passed is not None and passed.is_file():
        return
    problems: list[tuple[str, int, int, str]] = []
    modules = [_read_module(name, src, problems) for name, src in sorted(sources.items())]
    packages = {m.package for m in modules if m.package}
    heads: dict[tuple[str, ...], set[str]] = {}
    for m in modules:
        heads.setdefault(m.package, set()).update(m.heads)
    allowed = allowed_builtins()
    for m in modules:
        problems.extend(_scan(m, packages, heads.get(m.package, set()), allowed))
        for alias, target in m.imports.items():
            if target[0] == "data" and not _readable(target, packages):
                where = m.import_at[alias]
                problems.append((m.name, where.line, where.col, _data_problem(target, False)))
    if problems:
        shown = files or {}
        lines = [
            f"{shown.get(name, name)}:{line}:{col}: {what}"
            for name, line, col, what in sorted(set(problems))
        ]
        raise PolicyError(
            "the Rego capability policy refuses these policies (a policy may call only the "
            f"built-ins listed in {CAPABILITIES_FILE.name} and read only its policy set's "
            "packages and data.catalog):\n" + "\n".join(lines)
        )
    if passed is not None:
        with contextlib.suppress(OSError):
            passed.touch()


def _passed_marker(sources: Mapping[str, str]) -> Path | None:
    """The file in the programs cache folder (`cache.programs_folder`, under its trust
    rule) that says these `sources` passed the check before, named by a hash of them, of
    the allow-list, of this module and of the regopy release asked about built-in names;
    None without a cache. Scanning the bundled set costs ~60 ms, a run and a worker."""
    from .cache import installed_version, programs_folder

    folder = programs_folder()
    if folder is None:
        return None
    regopy = installed_version("regopy") or "none"
    try:
        digest = hashlib.sha256(f"{_FORMAT}\0{regopy}\0".encode())
        digest.update(Path(__file__).read_bytes() + b"\0" + CAPABILITIES_FILE.read_bytes())
    except OSError:
        return None
    for name in sorted(sources):
        digest.update(b"\0" + name.encode() + b"\0" + sources[name].encode())
    return folder / f"{digest.hexdigest()}.capabilities-passed"


def _readable(segments: tuple[str, ...], packages: set[tuple[str, ...]]) -> bool:
    """Whether a `data` reference with these static segments stays inside a package of
    the set (or the catalogs)."""
    path = segments[1:]
    if path[:1] == (CATALOG_ROOT,):
        return True
    return any(path[: len(p)] == p for p in packages)


def _data_problem(segments: tuple[str, ...], dynamic: bool) -> str:
    written = ".".join(segments) + ("[...]" if dynamic else "")
    return (
        f"reads {written}, outside the packages of the policy set: a policy may read only "
        "data.<one of its set's packages>... and data.catalog"
    )


def _scan(
    m: _Module,
    packages: set[tuple[str, ...]],
    own_heads: set[str],
    allowed: frozenset[str],
) -> Iterable[tuple[str, int, int, str]]:
    lexer, toks = m.lexer, m.lexer.tokens
    after_as: set[int] = set()
    for i, t in enumerate(toks):
        if t.kind == "ident" and t.text == "with":
            # `with TARGET as VALUE`: remember where VALUE starts
            j = i + 1
            while j < len(toks) and not (toks[j].kind == "ident" and toks[j].text == "as"):
                j += 1
            after_as.add(lexer.next_index(j + 1))
    for i, t in enumerate(toks):
        if (
            t.kind != "ident"
            or i in m.statement_tokens
            or t.text in _KEYWORDS
            or lexer.continues(i)
        ):
            continue
        ref = lexer.ref(i)
        call = lexer.is_op(lexer.next_index(ref.end), "(")
        head = ref.segments[0]
        if len(ref.segments) > 1 and ref.name not in allowed and _known_builtin(ref.name):
            # whatever an import alias makes of it, never a built-in's name
            yield (m.name, t.line, t.col, _builtin_problem(ref.name, "calls" if call else "names"))
            continue
        target = ref.segments
        if head in m.imports and head not in ("data", "input"):
            target = m.imports[head] + ref.segments[1:]
        if target[0] == "data":
            if not _readable(target, packages):
                yield (m.name, t.line, t.col, _data_problem(ref.segments, ref.dynamic))
            continue
        if target[0] == "input":
            if call:
                yield (m.name, t.line, t.col, f"calls {ref.name}: input is not a function")
            continue
        if call or i in after_as:
            problem = _function_problem(ref, own_heads, allowed, call)
            if problem:
                yield (m.name, t.line, t.col, problem)


def _function_problem(
    ref: _Ref, own_heads: set[str], allowed: frozenset[str], call: bool
) -> str | None:
    name = ref.name
    if name in allowed or (call and name == "set" and len(ref.segments) == 1):
        return None
    verb = "calls" if call else "replaces with"
    if _known_builtin(name) or len(ref.segments) > 1:
        if len(ref.segments) > 1 and not _known_builtin(name):
            return (
                f"{verb} {name}, which is not on the built-in allow-list "
                f"({CAPABILITIES_FILE.name}) and is no function of the policy set (a "
                "function of another package is called through data.<package> or an import)"
            )
        return _builtin_problem(name, verb)
    if call and ref.segments[0] not in own_heads:
        return (
            f"calls {name}, which is neither a built-in on the allow-list nor a rule of its package"
        )
    return None


def _builtin_problem(name: str, verb: str) -> str:
    return (
        f"{verb} the built-in {name}, which is not on the allow-list "
        f"({CAPABILITIES_FILE.name}): policies have no network, environment, clock, "
        "randomness or output"
    )


@dataclass(frozen=True)
class Namespaced:
    """A module rewritten under a package prefix (see `namespaced`)."""

    source: str
    """The rewritten Rego source: same lines, references moved under the prefix."""
    shifts: tuple[tuple[int, int, int], ...]
    """`(line, column in the rewritten text, characters inserted there)`, for mapping
    positions an engine reports back to the original text."""

    def original_column(self, line: int, col: int) -> int:
        """The column in the original text of `(line, col)` in the rewritten one."""
        moved = sum(n for ln, at, n in self.shifts if ln == line and at < col)
        return max(1, col - moved)


def namespaced(source: str, prefix: str) -> Namespaced:
    """`source` with its package and every `data` reference moved under `prefix`
    (`package a.b` -> `package PREFIX.a.b`, `data.lib.x` -> `data.PREFIX.lib.x`).

    Sound only for a module that `check_policies` accepted: every `data` reference there is
    static and inside the set, so nothing escapes the prefix. Lines are unchanged.
    """
    lexer = _Lexer(source)
    toks = lexer.tokens
    inserts: list[tuple[int, str, int, int]] = []  # (offset, text, line, col)
    seen_package = False
    for i, t in enumerate(toks):
        if t.kind != "ident" or lexer.continues(i):
            continue
        if t.text == "package" and not seen_package:
            n = lexer.next_index(i + 1)
            if n < len(toks):
                inserts.append((toks[n].start, f"{prefix}.", toks[n].line, toks[n].col))
            seen_package = True
        elif t.text == "data":
            end = t.start + len(t.text)
            inserts.append((end, f".{prefix}", t.line, t.col + len(t.text)))
    out: list[str] = []
    last = 0
    shifts: list[tuple[int, int, int]] = []
    added_on_line: dict[int, int] = {}
    for offset, text, line, col in sorted(inserts):
        out.append(source[last:offset])
        out.append(text)
        last = offset
        before = added_on_line.get(line, 0)
        shifts.append((line, col + before, len(text)))
        added_on_line[line] = before + len(text)
    out.append(source[last:])
    return Namespaced("".join(out), tuple(shifts))
