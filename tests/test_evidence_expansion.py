"""Odd annotations still get their statement records, and a graph exported in the store's form
loads back as the same triples."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode

from pmgraph.graph.exact import exact_triples, table_of
from pmgraph.graph.load import load_graph, source_files
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


def data_with_sources(folder: Path, name: str, text: str, sources: dict[str, str]) -> Path:
    """``folder/name`` holding ``text``, with ``sources`` (file name -> text) in
    ``folder/sources``, where the loader looks for a data file's sources."""
    (folder / "sources").mkdir(parents=True)
    for file, source in sources.items():
        (folder / "sources" / file).write_text(source, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _odd(folder: Path) -> Path:
    return data_with_sources(folder, "odd.ttl", ODD, {
        "odd.txt": ODD_SOURCE, "other.txt": "paid for by the fund, which is national"})


def test_odd_annotations_keep_their_records(tmp_path):
    """Two sources, no quote, no source, a blank node, another annotation predicate: each
    statement still gets its record, with its quotes anchored."""
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
    # two sources hold it: anchored in the first by IRI (src:odd), 32 characters before it
    assert {before for p, exact, before in rows if p == "fundedBy"} == {
        "ners in all, bought in 2016 and "}
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
    files = source_files([_odd(tmp_path)])
    graph = load_graph(*files[1:])
    written = tmp_path / "records.nt"
    written.write_bytes(serialize(graph, "nt"))
    again = load_graph(written)
    # (the ontology, read again, brings its blank nodes twice: compared without them)
    assert _named(again) == _named(graph)
    assert '"05"^^<http://www.w3.org/2001/XMLSchema#integer>' in written.read_text("utf-8")
    assert len(table_of(again)) == len(table_of(graph)) > 0
