"""One statement's evidence in its source: ``pmgraph.graph.quotes``."""

from __future__ import annotations

import pytest

from pmgraph.errors import ParameterError
from pmgraph.graph.quotes import find_quote, statement_evidence
from pmgraph.graph.text import fold_whitespace, repair
from pmgraph.paths import sources_dir
from pmgraph.query.library import run_query

SOURCE = sources_dir() / "000_0787654218a80374.txt"


def test_find_quote_matches_across_line_breaks_and_spaces() -> None:
    text = "before.\n\nThe quick  brown\nfox jumps. after"
    start, end = find_quote(text, "The quick brown fox jumps.")
    assert text[start:end] == "The quick  brown\nfox jumps."
    assert find_quote(text, "The quick brown cat") is None
    assert find_quote(text, "   ") is None


def test_every_quote_of_a_link_is_found_in_its_source(project_graph) -> None:
    rows = run_query("link-evidence", project_graph,
                     params={"entity": "orgn:innovate-uk", "other": "ctr:belfast"}).to_records()
    [row] = [r for r in rows if r["quote"]]
    [shown] = statement_evidence(project_graph, row["statement"], context=200)
    assert shown.found and shown.path == SOURCE
    assert shown.statement == row["statement"]
    assert shown.source == row["source"] and shown.source_label == row["sourceLabel"]
    assert fold_whitespace(shown.passage) == fold_whitespace(row["quote"])
    # the context is the repaired source, as the view shows it, and ends as the graph says
    text = repair(SOURCE.read_text(encoding="utf-8"))
    assert shown.before.lstrip("…") + shown.passage + shown.after.rstrip("…") in text
    assert fold_whitespace(shown.before).endswith(fold_whitespace(row["prefix"]))
    assert fold_whitespace(shown.after).startswith(fold_whitespace(row["suffix"]))
    assert len(shown.before) <= 201 and len(shown.after) <= 201
    assert str(shown) == f"{shown.before}⟦{shown.passage}⟧{shown.after}"
    html = shown.to_html()
    assert "<mark>Innovate UK regards Precision Medicine" in html
    assert "IUK Precision Medicine: Connecting Industries to UK Excellence" in html


def test_a_prefixed_name_and_a_reference_table_row(project_graph) -> None:
    [shown] = statement_evidence(project_graph, "stm:place-glasgow--containedIn--place-scotland")
    assert shown.found and shown.path == sources_dir() / "reference" / "places.csv"
    assert shown.passage == "Glasgow,city,Scotland,,55.864,-4.252"
    assert "\n" in shown.before  # the table's lines are kept


def test_a_quote_that_is_not_in_the_source(write_ttl) -> None:
    from pmgraph.graph.load import load_graph

    path = write_ttl(
        "ctr:leeds a pm:CentreOfExcellence ; rdfs:label \"Leeds\"@en ;\n"
        "    pm:location place:leeds {| pm:source src:iuk-precision-medicine-2019 ;\n"
        "        pm:quote \"The Leeds centre lies in the city of Leeds, Yorkshire\" |} .\n"
        "place:leeds a pm:City ; rdfs:label \"Leeds\"@en .\n"
        "src:iuk-precision-medicine-2019 a pm:SourceDocument ; rdfs:label \"IUK\"@en ;\n"
        "    dcterms:identifier \"000_0787654218a80374.txt\" .\n"
    )
    graph = load_graph(path)
    [shown] = statement_evidence(graph, "stm:centre-leeds--location--place-leeds")
    assert not shown.found and shown.passage == ""
    assert shown.path == SOURCE
    assert "not in the source" in shown.to_html()


def test_an_unknown_statement_is_one_error(project_graph) -> None:
    with pytest.raises(ParameterError, match="^stm:no-such: the graph holds no statement"):
        statement_evidence(project_graph, "stm:no-such")
