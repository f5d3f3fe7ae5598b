"""Annotations read beside the store's load: the store gets the text without the blocks, and the
graph is the same as when the store loads each file whole and the reifiers are read back."""

from __future__ import annotations

import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from test_evidence_expansion import data_with_sources

from pmgraph.errors import DataLoadError
from pmgraph.graph.annotations import NotTaken, StrippedText
from pmgraph.graph.evidence import expand_graph
from pmgraph.graph.exact import exact_triples, table_for, table_of
from pmgraph.graph.load import load_files, load_graph, new_graph, source_files
from pmgraph.query.engine import oxigraph_target

HEAD = """\
@prefix pm: <https://w3id.org/pmgraph/ontology#> .
@prefix ex: <https://w3id.org/pmgraph/id/centre/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix src: <https://w3id.org/pmgraph/id/source/> .
src:s dcterms:identifier "s.txt" .
src:t dcterms:identifier "t.txt" .
"""
SOURCE = ("Before it: the centre holds 05 scanners, {| not a block |} and \"quoted\" text, "
          "opened in 2016 and paid for by the fund. After it.")

#: Every kind of token that may hold '{|', '|}', '#' or a quote without meaning a block.
HOSTILE = HEAD + (Path(__file__).parent / "annotations-hostile.ttl").read_text(encoding="utf-8")


def _folder(tmp_path, text):
    return data_with_sources(tmp_path, "data.ttl", text, {
        "s.txt": SOURCE, "t.txt": "a second block on the same triple"})


def strip_annotations(data: bytes) -> tuple[bytes, int] | None:
    """``data`` with its annotation blocks blanked out in one part, and their number; None
    when the text is declined or has no block."""
    stripped = StrippedText(data)
    try:
        text = b"".join(stripped.parts(first=len(data) + 1))
    except NotTaken:
        return None
    return (text, stripped.blocks) if stripped.blocks else None


def _whole(path):
    """The graph as the store gives it when it loads the file whole."""
    graph = new_graph()
    store, name = oxigraph_target(graph)
    files = source_files([path])
    load_files(store, name, files, table_for(graph))
    expand_graph(graph, files)
    return graph


def _as_written(graph):
    plain = Graph()
    for triple in exact_triples(graph):
        plain.add(triple)
    return plain


def _base(text: bytes) -> set:
    """The triples of a Turtle text, without its annotations."""
    triples = list(ox.parse(input=text, format=ox.RdfFormat.TURTLE))
    reifiers = {t.subject for t in triples if type(t.object) is ox.Triple}
    return {(t.subject, t.predicate, t.object) for t in triples if t.subject not in reifiers}


def test_strip_leaves_strings_comments_and_iris_alone():
    text = HOSTILE.encode("utf-8")
    stripped, blocks = strip_annotations(text)
    assert blocks == 6
    assert stripped.count(b"\n") == text.count(b"\n")  # error lines stay where they were
    assert _base(stripped) == _base(text)
    assert b"pm:quote" not in stripped
    assert b'"short {| string |} with \\" and # inside"' in stripped


@pytest.mark.parametrize("text", [
    'ex:a pm:partOf ex:b ~ ex:r {| pm:source src:s |} .',
    'ex:a pm:partOf ex:b ~ ex:r .',
    '<< ex:a pm:partOf ex:b >> pm:source src:s .',
    'ex:r pm:about <<( ex:a pm:partOf ex:b )>> .',
    'ex:a pm:partOf ex:b {| pm:source src:s {| pm:source src:t |} |} .',
    'ex:a pm:partOf ex:b {| pm:source [ pm:name "x" ] |} .',
    'ex:a pm:partOf ex:b {| pm:source ( src:s src:t ) |} .',
    'ex:a pm:partOf ex:b {| pm:source _:s |} .',
    'ex:a pm:partOf ex:b .',
    'ex:a pm:partOf ex:b {| pm:source src:s .',
], ids=["reifier-name", "reifier-alone", "reified-triple", "triple-term", "nested-block",
        "blank-node-in-block", "collection-in-block", "label-in-block", "no-block",
        "unclosed-block"])
def test_strip_declines_what_is_not_a_plain_block(text):
    assert strip_annotations((HEAD + text + "\n").encode("utf-8")) is None


