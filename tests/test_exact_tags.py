"""Language tags as written: ``"Leeds"@en-GB`` stays ``@en-GB`` in query rows, exports, the
on-disk store and validation reports, although pyoxigraph keeps every tag in lower case."""

from __future__ import annotations

import json
import logging

import pytest
from rdflib import BNode, Literal, URIRef

from pmgraph.graph.exact import exact_triples, rewritten_literals
from pmgraph.graph.load import load_graph, new_graph, open_store, parse_into
from pmgraph.publishing.export import serialize, to_turtle
from pmgraph.query.library import run_text
from pmgraph.validation.validate import report_graph, validate

EX = "http://example.org/"
TAGGED = """\
@prefix ex: <http://example.org/> .
ex:a ex:name "Leeds"@en-GB , "Lîds"@fr-CA , 'x'@en , "Zürich"@de-CH-1996 ;
  ex:note \"\"\"He said "hi"@en-US, 'ok'@En\"\"\" .
_:n ex:name "Blank"@sr-Latn-RS .
"""
#: ex:a's names and the blank node's, as (text, tag) written.
NAMES = {("Leeds", "en-GB"), ("Lîds", "fr-CA"), ("x", "en"), ("Zürich", "de-CH-1996"),
         ("Blank", "sr-Latn-RS")}
SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:name ; sh:maxLength 2 ] .
"""


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "tagged.ttl"
    path.write_text(TAGGED, encoding="utf-8")
    return path


def names(triples) -> set[tuple]:
    return {(str(o), o.language) for s, p, o in triples if p == URIRef(EX + "name")}


def test_loading_keeps_the_case_of_every_tag(data, caplog):
    with caplog.at_level(logging.WARNING, logger="pmgraph"):
        graph = load_graph(data)
    assert names(exact_triples(graph)) == NAMES
    # The text inside a string that looks like a tag is kept as it is.
    (note,) = {o for s, p, o in exact_triples(graph) if p == URIRef(EX + "note")}
    assert str(note) == "He said \"hi\"@en-US, 'ok'@En"
    assert not [r for r in caplog.records if "lower case" in r.getMessage()]
    # Tag case alone changes no value: the SPARQL engine can read the store.
    assert rewritten_literals(graph) == 0


def test_query_rows_give_tags_as_written(data):
    result = run_text(f"SELECT ?v WHERE {{ ?s <{EX}name> ?v }}", load_graph(data), {})
    assert {(str(v), v.language) for (v,) in result.rows} == NAMES


def test_query_matches_tags_case_insensitively(data):
    result = run_text(
        f'SELECT ?v WHERE {{ ?s <{EX}name> ?v FILTER(langMatches(lang(?v), "EN-gb")) }}',
        load_graph(data), {},
    )
    assert [(str(v), v.language) for (v,) in result.rows] == [("Leeds", "en-GB")]


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_turtle_and_ntriples_exports_write_tags_as_written(data, tmp_path, fmt):
    text = serialize(load_graph(data), fmt).decode("utf-8")
    for written in ('"Leeds"@en-GB', '"Lîds"@fr-CA', '"x"@en', '"Zürich"@de-CH-1996',
                    '"Blank"@sr-Latn-RS', '@en-US, \'ok\'@En'):
        assert written in text, written
    back = new_graph()
    out = tmp_path / ("back.ttl" if fmt == "turtle" else "back.nt")
    out.write_text(text, encoding="utf-8")
    parse_into(back, out)
    assert names(exact_triples(back)) == NAMES


def test_jsonld_and_csv_exports_write_tags_as_written(data):
    graph = load_graph(data)
    document = json.loads(serialize(graph, "jsonld"))
    (node,) = [n for n in document["@graph"] if n["@id"] == EX + "a"]
    assert {"@value": "Leeds", "@language": "en-GB"} in node[EX + "name"]
    rows = serialize(graph, "csv").decode("utf-8").splitlines()
    assert f"{EX}a,{EX}name,Leeds,literal,,en-GB" in rows


def test_jsonld_input_keeps_the_case_of_its_tags(tmp_path):
    path = tmp_path / "tagged.jsonld"
    path.write_text(json.dumps({
        "@context": {"@language": "en-GB"},
        "@id": EX + "a",
        EX + "name": ["Leeds", {"@value": "Lîds", "@language": "fr-CA"}],
        EX + "other": {"@value": "y", "@language": "en"},
    }), encoding="utf-8")
    graph = load_graph(path)
    assert names(exact_triples(graph)) == {("Leeds", "en-GB"), ("Lîds", "fr-CA")}
    assert '"Leeds"@en-GB' in to_turtle(graph).decode("utf-8")


def test_store_on_disk_keeps_the_case_of_every_tag(data, tmp_path, cli):
    run = cli("load", data, "--store", tmp_path / "s.store")
    assert run.code == 0, run.err
    reopened = open_store(tmp_path / "s.store")
    assert names(exact_triples(reopened)) == NAMES
    result = run_text(f"SELECT ?v WHERE {{ <{EX}a> <{EX}name> ?v }}", reopened, {})
    assert ("Leeds", "en-GB") in {(str(v), v.language) for (v,) in result.rows}
    run = cli("export", "--store", tmp_path / "s.store", "--format", "nt")
    assert run.code == 0, run.err
    assert f'<{EX}a> <{EX}name> "Leeds"@en-GB .' in run.out.splitlines()


def test_a_tag_written_in_two_cases_keeps_each_in_exports(tmp_path, caplog):
    path = tmp_path / "two.ttl"
    path.write_text(f'<{EX}a> <{EX}name> "Leeds"@en-GB .\n<{EX}b> <{EX}name> "Leeds"@en-gb .\n',
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pmgraph"):
        graph = load_graph(path)
    lines = serialize(graph, "nt").decode("utf-8").splitlines()
    assert f'<{EX}a> <{EX}name> "Leeds"@en-GB .' in lines
    assert f'<{EX}b> <{EX}name> "Leeds"@en-gb .' in lines
    assert any('"Leeds"@en-GB' in r.getMessage() and "several forms" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_validation_report_names_the_value_with_its_tag(data, tmp_path, engine):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES, encoding="utf-8")
    report = validate(load_graph(data), shapes=shapes, checks=False, engine=engine,
                      ontology=False)
    values = {(str(f.terms.value), f.terms.value.language) for f in report.findings}
    assert values == {("Leeds", "en-GB"), ("Lîds", "fr-CA"), ("Zürich", "de-CH-1996")}
    text = to_turtle(report_graph(report)).decode("utf-8")
    assert 'sh:value "Leeds"@en-GB' in text and 'sh:value "Zürich"@de-CH-1996' in text


LANGUAGE_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:In a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:name ; sh:languageIn ( "EN" ) ] .
ex:Unique a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:title ; sh:uniqueLang true ] .
"""


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_language_constraints_compare_tags_case_insensitively(tmp_path, engine):
    path = tmp_path / "lang.ttl"
    path.write_text(
        f'<{EX}a> <{EX}name> "Leeds"@en-GB, "Lyon"@FR ; <{EX}title> "A"@en-GB, "B"@EN-gb .\n',
        encoding="utf-8")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(LANGUAGE_SHAPES, encoding="utf-8")
    report = validate(load_graph(path), shapes=shapes, checks=False, engine=engine,
                      ontology=False)
    found = sorted((f.constraint, f.value) for f in report.findings)
    assert found == [("LanguageInConstraintComponent", "Lyon"),
                     ("UniqueLangConstraintComponent", None)]
    (lyon,) = [f for f in report.findings if f.value == "Lyon"]
    assert lyon.terms.value == Literal("Lyon", lang="FR") and lyon.terms.value.language == "FR"


def test_a_blank_node_keeps_its_tag(data):
    graph = load_graph(data)
    (blank,) = [o for s, p, o in exact_triples(graph) if isinstance(s, BNode)
                and p == URIRef(EX + "name")]
    assert blank.language == "sr-Latn-RS"
