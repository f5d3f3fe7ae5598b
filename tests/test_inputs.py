"""Inputs people have: BOMs, huge tokens, folders with leftovers, odd file names, standard
input, and every RDF file ``pmgraph export`` writes, given to ``--data``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

import pmgraph.graph.load
from pmgraph.graph.load import new_graph, parse_into, plain_copy
from pmgraph.publishing.export import SUFFIXES, export

ROOT = Path(__file__).resolve().parents[1]
TRIPLES = "<http://example.org/a> <http://example.org/p> \"1\" .\n"
TURTLE = '@prefix ex: <http://example.org/> .\nex:b ex:p "2" ; ex:q ex:c .\n'
COUNT = (
    'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o '
    'FILTER(STRSTARTS(STR(?s), "http://example.org/")) }\n'
)


@pytest.fixture
def count(tmp_path):
    """Run ``pmgraph query`` counting the triples about example.org with ``args``; return
    (exit code, the count or None, first line of stderr)."""
    query = tmp_path / "count.rq"
    query.write_text(COUNT, encoding="utf-8")

    def run(cli, *args):
        result = cli("query", query, "--format", "csv", *args)
        lines = result.out.splitlines()
        first = result.err.splitlines()[0] if result.err else ""
        return result.code, int(lines[1]) if result.code == 0 else None, first

    return run


# ---------------------------------------------------------------- D5: byte order mark


def test_bom_at_the_start_is_accepted(tmp_path, cli, count):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + TURTLE.encode())
    assert count(cli, "--data", path) == (0, 2, "")


def test_bom_in_an_ntriples_file_is_accepted(tmp_path, cli, count):
    path = tmp_path / "bom.nt"
    path.write_bytes(b"\xef\xbb\xbf" + TRIPLES.encode())
    assert count(cli, "--data", path) == (0, 1, "")


# ---------------------------------------------------------------- D6: tokens over 16 MiB


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    folder = tmp_path_factory.mktemp("huge")
    line = folder / "hugeline.ttl"
    line.write_text('<http://e/a> <http://e/p> "' + "x" * (17 * 2**20) + '" .\n')
    iri = folder / "longiri.nt"
    iri.write_text("<http://e/" + "x" * (17 * 2**20) + '> <http://e/p> "1" .\n')
    return folder


@pytest.mark.parametrize("command", [
    ["stats", "--data"], ["validate"], ["build", "--out", "{tmp}/b", "--data"],
    ["load", "--store", "{tmp}/s"], ["query", "centres", "--data"], ["export", "--data"],
])
def test_token_over_the_parser_limit_is_one_line(huge, tmp_path, cli, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    run = cli(*args, huge / "hugeline.ttl")
    errors = [line for line in run.err.splitlines() if line.startswith("pmgraph: error:")]
    assert run.code == 2 and "Traceback" not in run.err
    assert errors == [
        f"pmgraph: error: {huge / 'hugeline.ttl'}: holds an IRI or literal longer than the "
        "parser's limit of 16 MiB (16777216 bytes); shorten it or keep it outside the graph"
    ]
    assert not (tmp_path / "b").exists() and not (tmp_path / "s").exists()


def test_iri_over_the_parser_limit_is_one_line(huge, cli):
    run = cli("stats", "--data", huge / "longiri.nt")
    assert run.code == 2
    assert run.err.startswith(f"pmgraph: error: {huge / 'longiri.nt'}: holds an IRI or literal")


# ---------------------------------------------------------------- D7: folders


@pytest.fixture
def mixed(tmp_path):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.nt").write_text(TRIPLES)
    (folder / "b.ttl").write_text(TURTLE)
    (folder / "sub" / "c.ttl").write_text('<http://example.org/c> <http://example.org/p> 1 .\n')
    for leftover in (".hidden.ttl", "b.ttl~", "#b.ttl#", ".b.ttl.swp", "b.swp"):
        (folder / leftover).write_text("not turtle at all")
    os.symlink("alice@host.1234", folder / ".#b.ttl")  # an Emacs lock: a dangling link
    (folder / "notes.txt").write_text("my notes")
    (folder / "x.json").write_text("{}")
    return folder


def test_folder_reads_its_rdf_files_and_skips_leftovers(mixed, tmp_path, cli, count):
    (mixed / "d.jsonld").write_text(
        '{"@id": "http://example.org/j", "http://example.org/p": "1"}', encoding="utf-8"
    )
    code, triples, first = count(cli, "--data", mixed)
    # a.nt (1) + b.ttl (2) + d.jsonld (1); sub/c.ttl is not read
    assert (code, triples) == (0, 4)
    assert first == f"pmgraph: {mixed}: sub-folders are not read (sub); give each as --data too"


def test_dangling_link_in_a_folder_is_an_error(mixed, cli):
    os.symlink("missing.ttl", mixed / "dangling.ttl")
    run = cli("stats", "--data", mixed)
    assert run.code == 2
    assert run.err.splitlines()[0] == (
        f"pmgraph: error: {mixed / 'dangling.ttl'}: a link to missing.ttl, which does not "
        "exist; restore its target or remove the link"
    )


def test_link_to_a_file_in_a_folder_is_read(tmp_path, cli, count):
    (tmp_path / "real.ttl").write_text(TURTLE)
    (tmp_path / "folder").mkdir()
    os.symlink(tmp_path / "real.ttl", tmp_path / "folder" / "linked.ttl")
    assert count(cli, "--data", tmp_path / "folder") == (0, 2, "")


def test_folder_without_rdf_files_is_refused(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden.ttl").write_text(TURTLE)
    run = cli("stats", "--data", tmp_path / "empty")
    assert run.code == 2
    assert "folder has no .ttl files (nor .turtle, .nt, .jsonld)" in run.err.splitlines()[0]


# ---------------------------------------------------------------- D9: names not in UTF-8


def test_file_name_not_in_utf8_is_read(tmp_path, cli, count):
    path = tmp_path / os.fsdecode(b"bad\xff.ttl")
    path.write_text(TURTLE)
    assert count(cli, "--data", path) == (0, 2, "")


def test_file_name_not_in_utf8_is_named_escaped(tmp_path, cli):
    path = tmp_path / os.fsdecode(b"bad\xff.ttl")
    path.write_text("ex:x a ex:Y .\n")  # undefined prefix
    run = cli("stats", "--data", path)
    assert run.code == 2
    assert run.err.startswith(f"pmgraph: error: {tmp_path}/bad\\xff.ttl:1:1: not valid Turtle")
    missing = cli("stats", "--data", tmp_path / os.fsdecode(b"nope\xff.ttl"))
    assert missing.err.splitlines()[0] == (
        f"pmgraph: error: {tmp_path}/nope\\xff.ttl: no such file or folder; check the path"
    )


# ---------------------------------------------------------------- D10: standard input


@pytest.fixture
def stdin(monkeypatch):
    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        monkeypatch.setattr(pmgraph.graph.load, "_stdin_data", None)

    return feed


def test_dash_reads_turtle_from_stdin(stdin, cli, count):
    stdin(TURTLE.encode())
    assert count(cli, "--data", "-") == (0, 2, "")


def test_dash_reads_ntriples_from_stdin(stdin, cli, count):
    stdin(TRIPLES.encode())
    assert count(cli, "--data", "-") == (0, 1, "")


def test_dash_with_bad_turtle_names_standard_input(stdin, cli):
    stdin(b"ex:x a ex:Y .\n")
    run = cli("stats", "--data", "-")
    assert run.code == 2
    assert run.err.startswith("pmgraph: error: standard input:1:1: not valid Turtle")


def test_dash_into_a_store(stdin, cli, tmp_path, count):
    stdin(TURTLE.encode())
    run = cli("load", "-", "--store", tmp_path / "s")
    assert run.code == 0 and run.out.startswith("Loaded ")
    assert count(cli, "--store", tmp_path / "s") == (0, 2, "")


def test_dev_stdin_is_read():
    run = subprocess.run(
        [sys.executable, "-m", "pmgraph", "stats", "--data", "/dev/stdin"],
        input=TURTLE.encode(), capture_output=True, cwd=ROOT, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert b"triples" in run.stdout


def test_missing_file_still_says_so(tmp_path, cli):
    run = cli("stats", "--data", tmp_path / "missing.ttl")
    assert run.code == 2
    assert run.err.splitlines()[0] == (
        f"pmgraph: error: {tmp_path / 'missing.ttl'}: no such file or folder; check the path"
    )


# ---------------------------------------------------------------- D11: exports read back


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_every_rdf_export_reads_back_by_extension(project_graph, tmp_path, cli, fmt):
    out = export(project_graph, fmt, tmp_path / f"pmgraph{SUFFIXES[fmt]}")
    back = new_graph()
    parse_into(back, out)
    assert isomorphic(plain_copy(back), plain_copy(project_graph))
    run = cli("stats", "--data", out)
    assert run.code == 0 and run.err == ""


def test_endless_device_is_refused_not_read_forever(cli):
    run = cli("stats", "--data", "/dev/zero")
    assert run.code == 2
    assert run.err.startswith("pmgraph: error: /dev/zero:1:1: not valid Turtle")


def test_process_substitution_is_read(tmp_path):
    query = tmp_path / "count.rq"
    query.write_text(COUNT, encoding="utf-8")
    command = (f"{sys.executable} -m pmgraph query {query} --format csv "
               f"--data <(printf '%s' '{TRIPLES}')")
    run = subprocess.run(["bash", "-c", command], capture_output=True, cwd=ROOT, timeout=120,
                         text=True)
    assert (run.returncode, run.stdout.splitlines()[1:], run.stderr) == (0, ["1"], "")
