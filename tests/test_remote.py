"""Queries on a remote SPARQL endpoint give the rows the embedded graph gives."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from rdflib import Literal

from pmgraph.errors import EndpointError, ParameterError
from pmgraph.query.library import list_queries, run_query


def comparable(result):
    """Rows as sorted tuples of values: numbers by value (Oxigraph canonicalises lexical
    forms), "; "-joined lists as sets (SPARQL leaves the order of GROUP_CONCAT open)."""

    def value(term):
        if isinstance(term, Literal) and term.datatype is not None:
            python = term.toPython()
            if isinstance(python, int | float | Decimal) and not isinstance(python, bool):
                return ("number", Decimal(str(python)))
        if isinstance(term, Literal) and "; " in term:
            return ("list", tuple(sorted(str(term).split("; "))), term.language)
        return ("term", term)

    return sorted((tuple(value(t) for t in row) for row in result.rows), key=repr)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.server
@pytest.mark.parametrize("info", list_queries(), ids=lambda q: q.name)
def test_remote_rows_equal_embedded_rows(info, project_graph, sparql_endpoint, example_params):
    params = example_params(info)
    local = run_query(info.name, project_graph, params=params)
    remote = run_query(info.name, params=params, endpoint=sparql_endpoint)
    assert remote.vars == local.vars
    assert comparable(remote) == comparable(local)
    assert len(remote) == len(local)


@pytest.mark.server
def test_remote_parameters_are_bound_as_terms(project_graph, sparql_endpoint):
    nation = "https://w3id.org/pmgraph/id/place/scotland"
    local = run_query("centres", project_graph, params={"nation": nation})
    remote = run_query("centres", params={"nation": "place:scotland"}, endpoint=sparql_endpoint)
    assert comparable(remote) == comparable(local) and local.rows


@pytest.mark.server
def test_remote_string_parameter_cannot_change_the_query(sparql_endpoint, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(
        "# param: text (string)\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(STR(?l), ?text)) }\n"
    )
    result = run_query(path, params={"text": '" ) } } DROP ALL #'}, endpoint=sparql_endpoint)
    assert result.rows == ()
    assert run_query("centres", endpoint=sparql_endpoint).rows, "the store was changed"


@pytest.mark.server
def test_remote_construct_and_ask(project_graph, sparql_endpoint, tmp_path):
    construct = tmp_path / "c.rq"
    construct.write_text(
        "# param: centre (iri)\nPREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
        "CONSTRUCT { ?asset pm:assetOf ?centre } WHERE { ?centre pm:hasFacility ?asset }\n")
    params = {"centre": "ctr:cardiff"}
    local = run_query(construct, project_graph, params=params)
    remote = run_query(construct, params=params, endpoint=sparql_endpoint)
    assert len(local.graph) > 0 and set(remote.graph) == set(local.graph)
    ask = tmp_path / "a.rq"
    ask.write_text("# param: centre (iri)\nPREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
                   "ASK { ?centre a pm:CentreOfExcellence }\n")
    assert run_query(ask, params=params, endpoint=sparql_endpoint).boolean is True
    wales = {"centre": "place:wales"}
    assert run_query(ask, params=wales, endpoint=sparql_endpoint).boolean is False


@pytest.mark.server
def test_cli_query_on_the_endpoint_prints_the_embedded_rows(cli, sparql_endpoint):
    local = cli("query", "centres", "--format", "json")
    remote = cli("query", "centres", "--format", "json", "--endpoint", sparql_endpoint)
    assert local.code == remote.code == 0
    import json

    def normal(records):
        return sorted(
            json.dumps({k: (str(Decimal(v).normalize()) if k in ("lat", "long") and v else v)
                        for k, v in r.items()}, sort_keys=True)
            for r in records
        )

    assert normal(json.loads(remote.out)) == normal(json.loads(local.out))


@pytest.mark.server
def test_server_script_listens_on_loopback_and_stops(tmp_path, write_ttl):
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import urlparse

    if shutil.which("oxigraph") is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    script = Path(__file__).resolve().parents[1] / "scripts" / "sparql-server"
    data = write_ttl('orgn:x a pm:University ; rdfs:label "X"@en .\n')
    location = tmp_path / "store"
    started = subprocess.run(
        [sys.executable, script, "start", "--location", location, "--load", data],
        capture_output=True, text=True, timeout=120, check=True,
    )
    endpoint = started.stdout.strip()
    try:
        assert urlparse(endpoint).hostname == "127.0.0.1"
        path = tmp_path / "labels.rq"
        path.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                        "SELECT ?l WHERE { ?s rdfs:label ?l }\n")
        assert [r["l"] for r in run_query(path, endpoint=endpoint).to_records()] == ["X"]
    finally:
        subprocess.run([sys.executable, script, "stop", "--location", location],
                       timeout=60, check=True)
    with pytest.raises(EndpointError, match="cannot reach"):
        run_query(path, endpoint=endpoint)


def test_unreachable_endpoint_is_an_endpoint_error():
    endpoint = f"http://127.0.0.1:{closed_port()}/query"
    with pytest.raises(EndpointError, match=rf"cannot reach SPARQL endpoint {endpoint}"):
        run_query("centres", endpoint=endpoint)


def test_unreachable_endpoint_exits_3_with_one_line(cli):
    run = cli("query", "centres", "--endpoint", f"http://127.0.0.1:{closed_port()}/query")
    assert run.code == 3
    assert run.err.startswith("pmgraph: error: cannot reach SPARQL endpoint")
    assert run.err.count("\n") == 1 and run.out == ""


def test_endpoint_must_be_an_http_url():
    with pytest.raises(ParameterError, match="is not an http"):
        run_query("centres", endpoint="ftp://example.org/sparql")
