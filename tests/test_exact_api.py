"""Exact terms through rdflib's API over the store (iterating a graph, ``graph.objects``,
``len``, ``graph.query``), the network built from it, and pyshacl's view of the data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from pmgraph.analysis.network import to_networkx
from pmgraph.graph.load import load_graph
from pmgraph.validation.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EX = "http://example.org/"
A = URIRef(EX + "a")
DATA = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n "01"^^xsd:integer ; ex:d "1.50"^^xsd:decimal ; ex:i "5"^^xsd:int ;
  ex:flag "1"^^xsd:boolean, "true"^^xsd:boolean ; ex:name "Leeds"@en-GB ;
  ex:when "2020-01-01T10:00:00.000+00:00"^^xsd:dateTime .
"""
WRITTEN = {
    (EX + "n", "01", XSD.integer, None),
    (EX + "d", "1.50", XSD.decimal, None),
    (EX + "i", "5", XSD.int, None),
    (EX + "flag", "1", XSD.boolean, None),
    (EX + "flag", "true", XSD.boolean, None),
    (EX + "name", "Leeds", None, "en-GB"),
    (EX + "when", "2020-01-01T10:00:00.000+00:00", XSD.dateTime, None),
}


def rows(pairs) -> set[tuple]:
    return {(str(p), str(o), o.datatype, o.language) for p, o in pairs}


@pytest.fixture(params=["memory", "store"])
def graph(request, tmp_path):
    path = tmp_path / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    if request.param == "memory":
        return load_graph(path)
    return load_graph(path, store=tmp_path / "s.store")


def test_iterating_the_graph_gives_the_terms_as_written(graph):
    assert rows((p, o) for s, p, o in graph if s == A) == WRITTEN
    assert rows(graph.predicate_objects(A)) == WRITTEN


def test_objects_and_value_give_the_terms_as_written(graph):
    assert list(graph.objects(A, URIRef(EX + "n"))) == [
        Literal("01", datatype=XSD.integer, normalize=False)]
    assert str(graph.value(A, URIRef(EX + "d"))) == "1.50"
    assert graph.value(A, URIRef(EX + "name")).language == "en-GB"


def test_a_pattern_with_a_literal_finds_it_by_value_and_gives_it_as_written(graph):
    found = list(graph.triples((A, None, Literal("1", datatype=XSD.integer))))
    assert [(str(o), o.datatype) for _, _, o in found] == [("01", XSD.integer)]
    flags = graph.triples((A, URIRef(EX + "flag"), Literal("1", datatype=XSD.boolean,
                                                           normalize=False)))
    assert [str(o) for _, _, o in flags] == ["1"]


def test_len_counts_each_written_triple(graph):
    assert len([t for t in graph if t[0] == A]) == 7
    assert len(graph) == sum(1 for _ in graph)


def test_rdflib_query_gives_the_terms_as_written(graph):
    result = graph.query(f"SELECT ?v WHERE {{ <{EX}a> <{EX}d> ?v }}")
    assert [str(row[0]) for row in result] == ["1.50"]


def test_the_network_shows_identifiers_and_labels_as_written(tmp_path):
    path = tmp_path / "centre.ttl"
    path.write_text("""\
@prefix pm: <https://w3id.org/pmgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/pmgraph/id/centre/x> a pm:CentreOfExcellence ;
  rdfs:label "Centre X"@EN-GB, "Centre X (fr)"@fr ; pm:ringgoldId "0012"^^xsd:integer .
""", encoding="utf-8")
    node = to_networkx(load_graph(path)).nodes["https://w3id.org/pmgraph/id/centre/x"]
    assert node["identifiers"] == {"ringgoldId": "0012"}
    assert node["label"] == "Centre X"  # an English tag in capitals is English


ILL_FORMED = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n "01"^^xsd:integer ; ex:b "300"^^xsd:byte ; ex:c "abc"^^xsd:integer ;
  ex:t "true "^^xsd:boolean ; ex:d "1.0"^^xsd:float .
"""
SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:n ; sh:pattern "^01$" ; sh:in ( "01"^^xsd:integer ) ] ;
  sh:property [ sh:path ex:n ; sh:maxInclusive 0 ] ;
  sh:property [ sh:path ex:b ; sh:datatype xsd:byte ] ;
  sh:property [ sh:path ex:c ; sh:datatype xsd:integer ] ;
  sh:property [ sh:path ex:d ; sh:hasValue "1.0"^^xsd:float ; sh:pattern "^1[.]0$" ] .
"""


def test_pyshacl_sees_the_terms_as_written(tmp_path):
    data, shapes = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    data.write_text(ILL_FORMED, encoding="utf-8")
    shapes.write_text(SHAPES, encoding="utf-8")
    report = validate(load_graph(data), shapes=shapes, checks=False, engine="pyshacl",
                      ontology=False)
    found = sorted((f.path.rsplit("/", 1)[1], f.constraint, f.value) for f in report.findings)
    assert found == [
        ("b", "DatatypeConstraintComponent", "300"),
        ("c", "DatatypeConstraintComponent", "abc"),
        ("n", "MaxInclusiveConstraintComponent", "01"),
    ]


def test_validate_prints_no_rdflib_traceback_for_ill_formed_literals(tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text(ILL_FORMED, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pmgraph", "validate", "--engine", "pyshacl",
                          str(data)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "UserWarning" not in run.stderr, run.stderr


def test_a_copy_into_a_new_graph_keeps_the_terms_as_written(graph):
    from pmgraph.graph.load import new_graph
    from pmgraph.publishing.export import serialize

    copy = new_graph()
    copy += graph
    assert rows((p, o) for s, p, o in copy if s == A) == WRITTEN
    lines = serialize(copy, "nt").decode("utf-8").splitlines()
    assert f'<{EX}a> <{EX}n> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .' in lines
    assert f'<{EX}a> <{EX}name> "Leeds"@en-GB .' in lines
    copy.add((A, URIRef(EX + "added"), Literal("+3", datatype=XSD.integer, normalize=False)))
    assert [str(o) for o in copy.objects(A, URIRef(EX + "added"))] == ["+3"]


def test_adding_two_forms_of_one_value_keeps_both():
    from pmgraph.graph.load import new_graph

    graph = new_graph()
    flag = URIRef(EX + "flag")
    graph.add((A, flag, Literal("true", datatype=XSD.boolean)))
    graph.add((A, flag, Literal("1", datatype=XSD.boolean, normalize=False)))
    assert sorted(str(o) for o in graph.objects(A, flag)) == ["1", "true"]


def test_literals_in_the_stores_own_form_are_not_normalised_by_rdflib(tmp_path):
    path = tmp_path / "canonical.ttl"
    path.write_text(f"""\
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{EX}a> <{EX}x> "1"^^xsd:double ; <{EX}day> "2020-01-01Z"^^xsd:date ;
  <{EX}at> "10:00:00Z"^^xsd:time .
""", encoding="utf-8")
    graph = load_graph(path)
    expected = {(EX + "x", "1"), (EX + "day", "2020-01-01Z"), (EX + "at", "10:00:00Z")}
    assert {(str(p), str(o)) for p, o in graph.predicate_objects(A)} == expected
    result = graph.query(f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}")
    assert {(str(p), str(o)) for p, o in result} == expected
