"""The query library and run_query(): headers, parameters bound as terms, forms, errors."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from pmgraph.errors import ParameterError, QueryError, QueryNotFoundError
from pmgraph.graph.load import load_graph
from pmgraph.query.library import PARAM_KINDS, find_query, list_queries, run_query
from pmgraph.query.sparql import bind_values, query_form

PLACE = "https://w3id.org/pmgraph/id/place/"
CENTRE = "https://w3id.org/pmgraph/id/centre/"


PREFIXES = """PREFIX pm: <https://w3id.org/pmgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

DATA = """
orgn:a a pm:University ; rdfs:label "Alpha"@en ; pm:abbreviation "A\\" } DROP" ;
    pm:foundingDate "1904-04-25"^^xsd:date ; pm:hostedBy orgn:b .
orgn:b a pm:NHSBody ; rdfs:label "Beta"@en ; pm:foundingDate "1948"^^xsd:gYear .
qty:q a pm:Quantity ; pm:value "2.50"^^xsd:decimal ; pm:rank 3 .
"""


@pytest.fixture
def graph(write_ttl):
    return load_graph(write_ttl(DATA))


@pytest.fixture
def query_file(tmp_path):
    def write(text: str, name: str = "q.rq"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# ---------------------------------------------------------------- the library


def test_every_library_query_has_a_usable_header():
    library = list_queries()
    assert library, "queries/ holds no .rq files"
    names = [q.name for q in library]
    assert len(names) == len(set(names))
    for info in library:
        text = info.path.read_text(encoding="utf-8")
        assert info.title and info.title != info.name, f"{info.path.name}: no title"
        assert info.description, f"{info.path.name}: no description"
        assert info.view in ("table", "network", "map"), f"{info.path.name}: view {info.view}"
        for param in info.params:
            assert param.kind in PARAM_KINDS
            assert re.search(rf"[?$]{param.name}\b", text), f"{info.name}: ?{param.name} unused"
        assert query_form(text) in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@pytest.mark.parametrize("info", list_queries(), ids=lambda q: q.name)
def test_every_library_query_runs_on_the_project_graph(info, project_graph, example_params):
    result = run_query(info.name, project_graph, params=example_params(info))
    assert result.form in ("SELECT", "ASK", "CONSTRUCT")
    if result.form == "SELECT":
        assert len(result) > 0, f"{info.name} returns no rows on the project's data"
        assert all(len(row) == len(result.vars) for row in result.rows)


def test_iri_parameter_filters_like_the_unbound_query(project_graph):
    every = run_query("centres", project_graph).to_records()
    wales = run_query("centres", project_graph, params={"nation": PLACE + "wales"}).to_records()
    assert wales == [r for r in every if r["nation"] == PLACE + "wales"]
    assert wales, "no centre in Wales"


def test_prefixed_names_are_accepted_for_iri_parameters(project_graph):
    full = run_query("centres", project_graph, params={"nation": PLACE + "scotland"})
    short = run_query("centres", project_graph, params={"nation": "place:scotland"})
    assert full.rows == short.rows and full.rows


def test_name_with_number_or_path_finds_the_same_query():
    info, _ = find_query("centres")
    assert find_query(info.path.stem)[0] == info
    assert find_query(str(info.path))[0].path == info.path


def test_unknown_name_suggests_the_closest():
    with pytest.raises(QueryNotFoundError, match=r"no query named 'centers'; did you mean centres"):
        find_query("centers")


def test_missing_query_file_is_named():
    with pytest.raises(QueryNotFoundError, match=r"nope\.rq: no such query file"):
        run_query("nope.rq")


# ---------------------------------------------------------------- parameters


KINDS_QUERY = """# title: Kinds
# param: org (iri, optional) An organisation
# param: label (string, optional) A label text
# param: founded (date, optional) A founding date
""" + PREFIXES + """SELECT ?org ?founded WHERE {
  OPTIONAL { ?org pm:foundingDate ?founded }
  ?org rdfs:label ?l .
  FILTER(!BOUND(?label) || STR(?l) = ?label)
} ORDER BY ?org
"""


def test_parameters_of_each_kind_are_bound_as_terms(graph, query_file):
    path = query_file(KINDS_QUERY)
    everyone = run_query(path, graph).to_records()
    assert [r["org"].rsplit("/", 1)[1] for r in everyone] == ["a", "b"]
    only_b = run_query(path, graph, params={"org": "orgn:b"}).to_records()
    assert [r["org"] for r in only_b] == ["https://w3id.org/pmgraph/id/org/b"]
    by_label = run_query(path, graph, params={"label": "Alpha"}).to_records()
    assert [r["org"] for r in by_label] == ["https://w3id.org/pmgraph/id/org/a"]
    by_date = run_query(path, graph, params={"founded": "1904-04-25"}).to_records()
    assert [r["founded"] for r in by_date] == ["1904-04-25"]
    by_year = run_query(path, graph, params={"founded": "1948"}).to_records()
    assert [r["org"] for r in by_year] == ["https://w3id.org/pmgraph/id/org/b"]
    numbers = query_file(
        "# param: value (decimal, optional) A value\n# param: rank (integer, optional) A rank\n"
        + PREFIXES + "SELECT ?q WHERE { ?q pm:value ?value ; pm:rank ?rank }\n", "n.rq")
    assert len(run_query(numbers, graph, params={"value": "2.5"})) == 1  # compared by value
    assert len(run_query(numbers, graph, params={"value": "2.6"})) == 0
    assert len(run_query(numbers, graph, params={"rank": "3"})) == 1
    assert len(run_query(numbers, graph, params={"rank": "4"})) == 0


def test_a_parameter_the_query_does_not_project_is_bound(graph, query_file):
    path = query_file("# param: host (iri)\n" + PREFIXES +
                      "SELECT (COUNT(?org) AS ?n) WHERE { ?org pm:hostedBy ?host }\n")
    assert run_query(path, graph, params={"host": "orgn:b"}).to_records() == [{"n": "1"}]
    assert run_query(path, graph, params={"host": "orgn:a"}).to_records() == [{"n": "0"}]


def test_text_that_looks_like_sparql_is_only_a_literal(graph, query_file):
    path = query_file(KINDS_QUERY)
    for hostile in ['x" } } DROP ALL #', "Alpha' . ?s ?p ?o", "x\\\" >", "}\nDROP ALL"]:
        assert len(run_query(path, graph, params={"label": hostile})) == 0
    assert len(graph) > 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"org": "not an iri"}, r"org='not an iri' is not an absolute IRI"),
        ({"org": "http://x/a>b"}, r"is not an absolute IRI"),
        ({"org": "unknownprefix:b"}, r"unknown prefix unknownprefix:"),
        # an IRI scheme, not a prefix: read as an IRI, which names nothing in the graph
        ({"org": "urn:isbn:123"}, r"org=<urn:isbn:123>: no entity <urn:isbn:123> in the graph"),
        ({"founded": "30/01/2020"}, r"not a date \(YYYY-MM-DD\) or a year"),
        ({"founded": "2020-02-30"}, r"not a date"),
        ({"colour": "red"}, r"no parameter 'colour'; its parameters: founded, label, org"),
        ({"rank": "3"}, r"no parameter 'rank'"),
    ],
)
def test_invalid_parameters_are_refused(graph, query_file, params, message):
    path = query_file(KINDS_QUERY)
    with pytest.raises(ParameterError, match=message):
        run_query(path, graph, params=params)


