"""A remote endpoint that is slow, broken, busy, locked or wrong gives one honest line.

Each behaviour is a small http.server on a free loopback port in this process; the time-out
and syntax-error cases also run against the real Oxigraph server.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_remote_requests import reply

from pmgraph.errors import QueryTimeoutError
from pmgraph.query.remote import redact, run_remote

ROOT = Path(__file__).resolve().parents[1]
SPARQL_SERVER = ROOT / "scripts" / "sparql-server"

SELECT_ROWS = {"head": {"vars": ["x"]},
               "results": {"bindings": [{"x": {"type": "uri", "value": "http://example.org/a"}}]}}
PASSWORD = "pw-Zq8!x-secret"
TIMEOUT = 2.0  # --timeout of the time-out cases
SLACK = 5.0  # how much later than --timeout the command may end (a correctness bound)


@dataclass
class Received:
    path: str
    authorization: str | None
    body: str


@dataclass
class Fake:
    """A fake SPARQL endpoint: ``respond(handler)`` writes the answer to each request."""

    respond: Callable[[BaseHTTPRequestHandler], None]
    requests: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    url: str = ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        body = urllib.parse.unquote_plus(self.rfile.read(length).decode("ascii"))
        fake: Fake = self.server.fake  # type: ignore[attr-defined]
        fake.requests.append(Received(self.path, self.headers.get("Authorization"), body))
        try:
            fake.respond(self)
        except OSError:
            pass  # the client went away, as it should at its deadline

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def fake() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], Fake]]:
    """Start fake endpoints on 127.0.0.1 (free ports) for one test; stop them after it."""
    servers: list[tuple[ThreadingHTTPServer, Fake]] = []

    def start(respond: Callable[[BaseHTTPRequestHandler], None],
              tls: tuple[Path, Path] | None = None) -> Fake:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        endpoint = Fake(respond)
        scheme = "https" if tls else "http"
        endpoint.url = f"{scheme}://127.0.0.1:{server.server_port}/query"
        server.fake = endpoint  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append((server, endpoint))
        return endpoint

    yield start
    for server, endpoint in servers:
        endpoint.stop.set()
        server.shutdown()
        server.server_close()


def answer(status: int, body: bytes | str, content_type: str = "application/sparql-results+json",
           headers: dict[str, str] | None = None) -> Callable[[BaseHTTPRequestHandler], None]:
    data = body.encode() if isinstance(body, str) else body
    return lambda handler: reply(handler, status, data, headers, content_type)


def rows_answer(handler: BaseHTTPRequestHandler) -> None:
    answer(200, json.dumps(SELECT_ROWS))(handler)


@pytest.fixture
def queries(tmp_path: Path) -> dict[str, Path]:
    """A SELECT, an ASK and a CONSTRUCT query file."""
    texts = {
        "SELECT": "SELECT ?x WHERE { ?x ?p ?o }\n",
        "ASK": "ASK { ?x ?p ?o }\n",
        "CONSTRUCT": "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }\n",
    }
    paths = {}
    for form, text in texts.items():
        paths[form] = tmp_path / f"{form.lower()}.rq"
        paths[form].write_text(text)
    return paths


def one_line_error(run, code: int) -> str:  # noqa: ANN001 - conftest's CliRun
    """The error line of a run that must fail with ``code``, one line, no traceback."""
    assert run.code == code, run.err
    assert run.out == ""
    assert "Traceback" not in run.err and "Warning" not in run.err
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("pmgraph: error: ")
    return run.err.strip()


# --------------------------------------------------------------------------- time limits


def drip_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.end_headers()
    while not handler.server.fake.stop.is_set():  # type: ignore[attr-defined]
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.5)


def drip_headers(handler: BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
    while not handler.server.fake.stop.is_set():  # type: ignore[attr-defined]
        handler.wfile.write(b"a")
        handler.wfile.flush()
        time.sleep(0.5)


def never_answer(handler: BaseHTTPRequestHandler) -> None:
    handler.server.fake.stop.wait(60)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("respond", "says"), [
    (drip_body, "began answering select but did not finish within 2 s (--timeout"),
    (drip_headers, "began answering select but did not finish within 2 s (--timeout"),
    (never_answer, "was reached but did not answer select within 2 s (--timeout)"),
], ids=["drip-body", "drip-headers", "never-answers"])
def test_a_slow_endpoint_is_stopped_at_the_timeout(respond, says, fake, cli, queries):
    endpoint = fake(respond)
    started = time.monotonic()
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--timeout", str(TIMEOUT))
    elapsed = time.monotonic() - started
    line = one_line_error(run, QueryTimeoutError.exit_code)
    assert f"SPARQL endpoint {endpoint.url} " in line and says in line
    assert "cannot reach" not in line
    assert TIMEOUT - 0.5 <= elapsed < TIMEOUT + SLACK


def test_the_library_raises_query_timeout_error(fake):
    endpoint = fake(drip_body)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="did not finish within 1 s"):
        run_remote("SELECT * WHERE { ?s ?p ?o }", endpoint.url, {}, timeout=1)
    assert time.monotonic() - started < 1 + SLACK


def test_timeout_zero_means_no_limit(fake, cli, queries):
    def slow_rows(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        rows_answer(handler)

    endpoint = fake(slow_rows)
    late = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--timeout", "1")
    assert late.code == QueryTimeoutError.exit_code
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--timeout", "0",
              "--format", "csv")
    assert (run.code, run.out, run.err) == (0, "x\nhttp://example.org/a\n", "")


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_timeout_must_be_a_number_of_seconds(value, cli, queries, fake):
    endpoint = fake(rows_answer)
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, f"--timeout={value}")
    line = one_line_error(run, 2)
    assert f"--timeout {float(value)}" in line and "0: no limit" in line
    assert endpoint.requests == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (made with openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_the_timeout_holds_over_https(fake, cli, queries, certificate, monkeypatch):
    endpoint = fake(drip_body, tls=certificate)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert line.startswith(f"pmgraph: error: SPARQL endpoint {endpoint.url} has a TLS "
                           "certificate that is not trusted (")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    started = time.monotonic()
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--timeout", str(TIMEOUT))
    assert "began answering select but did not finish within 2 s" in one_line_error(run, 4)
    assert time.monotonic() - started < TIMEOUT + SLACK


# --------------------------------------------------------------------------- wrong answers


HTML = "<!DOCTYPE html>\n<html><body>\x1b[2J Welcome to our portal</body></html>"


@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT"])
def test_an_html_page_is_an_endpoint_error(form, fake, cli, queries):
    endpoint = fake(answer(200, HTML, "text/html; charset=utf-8"))
    line = one_line_error(cli("query", queries[form], "--endpoint", endpoint.url), 3)
    assert line.startswith(f"pmgraph: error: SPARQL endpoint {endpoint.url} answered "
                           f"{form.lower()} with text/html, not ")
    assert "'<!DOCTYPE html>\\n<html><body>\\x1b[2J Welcome" in line  # shown, escaped
    assert "\x1b" not in line


@pytest.mark.parametrize("form", ["SELECT", "ASK"])
def test_truncated_json_is_an_endpoint_error(form, fake, cli, queries):
    endpoint = fake(answer(200, json.dumps(SELECT_ROWS)[:30]))
    line = one_line_error(cli("query", queries[form], "--endpoint", endpoint.url), 3)
    assert f"answered {form.lower()} with broken JSON (" in line
    assert "'{\"head\": {\"vars\": [\"x\"]}, \"res'" in line


def test_an_answer_cut_off_by_oxigraphs_own_time_limit_says_so(fake, cli, queries):
    # What `oxigraph serve --timeout-s` sends: status 200, then the message inside the JSON.
    body = '{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    endpoint = fake(answer(200, body))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert "broken JSON" in line and "'The SPARQL operation has been cancelled'" in line


def test_a_connection_closed_mid_answer_is_an_endpoint_error(fake, cli, queries):
    def short(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b'{"head": {"vars": ["x"]}')

    endpoint = fake(short)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert f"SPARQL endpoint {endpoint.url} broke off the connection" in line


def test_a_server_that_does_not_speak_http_is_an_endpoint_error(fake, cli, queries):
    def ssh(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n")

    endpoint = fake(ssh)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert line == (f"pmgraph: error: SPARQL endpoint {endpoint.url} answered select with "
                    "something that is not HTTP: 'SSH-2.0-OpenSSH_9.2\\r\\n'")


@pytest.mark.parametrize(("form", "content_type", "says"), [
    ("SELECT", "application/sparql-results+json", "JSON that is not a SELECT result"),
    ("ASK", "application/sparql-results+json", "JSON that is not an ASK result"),
    ("CONSTRUCT", "application/json", "with application/json, not RDF"),
])
def test_json_of_the_wrong_shape_is_an_endpoint_error(form, content_type, says, fake, cli,
                                                       queries):
    endpoint = fake(answer(200, '{"foo":1}', content_type))
    line = one_line_error(cli("query", queries[form], "--endpoint", endpoint.url), 3)
    assert f"answered {form.lower()} " in line and says in line
    assert line.endswith("""'{"foo":1}'""")


@pytest.mark.parametrize(("body", "says"), [
    ({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": "http://example.org/a"}]}},
     "row 1: a value is not an object"),
    ({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "triple"}}]}},
     "row 1: a value has type 'triple'"),
    ({"head": {"vars": ["x"]}, "results": {}}, "no results.bindings list"),
    ({"head": {}, "boolean": True}, "no head.vars list"),
    ([1, 2], "no head.vars list"),
])
def test_select_rows_are_checked(body, says, fake, cli, queries):
    endpoint = fake(answer(200, json.dumps(body)))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert f"JSON that is not a SELECT result ({says}" in line


def test_invalid_turtle_for_a_construct_is_an_endpoint_error(fake, cli, queries):
    endpoint = fake(answer(200, "<http://example.org/a> <http://example.org/p> .", "text/turtle"))
    line = one_line_error(cli("query", queries["CONSTRUCT"], "--endpoint", endpoint.url), 3)
    assert "answered construct with text/turtle that cannot be read (" in line


def test_well_formed_answers_still_work(fake, cli, queries):
    select = fake(rows_answer)
    run = cli("query", queries["SELECT"], "--endpoint", select.url, "--format", "csv")
    assert (run.code, run.out, run.err) == (0, "x\nhttp://example.org/a\n", "")
    ask = fake(answer(200, '{"head":{},"boolean":false}'))
    run = cli("query", queries["ASK"], "--endpoint", ask.url, "--format", "json")
    assert (run.code, run.out) == (0, '{"boolean": false}\n')
    construct = fake(answer(200, "<http://example.org/a> <http://example.org/p> \"v\" .\n",
                            "application/n-triples"))
    run = cli("query", queries["CONSTRUCT"], "--endpoint", construct.url, "--format", "csv")
    assert (run.code, run.out) == (0, "subject,predicate,object\n"
                                      "http://example.org/a,http://example.org/p,v\n")
    assert [r.path for r in select.requests + ask.requests] == ["/query", "/query"]


def test_terms_come_as_the_store_sent_them(fake, cli, queries):
    """A store that keeps a literal's form ("01", "1.50", a capitalised tag) is shown so."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    rows = {"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "01", "datatype": xsd + "integer"}},
        {"x": {"type": "literal", "value": "1.50", "datatype": xsd + "decimal"}},
        {"x": {"type": "literal", "value": "colour", "xml:lang": "en-GB"}},
    ]}}
    select = fake(answer(200, json.dumps(rows)))
    run = cli("query", queries["SELECT"], "--endpoint", select.url, "--format", "sparql-json")
    assert run.code == 0, run.err
    got = [b["x"] for b in json.loads(run.out)["results"]["bindings"]]
    assert [(t["value"], t.get("datatype"), t.get("xml:lang")) for t in got] == [
        ("01", xsd + "integer", None), ("1.50", xsd + "decimal", None), ("colour", None, "en-GB")]
    run = cli("query", queries["SELECT"], "--endpoint", select.url, "--format", "csv")
    assert (run.code, run.out) == (0, "x\n01\n1.50\ncolour\n")


