"""Shared fixtures: the project's graph, inline Turtle files, the CLI, a local SPARQL server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph

from pmgraph.cli import main
from pmgraph.graph.load import load_graph
from pmgraph.query.library import QueryInfo

ROOT = Path(__file__).resolve().parents[1]
SPARQL_SERVER = ROOT / "scripts" / "sparql-server"

#: The prefix block every inline Turtle fixture starts with (as in data/README.md).
TTL_PREFIXES = """\
@prefix pm:      <https://w3id.org/pmgraph/ontology#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix sh:      <http://www.w3.org/ns/shacl#> .
@prefix geo:     <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix ctr:     <https://w3id.org/pmgraph/id/centre/> .
@prefix orgn:    <https://w3id.org/pmgraph/id/org/> .
@prefix fac:     <https://w3id.org/pmgraph/id/facility/> .
@prefix place:   <https://w3id.org/pmgraph/id/place/> .
@prefix qty:     <https://w3id.org/pmgraph/id/quantity/> .
@prefix src:     <https://w3id.org/pmgraph/id/source/> .
@prefix per:     <https://w3id.org/pmgraph/id/person/> .
@prefix pmsh:    <https://w3id.org/pmgraph/shapes#> .
"""


def example_params(info: QueryInfo) -> dict[str, str]:
    """Values for a query's required parameters: the example each description gives
    (``e.g. VALUE``)."""
    values = {}
    for param in info.params:
        if param.required:
            example = re.search(r"e\.g\. (\S+?)[.,;)]?(\s|$)", param.description)
            assert example, f"{info.name}: parameter {param.name} gives no example"
            values[param.name] = example.group(1)
    return values


@pytest.fixture(name="example_params")
def example_params_fixture() -> Callable[[QueryInfo], dict[str, str]]:
    """:func:`example_params` for tests (a fixture, since test modules are not a package)."""
    return example_params


@pytest.fixture(scope="session")
def project_graph() -> Graph:
    """The project's ontology and data, loaded once (tests must not change it)."""
    return load_graph()


@pytest.fixture
def write_ttl(tmp_path: Path) -> Callable[..., Path]:
    """Write Turtle (the prefix block prepended) to ``tmp_path/name`` and return the path."""

    def write(body: str, name: str = "data.ttl", *, prefixes: bool = True) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((TTL_PREFIXES if prefixes else "") + body, encoding="utf-8")
        return path

    return write


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """Run ``pmgraph`` in-process through ``main(argv)``; return exit code, stdout, stderr."""

    def run(*argv: str | Path) -> CliRun:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def sparql_endpoint(
    tmp_path_factory: pytest.TempPathFactory, project_graph: Graph
) -> Iterator[str]:
    """A local Oxigraph server on 127.0.0.1 holding the merged graph; stopped afterwards."""
    if shutil.which("oxigraph") is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    from pmgraph.publishing.export import to_ntriples

    location = tmp_path_factory.mktemp("oxigraph")
    dump = location / "pmgraph.nt"
    dump.write_bytes(to_ntriples(project_graph))
    started = subprocess.run(
        [sys.executable, str(SPARQL_SERVER), "start", "--location", str(location),
         "--load", str(dump)],
        capture_output=True, text=True, timeout=120,
    )
    if started.returncode:
        pytest.fail(f"sparql-server did not start: {started.stderr.strip()}")
    endpoint = started.stdout.strip().splitlines()[-1]
    try:
        yield endpoint
    finally:
        subprocess.run(
            [sys.executable, str(SPARQL_SERVER), "stop", "--location", str(location)],
            capture_output=True, timeout=60,
        )


def in_forked_child(work: Callable[[], object], *, seconds: int = 10) -> str:
    """``repr(work())`` as a child made by ``os.fork`` returned it. A child whose ``work``
    raised, or hung (ended by SIGALRM after ``seconds``), fails the test."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            signal.alarm(seconds)
            os.write(write, repr(work()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    try:
        _, status = os.waitpid(child, 0)
        answer = b"".join(iter(lambda: os.read(read, 65536), b"")).decode()
    finally:
        os.close(read)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (
        f"the child ended with status {status} (14: it hung)")
    return answer


# --------------------------------------------------------------------------- writable stores


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """``pmgraph serve ARGS`` in a process; returns it and its first lines once it serves."""
    import os
    import time

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pmgraph", "serve", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl-C"):
            return process, lines
    process.kill()
    pytest.fail(f"serve did not start: {lines} {process.stderr.read()}")


def _answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


class StoreServer:
    """A writable SPARQL store on 127.0.0.1 in a folder of its own, which a test can kill
    (SIGKILL, as a crash) and start again on the same data."""

    name = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    query_url = ""

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 90.0) -> None:
        import time

        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - the server's output
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.folder, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_text = (self.folder / "server.log").read_text()[-500:]
                pytest.fail(f"{self.name} exited: {log_text}")
            if _answers(self.query_url):
                return
            time.sleep(0.2)
        self.kill()
        pytest.fail(f"{self.name} did not answer within {timeout} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class OxigraphServer(StoreServer):
    name = "oxigraph"

    @property
    def query_url(self) -> str:  # type: ignore[override]
        return f"http://127.0.0.1:{self.port}/query"

    def command(self) -> list[str]:
        return ["oxigraph", "serve", "--location", str(self.folder / "store"),
                "--bind", f"127.0.0.1:{self.port}"]


class VirtuosoServer(StoreServer):
    """Virtuoso 7 (Debian's virtuoso-opensource), both ports on 127.0.0.1, in the foreground.
    The SPARQL account may update (GRANT SPARQL_UPDATE): for tests on loopback only."""

    name = "virtuoso"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.sql_port = free_port()
        text = VIRTUOSO_INI.read_text()
        text = text.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
        text = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = 127.0.0.1:{self.sql_port}",
                      text)
        text = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = 127.0.0.1:{self.port}", text)
        (folder / "virtuoso.ini").write_text(text)

    @property
    def query_url(self) -> str:  # type: ignore[override]
        return f"http://127.0.0.1:{self.port}/sparql"

    def command(self) -> list[str]:
        return ["virtuoso-t", "+foreground", "+configfile", str(self.folder / "virtuoso.ini")]

    def start(self, timeout: float = 120.0) -> None:
        super().start(timeout)
        granted = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba",
             'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True, text=True, timeout=60,
        )
        if granted.returncode:
            pytest.fail(f"isql-vt: {granted.stderr or granted.stdout}")


def start_store_server(kind: str, folder: Path) -> StoreServer:
    """A started writable store: ``oxigraph`` or ``virtuoso`` (skipped, with the reason, where
    the Virtuoso package cannot be installed: see scripts/setup-test-env)."""
    if kind == "virtuoso":
        if shutil.which("virtuoso-t") is None or not VIRTUOSO_INI.is_file():
            pytest.skip("Virtuoso 7 is not installed (scripts/setup-test-env installs "
                        "virtuoso-opensource with apt-get)")
        server: StoreServer = VirtuosoServer(folder)
    else:
        if shutil.which("oxigraph") is None:
            pytest.fail("the oxigraph server is not installed (pip install oxigraph)")
        server = OxigraphServer(folder)
    server.start()
    return server


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def store_server(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    """A writable Oxigraph server, then a Virtuoso 7 server, for the module's tests."""
    server = start_store_server(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield server
    finally:
        server.stop()
