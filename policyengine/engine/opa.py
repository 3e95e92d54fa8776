"""The OPA engine: a real OPA server reached through opa-python-client.

It loads every module of a policy set into the server (`PUT /v1/policies/{id}`, ids
prefixed `policyengine/`), or with `use_loaded` queries what the server already holds
(for example a bundle from `policyengine bundle build`), and evaluates many models per
round trip through the generated `policyengine.main.batch` rule. Every opa_client and
requests exception is turned into a `PolicyError`, `EngineError` or `EngineUnavailable`
here, with a tip; a failure never yields a partial result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from opa_client.errors import (
    ConnectionsError,
    DeletePolicyError,
    RegoParseError,
)
from opa_client.opa import OpaClient

from ..errors import EngineError, EngineUnavailable, PolicyError, UsageError
from ..policyset import AGGREGATOR_MODULE, AGGREGATOR_PACKAGE, PolicySet
from . import Engine, EngineOutput, json_problem

__all__ = ["OpaEngine", "POLICY_ID_PREFIX"]

POLICY_ID_PREFIX = "policyengine/"
"""Prefix of the ids of the policies this engine puts into a server."""
_TIP = "Tip: check the URL and that `opa run --server` is running there, or use --engine embedded."


class OpaEngine(Engine):
    """An OPA server over HTTP(S); one round trip per `batch_size` inputs."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        use_loaded: bool = False,
        timeout: float = 30.0,
        batch_size: int = 200,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--opa-url must look like http://HOST:PORT, got {url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UsageError(f"--opa-url has a bad port: {url!r}") from None
        self.url = url.rstrip("/")
        self.use_loaded = use_loaded
        self.batch_size = max(1, batch_size)
        self._client = OpaClient(
            host=parts.hostname,
            port=port,
            ssl=parts.scheme == "https",
            token=token or None,
            timeout=timeout,
            retries=1,
        )
        prefix = parts.path.rstrip("/")
        if prefix:  # OPA behind a reverse proxy under a path
            self._client.root_url = f"{parts.scheme}://{parts.hostname}:{port}{prefix}/v1"
        self._loaded: str | None = None

    # --- error boundary -------------------------------------------------------------

    @contextmanager
    def _talking(self, what: str) -> Iterator[None]:
        try:
            yield
        except RegoParseError:
            raise
        except requests.exceptions.HTTPError as exc:
            resp = exc.response
            status = resp.status_code if resp is not None else 0
            body = _body(resp)
            raise EngineUnavailable(
                f"OPA at {self.url} answered HTTP {status} to {what}: {body} {_TIP}"
            ) from exc
        except (requests.exceptions.ConnectionError, ConnectionsError) as exc:
            raise EngineUnavailable(
                f"cannot connect to OPA at {self.url} ({what}). {_TIP}"
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise EngineUnavailable(f"OPA at {self.url} timed out ({what}). {_TIP}") from exc
        except requests.exceptions.RequestException as exc:
            raise EngineUnavailable(f"OPA at {self.url} failed ({what}): {exc}. {_TIP}") from exc
        except (ValueError, KeyError, DeletePolicyError) as exc:
            raise EngineError(
                f"OPA at {self.url} gave an unexpected answer to {what}: {exc}"
            ) from exc

    # --- loading ----------------------------------------------------------------------

    def load(self, policy_set: PolicySet) -> None:
        """Put every module of `policy_set` (and the aggregator) into the server.

        Policies this engine put there earlier that are not in the set are deleted.
        Modules go in dependency order (a module that calls a function of one not yet
        loaded is retried); `PolicyError` names file:row:col of what OPA rejects.
        """
        modules = {**policy_set.modules, AGGREGATOR_MODULE: policy_set.aggregator(batch=True)}
        wanted = {POLICY_ID_PREFIX + name: src for name, src in modules.items()}
        with self._talking("a policy list request"):
            current = self._client.get_policies_list()
        self._delete_stale(
            sorted(p for p in current if p.startswith(POLICY_ID_PREFIX) and p not in wanted)
        )
        pending = dict(wanted)
        while pending:
            failed: dict[str, RegoParseError] = {}
            for pid, src in pending.items():
                try:
                    with self._talking(f"loading policy {pid}"):
                        self._client.update_policy_from_string(src, pid, rego_compat=False)
                except RegoParseError as exc:
                    if not exc.errors:  # not a compile error: 401, 403, 500 with a JSON body
                        raise EngineUnavailable(
                            f"OPA at {self.url} refused policy {pid}: {exc.expression}: "
                            f"{exc.message}. Tip: check --opa-token and the server's "
                            "authorization policy, or use --opa-use-loaded."
                        ) from exc
                    failed[pid] = exc
            if len(failed) == len(pending):
                raise PolicyError(self._rejected(failed, policy_set))
            pending = {pid: wanted[pid] for pid in failed}

    def _delete_stale(self, stale: list[str]) -> None:
        """Delete modules of an earlier set, in rounds: OPA refuses to delete a module that
        another stale module still calls, so dependents go first."""
        while stale:
            kept: list[str] = []
            for pid in stale:
                try:
                    with self._talking(f"deleting stale policy {pid}"):
                        self._client.delete_policy(pid)
                except EngineError:
                    kept.append(pid)
            if len(kept) == len(stale):
                raise EngineError(
                    f"OPA at {self.url} refused to delete the stale policies {', '.join(kept)}; "
                    "delete them by hand (DELETE /v1/policies/ID) or restart the server"
                )
            stale = kept

    def _rejected(self, failed: Mapping[str, RegoParseError], policy_set: PolicySet) -> str:
        lines: list[tuple[bool, str]] = []
        for pid, exc in sorted(failed.items()):
            errors = exc.errors or [{"message": exc.message}]
            for err in errors:
                loc = err.get("location") or {}
                name = str(loc.get("file") or pid).removeprefix(POLICY_ID_PREFIX)
                where = f"{policy_set.file_of(name)}:{loc.get('row', 0)}:{loc.get('col', 0)}"
                msg = str(err.get("message", ""))
                waiting = "undefined function" in msg or "undefined ref" in msg
                lines.append((waiting, f"{where}: {err.get('code', 'error')}: {msg}"))
        real = [text for waiting, text in lines if not waiting]
        shown = real or [text for _, text in lines]
        return f"OPA at {self.url} rejected the policies: " + "; ".join(shown)

    # --- evaluation -------------------------------------------------------------------

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order, `batch_size` inputs per HTTP request."""
        if not self.use_loaded and self._loaded != policy_set.digest:
            self.load(policy_set)
            self._loaded = policy_set.digest
        outputs: list[EngineOutput] = []
        for start in range(0, len(inputs), self.batch_size):
            chunk = inputs[start : start + self.batch_size]
            for value in chunk:  # refused here, not as a half-sent batch
                problem = json_problem(value)
                if problem is not None:
                    raise EngineError(f"policy input is not JSON: {problem}")
            payload = list(chunk)
            with self._talking("a batch query"):
                answer = self._client.query_rule({"batch": payload}, AGGREGATOR_PACKAGE, "batch")
            results = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(results, list) or len(results) != len(chunk):
                hint = (
                    "the server holds no policyengine policies: load a bundle from "
                    "`policyengine bundle build` or drop --opa-use-loaded"
                    if self.use_loaded
                    else "a policy package defines deny or not_applicable as a non-set"
                )
                raise EngineError(
                    f"OPA at {self.url}: data.{AGGREGATOR_PACKAGE}.batch is undefined ({hint})"
                )
            try:
                outputs.extend(EngineOutput.from_json(r) for r in results)
            except EngineError as exc:
                if not self.use_loaded:
                    raise
                raise EngineError(
                    f"OPA at {self.url}: {exc} (was its bundle built by another version of "
                    "policyengine? rebuild it with `policyengine bundle build`)"
                ) from None
        return outputs

    def close(self) -> None:
        """Close the HTTP session."""
        self._client.close_connection()


def _body(resp: requests.Response | None) -> str:
    if resp is None:
        return ""
    try:
        data = resp.json()
    except ValueError:
        text = resp.text.strip()
        return text[:200]
    if isinstance(data, dict) and "message" in data:
        return str(data.get("message"))[:300]
    return json.dumps(data)[:300]