def test_nothing_but_the_error_line_reaches_the_terminal(fake, queries):
    """Python warnings (SPARQLWrapper's RuntimeWarning) and rdflib's log records stay off
    stderr, even with every warning switched on."""
    html = fake(answer(200, HTML, "text/html"))
    ill_typed = fake(answer(200, json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
        {"n": {"type": "literal", "value": "abc",
               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}})))
    command = [sys.executable, "-W", "always", "-m", "pmgraph", "query", str(queries["SELECT"]),
               "--format", "csv", "--endpoint"]
    run = subprocess.run([*command, html.url], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr.startswith(f"pmgraph: error: SPARQL endpoint {html.url} answered select "
                                 "with text/html") and run.stderr.count("\n") == 1
    run = subprocess.run([*command, ill_typed.url], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "n\nabc\n", "")


# --------------------------------------------------------------------------- refusals


def test_a_server_side_syntax_error_exits_2_with_the_servers_message(fake, cli, queries):
    message = "Parse error at line 1, column 27: expected '}'\n  at org.example.Parser(...)"
    endpoint = fake(answer(400, message, "text/plain"))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 2)
    assert line == (f"pmgraph: error: select: SPARQL endpoint {endpoint.url} rejected the query "
                    "(HTTP 400 Bad Request: Parse error at line 1, column 27: expected '}'); "
                    "check the query's syntax")


