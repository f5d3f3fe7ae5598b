"""Uploads and updates (``send``, what ``pmgraph push`` uses) go through the same request loop
as queries: busy answers are retried with the whole body, digest logins are answered (for
queries too), and a password is never shown.

Each case is a small http.server on a free loopback port in this process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pmgraph.errors import EndpointError
from pmgraph.query.remote import Credentials, run_remote, send

PASSWORD = "pw-Dg7!y-secret"
REALM, NONCE = "store", "b7f3a1"
SELECT_ROWS = {"head": {"vars": ["x"]},
               "results": {"bindings": [{"x": {"type": "uri", "value": "http://example.org/a"}}]}}


@dataclass
class Received:
    method: str
    path: str
    authorization: str | None
    body: bytes


@dataclass
class Store:
    """A fake store: ``respond(handler, received)`` answers each request."""

    respond: Callable[[BaseHTTPRequestHandler, Received], None]
    requests: list[Received] = field(default_factory=list)
    url: str = ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = Received(self.command, self.path, self.headers.get("Authorization"),
                            self.rfile.read(length))
        store: Store = self.server.store  # type: ignore[attr-defined]
        store.requests.append(received)
        store.respond(self, received)

    do_GET = do_POST = do_PUT = do_HEAD = handle_any

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def store() -> Iterator[Callable[[Callable], Store]]:
    servers: list[ThreadingHTTPServer] = []

    def start(respond: Callable[[BaseHTTPRequestHandler, Received], None]) -> Store:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        fake = Store(respond, url=f"http://127.0.0.1:{server.server_port}/store")
        server.store = fake  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return fake

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
          headers: dict[str, str] | None = None,
          content_type: str = "text/plain") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


CHALLENGE = {"WWW-Authenticate": f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", '
                                 'algorithm=MD5'}


def digest_ok(received: Received, password: str = PASSWORD) -> bool:
    """Whether ``received`` carries a right RFC 7616 (MD5, qop=auth) answer for alice."""
    header = received.authorization or ""
    if not header.startswith("Digest "):
        return False
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the protocol's hash

    ha1 = md5(f"alice:{REALM}:{password}")
    ha2 = md5(f"{received.method}:{fields['uri']}")
    expected = md5(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
    return fields.get("username") == "alice" and fields.get("response") == expected


def digest_only(ok_status: int = 201) -> Callable[[BaseHTTPRequestHandler, Received], None]:
    def respond(handler: BaseHTTPRequestHandler, received: Received) -> None:
        if not digest_ok(received):
            reply(handler, 401, b"Unauthorized", CHALLENGE)
        elif received.method == "POST":
            reply(handler, 200, json.dumps(SELECT_ROWS).encode(),
                  content_type="application/sparql-results+json")
        else:
            reply(handler, ok_status)

    return respond


ALICE = Credentials("alice", PASSWORD, "a test login")


def test_a_busy_upload_is_sent_again_whole(store, tmp_path: Path):
    data = tmp_path / "graph.nt"
    data.write_bytes(b"<http://example.org/a> <http://example.org/p> \"x\" .\n" * 5000)

    def respond(handler: BaseHTTPRequestHandler, received: Received) -> None:
        if len(fake.requests) == 1:
            reply(handler, 503, b"busy", {"Retry-After": "1"})
        else:
            reply(handler, 201)

    fake = store(respond)
    started = time.monotonic()
    with open(data, "rb") as body:
        response = send("PUT", fake.url, body=body, length=data.stat().st_size,
                        content_type="application/n-triples", params={"graph": "urn:g"},
                        name="the upload", timeout=30)
    assert response.status == 201
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert [r.body for r in fake.requests] == [data.read_bytes()] * 2
    assert all(r.path == "/store?graph=urn%3Ag" for r in fake.requests)


def test_a_busy_store_asking_too_long_a_wait_is_answered_at_once(store):
    fake = store(lambda handler, _: reply(handler, 503, b"maintenance", {"Retry-After": "3600"}))
    started = time.monotonic()
    response = send("POST", fake.url, body=b"update=DROP%20ALL", name="the swap", timeout=30)
    assert time.monotonic() - started < 5
    assert (response.status, response.body) == (503, b"maintenance")
    assert len(fake.requests) == 1


def test_a_digest_login_is_answered_for_uploads_and_remembered(store):
    fake = store(digest_only())
    first = send("PUT", fake.url, body=b"<urn:a> <urn:b> <urn:c> .\n", credentials=ALICE)
    assert first.status == 201
    # basic first, then the answer to the challenge
    assert fake.requests[0].authorization.startswith("Basic ")
    assert digest_ok(fake.requests[1])
    # the next request to that URL answers the challenge at once (no body sent for nothing)
    second = send("PUT", fake.url, body=b"<urn:a> <urn:b> <urn:d> .\n", credentials=ALICE)
    assert second.status == 201 and len(fake.requests) == 3
    assert fake.requests[2].authorization.startswith("Digest ")


def test_a_query_answers_a_digest_login_too(store):
    fake = store(digest_only())
    result = run_remote("SELECT ?x WHERE { ?x ?p ?o }", fake.url, {}, credentials=ALICE)
    assert [str(row[0]) for row in result.rows] == ["http://example.org/a"]
    assert digest_ok(fake.requests[-1])


def test_a_wrong_digest_password_is_refused_without_showing_it(store):
    fake = store(digest_only())
    wrong = Credentials("alice", "not-" + PASSWORD, "--user alice with --password-env PW")
    with pytest.raises(EndpointError) as refused:
        run_remote("SELECT ?x WHERE { ?x ?p ?o }", fake.url, {}, credentials=wrong)
    message = str(refused.value)
    assert "refused the login (HTTP 401" in message
    assert "credentials tried: --user alice with --password-env PW" in message
    assert PASSWORD not in message and "\n" not in message
    # the challenge is answered twice at most (once more for a stale nonce), then given up
    assert len(fake.requests) <= 4
    upload = send("PUT", fake.url + "2", body=b"", credentials=wrong)
    assert upload.status == 401 and PASSWORD.encode() not in upload.body


def test_a_head_refused_with_a_bare_401_is_asked_again_to_learn_the_scheme(store):
    def respond(handler: BaseHTTPRequestHandler, received: Received) -> None:
        if (received.authorization or "").startswith("Basic "):
            reply(handler, 401)  # Virtuoso's answer to basic auth on a digest URL
        else:
            digest_only(ok_status=200)(handler, received)

    fake = store(respond)
    response = send("HEAD", fake.url, params={"graph": "urn:g"}, credentials=ALICE)
    assert response.status == 200
    kinds = [(r.authorization or "none").split(" ")[0] for r in fake.requests]
    assert kinds == ["Basic", "none", "Digest"]


def test_an_unreachable_store_is_one_line_naming_the_url_without_the_password(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://alice:{PASSWORD}@127.0.0.1:{port}/store"
    with pytest.raises(EndpointError) as failed:
        send("PUT", url, body=b"", name="the upload", timeout=5)
    message = str(failed.value)
    assert message.startswith(f"cannot reach http://alice:***@127.0.0.1:{port}/store (")
    assert PASSWORD not in message