def test_stripped_load_gives_the_graph_of_the_whole_load(tmp_path, caplog):
    path = _folder(tmp_path, HOSTILE)
    with caplog.at_level(logging.DEBUG, logger="pmgraph"):
        fast = load_graph(path)
    assert not [r for r in caplog.records if "loading again" in r.getMessage()]
    assert [r for r in caplog.records if "data.ttl: annotations read beside" in r.getMessage()]
    whole = _whole(path)
    assert len(fast) == len(whole)
    assert isomorphic(_as_written(fast), _as_written(whole))
    assert table_of(fast).triples == table_of(whole).triples
    # the annotated literals come back as written, on the triple and on its record
    rows = {(str(r.p).rsplit("#", 1)[1], r.o.n3()) for r in fast.query("""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?p ?o WHERE { ?st a rdf:Statement ; rdf:predicate ?p ; rdf:object ?o }""")}
    assert ("value", '"05"^^<http://www.w3.org/2001/XMLSchema#integer>') in rows
    assert ("value", '"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>') in rows
    assert ("status", '"Geplant für 2020, ein langer Status"@de-at') in rows


def test_a_capital_language_tag_keeps_the_file_whole(tmp_path, caplog):
    """The text the scan reads capital tags in has them marked inside strings too: such a
    file is loaded whole, with its tags and strings as written."""
    path = _folder(tmp_path, HOSTILE.replace("@de-at", "@DE-at").replace(
        '"no block here"', "'said \"yes\"@EN-GB'"))
    with caplog.at_level(logging.DEBUG, logger="pmgraph"):
        graph = load_graph(path)
    assert not [r for r in caplog.records
                if "data.ttl: annotations read beside" in r.getMessage()]
    objects = {o.n3() for o in _as_written(graph).objects()}
    assert '"Geplant für 2020, ein langer Status"@DE-at' in objects
    assert '"said \\"yes\\"@EN-GB"' in objects
    assert isomorphic(_as_written(graph), _as_written(_whole(path)))


def test_two_blocks_and_two_sources_keep_every_quote(tmp_path):
    graph = load_graph(_folder(tmp_path, HOSTILE))
    rows = {(str(r.p).rsplit("#", 1)[1], str(r.exact), str(r.file)) for r in graph.query("""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX pm: <https://w3id.org/pmgraph/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?p ?exact ?file WHERE {
          ?st rdf:predicate ?p ; pm:evidenceQuote ?q . ?q oa:exact ?exact ;
              dcterms:source/dcterms:identifier ?file }""")}
    assert ("startDate", "opened in 2016 and paid for by the fund", "s.txt") in rows
    assert ("startDate", "a second block on the same triple", "t.txt") in rows
    # two sources named: the quote is given the one that holds it
    assert ("status", 'and "quoted" text, opened in 2016', "s.txt") in rows


@pytest.mark.parametrize("extra", [
    'ex:d pm:partOf ex:e ~ ex:r {| pm:source src:s ; pm:quote "opened in 2016 and paid" |} .',
    'ex:d pm:partOf ex:e {| pm:source src:s ; pm:quote "opened in 2016 and paid" ; '
    'pm:note [ pm:name "n" ] |} .',
], ids=["reifier-name", "blank-node-in-block"])
def test_files_the_strip_declines_load_whole_to_the_same_graph(tmp_path, extra):
    path = _folder(tmp_path, HOSTILE + extra + "\n")
    fast = load_graph(path)
    whole = _whole(path)
    assert len(fast) == len(whole)
    assert isomorphic(_as_written(fast), _as_written(whole))


def test_an_annotated_blank_node_loads_the_file_again_whole(tmp_path, caplog):
    """The parse and the store label a blank node differently: the record is made from the
    store's triples instead."""
    extra = '[] pm:partOf ex:e {| pm:source src:s ; pm:quote "opened in 2016 and paid" |} .\n'
    with caplog.at_level(logging.DEBUG, logger="pmgraph"):
        graph = load_graph(_folder(tmp_path, HOSTILE + extra))
    assert [r for r in caplog.records if "loading again" in r.getMessage()]
    rows = list(graph.query("""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX pm: <https://w3id.org/pmgraph/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?exact WHERE { ?st rdf:subject ?s ; rdf:predicate pm:partOf ;
          rdf:object <https://w3id.org/pmgraph/id/centre/e> ; pm:evidenceQuote/oa:exact ?exact .
          ?s pm:partOf <https://w3id.org/pmgraph/id/centre/e> . FILTER(isBlank(?s)) }"""))
    assert [str(r.exact) for r in rows] == ["opened in 2016 and paid"]
    assert len(graph) == len(_whole(tmp_path / "data.ttl"))