def test_a_server_error_exits_3_with_status_and_first_line(fake, cli, queries):
    endpoint = fake(answer(500, "boom \x1b]0;pwned\x07\nstack trace line", "text/plain"))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert line == (f"pmgraph: error: SPARQL endpoint {endpoint.url} refused select "
                    "(HTTP 500 Internal Server Error: boom \\x1b]0;pwned\\x07)")


def test_a_missing_endpoint_path_says_so(fake, cli, queries):
    endpoint = fake(answer(404, "Not Found", "text/plain"))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert "does not exist (HTTP 404 Not Found: Not Found); check the URL" in line


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,hello"])
def test_a_redirect_away_from_http_is_refused(target, fake, cli, queries):
    endpoint = fake(answer(302, "", "text/plain", {"Location": target}))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert line == (f"pmgraph: error: SPARQL endpoint {endpoint.url} redirected select to "
                    f"'{target}' (HTTP 302); pmgraph follows only http(s) redirects")


def test_an_http_redirect_is_followed(fake, cli, queries):
    target = fake(rows_answer)
    endpoint = fake(answer(307, "", "text/plain", {"Location": target.url}))
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--format", "csv")
    assert (run.code, run.out) == (0, "x\nhttp://example.org/a\n")
    assert "SELECT ?x" in target.requests[0].body  # 307 keeps the POST


