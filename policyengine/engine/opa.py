"""The OPA engine: a real OPA server reached through opa-python-client.

It loads every module of a policy set into the server, or with `use_loaded` queries what
the server already holds (for example a bundle from `policyengine bundle build`), and
evaluates many models per round trip through the generated `policyengine.main.batch` rule.

A server may be shared by many runs (several repositories, several workers of one run).
Each engine loads its modules under a prefix of its own, `policyengine_run_<random>`: the
policy ids are `policyengine/<prefix>/<module>` and every package and `data` reference is
moved under `data.<prefix>` (`capabilities.namespaced`), so runs neither see, replace nor
delete each other's rules, and a policy cannot read another tenant's `data`. The engine
deletes its own modules, and only those, when it is closed.

Every request has a total deadline (`timeout`, seconds), not only a limit per read: a
server that trickles its answer is abandoned when the deadline passes. Credentials in the
URL are refused (use a token). Every opa_client and requests exception is turned into a
`PolicyError`, `EngineError` or `EngineUnavailable` here, with a tip; a failure never
yields a partial result.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import secrets
import socket
import weakref
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
from requests.adapters import HTTPAdapter

from ..bundle import check_digests
from ..capabilities import Namespaced, namespaced
from ..errors import EngineError, EngineUnavailable, PolicyError, UsageError
from ..policyset import AGGREGATOR_MODULE, AGGREGATOR_PACKAGE, PolicySet
from ..workers import Watchdog
from . import Engine, EngineOutput, json_problem

__all__ = ["OpaEngine", "POLICY_ID_PREFIX", "RUN_PREFIX"]

logger = logging.getLogger(__name__)

POLICY_ID_PREFIX = "policyengine/"
"""Prefix of the ids of the policies this engine puts into a server."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a request to OPA may take in all (`--opa-timeout`)."""
RUN_PREFIX = "policyengine_run_"
"""Start of each run's package prefix (and of its policy ids after `POLICY_ID_PREFIX`)."""
_TIP = "Tip: check the URL and that `opa run --server` is running there, or use --engine embedded."


