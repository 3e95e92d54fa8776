"""The tool's own exception types, each with a message a user can act on.

Problems in a user's threat models are data (`results.Diagnostic`), not exceptions.
These exceptions are failures of the tool to do its job: a bad config, a policy that
does not compile, an unreachable engine, a worker process that died, a git failure. A
broken invariant (a bug) is not one of them: it stays a plain exception, which `cli.main`
reports as an internal error. `cli.main` prints
`diagnostics()` and exits with status 2; no third-party exception leaves the module
that called the library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # results.py pulls in dataclasses; `--version` should not pay for it
    from .results import Diagnostic


class PolicyEngineError(Exception):
    """Base of every error the CLI reports as `policyengine: error: ...` with exit 2."""

    def diagnostics(self) -> str:
        """The message shown to the user: what failed, and what to try next."""
        return str(self)


class UsageError(PolicyEngineError):
    """Bad arguments that argparse could not catch (a path outside the repository, ...)."""


class ConfigError(PolicyEngineError):
    """`.policyengine.yaml` is unreadable or invalid (names the key and line)."""


class PolicyError(PolicyEngineError):
    """A Rego policy or its METADATA does not parse or compile (names the file and line)."""


class EngineError(PolicyEngineError):
    """The Rego engine failed to evaluate (an `<error>` output, an undefined result, ...)."""


class BudgetExceeded(EngineError):
    """One model's evaluation went over its time or memory budget (`budget.Budget`)."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached (OPA connection refused, timeout, HTTP 4xx/5xx)."""


class GitError(PolicyEngineError):
    """A git operation failed (not a repository, unknown ref, ...)."""


class WorkerError(PolicyEngineError):
    """A worker process died (killed, out of memory, a crash in a native library) or
    could not take its work, so the run kept no results."""


class EvidenceError(PolicyEngineError):
    """An evidence pack cannot be made or read: the folder exists (and no `--force`),
    model files have uncommitted changes (and no `--allow-dirty`), the signing key is not
    an Ed25519 key, a pack has no readable manifest."""


class CatalogError(PolicyEngineError):
    """A catalog (ATLAS, controls) is missing, unreadable or in an unknown format."""


class InvalidDocument(Exception):
    """A file could not be loaded as a YAML document: carries the located diagnostic.

    The loader's only exception type. Callers turn it into data (a `Diagnostic` on the
    model's report) and go on with the other files.
    """

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.render())
        self.diagnostic = diagnostic
        """Where and what: file, line, column, message."""