# --------------------------------------------------------------------------- retries


def test_busy_then_ready_is_retried_after_retry_after(fake, cli, queries):
    busy = answer(503, "busy", "text/plain", {"Retry-After": "1"})

    def respond(handler: BaseHTTPRequestHandler) -> None:
        (busy if len(endpoint.requests) == 1 else rows_answer)(handler)

    endpoint = fake(respond)
    started = time.monotonic()
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--format", "csv")
    elapsed = time.monotonic() - started
    assert (run.code, run.out, run.err) == (0, "x\nhttp://example.org/a\n", "")
    assert len(endpoint.requests) == 2
    assert 1.0 <= elapsed < 1.0 + SLACK


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retries_are_bounded(status, fake, cli, queries):
    endpoint = fake(answer(status, "overloaded\nmore", "text/plain", {"Retry-After": "0"}))
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert f"is busy or unavailable (HTTP {status} " in line
    assert ": overloaded) after 4 attempts; try again later" in line
    assert len(endpoint.requests) == 4


def test_a_retry_after_past_the_timeout_is_not_waited_for(fake, cli, queries):
    endpoint = fake(answer(503, "maintenance", "text/plain", {"Retry-After": "3600"}))
    started = time.monotonic()
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url,
                              "--timeout", "30"), 3)
    assert time.monotonic() - started < SLACK
    assert ("is busy (HTTP 503 Service Unavailable: maintenance) and asks to wait 3600 s; "
            "30 s of --timeout left; try again later") in line
    assert len(endpoint.requests) == 1


