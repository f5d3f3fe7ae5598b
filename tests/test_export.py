"""Exports re-import to the same graph; writes and builds are all-or-nothing."""

from __future__ import annotations

import csv
import io
import os
import sys

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from pmgraph.analysis.network import to_networkx
from pmgraph.errors import OutputError, ParameterError
from pmgraph.files import MARKER, atomic_write, marker_text, replace_dir
from pmgraph.graph.exact import exact_triples
from pmgraph.graph.load import load_graph, plain_copy
from pmgraph.graph.namespaces import VOID
from pmgraph.graph.stats import graph_stats
from pmgraph.publishing.build import BUILD_FILES, build
from pmgraph.publishing.describe import DATASET_IRI, describe
from pmgraph.publishing.export import CSV_COLUMNS, FORMATS, export, read_export, serialize

INVALID_DATA = "orgn:nameless a pm:University .\n"


@pytest.fixture(scope="module")
def merged(project_graph):
    """The merged graph as rdflib sees it (xsd:string literals plain)."""
    return plain_copy(project_graph)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_rdf_export_round_trips_to_the_merged_graph(project_graph, merged, fmt):
    again = read_export(serialize(project_graph, fmt), fmt)
    assert len(again) == len(merged)
    assert isomorphic(plain_copy(again), merged)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_decimal_lexical_forms_are_kept(project_graph, fmt):
    def decimals(graph):  # as written in data/ (the store itself holds "-5.930" as "-5.93")
        return sorted(str(o) for _, _, o in exact_triples(graph)
                      if isinstance(o, Literal) and o.datatype == XSD.decimal)

    expected = decimals(project_graph)
    assert expected, "the project's data has no decimals"
    assert decimals(read_export(serialize(project_graph, fmt), fmt)) == expected


def test_lexical_forms_survive_a_turtle_round_trip(write_ttl):
    graph = load_graph(write_ttl('qty:x pm:value "210000000"^^xsd:decimal .\n'))
    again = read_export(serialize(graph, "turtle"), "turtle")
    (value,) = again.objects(URIRef("https://w3id.org/pmgraph/id/quantity/x"), None)
    assert (str(value), value.datatype) == ("210000000", XSD.decimal)


def test_turtle_uses_the_project_prefixes(project_graph):
    text = serialize(project_graph, "turtle").decode("utf-8")
    assert "@prefix pm: <https://w3id.org/pmgraph/ontology#> ." in text
    assert "ctr:leeds a pm:CentreOfExcellence" in text or "ctr:leeds " in text


def test_jsonld_is_compacted_with_the_project_context(project_graph):
    import json

    document = json.loads(serialize(project_graph, "jsonld"))
    assert document["@context"]["pm"] == "https://w3id.org/pmgraph/ontology#"


