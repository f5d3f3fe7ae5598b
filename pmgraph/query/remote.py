"""Run a query on a remote SPARQL endpoint (SPARQLWrapper), parameters bound as VALUES.

Every request is bounded as a whole: one deadline (``timeout`` seconds) covers connecting,
waiting for the server, reading the answer, and any retries, so a server that sends one byte
a second is stopped at the limit like one that never answers. Answers are checked before
they become rows: HTML, broken JSON or JSON of the wrong shape is an :class:`EndpointError`
naming the endpoint and showing what came back, never an empty result.

Every request, a query as much as a Graph Store upload or an update, goes through one loop
(:func:`_exchange`): the same deadline, retries of busy answers, login and error messages.

Credentials (HTTP basic auth; digest auth when the server asks for it, as Virtuoso's
``/sparql-graph-crud-auth`` and ``/sparql-auth`` do) come from the caller, from
``user:password@`` in the URL, or from ``~/.netrc`` (``$NETRC``) for the endpoint's host.
Messages and log lines show the URL with its password replaced by ``***``.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import http.client
import json
import logging
import math
import netrc
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse, urlunparse

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier
from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper

from pmgraph.errors import EndpointError, ParameterError, QueryError, QueryTimeoutError
from pmgraph.graph.load import plain_literal
from pmgraph.query.library import QueryResult
from pmgraph.query.sparql import check_query_limits, query_form, where_group_start

log = logging.getLogger(__name__)

#: Seconds a whole request may take unless the caller says otherwise (``--timeout``).
DEFAULT_TIMEOUT = 60.0
#: Seconds to wait for the TCP connection (less if the deadline is nearer).
CONNECT_TIMEOUT = 30.0
#: Statuses that mean "busy, try again": retried at most MAX_RETRIES times, within the deadline.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRIES = 3
#: Longest wait between attempts, whatever Retry-After asks for.
MAX_RETRY_WAIT = 60.0

_JSON_TYPES = ("application/sparql-results+json", "application/json",
               "text/javascript", "application/javascript")
_RDF_TYPES = {"text/turtle": "turtle", "application/turtle": "turtle",
              "application/x-turtle": "turtle", "application/n-triples": "nt",
              "text/plain": "nt", "text/n3": "n3", "text/rdf+n3": "n3", "application/n3": "n3",
              "application/rdf+xml": "xml"}
_TERM_TYPES = ("uri", "literal", "typed-literal", "bnode")


@dataclass(frozen=True)
class Credentials:
    """A user and password for HTTP basic auth, and where they came from (for messages)."""

    user: str
    password: str = field(repr=False)
    source: str = "the caller"


# --------------------------------------------------------------------------- URLs


def redact(url: str) -> str:
    """``url`` safe to print: ``user:***@`` for a user and password, ``***@`` for userinfo
    without a password (some services take a token as the user name)."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return "(a URL that cannot be parsed)"
    if "@" not in parsed.netloc:
        return url
    userinfo, _, hostport = parsed.netloc.rpartition("@")
    user, sep, _ = userinfo.partition(":")
    masked = f"{user}:***" if sep else "***"
    return urlunparse(parsed._replace(netloc=f"{masked}@{hostport}"))


def _without_userinfo(url: str) -> tuple[str, Credentials | None]:
    """``url`` without ``user:password@``, and those credentials (None if there are none)."""
    parsed = urlparse(url)
    if "@" not in parsed.netloc:
        return url, None
    userinfo, _, hostport = parsed.netloc.rpartition("@")
    clean = urlunparse(parsed._replace(netloc=hostport))
    user, sep, password = userinfo.partition(":")
    if not sep:
        return clean, None  # a user with no password: nothing to send
    return clean, Credentials(unquote(user), unquote(password), "the user:password in the URL")


def check_endpoint(endpoint: str) -> str:
    """``endpoint`` if it is an http(s) URL; raises :class:`ParameterError` otherwise."""
    try:
        parsed = urlparse(endpoint)
        parsed.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ParameterError(f"--endpoint {redact(endpoint)!r} is not a valid URL ({exc}); "
                             "give the query URL, e.g. http://127.0.0.1:7878/query") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ParameterError(
            f"--endpoint {redact(endpoint)!r} is not an http(s) URL; "
            "give the query URL, e.g. http://127.0.0.1:7878/query"
        )
    return endpoint