# --------------------------------------------------------------------------- credentials


def locked(handler: BaseHTTPRequestHandler) -> None:
    expected = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    if handler.headers.get("Authorization") == expected:
        rows_answer(handler)
    else:
        answer(401, "Unauthorized", "text/plain",
               {"WWW-Authenticate": 'Basic realm="sparql"'})(handler)


def no_secret(run) -> None:  # noqa: ANN001 - conftest's CliRun
    encoded = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    for text in (run.out, run.err):
        assert PASSWORD not in text and urllib.parse.quote(PASSWORD) not in text
        assert encoded not in text and "Traceback" not in text


@pytest.fixture
def no_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with no .netrc, and no $NETRC."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NETRC", raising=False)
    return home


def test_a_login_from_user_and_password_env(fake, cli, queries, monkeypatch, no_netrc):
    endpoint = fake(locked)
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", PASSWORD)
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--format", "csv",
              "--user", "alice", "--password-env", "PMGRAPH_TEST_PASSWORD", "-v")
    assert (run.code, run.out) == (0, "x\nhttp://example.org/a\n")
    assert "as alice (--user alice with --password-env PMGRAPH_TEST_PASSWORD)" in run.err
    no_secret(run)
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", "wrong")
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url,
              "--user", "alice", "--password-env", "PMGRAPH_TEST_PASSWORD")
    assert one_line_error(run, 3) == (
        f"pmgraph: error: SPARQL endpoint {endpoint.url} refused the login (HTTP 401 "
        "Unauthorized: Unauthorized); credentials tried: --user alice with --password-env "
        "PMGRAPH_TEST_PASSWORD")


def test_a_login_from_the_url_is_never_shown(fake, cli, queries, no_netrc):
    endpoint = fake(locked)
    quoted = urllib.parse.quote(PASSWORD, safe="")
    with_login = endpoint.url.replace("http://", f"http://alice:{quoted}@")
    run = cli("query", queries["SELECT"], "--endpoint", with_login, "--format", "csv", "-vv")
    assert (run.code, run.out) == (0, "x\nhttp://example.org/a\n")
    assert endpoint.url.replace("http://", "http://alice:***@") in run.err
    no_secret(run)
    wrong = endpoint.url.replace("http://", "http://alice:nope-nope@")
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", wrong), 3)
    assert line.startswith("pmgraph: error: SPARQL endpoint "
                           f"{endpoint.url.replace('http://', 'http://alice:***@')} refused the "
                           "login (HTTP 401")
    assert line.endswith("credentials tried: the user:password in the URL")
    assert "nope-nope" not in line


def test_a_login_from_netrc(fake, cli, queries, monkeypatch, no_netrc, tmp_path):
    endpoint = fake(locked)
    netrc_file = tmp_path / "my-netrc"
    netrc_file.write_text(f"machine 127.0.0.1\n  login alice\n  password {PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc_file))
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--format", "csv", "-v")
    assert (run.code, run.out) == (0, "x\nhttp://example.org/a\n")
    no_secret(run)
    monkeypatch.delenv("NETRC")
    home_netrc = no_netrc / ".netrc"
    home_netrc.write_text("machine 127.0.0.1 login alice password wrong-one\n")
    home_netrc.chmod(0o600)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert line.endswith(f"credentials tried: ~/.netrc ({home_netrc}) for 127.0.0.1")
    assert "wrong-one" not in line


def test_no_login_given_says_how_to_give_one(fake, cli, queries, no_netrc):
    endpoint = fake(locked)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url), 3)
    assert "refused the login (HTTP 401 Unauthorized: Unauthorized); no credentials were " \
           "sent; give --user USER --password-env VAR" in line
    assert endpoint.requests[0].authorization is None


def test_a_broken_netrc_is_skipped_without_showing_it(fake, cli, queries, monkeypatch,
                                                        no_netrc, tmp_path):
    endpoint = fake(locked)
    netrc_file = tmp_path / "bad-netrc"
    netrc_file.write_text(f"machine 127.0.0.1 login alice\n{PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc_file))
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url)
    assert run.code == 3
    assert re.fullmatch(rf"pmgraph: ignoring {re.escape(str(netrc_file))}: not a usable "
                        r"netrc file \(line \d+\)", run.err.splitlines()[0])
    no_secret(run)


