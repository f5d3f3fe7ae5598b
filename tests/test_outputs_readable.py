"""Outputs other programs and people can read: stable bytes for blank nodes, well-formed XML,
inert CSV cells, terminal-safe text, formats from file names, any output encoding."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pmgraph.graph.load import load_graph, plain_copy
from pmgraph.publishing.export import format_for, read_export, serialize
from pmgraph.safe import one_line, spreadsheet_safe, xml_safe

ROOT = Path(__file__).resolve().parents[1]
EX = "@prefix ex: <http://example.org/> .\n"
X = "https://w3id.org/pmgraph/id/centre/x"
RDF_FORMATS = ("turtle", "nt", "jsonld")


def ex_file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(EX + body, encoding="utf-8")
    return path


BLANK_SHAPES = {
    "many": "".join(f'ex:s{i} ex:p [ ex:q "v" ] .\n' for i in range(60)),
    "twins": "".join('ex:s ex:p [ ex:q "v" ; ex:r [ ex:q "w" ] ] .\n' for _ in range(4)),
    "list": "ex:s ex:list (" + " ".join('"same"' for _ in range(60)) + ' [ ex:q "z" ] ) .\n',
    "nested": "ex:s ex:p " + "[ ex:q " * 3000 + '"end"' + " ]" * 3000 + " .\n",
    "cycles": "_:a ex:next _:b . _:b ex:next _:c . _:c ex:next _:a . ex:s ex:p _:a .\n"
              "_:x ex:next _:y . _:y ex:next _:x . _:a ex:leaf [ ex:q \"l\" ] .\n",
}


@pytest.mark.parametrize("shape", sorted(BLANK_SHAPES))
def test_blank_nodes_give_the_same_bytes_and_the_same_graph(tmp_path, shape):
    path = ex_file(tmp_path, f"{shape}.ttl", BLANK_SHAPES[shape])
    first, second = load_graph(path), load_graph(path)  # the parser names blank nodes afresh
    for fmt in RDF_FORMATS:
        data = serialize(first, fmt)
        assert data == serialize(second, fmt), fmt
        again = read_export(data, fmt)
        assert len(again) == len(first), fmt
        if shape != "nested":  # rdflib's isomorphism test itself recurses too deep there
            assert isomorphic(plain_copy(again), plain_copy(first)), fmt


def test_blank_node_labels_do_not_depend_on_triple_order():
    p, q = URIRef("http://example.org/p"), URIRef("http://example.org/q")
    triples = []
    for i in range(20):
        outer, inner = BNode(), BNode()
        triples += [(URIRef(f"http://example.org/s{i % 3}"), p, outer), (outer, q, inner),
                    (inner, q, Literal(f"v{i % 4}"))]
    forward, backward = Graph(), Graph()
    for t in triples:
        forward.add(t)
    relabel = {}
    for s, pred, o in reversed(triples):
        s = relabel.setdefault(s, BNode()) if isinstance(s, BNode) else s
        o = relabel.setdefault(o, BNode()) if isinstance(o, BNode) else o
        backward.add((s, pred, o))
    assert serialize(forward, "nt") == serialize(backward, "nt")


def test_a_long_list_exports_without_recursion(tmp_path):
    path = ex_file(tmp_path, "list.ttl", "ex:s ex:list (" + " ".join(
        f'"i{i}"' for i in range(2000)) + ") .\n")
    graph = load_graph(path)
    document = json.loads(serialize(graph, "jsonld"))
    assert len(read_export(serialize(graph, "jsonld"), "jsonld")) == len(graph)
    assert "@graph" in document


def test_jsonld_keeps_lexical_forms(write_ttl):
    graph = load_graph(write_ttl('qty:x pm:value "210000000"^^xsd:decimal .\n'))
    document = json.loads(serialize(graph, "jsonld"))
    (node,) = [n for n in document["@graph"] if n["@id"] == "qty:x"]
    assert node["pm:value"] == [{"@value": "210000000", "@type": "xsd:decimal"}]


# ----------------------------------------------------------------- GraphML / GEXF (X2)

CONTROL_LABEL = "Ctl\\u000Bbad\\u0001 \\uFFFE x"


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_exports_are_well_formed_whatever_labels_hold(write_ttl, fmt):
    body = f'ctr:x a pm:CentreOfExcellence ; rdfs:label "{CONTROL_LABEL}"@en .\n'
    graph = load_graph(write_ttl(body))
    data = serialize(graph, fmt)
    ET.fromstring(data)  # raises on a character XML 1.0 forbids
    network = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(data))
    assert network.nodes[X]["label"] == "Ctl\ufffdbad\ufffd \ufffd x"


def test_xml_safe_replaces_what_xml_forbids_and_keeps_the_rest():
    assert xml_safe("a\x0bb\x00c\ud800d\ufffee\uffff\tf\ng\rh’🧬") == (
        "a\ufffdb\ufffdc\ufffdd\ufffde\ufffd\tf\ng\rh’🧬"
    )


# ----------------------------------------------------------------- CSV cells (X4)


def test_spreadsheet_formulas_are_made_inert_and_numbers_kept():
    assert [spreadsheet_safe(v) for v in (
        "=HYPERLINK(\"http://e\")", "+1+2", "-x", "@SUM(A1)", "\tx", "\rx",
        "-3.179", "+44", "-1e5", ".5", "plain", "",
    )] == [
        "'=HYPERLINK(\"http://e\")", "'+1+2", "'-x", "'@SUM(A1)", "'\tx", "'\rx",
        "-3.179", "+44", "-1e5", ".5", "plain", "",
    ]


FORMULA_DATA = (
    'ctr:x a pm:CentreOfExcellence ; rdfs:label "=HYPERLINK(\\"http://evil\\",\\"x\\")"@en ;\n'
    '    geo:long "-3.179"^^xsd:decimal .\n'
)
LABELS_RQ = (
    "# title: Labels\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
    "SELECT ?s ?label ?long WHERE { ?s rdfs:label ?label OPTIONAL { ?s geo:long ?long } }\n"
)


def test_query_csv_cells_are_inert(cli, write_ttl, tmp_path):
    data = write_ttl(FORMULA_DATA)
    rq = tmp_path / "labels.rq"
    rq.write_text(LABELS_RQ, encoding="utf-8")
    run = cli("query", rq, "--data", data, "--format", "csv")
    rows = {r["s"]: r for r in csv.DictReader(io.StringIO(run.out))}
    assert run.code == 0
    assert rows[X]["label"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert rows[X]["long"] == "-3.179"


def test_export_csv_cells_are_inert(cli, write_ttl, tmp_path):
    run = cli("export", "--data", write_ttl(FORMULA_DATA), "--out", tmp_path / "t.csv")
    assert run.code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    objects = {r["object"] for r in rows if r["subject"] == X}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in objects and "-3.179" in objects
    assert not [r for r in rows if r["object"].startswith("=")]


def test_analyse_csv_cells_are_inert_and_numbers_full(cli, write_ttl):
    data = write_ttl(
        'ctr:x a pm:CentreOfExcellence ; rdfs:label "=1+2"@en ; pm:hostedBy orgn:u .\n'
        'orgn:u a pm:University ; rdfs:label "@u"@en .\n'
    )
    run = cli("analyse", "--data", data, "--format", "csv")
    rows = {r["iri"]: r for r in csv.DictReader(io.StringIO(run.out))}
    assert run.code == 0
    assert rows[X]["label"] == "'=1+2"
    assert float(rows[X]["degree_centrality"]) == 1.0


# ----------------------------------------------------------------- terminal text (X3, X5)

EVIL_LABEL = "Evil\\nlabel \\u001B[2J\\u001B]0;pwned\\u0007 end\\u009B"


def test_one_line_escapes_controls():
    assert one_line("a\x1b[2Jb\x07c\nd\te\x9bf\u2028g’") == (
        "a\\x1b[2Jb\\x07c\\nd\\te\\x9bf\\u2028g’"
    )


def test_tables_reports_and_stats_carry_no_control_characters(cli, write_ttl, tmp_path):
    data = write_ttl(f'ctr:x a pm:CentreOfExcellence ; rdfs:label "{EVIL_LABEL}"@en .\n')
    rq = tmp_path / "labels.rq"
    rq.write_text(LABELS_RQ, encoding="utf-8")
    table = cli("query", rq, "--data", data)
    assert table.code == 0 and "Evil label \\x1b[2J\\x1b]0;pwned\\x07 end\\x9b" in table.out
    report = cli("validate", "--data", data)
    assert report.code == 1
    analyse = cli("analyse", "--data", data)
    for run in (table, report, analyse, cli("stats", "--data", data)):
        assert not [c for c in run.out + run.err if ord(c) < 32 and c != "\n"
                    or 0x7f <= ord(c) <= 0x9f], run.out
    findings = [line for line in report.out.splitlines() if line.startswith("  ")]
    assert findings and all(line.startswith(("  VIOLATION ", "  WARNING ", "  INFO "))
                            for line in findings)
    assert all("Evil\\nlabel \\x1b[2J" in line for line in findings if "ctr/x" in line
               or "centre/x" in line)


def test_error_lines_escape_control_characters(cli):
    run = cli("viz", "--focus", "Atl\x1b]0;x\x07antis\nsecond")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "\x1b" not in run.err and "\x07" not in run.err
    assert "Atl\\x1b]0;x\\x07antis\\nsecond" in run.err


# ----------------------------------------------------------------- export format (F2)


@pytest.mark.parametrize(("name", "fmt"), [
    ("g.ttl", "turtle"), ("g.nt", "nt"), ("g.jsonld", "jsonld"), ("g.csv", "csv"),
    ("g.graphml", "graphml"), ("g.gexf", "gexf"), ("G.TTL", "turtle"),
])
def test_export_format_comes_from_the_extension(cli, tmp_path, project_graph, name, fmt):
    run = cli("export", "--out", tmp_path / name)
    assert run.code == 0, run.err
    assert (tmp_path / name).read_bytes() == serialize(project_graph, fmt)


def test_export_refuses_an_unknown_extension_and_a_clash(cli, tmp_path):
    run = cli("export", "--out", tmp_path / "x.xyz")
    assert run.code == 2 and run.err.count("\n") == 1
    assert run.err.startswith("pmgraph: error: --out ") and "give --format" in run.err
    run = cli("export", "--format", "nt", "--out", tmp_path / "x.jsonld")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "--format nt does not match --out" in run.err and "x.nt" in run.err
    assert list(tmp_path.iterdir()) == []
    run = cli("export", "--format", "csv", "--out", tmp_path / "triples.txt")
    assert run.code == 0 and (tmp_path / "triples.txt").read_text().startswith("subject,")


def test_export_help_says_the_default(cli):
    run = cli("export", "--help")
    assert run.code == 0 and "from --out's extension" in run.out and ".graphml graphml" in run.out


def test_format_for():
    assert format_for(None) == "turtle"
    assert format_for("a.json") == "jsonld"
    assert format_for("a.txt", "nt") == "nt"


# ----------------------------------------------------------------- encodings (T1)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_narrow_output_encodings_fall_back_not_crash(encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pmgraph", "query", "centres", "--format", "csv"],
        capture_output=True, env=env, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    text = run.stdout.decode(encoding)
    assert "Queen’s University Belfast" in text or "Queen\\u2019s University Belfast" in text
    assert ("’" in text) == (encoding == "cp1252")


def test_exports_on_stdout_stay_utf8_whatever_the_terminal():
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pmgraph", "export", "--format", "nt"],
                         capture_output=True, env=env, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "Queen’s University Belfast".encode() in run.stdout


# ----------------------------------------------------------------- formats, counts, cuts


def test_stats_formats(cli, project_graph):
    from pmgraph.graph.stats import graph_stats

    stats = graph_stats(project_graph)
    as_json = json.loads(cli("stats", "--format", "json").out)
    assert as_json["triples"] == stats.triples and as_json["entities"] == stats.entities
    assert as_json["classes"][0] == {"class": str(stats.classes[0][0]),
                                     "entities": stats.classes[0][1]}
    rows = list(csv.DictReader(io.StringIO(cli("stats", "--format", "csv").out)))
    assert rows[0] == {"section": "measure", "name": "triples", "count": str(stats.triples)}
    assert len(rows) == 4 + len(stats.classes) + len(stats.properties)
    markdown = cli("stats", "--format", "markdown").out
    assert markdown.startswith("| measure | count |\n|---|---|\n| triples |")
    assert cli("stats", "--format", "xml").code == 2


def test_analyse_markdown(cli):
    run = cli("analyse", "--top", "2", "--format", "markdown")
    lines = run.out.splitlines()
    assert run.code == 0 and lines[0].startswith("| iri | label |") and len(lines) == 4


def test_query_without_rows_says_so(cli, tmp_path):
    run = cli("query", "find-entity", "--param", "text=zzzz-no-such-thing")
    assert run.code == 0 and run.out == "No results.\n"
    as_csv = cli("query", "find-entity", "--param", "text=zzzz-no-such-thing", "--format", "csv")
    assert as_csv.out.count("\n") == 1 and "," in as_csv.out
    as_json = cli("query", "find-entity", "--param", "text=zzzz-no-such-thing", "--format", "json")
    assert json.loads(as_json.out) == []


def test_cut_cells_are_announced(cli):
    run = cli("analyse", "communities", "--top", "3")
    assert run.code == 0 and "…" in run.out
    assert run.out.endswith(
        "(values cut at 80 characters; use --format csv or json for full values)\n")
    short = cli("query", "centres", "--param", "nation=place:wales", "--format", "table")
    assert "values cut" not in short.out or "…" in short.out


def test_json_numbers_are_numbers(cli):
    rows = json.loads(cli("query", "centres", "--format", "json").out)
    assert rows and all(isinstance(r["lat"], float) and isinstance(r["long"], float)
                        for r in rows if r["lat"] is not None)


def test_counts_agree_with_their_nouns(cli, write_ttl, tmp_path):
    data = write_ttl('ctr:x a pm:CentreOfExcellence ; rdfs:label "X"@en .\n')
    run = cli("viz", "--data", data, "--focus", "ctr:x", "--depth", "0",
              "--out", tmp_path / "v.html")
    assert run.code == 0 and ": 1 entity, 0 links." in run.out
