"""The statement records made inside the store (one SPARQL update) are the triples the Python
expansion makes, and a graph exported in the store's form loads back as the same triples."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode

from pmgraph.graph.evidence import expand_statements, source_roots
from pmgraph.graph.exact import ExactTerms, exact_triples, table_of
from pmgraph.graph.load import load_files, load_graph, source_files
from pmgraph.graph.synth import write_synthetic
from pmgraph.publishing.export import serialize

ODD = """\
@prefix pm: <https://w3id.org/pmgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix src: <https://w3id.org/pmgraph/id/source/> .
@prefix stm: <https://w3id.org/pmgraph/statement/> .

src:odd dcterms:identifier "odd.txt" .
src:other dcterms:identifier "other.txt" .
src:missing dcterms:identifier "missing.txt" .

<https://w3id.org/pmgraph/id/centre/x> pm:value "05"^^xsd:integer {|
        pm:source src:odd ; pm:quote "the centre holds 05 scanners\\u00a0in\\u001c all" |} ;
    pm:startDate "2016-01-01"^^xsd:date {| pm:source src:odd ;
        pm:quote "the centre holds 05 scanners in all, bought in 2016" |} ;
    pm:status "Geplant für das Jahr 2020: ein sehr langer Status, länger als vierzig Zeichen"@DE {|
        pm:source src:odd ; pm:quote "bought in 2016 and paid for by the fund"@en |} ;
    pm:partOf <http://example.org/a/b/thing/> {| pm:source src:odd ;
        pm:quote "  paid   for by the fund, which is national  " ,
            "the centre holds 05 scanners" |} ;
    pm:hostedBy <https://w3id.org/pmgraph/id/org/y> ~ stm:named {| pm:source src:odd ;
        pm:quote "the centre holds 05 scanners in all" |} ;
    pm:fundedBy <https://w3id.org/pmgraph/id/org/z> {| pm:source src:odd , src:other ;
        pm:quote "paid for by the fund, which is national" |} ;
    pm:ledBy <https://w3id.org/pmgraph/id/person/p> {| pm:quote "a quote with no source at all" |} ;
    pm:locatedIn <https://w3id.org/pmgraph/id/place/q> {| pm:source src:missing ;
        pm:quote "a quote whose source file is missing" |} ;
    pm:servesArea <https://w3id.org/pmgraph/id/place/r> {| pm:source src:odd |} ;
    pm:memberOf <https://w3id.org/pmgraph/id/org/w> {| pm:source src:odd ;
        pm:quote "not in the source, not anywhere" ; pm:note "kept on the record" |} .
_:b pm:partOf <https://w3id.org/pmgraph/id/org/y> {| pm:source src:odd ;
        pm:quote "the centre holds 05 scanners in all" |} .