def test_the_login_is_not_sent_to_another_host_on_redirect(fake, cli, queries, monkeypatch,
                                                            no_netrc):
    other = fake(rows_answer)
    endpoint = fake(answer(307, "", "text/plain", {"Location": other.url}))
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", PASSWORD)
    run = cli("query", queries["SELECT"], "--endpoint", endpoint.url, "--user", "alice",
              "--password-env", "PMGRAPH_TEST_PASSWORD")
    assert run.code == 0
    assert endpoint.requests[0].authorization is not None
    assert other.requests[0].authorization is None


@pytest.mark.parametrize(("options", "says"), [
    (["--user", "alice"], "--user needs --password-env VAR"),
    (["--password-env", "PMGRAPH_TEST_PASSWORD"], "--password-env needs --user USER"),
    (["--user", "alice", "--password-env", "PMGRAPH_UNSET_VARIABLE"],
     "--password-env PMGRAPH_UNSET_VARIABLE: that environment variable is not set or empty"),
])
def test_login_options_are_checked_before_sending(options, says, fake, cli, queries,
                                                  monkeypatch):
    endpoint = fake(locked)
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", PASSWORD)
    monkeypatch.delenv("PMGRAPH_UNSET_VARIABLE", raising=False)
    line = one_line_error(cli("query", queries["SELECT"], "--endpoint", endpoint.url,
                              *options), 2)
    assert says in line
    assert endpoint.requests == []


def test_login_options_need_an_endpoint(cli, queries, monkeypatch):
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", PASSWORD)
    line = one_line_error(cli("query", queries["SELECT"], "--user", "alice", "--password-env",
                              "PMGRAPH_TEST_PASSWORD"), 2)
    assert "--user and --password-env apply only with --endpoint URL" in line


def test_user_option_and_url_login_exclude_each_other(cli, queries, monkeypatch):
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", PASSWORD)
    run = cli("query", queries["SELECT"], "--endpoint", "http://bob:pw@127.0.0.1:9/query",
              "--user", "alice", "--password-env", "PMGRAPH_TEST_PASSWORD")
    assert "exclude each other" in one_line_error(run, 2)


def test_an_unreachable_url_with_a_login_is_redacted(cli, queries, no_netrc):
    run = cli("query", queries["SELECT"], "--endpoint",
              f"http://alice:{PASSWORD}@127.0.0.1:9/query")
    line = one_line_error(run, 3)
    assert line.startswith("pmgraph: error: cannot reach SPARQL endpoint "
                           "http://alice:***@127.0.0.1:9/query (")
    no_secret(run)


@pytest.mark.parametrize(("url", "shown"), [
    ("http://u:p@h/q", "http://u:***@h/q"),
    ("https://u:p%40ss@h:8443/q?x=1", "https://u:***@h:8443/q?x=1"),
    ("http://token@h/q", "http://***@h/q"),
    ("http://u:p@h/q#x@y", "http://u:***@h/q#x@y"),
    ("http://h/q", "http://h/q"),
])
def test_redact(url, shown):
    assert redact(url) == shown


# --------------------------------------------------------------------------- real Oxigraph


@pytest.fixture(scope="module")
def own_oxigraph(tmp_path_factory: pytest.TempPathFactory, project_graph) -> Iterator[str]:
    """An Oxigraph server of its own, stopped after this module: Oxigraph goes on computing a
    query after its client has gone, so the slow query must not burn a shared server."""
    from pmgraph.publishing.export import to_ntriples

    location = tmp_path_factory.mktemp("oxigraph-slow")
    dump = location / "pmgraph.nt"
    dump.write_bytes(to_ntriples(project_graph))
    started = subprocess.run(
        [sys.executable, str(SPARQL_SERVER), "start", "--location", str(location),
         "--load", str(dump)], capture_output=True, text=True, timeout=120,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([sys.executable, str(SPARQL_SERVER), "stop", "--location",
                        str(location)], capture_output=True, timeout=60)


@pytest.mark.server
def test_a_slow_query_on_oxigraph_exits_4(own_oxigraph, cli, tmp_path):
    path = tmp_path / "cartesian.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n")
    started = time.monotonic()
    run = cli("query", path, "--endpoint", own_oxigraph, "--timeout", str(TIMEOUT))
    elapsed = time.monotonic() - started
    line = one_line_error(run, 4)
    assert line.startswith(f"pmgraph: error: SPARQL endpoint {own_oxigraph} was reached but "
                           "did not answer cartesian within 2 s (--timeout); the query may be "
                           "too slow for this server")
    assert elapsed < TIMEOUT + SLACK