def test_a_syntax_error_after_a_block_names_its_line_in_the_file(tmp_path):
    text = HEAD + ('ex:a pm:partOf ex:b {| pm:source src:s ;\n'
                   '    pm:quote "opened in 2016 and paid for by the fund" |} ;\n'
                   '    pm:value "5"^^xsd:integer {| pm:source src:s ; pm:quote "x y z" |} ; '
                   'pm:name "unclosed .\n')
    path = _folder(tmp_path, text)
    line = text.count("\n", 0, text.index('pm:name "unclosed')) + 1
    with pytest.raises(DataLoadError) as error:
        load_graph(path)
    assert f"data.ttl:{line}:" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.fixture
def small_parts(monkeypatch):
    """The store is given the stripped text in parts of a few hundred bytes."""
    from pmgraph.graph import annotations

    monkeypatch.setattr(annotations, "FIRST_PART_BYTES", 200)
    monkeypatch.setattr(annotations, "PART_BYTES", 300)


def _many(count: int) -> str:
    return "".join(
        f'ex:n{i} pm:partOf ex:b {{| pm:source src:s ; pm:quote "opened in 2016 and paid" |}} ;\n'
        f'    pm:value "{i:02d}"^^xsd:integer {{| pm:source src:s ;\n'
        f'        pm:quote "the centre holds 05 scanners" |}} .\n'
        for i in range(count))


@pytest.mark.parametrize("later", [
    "",
    "@prefix ex: <https://w3id.org/pmgraph/id/org/> .\n",
    "PREFIX ex: <https://w3id.org/pmgraph/id/place/>\n",
    "@base <http://example.org/elsewhere/> .\n",
], ids=["same-prefixes", "prefix-redefined", "sparql-prefix-redefined", "base-changed"])
def test_a_text_loaded_in_parts_gives_the_graph_of_the_whole_load(tmp_path, small_parts,
                                                                   later):
    """Each part is given the prefixes in force where it starts; a directive after the first
    part keeps the rest in one part, after it."""
    text = (HEAD + _many(12) + later + _many(12).replace("ex:n", "ex:m")
            + "ex:m0 pm:homepage <page> .\n")
    path = _folder(tmp_path, text)
    fast = load_graph(path)
    whole = _whole(path)
    assert len(fast) == len(whole)
    assert isomorphic(_as_written(fast), _as_written(whole))
    assert table_of(fast).triples == table_of(whole).triples


def test_parts_are_cut_at_statement_ends_and_labels_keep_one_part():
    from pmgraph.graph.annotations import StrippedText

    text = (HEAD + _many(30)).encode("utf-8")
    parts = list(StrippedText(text).parts(first=200, size=300))
    assert len(parts) > 5
    assert all(part.rstrip().endswith(b".") for part in parts)
    labelled = text + b'_:x pm:partOf ex:b .\n'
    assert len(list(StrippedText(labelled).parts(first=200, size=300))) == 1


@pytest.mark.parametrize("late", [
    'ex:d pm:partOf ex:e ~ ex:r {| pm:source src:s ; pm:quote "opened in 2016 and paid" |} .',
    '[] pm:partOf ex:e {| pm:source src:s ; pm:quote "opened in 2016 and paid" |} .',
    'ex:d pm:partOf ex:e {| pm:source src:s ; pm:quote "opened in 2016 and paid" ;',
], ids=["reifier-name", "blank-subject", "syntax-error"])
def test_what_is_found_after_parts_were_loaded_starts_the_load_again(tmp_path, small_parts,
                                                                      caplog, late):
    """Parts already in the store are dropped: the graph is the whole load's, or the error
    the whole text gives."""
    text = HEAD + _many(20) + late + "\n" + _many(3).replace("ex:n", "ex:m")
    path = _folder(tmp_path, text)
    if late.endswith(";"):
        with pytest.raises(DataLoadError, match=r"data\.ttl:\d+:\d+: not valid Turtle"):
            load_graph(path)
        return
    with caplog.at_level(logging.DEBUG, logger="pmgraph"):
        fast = load_graph(path)
    assert [r for r in caplog.records if "loading again" in r.getMessage()]
    whole = _whole(path)
    assert len(fast) == len(whole)
    statements = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT (COUNT(*) AS ?n) WHERE { ?st a rdf:Statement }"""
    assert [int(r.n) for r in fast.query(statements)] == [20 * 2 + 3 * 2 + 1]