def test_an_iri_parameter_may_name_a_property_the_graph_only_uses(graph, query_file):
    """A property that occurs only as a predicate (rdfs:label) is in the graph too: the
    check for misspelt entities does not refuse it."""
    path = query_file(
        "# title: Values of a property\n# param: prop (iri) A property\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?prop ?o }\n"
    )
    plain = Graph()  # rdflib's own store, queried by rdflib
    for triple in graph:
        plain.add(triple)
    for target in (graph, plain):
        rows = run_query(path, target, params={"prop": "rdfs:label"}).to_records()
        assert int(rows[0]["n"]) > 0
        with pytest.raises(ParameterError, match=r"no entity rdfs:lable in the graph"):
            run_query(path, target, params={"prop": "rdfs:lable"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rank": "3.5"}, r"rank='3.5' is not an integer"),
        ({"value": "two"}, r"value='two' is not a decimal number"),
        ({"value": "1e5"}, r"value='1e5' is not a decimal number"),
    ],
)
def test_invalid_numbers_are_refused(graph, query_file, params, message):
    path = query_file("# param: value (decimal, optional) A value\n"
                      "# param: rank (integer, optional) A rank\n"
                      "SELECT * WHERE { ?q ?p ?value }\n")
    with pytest.raises(ParameterError, match=message):
        run_query(path, graph, params=params)


def test_terms_from_programs_are_checked_too(graph, query_file):
    path = query_file(KINDS_QUERY)
    only_b = run_query(path, graph, params={"org": URIRef("https://w3id.org/pmgraph/id/org/b")})
    assert len(only_b) == 1
    assert len(run_query(path, graph, params={"label": Literal("Alpha", lang="en")})) == 0
    with pytest.raises(ParameterError, match="not an absolute IRI"):
        run_query(path, graph, params={"org": URIRef("http://x/a> } DROP ALL #")})
    with pytest.raises(ParameterError, match="is not iri"):
        run_query(path, graph, params={"org": Literal("https://w3id.org/pmgraph/id/org/b")})


def test_missing_required_parameter_is_named(project_graph):
    with pytest.raises(ParameterError, match=r"needs parameter entity \(iri\)"):
        run_query("entity-evidence", project_graph)