def oxigraph_says(endpoint: str, text: str) -> str:
    """The first line of what Oxigraph answers to ``text`` (read here, without pmgraph)."""
    request = urllib.request.Request(endpoint, data=urllib.parse.urlencode(
        {"query": text}).encode(), headers={"Accept": "application/sparql-results+json"})
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except urllib.error.HTTPError as exc:
        assert exc.code == 400
        return exc.read().decode().splitlines()[0].strip()
    raise AssertionError("Oxigraph accepted the query")


@pytest.mark.server
def test_a_syntax_error_on_oxigraph_exits_2_with_its_message(sparql_endpoint, cli, tmp_path):
    text = "SELECT ?x WHERE {\n  ?x ?y\n}\n"
    path = tmp_path / "badsyntax.rq"
    path.write_text(text)
    says = oxigraph_says(sparql_endpoint, text)
    line = one_line_error(cli("query", path, "--endpoint", sparql_endpoint), 2)
    assert line == (f"pmgraph: error: badsyntax: SPARQL endpoint {sparql_endpoint} rejected "
                    f"the query (HTTP 400 Bad Request: {says}); check the query's syntax")


@pytest.mark.server
def test_oxigraphs_line_numbers_are_the_files_lines_with_parameters(sparql_endpoint, cli,
                                                                     tmp_path):
    path = tmp_path / "badparam.rq"
    path.write_text("# param: centre (iri)\n# param: nation (iri)\n"
                    "SELECT ?centre WHERE {\n  ?centre ?p ?nation .\n  ?centre ?q\n}\n")
    line = one_line_error(cli("query", path, "--endpoint", sparql_endpoint, "--param",
                              "centre=ctr:leeds", "--param", "nation=place:england"), 2)
    assert "rejected the query (HTTP 400 Bad Request: error at 6:1:" in line


@pytest.mark.server
def test_parameters_on_one_line_still_bind(sparql_endpoint, cli, tmp_path):
    path = tmp_path / "label.rq"
    path.write_text("# param: centre (iri)\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                    "SELECT ?label WHERE { ?centre rdfs:label ?label }\n")
    run = cli("query", path, "--endpoint", sparql_endpoint, "--param", "centre=ctr:leeds",
              "--format", "csv")
    local = cli("query", path, "--param", "centre=ctr:leeds", "--format", "csv")
    assert run.code == local.code == 0
    assert run.out == local.out and run.out.count("\n") == 2


def test_a_validation_query_the_store_gives_up_on_is_named_by_its_shape(fake, cli):
    # Virtuoso at 1M: the model-class test (an sh:xone over the classes) ran past its 60 s
    # MaxQueryExecutionTime once; the message must say which shape, not "a validation query"
    empty = json.dumps({"head": {"vars": []}, "results": {"bindings": []}})

    def respond(handler: BaseHTTPRequestHandler) -> None:
        query = handler.server.fake.requests[-1].body  # type: ignore[attr-defined]
        if "wgs84_pos#long> []" in query:
            answer(500, "Virtuoso S1T00 Error SR171: Transaction timed out",
                   "text/plain")(handler)
        else:
            answer(200, empty)(handler)

    endpoint = fake(respond)
    line = one_line_error(cli("validate", "--endpoint", endpoint.url), 3)
    assert "the shape pmsh:ClassOfTheModel (XoneConstraintComponent)" in line
    assert "SR171: Transaction timed out" in line
