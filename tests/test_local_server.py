"""A local SPARQL server from Python: ``pmgraph.publishing.serve.LocalServer``."""

from __future__ import annotations

import urllib.request

import pytest

from pmgraph.errors import PMGraphError
from pmgraph.publishing.serve import LocalServer
from pmgraph.query.library import run_query

pytestmark = pytest.mark.server


def test_serves_the_graph_and_stops(project_graph) -> None:
    with LocalServer(project_graph) as server:
        url = server.query_url
        assert url.startswith("http://127.0.0.1:") and url.endswith("/query")
        assert server.running and server.triples == len(project_graph)
        remote = run_query("centres", endpoint=url).to_dataframe()
        local = run_query("centres", project_graph).to_dataframe()
        assert remote.equals(local)
        process = server._server.process
    assert process.poll() is not None
    assert not server.running
    with pytest.raises(OSError):  # nothing answers there any more
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)
    with pytest.raises(PMGraphError, match="not running"):
        _ = server.query_url


def test_start_and_stop_in_two_steps(project_graph) -> None:
    server = LocalServer(project_graph).start()
    try:
        assert server.start() is server  # a second start keeps the running server
        assert run_query("dashboard", endpoint=server.query_url).rows
    finally:
        server.stop()
    server.stop()  # stopping twice is harmless
    assert not server.running