def test_csv_has_one_row_per_triple(project_graph, merged):
    rows = list(csv.DictReader(io.StringIO(serialize(project_graph, "csv").decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(merged)
    values = [r for r in rows if r["predicate"] == "https://w3id.org/pmgraph/ontology#value"]
    assert values and all(r["datatype"] == str(XSD.decimal) for r in values)
    labels = [r for r in rows if r["predicate"].endswith("#label") and r["language"]]
    assert labels and all(r["object_kind"] == "literal" for r in labels)
    rebuilt = Graph()
    for r in rows:
        if r["subject"].startswith("_:") or r["object_kind"] == "bnode":
            continue
        if r["object_kind"] == "iri":
            obj = URIRef(r["object"])
        else:
            obj = Literal(r["object"], lang=r["language"] or None,
                          datatype=URIRef(r["datatype"]) if r["datatype"] else None)
        rebuilt.add((URIRef(r["subject"]), URIRef(r["predicate"]), obj))
    named = Graph()
    named += ((s, p, o) for s, p, o in merged if not s.n3().startswith("_:")
              and not o.n3().startswith("_:"))
    assert set(rebuilt) == set(named)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_exports_hold_the_entity_network(project_graph, fmt):
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    network = reader(io.BytesIO(serialize(project_graph, fmt)))
    expected = to_networkx(project_graph)
    assert set(network.nodes) == set(expected.nodes)
    assert network.number_of_edges() == expected.number_of_edges()
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    assert network.nodes[leeds]["label"] == expected.nodes[leeds]["label"]


def test_unknown_format_is_refused(project_graph):
    with pytest.raises(ParameterError, match="unknown export format 'xml'; use one of turtle"):
        serialize(project_graph, "xml")
    assert "xml" not in FORMATS


def test_export_writes_the_file(project_graph, tmp_path):
    path = export(project_graph, "nt", tmp_path / "out" / "g.nt")
    assert path.read_bytes() == serialize(project_graph, "nt")


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "g.ttl"
    target.write_text("previous")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match=r"cannot write .*g\.ttl \(No space left on device\)"):
        atomic_write(target, b"new")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"], "temporary file left behind"


def test_unwritable_place_is_an_output_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(blocker / "g.ttl", b"x")
    with pytest.raises(OutputError, match="is a file; give a folder"):
        with replace_dir(blocker):
            pass


# ---------------------------------------------------------------- description


def test_description_counts_match_the_graph(project_graph):
    stats = graph_stats(project_graph)
    description = describe(project_graph, stats=stats, files=BUILD_FILES)
    dataset = DATASET_IRI
    assert description.value(dataset, VOID.triples).toPython() == len(project_graph)
    partitions = {
        description.value(p, VOID["class"]): description.value(p, VOID.entities).toPython()
        for p in description.objects(dataset, VOID.classPartition)
    }
    centre = URIRef("https://w3id.org/pmgraph/ontology#CentreOfExcellence")
    centres = set(project_graph.subjects(RDF.type, centre))
    assert partitions[centre] == len(centres) > 0
    properties = {
        description.value(p, VOID.property): description.value(p, VOID.triples).toPython()
        for p in description.objects(dataset, VOID.propertyPartition)
    }
    has_facility = URIRef("https://w3id.org/pmgraph/ontology#hasFacility")
    assert properties[has_facility] == len(list(project_graph.triples((None, has_facility, None))))
    sources = set(description.objects(dataset, URIRef("http://purl.org/dc/terms/source")))
    assert URIRef("https://w3id.org/pmgraph/id/source/iuk-precision-medicine-2019") in sources
    assert description.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None


# ---------------------------------------------------------------- build


def test_build_writes_every_file(project_graph, tmp_path):
    out = tmp_path / "build"
    result = build(out, graph=project_graph)
    assert result.ok
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == sorted(BUILD_FILES)
    assert isomorphic(read_export((out / "pmgraph.ttl").read_bytes(), "turtle"),
                      plain_copy(project_graph))
    assert "<html" in (out / "network.html").read_text(encoding="utf-8").lower()
    void = Graph().parse(out / "void.ttl")
    assert void.value(DATASET_IRI, VOID.triples).toPython() == len(project_graph)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging left behind"


def test_invalid_data_writes_nothing_and_keeps_the_previous_build(tmp_path, write_ttl):
    out = tmp_path / "build"
    out.mkdir()
    (out / MARKER).write_text(marker_text(["pmgraph.ttl"]))  # a previous build
    (out / "pmgraph.ttl").write_text("previous build")
    result = build(out, data=[write_ttl(INVALID_DATA)])
    assert not result.ok and result.report.violations
    assert result.files == ()
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "pmgraph.ttl"]
    assert (out / "pmgraph.ttl").read_text() == "previous build"


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_interrupted_build_keeps_the_previous_build(project_graph, tmp_path, monkeypatch, failure):
    out = tmp_path / "build"
    out.mkdir()
    (out / MARKER).write_text(marker_text(["pmgraph.ttl"]))  # a previous build
    (out / "pmgraph.ttl").write_text("previous build")

    def interrupted(graph):
        raise failure()

    monkeypatch.setattr(sys.modules["pmgraph.publishing.build"], "to_graphml", interrupted)
    with pytest.raises((KeyboardInterrupt, OutputError)):
        build(out, graph=project_graph)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "pmgraph.ttl"]
    assert (out / "pmgraph.ttl").read_text() == "previous build"
    assert [p.name for p in tmp_path.iterdir()] == ["build"], "staging folder left behind"


def test_rebuild_replaces_the_folder_whole(project_graph, tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    (out / MARKER).write_text(marker_text(["stale.txt"]))  # a previous build
    (out / "stale.txt").write_text("from an older build")
    build(out, graph=project_graph)
    assert not (out / "stale.txt").exists()
    assert (out / "pmgraph.nt").is_file()