# --------------------------------------------------------------------------- credentials


def netrc_credentials(host: str) -> Credentials | None:
    """The login for ``host`` in ``$NETRC`` or ``~/.netrc`` (None if there is none).

    An unreadable or malformed file is logged and skipped: it names no password.
    """
    given = os.environ.get("NETRC")
    path = Path(given) if given else Path.home() / ".netrc"
    if not path.is_file():
        return None
    try:
        # With no file named, the netrc module also refuses a ~/.netrc others can read.
        entries = netrc.netrc(str(path) if given else None)
    except netrc.NetrcParseError as exc:
        # The parser's message can quote a token of the file, perhaps a password: only the line.
        log.warning("ignoring %s: not a usable netrc file (line %s)", path, exc.lineno)
        return None
    except OSError as exc:
        log.warning("ignoring %s: cannot be read (%s)", path, exc.strerror or exc)
        return None
    found = entries.authenticators(host)
    if not found or not found[0] or found[2] is None:
        return None
    shown = "$NETRC" if given else "~/.netrc"
    return Credentials(found[0], found[2], f"{shown} ({path}) for {host}")


def credentials_from_options(
    endpoint: str, user: str | None, password_env: str | None
) -> Credentials | None:
    """Credentials from ``--user USER --password-env VAR`` (None if neither is given)."""
    if user is None and password_env is None:
        return None
    if user is None or password_env is None:
        given, missing = ("--user", "--password-env VAR") if user else (
            "--password-env", "--user USER")
        raise ParameterError(f"{given} needs {missing}: the password is read from the "
                             "environment variable VAR, never from the command line")
    if _without_userinfo(endpoint)[1] is not None:
        raise ParameterError("--user and a user:password in --endpoint exclude each other; "
                             "give the credentials once")
    password = os.environ.get(password_env)
    if not password:
        raise ParameterError(f"--password-env {password_env}: that environment variable is "
                             f"not set or empty; set it to the password of {user}")
    return Credentials(user, password, f"--user {user} with --password-env {password_env}")


# --------------------------------------------------------------------------- transport


class _Deadline:
    """One time limit for a whole request: at the limit, the sockets it watches are shut."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.expired = False
        self._end = None if seconds is None else time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        if seconds is not None:
            self._timer = threading.Timer(seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # shutdown() wakes a read blocked in another thread; the plain socket method also works
    # under TLS (SSLSocket.shutdown would tear down its TLS state first).
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


@dataclass
class _Attempt:
    """What one HTTP attempt got to: connected, answer headers, bytes of the body."""

    deadline: _Deadline
    connected: bool = False
    status: int | None = None
    received: int = 0


class _WatchedConnection:
    """An http.client connection whose socket the deadline watches (a mixin)."""

    def __init__(self, *args: Any, attempt: _Attempt, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._attempt = attempt

    def connect(self) -> None:
        remaining = self._attempt.deadline.remaining()
        self.timeout = CONNECT_TIMEOUT if remaining is None else min(CONNECT_TIMEOUT, remaining)
        super().connect()  # type: ignore[misc]
        self._attempt.connected = True
        # The deadline ends the request; a socket timeout is only a backstop behind it.
        remaining = self._attempt.deadline.remaining()
        self.sock.settimeout(None if remaining is None else remaining + 1.0)
        self._attempt.deadline.watch(self.sock)


class _HTTPConnection(_WatchedConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, attempt: _Attempt) -> None:
        super().__init__()
        self._attempt = attempt

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_HTTPConnection, attempt=self._attempt), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, attempt: _Attempt) -> None:
        super().__init__()
        self._attempt = attempt

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_HTTPSConnection, attempt=self._attempt), req,
                            context=self._context)


class _RedirectRefused(Exception):
    def __init__(self, target: str, code: int, why: str) -> None:
        super().__init__(target)
        self.target, self.code, self.why = target, code, why


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows http(s) redirects only, keeps the POSTed query on 307/308, and drops the login
    when the redirect leaves the endpoint's origin (scheme, host, port)."""

    def http_error_302(self, req, fp, code, msg, headers):  # noqa: ANN001, ANN201
        location = headers.get("Location") or headers.get("URI")
        if location:
            target = urllib.parse.urljoin(req.full_url, location)
            if urlparse(target).scheme not in ("http", "https"):
                raise _RedirectRefused(target, code, "pmgraph follows only http(s) redirects")
            if req.get_method() == "POST" and code in (301, 302, 303):
                raise _RedirectRefused(target, code, "which would drop the query; give that URL "
                                       "as --endpoint")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        if req.get_method() == "POST" and code in (307, 308):
            new = urllib.request.Request(newurl, data=req.data, headers=dict(req.header_items()),
                                         origin_req_host=req.origin_req_host, unverifiable=True,
                                         method="POST")
        else:
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
        source, target = urlparse(req.full_url), urlparse(newurl)
        if new is not None and (source.scheme, source.hostname, source.port) != (
            target.scheme, target.hostname, target.port
        ):
            new.remove_header("Authorization")
        return new