def test_bad_param_header_is_reported(query_file, graph):
    path = query_file("# param: x (colour) A thing\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match=r"param x has kind 'colour'"):
        run_query(path, graph)


# ---------------------------------------------------------------- forms and results


def test_ask_and_construct(graph, query_file):
    ask = query_file("# param: org (iri)\n" + PREFIXES + "ASK { ?org pm:hostedBy ?host }\n", "a.rq")
    assert run_query(ask, graph, params={"org": "orgn:a"}).boolean is True
    assert run_query(ask, graph, params={"org": "orgn:b"}).boolean is False
    assert run_query(ask, graph, params={"org": "orgn:a"}).to_records() == [{"result": "true"}]
    construct = query_file(
        "# param: org (iri)\n" + PREFIXES +
        "CONSTRUCT { ?host pm:hosts ?org } WHERE { ?org pm:hostedBy ?host }\n", "c.rq")
    result = run_query(construct, graph, params={"org": "orgn:a"})
    assert set(result.graph) == {
        (URIRef("https://w3id.org/pmgraph/id/org/b"),
         URIRef("https://w3id.org/pmgraph/ontology#hosts"),
         URIRef("https://w3id.org/pmgraph/id/org/a"))
    }
    assert result.to_records()[0]["predicate"] == "https://w3id.org/pmgraph/ontology#hosts"


def test_updates_are_refused(graph, query_file):
    for update in ["INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
                   "PREFIX a: <http://x/>\nDELETE WHERE { ?s ?p ?o }", "DROP ALL"]:
        path = query_file(update)
        with pytest.raises(QueryError, match="is a SPARQL update"):
            run_query(path, graph)
    assert len(graph) > 0


def test_sparql_syntax_error_is_reported(graph, query_file):
    with pytest.raises(QueryError, match="not valid SPARQL|failed"):
        run_query(query_file("SELECT ?x WHERE { ?x ?y }\n"), graph)


def test_results_hold_terms_and_plain_strings(graph, query_file):
    path = query_file(PREFIXES + "SELECT ?abbr ?v WHERE { OPTIONAL { ?o pm:abbreviation ?abbr } "
                      "OPTIONAL { ?q pm:value ?v } }")
    (row,) = run_query(path, graph).rows
    assert row[0] == Literal('A" } DROP')  # plain, not xsd:string-typed
    # Oxigraph keeps numbers as values: "2.50" comes back in canonical form.
    assert row[1].datatype == XSD.decimal and row[1].toPython() == Decimal("2.50")


def test_dataframe_has_the_query_columns(project_graph):
    import pandas as pd

    frame = run_query("centres", project_graph).to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns)[:2] == ["centre", "centreLabel"]
    assert pd.api.types.is_float_dtype(frame["lat"]), "coordinates come back as numbers"
    glasgow = frame[frame["centre"] == "https://w3id.org/pmgraph/id/centre/glasgow"]
    assert glasgow["lat"].iloc[0] == pytest.approx(55.864)


def test_values_are_python_values(project_graph):
    values = run_query("quantities", project_graph).to_values()
    numbers = [row["value"] for row in values]
    assert numbers and all(isinstance(n, (int, float)) for n in numbers)
    assert 210000000 in numbers


# ---------------------------------------------------------------- binding in the text


def test_values_go_into_the_where_group_not_the_template():
    text = ('PREFIX w: <http://x/{}>\n# { WHERE\n'
            'CONSTRUCT { ?s ?p "}" } WHERE { ?s ?p ?o { SELECT ?x WHERE { ?x ?y ?z } } }')
    bound = bind_values(text, {"s": URIRef("http://e/a")})
    assert bound.index("VALUES ?s { <http://e/a> }") > bound.index("} WHERE {")
    assert bound.count("VALUES") == 1


def test_values_work_without_the_where_keyword():
    bound = bind_values("SELECT * { ?a ?b ?c }", {"a": Literal(3)})
    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    assert bound.startswith(f'SELECT * {{\n  VALUES ?a {{ "3"^^{integer} }}')


def test_a_mistyped_prefix_is_an_error_not_an_empty_answer(project_graph):
    with pytest.raises(ParameterError, match=r"unknown prefix plce:.*place:"):
        run_query("centres", project_graph, params={"nation": "plce:wales"})


def test_a_failing_service_call_is_a_query_error(project_graph, tmp_path):
    query = tmp_path / "remote.rq"
    query.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/q> { ?s ?p ?o } }")
    with pytest.raises(QueryError, match="remote.rq|remote"):
        run_query(query, project_graph)


def test_a_query_file_changed_between_two_runs_runs_as_changed(project_graph, tmp_path):
    import os

    path = tmp_path / "count.rq"
    path.write_text("# title: Centres\nPREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
                    "SELECT ?c WHERE { ?c a pm:CentreOfExcellence }\n")
    assert len(run_query(path, project_graph)) == 6
    # the same size, a later modification time: read again
    before = path.stat()
    path.write_text(path.read_text().replace("Centres", "Nations").replace(
        "pm:CentreOfExcellence", "pm:Nation".ljust(len("pm:CentreOfExcellence"))))
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    info, _ = find_query(path)
    assert info.title == "Nations"
    nations = run_query(path, project_graph)
    assert 0 < len(nations) != 6
    # a check that failed is made again, never remembered as passed
    path.write_text("SELECT ?c WHERE { ?c ?p \n")
    with pytest.raises(QueryError):
        run_query(path, project_graph)
    with pytest.raises(QueryError):
        run_query(path, project_graph)