class OpaEngine(Engine):
    """An OPA server over HTTP(S); one round trip per `batch_size` inputs."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        use_loaded: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        batch_size: int = 200,
    ) -> None:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            # NOTE: never echo the URL here: it holds a password.
            raise UsageError(
                "--opa-url must not carry credentials (user:password@host); give a bearer "
                "token with --opa-token or $POLICYENGINE_OPA_TOKEN instead"
            )
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--opa-url must look like http://HOST:PORT, got {url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UsageError(f"--opa-url has a bad port: {url!r}") from None
        self.url = url.rstrip("/")
        self.use_loaded = use_loaded
        self.batch_size = max(1, batch_size)
        self._timeout = timeout
        self._client = OpaClient(
            host=parts.hostname,
            port=port,
            ssl=parts.scheme == "https",
            token=token or None,
            timeout=timeout,
            retries=1,
        )
        # NOTE: opa-python-client offers no total deadline (requests' timeout is per read);
        # its session gets an adapter that keeps its retries and adds one.
        session = self._client._session
        retries = session.get_adapter(f"{parts.scheme}://").max_retries
        adapter = _DeadlineAdapter(timeout, max_retries=retries)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        path = parts.path.rstrip("/")
        if path:  # OPA behind a reverse proxy under a path
            self._client.root_url = f"{parts.scheme}://{parts.hostname}:{port}{path}/v1"
        self._loaded: str | None = None
        self._run = RUN_PREFIX + secrets.token_hex(8)
        self._ids: set[str] = set()
        self._rewritten: dict[str, Namespaced] = {}

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
        except requests.exceptions.Timeout as exc:
            # before ConnectionError: a connect timeout is both, and it is a server that
            # does not answer, not one that refuses
            raise EngineUnavailable(
                f"OPA at {self.url}: no answer in {self._timeout:g} s to {what} "
                "(--opa-timeout). Tip: check that the server is not stuck or overloaded, "
                "or give it longer with --opa-timeout SECONDS."
            ) from exc
        except (requests.exceptions.ConnectionError, ConnectionsError) as exc:
            if isinstance(exc.__context__, requests.exceptions.Timeout):
                raise EngineUnavailable(
                    f"OPA at {self.url}: no answer in {self._timeout:g} s to {what} "
                    "(--opa-timeout). Tip: check that the server is not stuck or overloaded, "
                    "or give it longer with --opa-timeout SECONDS."
                ) from exc
            if _dropped(exc):
                raise EngineUnavailable(
                    f"OPA at {self.url} closed the connection without answering {what}: the "
                    "server stopped or restarted (a policy that takes more memory than the "
                    "server may use ends it: see Budgets in the README's Engines section)"
                ) from exc
            raise EngineUnavailable(
                f"cannot connect to OPA at {self.url} ({what}). {_TIP}"
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise EngineUnavailable(f"OPA at {self.url} failed ({what}): {exc}. {_TIP}") from exc
        except (ValueError, KeyError, DeletePolicyError) as exc:
            raise EngineError(
                f"OPA at {self.url} gave an unexpected answer to {what}: {exc}"
            ) from exc

    # --- loading ----------------------------------------------------------------------

    @property
    def run_prefix(self) -> str:
        """The package prefix of this engine's modules (`policyengine_run_<16 hex>`)."""
        return self._run

    def _id_prefix(self) -> str:
        return f"{POLICY_ID_PREFIX}{self._run}/"

    def load(self, policy_set: PolicySet) -> None:
        """Put every module of `policy_set` (and the aggregator) into the server, under
        this engine's run prefix.

        Policies this engine put there earlier that are not in the set are deleted;
        nobody else's are touched. Modules go in dependency order (a module that calls a
        function of one not yet loaded is retried); `PolicyError` names file:row:col of
        what OPA rejects.
        """
        modules = {**policy_set.modules, AGGREGATOR_MODULE: policy_set.aggregator(batch=True)}
        self._rewritten = {name: namespaced(src, self._run) for name, src in modules.items()}
        mine = self._id_prefix()
        wanted = {mine + name: self._rewritten[name].source for name in modules}
        with self._talking("a policy list request"):
            current = self._client.get_policies_list()
        self._delete_stale(sorted(p for p in current if p.startswith(mine) and p not in wanted))
        self._ids = {p for p in current if p.startswith(mine)}
        pending = dict(wanted)
        while pending:
            failed: dict[str, RegoParseError] = {}
            for pid, src in pending.items():
                try:
                    with self._talking(f"loading policy {pid}"):
                        self._client.update_policy_from_string(src, pid, rego_compat=False)
                    self._ids.add(pid)
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
                    self._ids.discard(pid)
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
                name = str(loc.get("file") or pid).removeprefix(self._id_prefix())
                row, col = int(loc.get("row", 0) or 0), int(loc.get("col", 0) or 0)
                if name in self._rewritten:
                    col = self._rewritten[name].original_column(row, col)
                where = f"{policy_set.file_of(name)}:{row}:{col}"
                msg = str(err.get("message", "")).replace(f"{self._run}.", "")
                waiting = "undefined function" in msg or "undefined ref" in msg
                lines.append((waiting, f"{where}: {err.get('code', 'error')}: {msg}"))
        real = [text for waiting, text in lines if not waiting]
        shown = real or [text for _, text in lines]
        return f"OPA at {self.url} rejected the policies: " + "; ".join(shown)

    # --- evaluation -------------------------------------------------------------------

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order, `batch_size` inputs per HTTP request.

        With `use_loaded`, the server's bundle must be `policy_set` (see `verify_loaded`).
        """
        if self._loaded != policy_set.digest:
            if self.use_loaded:
                self.verify_loaded(policy_set)
            else:
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
            package = AGGREGATOR_PACKAGE if self.use_loaded else f"{self._run}.{AGGREGATOR_PACKAGE}"
            with self._talking("a batch query"):
                answer = self._client.query_rule({"batch": payload}, package, "batch")
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

    def verify_loaded(self, policy_set: PolicySet) -> None:
        """Check that the server holds `policy_set`, by the `.manifest` of its bundle (from
        `policyengine bundle build`): EngineError naming every check that is missing,
        extra or different, or the bundle's absence. Without it, a bundle built from
        another set would silently drop or change checks."""
        with self._talking("a bundle list request"):
            # NOTE: not OpaClient.get_data, which reads the body as JSON before the status
            response = self._client._session.get(
                f"{self._client.root_url}/data/system/bundles", timeout=self._timeout
            )
            response.raise_for_status()
            answer = response.json()
        bundles = answer.get("result") if isinstance(answer, dict) else None
        ours: list[tuple[str, Mapping[str, Any]]] = []
        for name, bundle in sorted((bundles or {}).items()):
            manifest = bundle.get("manifest") if isinstance(bundle, dict) else None
            meta = manifest.get("metadata") if isinstance(manifest, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("policyengine_checks"), dict):
                ours.append((str(name), meta))
        rebuild = (
            "rebuild it from this repository (`policyengine bundle build --out FILE`, "
            "then `opa run --server --bundle FILE`), or drop --opa-use-loaded"
        )
        if not ours:
            raise EngineError(
                f"OPA at {self.url} holds no bundle from `policyengine bundle build` (the "
                "server holds no policyengine policies, or they came without the bundle "
                "manifest that names their checks), so what it evaluates cannot be "
                f"compared with the repository's policy set: {rebuild}"
            )
        if len(ours) > 1:
            names = ", ".join(name for name, _ in ours)
            raise EngineError(f"OPA at {self.url} holds several policyengine bundles: {names}")
        name, meta = ours[0]
        if meta.get("policyengine_digest") == policy_set.digest:
            return
        theirs = {str(k): str(v) for k, v in meta["policyengine_checks"].items()}
        wanted = check_digests(policy_set)
        missing = sorted(set(wanted) - set(theirs))
        extra = sorted(set(theirs) - set(wanted))
        changed = sorted(c for c in wanted if c in theirs and theirs[c] != wanted[c])
        parts = []
        if missing:
            parts.append(f"lacks {', '.join(missing)}")
        if extra:
            parts.append(f"has {', '.join(extra)}, which the repository's policy set does not")
        if changed:
            parts.append(f"has another version of {', '.join(changed)}")
        if not parts:
            parts.append("has the same checks but other shared modules (lib, aggregator)")
        raise EngineError(
            f"OPA at {self.url}: its bundle {name} is not the policy set this repository's "
            f"config names: it {'; it '.join(parts)}; {rebuild}"
        )

    def close(self) -> None:
        """Delete the modules this engine loaded (only those), then close the HTTP session.

        A server that cannot be reached any more keeps them: the failure is logged, not
        raised, since the run's result is already known.
        """
        try:
            if self._ids:
                self._delete_stale(sorted(self._ids))
        except EngineError as exc:
            logger.warning("could not remove this run's policies from OPA: %s", exc)
        finally:
            self._loaded = None
            self._client.close_connection()


def _dropped(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) is a connection the server closed or reset after
    taking the request, rather than one it never accepted."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ConnectionResetError | http.client.RemoteDisconnected):
            return True
        if any(isinstance(a, BaseException) and _dropped(a) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose every request has a total deadline, retries included.

    requests' own timeout limits each read, so a server that sends a byte every half
    second never times out. Here a timer shuts the connection's socket when the deadline
    passes, which ends the blocked read at once; the request then raises `Timeout`.
    """

    def __init__(self, deadline: float, max_retries: Any) -> None:
        self._deadline = deadline
        self._conns: weakref.WeakSet[Any] = weakref.WeakSet()
        super().__init__(max_retries=max_retries)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        conns = self._conns

        def tracked(base: Any) -> Any:
            class Tracked(base):  # type: ignore[misc]
                def _new_conn(self) -> Any:
                    conn = super()._new_conn()
                    conns.add(conn)
                    return conn

            return Tracked

        classes = self.poolmanager.pool_classes_by_scheme
        self.poolmanager.pool_classes_by_scheme = {k: tracked(v) for k, v in classes.items()}

    def _abort(self) -> None:
        """Past the deadline: shut every socket of this adapter (called again and again
        until the request returns, so that a retry on a new connection ends as quickly)."""
        for conn in list(self._conns):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        watchdog = Watchdog(self._deadline, self._abort)
        late = requests.exceptions.Timeout(
            f"no complete answer within the deadline of {self._deadline:g} s"
        )
        try:
            response = super().send(request, *args, **kwargs)
            if not kwargs.get("stream"):
                _ = response.content  # the body too is read within the deadline
        except requests.exceptions.RequestException as exc:
            if watchdog.stop():
                raise late from exc
            raise
        if watchdog.stop():
            raise late
        return response


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
