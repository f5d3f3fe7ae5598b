"""``pmgraph serve``: the graph over SPARQL on loopback, read-only, stopped cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, start_serve
from rdflib import Literal

from pmgraph.query.library import run_query

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.server


def url_of(lines: list[str], label: str) -> str:
    return next(line.split(": ", 1)[1].strip() for line in lines if label in line)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    process, lines = start_serve(tmp, "--port", str(port))
    yield process, lines, port, tmp
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_prints_endpoint_and_page_and_answers_like_the_local_graph(served, project_graph):
    _, lines, port, _ = served
    assert url_of(lines, "SPARQL endpoint") == f"http://127.0.0.1:{port}/query"
    page = url_of(lines, "Query page")
    with urllib.request.urlopen(page, timeout=5) as answer:
        assert answer.status == 200 and b"<html" in answer.read(2000).lower()
    local = run_query("centres", project_graph)
    remote = run_query("centres", endpoint=url_of(lines, "SPARQL endpoint"))
    # numbers by value: the server answers -5.93 where the data (and the local row) say -5.930
    assert by_value(remote.rows) == by_value(local.rows) and local.rows


def by_value(rows):
    return {tuple(t.toPython() if isinstance(t, Literal) else t for t in row) for row in rows}


def test_serve_is_read_only(served):
    _, lines, port, _ = served
    data = urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=data.encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403


def test_a_port_in_use_is_one_line_and_exit_2(served):
    _, _, port, _ = served
    done = subprocess.run([sys.executable, "-m", "pmgraph", "serve", "--port", str(port)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == (f"pmgraph: error: --port {port}: port {port} on 127.0.0.1 is "
                           "already in use; stop what uses it or give another --port\n")


def test_sigterm_stops_the_server_and_removes_its_folder(served):
    process, lines, port, tmp = served
    assert list(tmp.glob("pmgraph-serve-*"))
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 143
    assert "server stopped (SIGTERM)" in process.stderr.read()
    assert not list(tmp.glob("pmgraph-serve-*"))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_ctrl_c_exits_130_and_another_address_warns(tmp_path):
    port = free_port()
    process, lines = start_serve(tmp_path, "--port", str(port), "--bind", "0.0.0.0", "--writable",
                           "--data", str(ROOT / "data" / "cardiff.ttl"))
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 130
    err = process.stderr.read()
    assert err.splitlines()[0] == (f"pmgraph: warning: --bind 0.0.0.0: anyone who can reach "
                                   f"this machine on port {port} can query and change the "
                                   "graph, without a login")
    assert any(line.strip().startswith("Graph Store:") for line in lines)
    assert not list(tmp_path.glob("pmgraph-serve-*"))


def test_a_push_into_the_served_store_replaces_the_served_triples(tmp_path):
    """The README's order: serve --writable, push into it, query without --graph. The push
    replaces the served triples (both are the published graph), so each centre is one row,
    not one per combination of the two copies."""
    port = free_port()
    process, lines = start_serve(tmp_path, "--port", str(port), "--writable")
    try:
        endpoint = url_of(lines, "SPARQL endpoint")
        pushed = subprocess.run(
            [sys.executable, "-m", "pmgraph", "push", "--endpoint", endpoint],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert pushed.returncode == 0, pushed.stderr
        rows = run_query("centres", endpoint=endpoint).rows
        assert len(rows) == 6
        assert len({row[0] for row in rows}) == 6
    finally:
        process.terminate()
        process.wait(30)