def _opener(attempt: _Attempt) -> urllib.request.OpenerDirector:
    """http(s) only (no ftp:, file: or data:), the proxy settings of the environment."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(),
        _HTTPHandler(attempt), _HTTPSHandler(attempt), urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(), urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


# --------------------------------------------------------------------------- messages


def _safe(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with every unprintable character escaped."""
    cut = text[:limit]
    shown = "".join(
        ch if ch.isprintable() and ch != "\\" else ch.encode("unicode_escape").decode("ascii")
        for ch in cut
    )
    return shown + ("…" if len(text) > limit else "")


def _preview(body: bytes, limit: int = 60) -> str:
    """The first bytes of an answer, quoted and safe to print on a terminal."""
    if not body:
        return "an empty body"
    return "'" + _safe(body.decode("utf-8", errors="replace"), limit) + "'"


def _first_line(body: bytes, limit: int = 200) -> str:
    for line in body.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            return _safe(line.strip(), limit)
    return ""


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _status(code: int, reason: str, body: bytes) -> str:
    first = _first_line(body)
    return f"HTTP {code} {_safe(reason, 60)}".rstrip() + (f": {first}" if first else "")


def _retry_wait(headers: Mapping[str, str] | None, attempt: int) -> float:
    """Seconds to wait before the next attempt: Retry-After if given, else 1, 2, 4 s…"""
    value = (headers or {}).get("Retry-After", "")
    value = value.strip() if isinstance(value, str) else ""
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - time.time())
    return float(2 ** attempt)


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class Response:
    """The status, headers and body of an answer (of a query, or of a request made by
    :func:`send`)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers or {}).get("Content-Type", "") or ""


@dataclass(frozen=True)
class _Request:
    url: str  # without userinfo
    shown: str  # redacted, for messages
    name: str
    credentials: Credentials | None
    timeout: float | None
    #: How messages name the URL: "SPARQL endpoint <URL>" for queries, the URL for others.
    subject: str = ""

    @property
    def who(self) -> str:
        return self.subject or f"SPARQL endpoint {self.shown}"

    def timed_out(self, attempt: _Attempt) -> QueryTimeoutError:
        limit = f"{self.timeout:g} s (--timeout)"
        advice = ("the query may be too slow for this server: narrow it, or raise --timeout "
                  "(0: no limit)")
        if attempt.status is None:
            return QueryTimeoutError(f"SPARQL endpoint {self.shown} was reached but did not "
                                     f"answer {self.name} within {limit}; {advice}")
        return QueryTimeoutError(
            f"SPARQL endpoint {self.shown} began answering {self.name} but did not finish "
            f"within {limit} ({attempt.received} bytes received); {advice}"
        )

    def unreachable(self, reason: object) -> EndpointError:
        return EndpointError(f"cannot reach {self.who} "
                             f"({_safe(str(reason), 120)}); "
                             "check the URL and that the server is running")

    def refused(
        self, code: int, reason: str, body: bytes, attempts: int
    ) -> EndpointError | QueryError:
        status = _status(code, reason, body)
        if code == 400:
            return QueryError(f"{self.name}: SPARQL endpoint {self.shown} rejected the query "
                              f"({status}); check the query's syntax")
        if code in (401, 403):
            tried = (f"credentials tried: {self.credentials.source}" if self.credentials
                     else "no credentials were sent; give --user USER --password-env VAR, "
                     "a ~/.netrc entry for the host, or user:password@ in the URL")
            refused = "the login" if code == 401 else "access"
            return EndpointError(f"SPARQL endpoint {self.shown} refused {refused} "
                                 f"({status}); {tried}")
        if code == 404:
            return EndpointError(f"SPARQL endpoint {self.shown} does not exist ({status}); "
                                 "check the URL (e.g. Oxigraph answers at /query)")
        if code in RETRY_STATUSES:
            tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
            return EndpointError(f"SPARQL endpoint {self.shown} is busy or unavailable "
                                 f"({status}) after {tries}; try again later")
        return EndpointError(f"SPARQL endpoint {self.shown} refused {self.name} ({status})")


def _read_body(response: http.client.HTTPResponse, attempt: _Attempt) -> bytes:
    chunks = []
    while chunk := response.read(65536):
        chunks.append(chunk)
        attempt.received += len(chunk)
    if response.length:  # read(n) ends quietly where a Content-Length promised more
        raise http.client.IncompleteRead(b"".join(chunks), response.length)
    return b"".join(chunks)


def _exchange(
    request: _Request,
    build: Callable[[], urllib.request.Request],
    *,
    rewind: Callable[[], None] | None = None,
    can_resend: bool = True,
    raise_for_status: bool = False,
) -> Response:
    """The one request loop of every remote call (queries, Graph Store uploads, updates):
    send the request ``build`` makes and read the whole answer, all before the deadline
    (``request.timeout`` seconds for the whole exchange, retries included).

    - A busy answer (429/502/503/504) is sent again at most MAX_RETRIES times, after its
      Retry-After or 1, 2, 4 s, while the wait is within MAX_RETRY_WAIT and the deadline.
    - With credentials, HTTP basic auth first; an HTTP digest challenge is answered (at most
      twice: a remembered nonce may be stale) and remembered for the URL, so that the next
      request answers it at once (a server that asks mid-upload closes the connection before
      its 401 can be read). A request refused with a bare 401 (Virtuoso's answer to a basic
      login on a digest URL) is sent once more without a login, to learn the scheme; a push
      asks with a ``HEAD`` first, so that no large body is sent for that.
    - ``rewind`` puts a file body back at its start before each attempt; a body that cannot
      be sent again (``can_resend`` False) is neither retried nor re-authenticated.
    - A network failure or the deadline raises the error a user should see. An HTTP status
      from 400 up raises too with ``raise_for_status`` (queries); otherwise it is returned
      for the caller to explain.
    """
    credentials = request.credentials
    key = request.url.split("?", 1)[0]
    authorization = None
    if credentials is not None:
        authorization = _basic_authorization(credentials)
        known = _DIGEST_CHALLENGES.get(key)
        if known is not None:
            authorization = _digest_authorization(known, build(), credentials) or authorization
    deadline = _Deadline(request.timeout)
    retries = digests = 0
    try:
        while True:
            attempt = _Attempt(deadline)
            if rewind is not None:
                rewind()
            http_request = build()
            if authorization is None:
                http_request.remove_header("Authorization")
            else:
                http_request.add_header("Authorization", authorization)
            try:
                with _opener(attempt).open(http_request) as answer:
                    attempt.status = answer.status
                    body = _read_body(answer, attempt)
                if deadline.expired:
                    raise request.timed_out(attempt)
                return Response(answer.status, answer.headers, body)
            except urllib.error.HTTPError as exc:
                attempt.status = exc.code
                body = _error_body(exc)
                if deadline.expired:
                    raise request.timed_out(attempt) from None
                challenge = (exc.headers or {}).get("WWW-Authenticate", "")
                if exc.code == 401 and credentials is not None and can_resend:
                    if challenge.lower().startswith("digest "):
                        _DIGEST_CHALLENGES[key] = challenge
                        digest = _digest_authorization(challenge, http_request, credentials)
                        if digest is not None and digests < 2:
                            authorization = digest
                            digests += 1
                            log.info("%s asks for digest auth; answering as %s", request.shown,
                                     credentials.user)
                            continue
                    elif not challenge and (authorization or "").startswith("Basic "):
                        # Virtuoso answers a basic login on a digest URL with a bare 401;
                        # asked without a login, it names the scheme it wants.
                        authorization = None
                        continue
                if exc.code in RETRY_STATUSES and can_resend and retries < MAX_RETRIES:
                    wait = _retry_wait(exc.headers, retries)
                    remaining = deadline.remaining()
                    if wait <= MAX_RETRY_WAIT and (remaining is None or wait < remaining):
                        retries += 1
                        log.info("%s answered HTTP %s; retrying in %.1f s (attempt %d of %d)",
                                 request.shown, exc.code, wait, retries + 1, MAX_RETRIES + 1)
                        time.sleep(wait)
                        continue
                    if raise_for_status:
                        left = "" if remaining is None else f"; {remaining:.0f} s of --timeout left"
                        raise EndpointError(
                            f"{request.who} is busy ({_status(exc.code, exc.reason, body)}) and "
                            f"asks to wait {wait:.0f} s{left}; try again later"
                        ) from None
                if raise_for_status:
                    raise request.refused(exc.code, exc.reason, body, retries + 1) from None
                return Response(exc.code, exc.headers, body)
            except _RedirectRefused as exc:
                raise EndpointError(
                    f"{request.who} redirected {request.name} to "
                    f"{_safe(redact(exc.target), 120)!r} (HTTP {exc.code}); {exc.why}"
                ) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                raise _network_error(request, attempt, exc,
                                     digest=(authorization or "").startswith("Digest ")) from None
    finally:
        deadline.cancel()


def _network_error(request: _Request, attempt: _Attempt, exc: Exception, *,
                   digest: bool) -> EndpointError:
    """The error a user should see for a failure below HTTP (or the deadline's)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if attempt.deadline.expired or (attempt.connected and isinstance(reason, TimeoutError)):
        return request.timed_out(attempt)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return EndpointError(
            f"{request.who} has a TLS certificate that is not trusted "
            f"({_safe(reason.verify_message or str(reason), 120)}); check the URL, or add its "
            "certificate authority to SSL_CERT_FILE")
    if isinstance(reason, ssl.SSLError):
        return EndpointError(
            f"TLS with {request.who} failed ({_safe(reason.reason or str(reason), 120)}); "
            "check the URL (does the server speak https?)")
    if not attempt.connected:
        return request.unreachable("timed out while connecting"
                                   if isinstance(reason, TimeoutError) else reason)
    if (digest and attempt.status is None and request.credentials is not None
            and isinstance(reason, BrokenPipeError | ConnectionResetError)):
        # Virtuoso closes the connection mid-body when it refuses a digest login.
        return EndpointError(
            f"{request.who} closed the connection during {request.name} after a digest login "
            f"as {request.credentials.user} ({request.credentials.source}): the login was most "
            "likely refused; check the user and password")
    if isinstance(reason, http.client.BadStatusLine) and not isinstance(
        reason, http.client.RemoteDisconnected
    ):
        return EndpointError(f"{request.who} answered {request.name} with something that is "
                             f"not HTTP: {_preview(str(reason.line).encode())}")
    what = "before answering" if attempt.status is None else (
        f"after {attempt.received} bytes of its answer")
    return EndpointError(
        f"{request.who} broke off the connection {what} to {request.name} "
        f"({_safe(str(reason) or type(reason).__name__, 120)})")


def _basic_authorization(credentials: Credentials) -> str:
    token = base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode()
    return f"Basic {token}"


# --------------------------------------------------------------------------- the answer


class _Shape(Exception):
    """What is wrong with the shape of a JSON answer."""


def _term(binding: object) -> Identifier:
    if not isinstance(binding, dict):
        raise _Shape("a value is not an object")
    kind, value = binding.get("type"), binding.get("value")
    if kind not in _TERM_TYPES or not isinstance(value, str):
        raise _Shape(f"a value has type {_safe(str(kind), 20)!r} and no string value")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    datatype = binding.get("datatype")
    language = binding.get("xml:lang")
    if not isinstance(datatype, str | None) or not isinstance(language, str | None):
        raise _Shape("a literal has a datatype or language that is not a string")
    try:
        # normalize=False: a store that kept "01"^^xsd:integer is shown "01", not "1"
        literal = Literal(value, lang=language, datatype=URIRef(datatype) if datatype else None,
                          normalize=False)
    except (TypeError, ValueError) as exc:
        raise _Shape(f"a literal cannot be read ({exc})") from None
    return plain_literal(literal)


def _select(data: object) -> QueryResult:
    head = data.get("head") if isinstance(data, dict) else None
    variables = head.get("vars") if isinstance(head, dict) else None
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise _Shape("no head.vars list")
    results = data.get("results")
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not isinstance(bindings, list):
        raise _Shape("no results.bindings list")
    rows = []
    for number, row in enumerate(bindings, 1):
        if not isinstance(row, dict):
            raise _Shape(f"row {number} is not an object")
        try:
            rows.append(tuple(_term(row[v]) if v in row else None for v in variables))
        except _Shape as exc:
            raise _Shape(f"row {number}: {exc}") from None
    return QueryResult(name="", form="SELECT", vars=tuple(variables), rows=tuple(rows))


@contextmanager
def _quiet() -> Iterator[None]:
    """SPARQLWrapper's warnings and rdflib's log records about odd terms go to our log at
    debug level instead of the user's terminal."""

    def to_debug(record: logging.LogRecord) -> bool:
        log.debug("rdflib: %s", record.getMessage())
        return False

    rdflib_term = logging.getLogger("rdflib.term")
    rdflib_term.addFilter(to_debug)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for warning in caught:
            log.debug("%s: %s", warning.category.__name__, warning.message)
    finally:
        rdflib_term.removeFilter(to_debug)


def _result(form: str, answer: Response, request: _Request) -> QueryResult:
    media = _media_type(answer.content_type)
    shown_type = _safe(media, 60) if media else "no content type"
    what = f"SPARQL endpoint {request.shown} answered {request.name} with"
    if form in ("CONSTRUCT", "DESCRIBE"):
        syntax = _RDF_TYPES.get(media)
        if syntax is None:
            raise EndpointError(f"{what} {shown_type}, not RDF (Turtle or N-Triples): "
                                f"{_preview(answer.body)}")
        try:
            graph = Graph().parse(data=answer.body.decode("utf-8"), format=syntax)
        except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise many kinds
            detail = _first_line(str(exc).encode(), 120) or type(exc).__name__
            raise EndpointError(f"{what} {shown_type} that cannot be read ({detail}): "
                                f"{_preview(answer.body)}") from None
        plain = Graph()
        plain += ((s, p, plain_literal(o)) for s, p, o in graph)
        return QueryResult(name=request.name, form=form, graph=plain)
    if media not in _JSON_TYPES:
        raise EndpointError(f"{what} {shown_type}, not SPARQL JSON results: "
                            f"{_preview(answer.body)}")
    try:
        data = json.loads(answer.body)
    except json.JSONDecodeError as exc:
        near = ""
        if exc.pos > 40:
            near = f"; at byte {exc.pos}: {_preview(answer.body[exc.pos:exc.pos + 60].lstrip())}"
        where = f"{exc.msg}{'' if exc.msg.endswith(' at') else ' at'} byte {exc.pos}"
        raise EndpointError(f"{what} broken JSON ({where} of {len(answer.body)}): "
                            f"{_preview(answer.body)}{near}") from None
    except (ValueError, RecursionError) as exc:
        detail = "nested too deep" if isinstance(exc, RecursionError) else "not UTF-8"
        raise EndpointError(f"{what} unreadable JSON ({detail}): "
                            f"{_preview(answer.body)}") from None
    if form == "ASK":
        if not isinstance(data, dict) or not isinstance(data.get("boolean"), bool):
            raise EndpointError(f"{what} JSON that is not an ASK result (no true/false "
                                f"'boolean'): {_preview(answer.body)}")
        return QueryResult(name=request.name, form="ASK", boolean=data["boolean"])
    try:
        selected = _select(data)
    except _Shape as exc:
        raise EndpointError(f"{what} JSON that is not a SELECT result ({exc}): "
                            f"{_preview(answer.body)}") from None
    return QueryResult(name=request.name, form="SELECT", vars=selected.vars, rows=selected.rows)


def _bind_on_one_line(text: str, bindings: Mapping[str, Identifier]) -> str:
    """``text`` with VALUES for ``bindings`` after the WHERE ``{``, on that brace's line, so
    that the line numbers in a server's syntax error are the lines of the query file."""
    if not bindings:
        return text
    start = where_group_start(text)
    block = "".join(f" VALUES ?{name} {{ {term.n3()} }}" for name, term in sorted(bindings.items()))
    return text[:start] + block + " " + text[start:]


def _timeout(value: float | None) -> float | None:
    if value is None or value == 0:
        return None
    if not isinstance(value, int | float) or math.isnan(value) or value < 0 or math.isinf(value):
        raise ParameterError(f"--timeout {value}: give a number of seconds (0: no limit)")
    return float(value)


def _error_body(exc: urllib.error.HTTPError) -> bytes:
    """The first 64 KiB of an HTTP error's body (the server's message), or nothing."""
    try:
        return exc.read(65536)
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        exc.close()


def run_remote(
    text: str,
    endpoint: str,
    bindings: Mapping[str, Identifier],
    *,
    name: str = "query",
    timeout: float | None = DEFAULT_TIMEOUT,
    credentials: Credentials | None = None,
    graph: str | None = None,
) -> QueryResult:
    """Send ``text`` with ``bindings`` as a VALUES block to ``endpoint`` and read the answer.

    ``timeout`` bounds the whole request, retries included (None or 0: no limit). Without
    ``credentials``, a ``user:password@`` in the URL or a netrc entry for the host is used.
    Raises :class:`QueryTimeoutError` at the limit, :class:`EndpointError` when the endpoint
    cannot be reached, refuses, or answers with something that is not a result, and
    :class:`QueryError` when it rejects the query's syntax (HTTP 400). ``graph`` queries
    that one named graph (sent as the protocol's ``default-graph-uri``). An answer the store
    cut short (see :func:`_check_complete`) is an :class:`IncompleteAnswerError`.
    """
    check_endpoint(endpoint)
    check_query_limits(text)  # a text Oxigraph's parser would crash on crashes servers too
    limit = _timeout(timeout)
    url, from_url = _without_userinfo(endpoint)
    if credentials is None:
        credentials = from_url or netrc_credentials(urlparse(url).hostname or "")
    request = _Request(url, redact(endpoint), name, credentials, limit)
    form = query_form(text)
    with _quiet():
        client = SPARQLWrapper(url)
        client.setQuery(_bind_on_one_line(text, bindings))
        # SPARQLWrapper guesses the form from keywords anywhere in the text, comments
        # included ("dropped" made one a DROP update); the form is known, so say it.
        client.queryType = form
        client.setMethod(POST)  # long queries and VALUES blocks do not fit in a URL
        client.setReturnFormat(N3 if form in ("CONSTRUCT", "DESCRIBE") else JSON)
        if graph is not None:
            client.addDefaultGraph(graph)
        log.info("sending %s to %s%s", name, request.shown,
                 f" as {credentials.user} ({credentials.source})" if credentials else "")
        started = time.monotonic()
        # SPARQLWrapper writes the request (query, form, Accept, default graph); the loop
        # sends it, with the login.
        answer = _exchange(request, client._createRequest, raise_for_status=True)
        log.info("%s answered in %.2f s (%d bytes, %s)", request.shown,
                 time.monotonic() - started, len(answer.body), answer.content_type or "no type")
        result = _result(form, answer, request)
        _check_complete(result, answer, request)
        return result


# --------------------------------------------------------------------------- incomplete answers


class IncompleteAnswerError(EndpointError):
    """The store sent part of the answer and said so (a row cap or a time limit)."""


#: Headers with which stores mark an answer they cut: Virtuoso sends X-SPARQL-MaxRows when
#: it stops at ResultSetMaxRows, and X-SQL-State (S1TAT) with a partial "anytime" answer.
_MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
_PARTIAL_STATE_HEADER = "X-SQL-State"


def _check_complete(result: QueryResult, answer: Response, request: _Request) -> None:
    """Raise :class:`IncompleteAnswerError` when the store marked ``answer`` as cut short."""
    headers = answer.headers
    state = headers.get(_PARTIAL_STATE_HEADER) if headers else None
    if state:
        message = headers.get("X-SQL-Message", "")
        raise IncompleteAnswerError(
            f"SPARQL endpoint {request.shown} stopped {request.name} at its own time limit and "
            f"sent a partial answer ({_safe(state, 20)}{': ' if message else ''}"
            f"{_safe(message, 100)}); narrow the query, or raise the server's "
            "MaxQueryExecutionTime"
        )
    cap = headers.get(_MAX_ROWS_HEADER) if headers else None
    if cap is None:
        return
    rows = len(result.rows) if result.form == "SELECT" else len(result.graph or ())
    if not cap.strip().isdigit() or rows >= int(cap):
        raise IncompleteAnswerError(
            f"SPARQL endpoint {request.shown} cut the answer to {request.name} at "
            f"{_safe(cap, 20)} rows ({_MAX_ROWS_HEADER}); the answer is incomplete: narrow "
            "the query (LIMIT/OFFSET pages), or raise the server's ResultSetMaxRows"
        )


# --------------------------------------------------------------------------- other requests


def send(
    method: str,
    url: str,
    *,
    body: bytes | Any = None,
    length: int | None = None,
    content_type: str | None = None,
    params: Mapping[str, str] | None = None,
    name: str = "the request",
    timeout: float | None = DEFAULT_TIMEOUT,
    credentials: Credentials | None = None,
    accept: str = "*/*",
) -> Response:
    """One HTTP request (a Graph Store PUT, a SPARQL update) under one deadline.

    ``body`` is bytes or a binary file object read in blocks (sent with ``length`` as its
    Content-Length: some stores drop a chunked body). A busy answer (429/502/503/504) is
    retried like a query when the body can be rewound. Any other status from 400 up is
    returned for the caller to explain; a network failure raises :class:`EndpointError` and
    the deadline :class:`QueryTimeoutError`.
    """
    check_endpoint(url)
    limit = _timeout(timeout)
    clean, from_url = _without_userinfo(url)
    if credentials is None:
        credentials = from_url or netrc_credentials(urlparse(clean).hostname or "")
    request = _Request(clean, redact(url), name, credentials, limit, subject=redact(url))
    if params:
        clean += ("&" if "?" in clean else "?") + urllib.parse.urlencode(params)
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    if length is not None:
        headers["Content-Length"] = str(length)
    start = body.tell() if hasattr(body, "tell") else None
    return _exchange(
        request,
        lambda: urllib.request.Request(clean, data=body, headers=headers, method=method),
        rewind=None if start is None else lambda: body.seek(start),
        can_resend=body is None or isinstance(body, bytes) or start is not None,
    )


#: The last HTTP digest challenge of each URL (without its query), answered at once next time.
_DIGEST_CHALLENGES: dict[str, str] = {}


def _digest_authorization(challenge: str, http_request: urllib.request.Request,
                          credentials: Credentials) -> str | None:
    """The ``Authorization`` header answering an HTTP digest ``challenge`` (RFC 7616, as
    urllib computes it), or None for a challenge urllib cannot answer."""
    handler = urllib.request.HTTPDigestAuthHandler(urllib.request.HTTPPasswordMgrWithDefaultRealm())
    handler.add_password(None, http_request.full_url, credentials.user, credentials.password)
    fields = urllib.request.parse_keqv_list(
        urllib.request.parse_http_list(challenge.split(" ", 1)[1]))
    try:
        answer = handler.get_authorization(http_request, fields)
    except (ValueError, urllib.error.URLError):
        return None
    return None if answer is None else f"Digest {answer}"


def status_text(response: Response) -> str:
    """``HTTP 404 Not Found: <first line of the body>`` for messages."""
    reason = http.client.responses.get(response.status, "")
    return _status(response.status, reason, response.body)
