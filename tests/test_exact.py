"""Exact data: the terms a user wrote are the terms every command sees and writes, although
the Oxigraph store keeps numbers, booleans and dates by value."""

from __future__ import annotations

import logging

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from pmgraph.graph.exact import exact_triples, rewritten_literals
from pmgraph.graph.load import load_graph, new_graph, open_store, parse_into, plain_copy
from pmgraph.publishing.export import FORMATS, SUFFIXES, export
from pmgraph.query.library import run_text

EX = "http://example.org/"
NON_CANONICAL = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:int "5"^^xsd:int ;
  ex:leadingZero "01"^^xsd:integer ;
  ex:plus "+7"^^xsd:integer ;
  ex:decimal "1.50"^^xsd:decimal ;
  ex:double "1E0"^^xsd:double ;
  ex:flag "1"^^xsd:boolean, "true"^^xsd:boolean ;
  ex:when "2020-01-01T10:00:00.000+00:00"^^xsd:dateTime ;
  ex:byte "300"^^xsd:byte ;
  ex:bare 2.50, 3E0, 008 ;
  ex:custom "01"^^ex:code ;
  ex:label "x"@en-gb, "plain", "y"@en-GB .
_:b ex:flag "0"^^xsd:boolean .
"""
#: What the store alone would give back for some of them.
STORED = {
    "int": Literal("5", datatype=XSD.integer),
    "leadingZero": Literal("1", datatype=XSD.integer),
    "decimal": Literal("1.5", datatype=XSD.decimal),
}
RDF_FORMATS = [f for f in FORMATS if f in ("turtle", "nt", "jsonld")]


def written() -> set[tuple]:
    """The triples of NON_CANONICAL about ex:a as (predicate, lexical form, datatype,
    language), as written."""
    return {
        ("int", "5", XSD.int, None),
        ("leadingZero", "01", XSD.integer, None),
        ("plus", "+7", XSD.integer, None),
        ("decimal", "1.50", XSD.decimal, None),
        ("double", "1E0", XSD.double, None),
        ("flag", "1", XSD.boolean, None),
        ("flag", "true", XSD.boolean, None),
        ("when", "2020-01-01T10:00:00.000+00:00", XSD.dateTime, None),
        ("byte", "300", XSD.byte, None),
        ("bare", "2.50", XSD.decimal, None),
        ("bare", "3E0", XSD.double, None),
        ("bare", "008", XSD.integer, None),
        ("custom", "01", URIRef(EX + "code"), None),
        ("label", "x", None, "en-gb"),
        ("label", "y", None, "en-GB"),
        ("label", "plain", None, None),
    }


def _row(predicate: object, obj: Literal) -> tuple:
    datatype = obj.datatype if obj.datatype != XSD.string else None
    return (str(predicate)[len(EX):], str(obj), datatype, obj.language)


def about_a(graph) -> set[tuple]:
    return {_row(p, o) for s, p, o in exact_triples(graph) if s == URIRef(EX + "a")}


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "non-canonical.ttl"
    path.write_text(NON_CANONICAL, encoding="utf-8")
    return path


def test_the_store_alone_would_rewrite_these_literals(data):
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(data), format=ox.RdfFormat.TURTLE)
    held = {q.predicate.value[len(EX):]: q.object for q in store}
    for name, literal in STORED.items():
        assert held[name].value == str(literal), name


def test_loading_keeps_every_term_as_written(data):
    graph = load_graph(data)
    assert about_a(graph) == written()
    assert ("byte", "300", XSD.byte, None) in about_a(graph)  # ill-formed, kept ill-formed
    # "0"^^xsd:boolean on a blank node too
    assert Literal("0", datatype=XSD.boolean, normalize=False) in {
        o for s, p, o in exact_triples(graph) if p == URIRef(EX + "flag")
    }
    assert rewritten_literals(graph) == 12


def test_canonical_data_has_no_rewritten_literals(write_ttl):
    graph = load_graph(write_ttl('qty:x pm:value "5"^^xsd:integer, "1.5"^^xsd:decimal .\n'))
    assert rewritten_literals(graph) == 0


def test_validation_copy_holds_the_terms_as_written(data):
    copy = plain_copy(load_graph(data))
    objects = set(copy.objects(URIRef(EX + "a"), URIRef(EX + "leadingZero")))
    assert [(str(o), o.datatype) for o in objects] == [("01", XSD.integer)]


def test_query_rows_come_back_as_written(data):
    graph = load_graph(data)
    result = run_text(
        "SELECT ?p ?v WHERE { <http://example.org/a> ?p ?v }", graph, {}
    )
    rows = {_row(p, v) for p, v in result.rows}
    # "1"^^xsd:boolean and "true" are one value in the store: one row, in the stored form.
    expected = {row for row in written() if row[0] != "flag"}
    expected.add(("flag", "true", XSD.boolean, None))
    assert rows == expected


def test_two_forms_of_one_value_are_reported(data, caplog):
    with caplog.at_level(logging.WARNING, logger="pmgraph"):
        load_graph(data)
    messages = [r.getMessage() for r in caplog.records if "several forms" in r.getMessage()]
    assert len(messages) == 1 and '"1"^^xsd:boolean' in (
        messages[0]
    )


def test_value_comparison_keeps_value_semantics(write_ttl):
    graph = load_graph(write_ttl(
        'qty:x pm:value "05"^^xsd:integer .\nqty:y pm:value "6"^^xsd:integer .\n'
    ))
    result = run_text("SELECT ?s ?v WHERE { ?s ?p ?v FILTER(?v = 5) }", graph, {})
    assert [(str(s).rsplit("/", 1)[1], str(v)) for s, v in result.rows] == [("x", "05")]


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_export_and_read_back_keeps_every_term(data, tmp_path, fmt):
    out = export(load_graph(data), fmt, tmp_path / f"out{SUFFIXES[fmt]}")
    for term in ('"01"^^', '"+7"^^', '"1.50"^^', '1E0', '"1"^^', '.000+00:00', '"300"^^'):
        assert term in out.read_text(encoding="utf-8") or term.strip('"^') in out.read_text(
            encoding="utf-8"
        ), term
    back = new_graph()
    parse_into(back, out)
    assert about_a(back) == written()


def test_jsonld_export_reads_back_with_its_terms(data, tmp_path):
    out = export(load_graph(data), "jsonld", tmp_path / "out.jsonld")
    back = new_graph()
    parse_into(back, out)
    assert about_a(back) == written()


def test_store_on_disk_keeps_every_term(data, tmp_path):
    load_graph(data, store=tmp_path / "s.store")
    assert (tmp_path / "s.store" / "pmgraph-exact.nq").is_file()
    reopened = open_store(tmp_path / "s.store")
    assert about_a(reopened) == written()
    assert rewritten_literals(reopened) == 12
    result = run_text(
        "SELECT ?v WHERE { <http://example.org/a> <http://example.org/leadingZero> ?v }",
        reopened, {},
    )
    assert [str(v) for (v,) in result.rows] == ["01"]


def test_store_of_canonical_data_has_no_table(write_ttl, tmp_path):
    load_graph(write_ttl('qty:x pm:value "5"^^xsd:integer .\n'), store=tmp_path / "c.store")
    assert not (tmp_path / "c.store" / "pmgraph-exact.nq").exists()
    assert rewritten_literals(open_store(tmp_path / "c.store")) == 0