"""
ODD_SOURCE = ("Before: the centre holds 05 scanners in all, bought in 2016 and paid for by the "
              "fund, which is national. After.")


def _odd(folder: Path) -> Path:
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "odd.txt").write_text(ODD_SOURCE, encoding="utf-8")
    (folder / "sources" / "other.txt").write_text("paid for by the fund, which is national",
                                                  encoding="utf-8")
    path = folder / "odd.ttl"
    path.write_text(ODD, encoding="utf-8")
    return path


def _unlabelled(term: object) -> object:
    if type(term) is ox.NamedNode:
        return ox.NamedNode(re.sub(r"/statement/b[0-9a-f]{12}--", "/statement/b--", term.value))
    return term


def _expanded(files: list[Path], graph: object, in_store: bool) -> tuple[set, dict, int]:
    store, table = ox.Store(), ExactTerms()
    load_files(store, graph, files, table)
    count = expand_statements(store, graph, table, roots=source_roots(files), in_store=in_store)
    quads = store.quads_for_pattern(None, None, None, graph)
    # Blank nodes get new labels in each store: compared without them, and the IRI of the
    # record of a statement about a blank node (made from its label) as a placeholder.
    triples = {(_unlabelled(q.subject), q.predicate, _unlabelled(q.object)) for q in quads
               if type(q.subject) is not ox.BlankNode and type(q.object) is not ox.BlankNode}
    anonymous = sum(1 for q in store.quads_for_pattern(None, None, None, graph)
                    if type(q.subject) is ox.BlankNode or type(q.object) is ox.BlankNode)
    table_triples = {key: tuple(forms) for key, forms in table.triples.items()
                     if type(key[0]) is not ox.BlankNode}
    return triples, table_triples, (count, anonymous, len(store))


def _files(kind: str, folder: Path) -> list[Path]:
    if kind == "data":
        return source_files([], include_project_data=True)
    if kind == "synthetic":
        write_synthetic(folder / "s.ttl", 3000, 1)
        return source_files([folder / "s.ttl"])
    return source_files([_odd(folder)])


@pytest.mark.parametrize("kind", ["data", "synthetic", "odd"])
@pytest.mark.parametrize("graph", [ox.NamedNode("urn:x-pmgraph:graph"), ox.DefaultGraph()],
                         ids=["named graph", "default graph"])
def test_records_made_in_the_store_are_the_python_records(kind, graph, tmp_path):
    files = _files(kind, tmp_path)
    python = _expanded(files, graph, in_store=False)
    in_store = _expanded(files, graph, in_store=True)
    assert in_store[0] == python[0]
    assert in_store[1] == python[1]
    assert in_store[2] == python[2]
    reifies = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies")
    assert not any(t[1] == reifies for t in in_store[0])
    assert python[2][0] > 0


def test_odd_annotations_keep_their_records(tmp_path):
    """What the update leaves to Python (two sources, no quote, no source, a blank node,
    another annotation predicate) still gets its record, with its quotes anchored."""
    graph = load_graph(_odd(tmp_path))
    rows = {(str(r.p).rsplit("#", 1)[1], str(r.exact) if r.exact else None,
             str(r.before) if r.before is not None else None)
            for r in graph.query("""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX pm: <https://w3id.org/pmgraph/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?p ?exact ?before WHERE {
          ?st a rdf:Statement ; rdf:predicate ?p .
          OPTIONAL { ?st pm:evidenceQuote ?q . ?q oa:exact ?exact
                     OPTIONAL { ?q oa:prefix ?before } } }""")}
    assert ("servesArea", None, None) in rows
    assert ("ledBy", "a quote with no source at all", None) in rows
    # two sources hold it: anchored in one of them
    assert {before for p, exact, before in rows if p == "fundedBy"} & {
        "", "5 scanners in all, bought in 2016 and "}
    assert ("value", "the centre holds 05 scanners\u00a0in\x1c all", "Before: ") in rows
    assert ("memberOf", "not in the source, not anywhere", None) in rows
    named = list(graph.query(
        "SELECT ?p WHERE { <https://w3id.org/pmgraph/statement/named> "
        "<https://w3id.org/pmgraph/ontology#evidenceQuote> ?p }"))
    assert len(named) == 1


def _named(graph) -> set:
    return {t for t in exact_triples(graph) if not any(isinstance(x, BNode) for x in t)}


def test_the_store_form_loads_back_as_the_same_triples(tmp_path):
    """A graph written in the store's form (records, no annotations) loads as the same
    triples, every term as written, without being expanded again."""
    files = _files("odd", tmp_path)
    graph = load_graph(*files[1:])
    written = tmp_path / "records.nt"
    written.write_bytes(serialize(graph, "nt"))
    again = load_graph(written)
    # (the ontology, read again, brings its blank nodes twice: compared without them)
    assert _named(again) == _named(graph)
    assert '"05"^^<http://www.w3.org/2001/XMLSchema#integer>' in written.read_text("utf-8")
    assert len(table_of(again)) == len(table_of(graph)) > 0
