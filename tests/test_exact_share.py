"""Terms as written when the graph is shared: ``pmgraph push`` and ``pmgraph serve``.

What is sent carries every literal as written; a store that keeps values by value (the
Oxigraph server and Virtuoso 7 both do, each its own way) is named in one line that lists
what it holds in another form, checked here against what the store gives back.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from pmgraph.graph.exact import mark_tags, short_term
from pmgraph.graph.load import load_graph
from pmgraph.publishing.publish import DEFAULT_GRAPH, write_ntriples

ROOT = Path(__file__).resolve().parents[1]
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The literals of the data, by predicate, as written (N-Triples).
WRITTEN = {
    "int": f'"01"^^<{XSD}integer>',
    "dec": f'"1.50"^^<{XSD}decimal>',
    "xint": f'"5"^^<{XSD}int>',
    "dbl": f'"1E0"^^<{XSD}double>',
    "dt": f'"2020-01-01T00:00:00.000Z"^^<{XSD}dateTime>',
    "lang": '"x"@en-GB',
    "kept": f'"7"^^<{XSD}integer>',  # already in every store's form
    "dur": f'"P1Y"^^<{XSD}duration>',  # Oxigraph's form, which Virtuoso writes as "12"
}
DATA = "\n".join(f"<{EX}a> <{EX}{name}> {term} ." for name, term in WRITTEN.items()) + "\n"


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "literals.nt"
    path.write_text(DATA, encoding="utf-8")
    return path


def by_predicate(ntriples: bytes) -> dict[str, str]:
    """The object of each triple of ``ntriples`` as N-Triples, tags in the case given."""
    found = {}
    for triple in ox.parse(mark_tags(ntriples), format=ox.RdfFormat.N_TRIPLES):
        if triple.subject == ox.NamedNode(EX + "a"):
            found[triple.predicate.value[len(EX):]] = short(triple.object)
    return found


def short(term: ox.Literal) -> str:
    return short_term(term)


def written_short() -> dict[str, str]:
    return by_predicate(DATA.encode())


def from_json(binding: dict) -> str:
    """A SPARQL JSON result's literal in the form :func:`short_term` gives."""
    if "xml:lang" in binding:
        return f'{json.dumps(binding["value"])}@{binding["xml:lang"]}'
    return short_term(ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"])))


def select_forms(query_url: str, graph: str | None) -> dict[str, str]:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    body = urllib.parse.urlencode({"query": f"SELECT ?p ?o WHERE {{ {where} }}"}).encode()
    request = urllib.request.Request(query_url, data=body, headers={
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        rows = json.load(answer)["results"]["bindings"]
    return {row["p"]["value"][len(EX):]: from_json(row["o"]) for row in rows
            if row["p"]["value"].startswith(EX)}


def get_forms(store_url: str, graph: str | None) -> dict[str, str]:
    query = urllib.parse.urlencode({"graph": graph} if graph else {"default": ""})
    request = urllib.request.Request(f"{store_url}?{query}",
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return {k: v for k, v in by_predicate(answer.read()).items()}


def note_of(lines: list[str]) -> str:
    notes = [line for line in lines if line.startswith("note: ")]
    assert len(notes) == 1, lines
    return notes[0]


def assert_note_tells_what_the_store_holds(note: str, held: dict[str, str]) -> None:
    """The note counts exactly the literals held in another form than written, and each pair
    it shows is one of them, as the store gives it back."""
    written = written_short()
    changed = {written[name]: form for name, form in held.items() if form != written[name]}
    count = int(re.match(r"note: the \w+(?: \w+)? keeps (\d+) literals?", note).group(1))
    assert count == len(changed), (note, changed)
    shown = re.findall(r'(\S+) as (\S+?)(?:, |\))', note.split("(", 1)[1])
    assert shown, note
    for was, now in shown:
        assert changed.get(was) == now, (was, now, changed)
    assert written["kept"] not in note


def test_the_file_pushed_and_served_carries_the_terms_as_written(data_file, tmp_path):
    out = tmp_path / "sent.nt"
    graph = load_graph(data_file)  # with the ontology
    assert write_ntriples(graph, out) == len(graph) == len(out.read_text().splitlines())
    assert by_predicate(out.read_bytes()) == written_short()
    assert '"x"@en-GB' in out.read_text(encoding="utf-8")


def test_data_in_the_stores_forms_is_sent_by_the_stores_own_dump(tmp_path):
    canonical = tmp_path / "canonical.nt"
    canonical.write_text(f'<{EX}a> <{EX}n> "7"^^<{XSD}integer> .\n<{EX}a> <{EX}l> "x"@en .\n',
                         encoding="utf-8")
    out = tmp_path / "sent.nt"
    graph = load_graph(canonical)
    assert write_ntriples(graph, out) == len(graph)
    assert set(canonical.read_text().splitlines()) <= set(out.read_text().splitlines())


@pytest.mark.server
def test_push_says_which_literals_the_store_holds_in_another_form(store_server, cli, data_file):
    graph = "https://example.org/exact-share"
    run = cli("push", "--data", data_file, "--endpoint", store_server.query_url,
              "--graph", graph)
    assert run.code == 0, run.err
    store_url = (store_server.query_url.replace("/query", "/store")
                 if store_server.name == "oxigraph"
                 else store_server.query_url.replace("/sparql", "/sparql-graph-crud"))
    held = get_forms(store_url, graph)
    assert set(held) == set(WRITTEN)
    note = note_of(run.out.splitlines())
    assert_note_tells_what_the_store_holds(note, held)
    # a SELECT gives the forms the Graph Store gives (Virtuoso's booleans aside, none here)
    assert select_forms(store_server.query_url, graph) == held
    # what each store was measured to do: neither keeps "01" or the tag's case
    assert held["int"] == '"1"^^xsd:integer' and held["lang"] == '"x"@en-gb'
    assert held["kept"] == '"7"^^xsd:integer'
    assert held["dur"] == ('"12"^^xsd:duration' if store_server.name == "virtuoso"
                           else '"P1Y"^^xsd:duration')
    assert "pmgraph query --endpoint shows them as the store holds them" in note
    probe = select_forms(store_server.query_url, graph + "-pmgraph-probe")
    assert probe == {}


@pytest.mark.server
def test_serve_says_which_literals_its_clients_see_in_another_form(data_file, tmp_path):
    from conftest import free_port, start_serve

    port = free_port()
    process, lines = start_serve(tmp_path, "--data", str(data_file), "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        held = select_forms(f"{base}/query", None)
        # the served triples sit in the graph pmgraph push publishes to
        assert get_forms(f"{base}/store", DEFAULT_GRAPH) == held
    finally:
        process.terminate()
        process.wait(30)
    assert set(held) == set(WRITTEN)
    note = note_of(lines)
    assert note.startswith("note: the Oxigraph server keeps 6 literals in another form")
    assert_note_tells_what_the_store_holds(note, held)
    assert lines[-1].startswith("Press Ctrl-C")


@pytest.mark.server
def test_serve_of_a_store_says_so_too(data_file, tmp_path, cli):
    from conftest import free_port, start_serve

    store = tmp_path / "store"
    assert cli("load", "--store", store, data_file).code == 0
    port = free_port()
    process, lines = start_serve(tmp_path, "--store", str(store), "--port", str(port))
    try:
        held = select_forms(f"http://127.0.0.1:{port}/query", None)
    finally:
        process.terminate()
        process.wait(30)
    assert_note_tells_what_the_store_holds(note_of(lines), held)
