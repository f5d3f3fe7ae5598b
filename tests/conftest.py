"""Shared fixtures: the project's graph, inline Turtle files, the CLI, a local SPARQL server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph

from pmgraph.cli import main
from pmgraph.load import load_graph
from pmgraph.queries import QueryInfo

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
    from pmgraph.export import to_ntriples

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
