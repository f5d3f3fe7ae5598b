"""The on-disk store: same answers as the in-memory graph, safe rebuilds, clear refusals."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from pmgraph.analysis.network import to_networkx
from pmgraph.cli import main as cli_main
from pmgraph.errors import DataLoadError
from pmgraph.graph import load as load_module
from pmgraph.graph import store as store_module
from pmgraph.graph.load import load_graph, open_store
from pmgraph.graph.store import MANIFEST, StoreError, read_manifest
from pmgraph.graph.synth import write_synthetic
from pmgraph.query.library import list_queries, run_query
from pmgraph.validation.validate import validate

ROOT = Path(__file__).resolve().parents[1]
LEEDS = URIRef("https://w3id.org/pmgraph/id/centre/leeds")
SMALL = "orgn:a a pm:University ; rdfs:label \"A\"@en .\n"
OTHER = "orgn:b a pm:University ; rdfs:label \"B\"@en .\norgn:c a pm:University .\n"


def comparable(rows: tuple) -> list[tuple]:
    """Rows as sorted tuples of text. GROUP_CONCAT leaves the order of its parts to the
    store, so the parts of a ``; ``-joined cell are compared as a sorted list."""
    def cell(term: object) -> object:
        if term is None:
            return None
        text = str(term)
        return tuple(sorted(text.split("; "))) if "; " in text else text

    return sorted((tuple(map(cell, row)) for row in rows), key=repr)


def findings(graph: Graph) -> list[dict]:
    return sorted(validate(graph).to_records(), key=lambda r: json.dumps(r, sort_keys=True))


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stores") / "real.store"
    load_graph(store=path)
    return path


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("synth")
    data = folder / "s.ttl"
    write_synthetic(data, 10_000, 0)
    store = folder / "s.store"
    with pytest.MonkeyPatch.context() as patch:
        # The real data's small files load in one transaction; this one takes the bulk path.
        patch.setattr(store_module, "_BULK_FROM", 0)
        load_graph(data, store=store)
    return data, store


def test_real_store_answers_every_library_query_like_memory(
    real_store, project_graph, example_params
):
    stored = open_store(real_store)
    for info in list_queries():
        params = example_params(info)
        expected = run_query(info.name, project_graph, params=params)
        got = run_query(info.name, stored, params=params)
        assert got.vars == expected.vars, info.name
        assert comparable(got.rows) == comparable(expected.rows), info.name
    assert any(len(run_query(i.name, stored, params=example_params(i))) for i in list_queries())


def test_real_store_gives_the_same_validation_findings(real_store, project_graph):
    stored = open_store(real_store)
    expected = findings(project_graph)
    assert findings(stored) == expected
    assert validate(stored).conforms == validate(project_graph).conforms


def test_synthetic_store_matches_memory_in_queries_findings_and_network(synth, example_params):
    data, store = synth
    memory = load_graph(data)
    stored = open_store(store)
    assert len(stored) == len(memory) > 10_000
    for name in ("centres", "centre-assets", "shared-themes"):
        info = next(i for i in list_queries() if i.name == name)
        params = example_params(info)
        expected = run_query(name, memory, params=params).rows
        assert expected, name
        assert comparable(run_query(name, stored, params=params).rows) == comparable(expected)
    assert findings(stored) == findings(memory)
    net_memory, net_store = to_networkx(memory), to_networkx(stored)
    assert sorted(net_store.nodes) == sorted(net_memory.nodes)
    assert sorted(net_store.edges(keys=True)) == sorted(net_memory.edges(keys=True))


def test_reopening_parses_nothing(real_store, project_graph, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("open_store parsed a file")

    monkeypatch.setattr(load_module, "parse_into", refuse)
    monkeypatch.setattr(Graph, "parse", refuse)
    stored = open_store(real_store)
    assert len(stored) == len(project_graph)
    assert stored.value(LEEDS, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) is not None


def test_store_reopens_in_another_process(real_store, project_graph):
    code = ("import sys; from pmgraph.graph.load import open_store; "
            "print(len(open_store(sys.argv[1])))")
    done = subprocess.run(
        [sys.executable, "-c", code, str(real_store)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(project_graph)


def test_manifest_records_files_triples_and_version(real_store, project_graph):
    from pmgraph import __version__
    from pmgraph.graph.load import source_files

    info = read_manifest(real_store)
    assert info.triples == len(project_graph)
    assert info.pmgraph_version == __version__
    files = source_files(())
    assert [f.path for f in info.files] == [str(p.resolve()) for p in files]
    assert [f.size for f in info.files] == [p.stat().st_size for p in files]
    assert info.changed_files() == []


def test_changed_source_file_is_reported_on_open(tmp_path, write_ttl, caplog):
    data = write_ttl(SMALL)
    store = tmp_path / "st"
    load_graph(data, store=store)
    data.write_text(data.read_text() + OTHER, encoding="utf-8")
    with caplog.at_level("WARNING", logger="pmgraph.graph.store"):
        open_store(store)
    assert "1 file changed since it was built" in caplog.text and "data.ttl" in caplog.text
    # The advice rebuilds from the store's own files, not the project's data/.
    assert "data.ttl --store" in caplog.text


def test_a_gone_file_is_named_and_left_out_of_the_advice(tmp_path, write_ttl, caplog):
    """Following the advice works: it rebuilds from the files still there, and the warning
    counts and names every file that changed or went."""
    kept = write_ttl(SMALL, "kept.ttl")
    gone = write_ttl(OTHER, "gone.ttl")
    edited = write_ttl(SMALL, "edited.ttl")
    store = tmp_path / "st"
    assert cli_main(["load", str(kept), str(gone), str(edited), "--store", str(store)]) == 0
    gone.unlink()
    write_ttl(SMALL + OTHER, "edited.ttl")
    with caplog.at_level("WARNING", logger="pmgraph.graph.store"):
        open_store(store)
    warning = caplog.text
    assert "1 file changed since it was built (" in warning and "edited.ttl" in warning
    assert "1 file gone since it was built (" in warning
    advice = warning.split("rebuild it with '")[1].split("'")[0]
    assert "gone.ttl" not in advice and "kept.ttl" in advice and "edited.ttl" in advice
    assert cli_main(shlex.split(advice)[1:]) == 0  # the advice runs


def test_stores_open_read_only_and_several_readers_share_one(real_store):
    first, second = open_store(real_store), open_store(real_store)
    assert len(first) == len(second)
    with pytest.raises(RuntimeError):
        first.add((LEEDS, LEEDS, LEEDS))


def test_a_store_held_for_writing_is_refused_for_writing(tmp_path, write_ttl):
    store = tmp_path / "st"
    load_graph(write_ttl(SMALL), store=store)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]); print('open', flush=True); "
         "sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="open for writing in another process"):
            open_store(store, read_only=False)
    finally:
        holder.communicate("")


def test_rebuilding_replaces_the_content_whole(tmp_path, write_ttl):
    store = tmp_path / "st"
    first = load_graph(write_ttl(SMALL, "a.ttl"), store=store)
    assert (URIRef("https://w3id.org/pmgraph/id/org/a"), None, None) in first
    del first
    load_graph(write_ttl(OTHER, "b.ttl"), store=store)
    again = open_store(store)
    assert (URIRef("https://w3id.org/pmgraph/id/org/a"), None, None) not in again
    assert (URIRef("https://w3id.org/pmgraph/id/org/c"), None, None) in again
    assert [Path(f.path).name for f in read_manifest(store).files] == ["pm.ttl", "b.ttl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ttl", "b.ttl", "st"]


@pytest.mark.parametrize("bulk_from", [0, store_module._BULK_FROM])
def test_broken_turtle_leaves_the_old_store_intact(tmp_path, write_ttl, monkeypatch, bulk_from):
    monkeypatch.setattr(store_module, "_BULK_FROM", bulk_from)
    store = tmp_path / "st"
    load_graph(write_ttl(SMALL, "a.ttl"), store=store)
    before = len(open_store(store))
    manifest = (store / MANIFEST).read_text()
    bad = write_ttl(OTHER + 'orgn:d rdfs:label "unterminated .\n', "bad.ttl")
    with pytest.raises(DataLoadError, match=r"bad\.ttl:\d+:\d+: not valid Turtle"):
        load_graph(bad, store=store)
    assert (store / MANIFEST).read_text() == manifest
    assert len(open_store(store)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ttl", "bad.ttl", "st"]


def test_folder_of_other_files_is_refused_untouched(tmp_path, write_ttl):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(StoreError, match="not empty and is not a pmgraph store"):
        load_graph(write_ttl(SMALL), store=folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "keep me"
    with pytest.raises(StoreError, match=r"mine: not a pmgraph store"):
        open_store(folder)


def test_store_with_a_stray_file_is_not_replaced(tmp_path, write_ttl):
    store = tmp_path / "st"
    load_graph(write_ttl(SMALL), store=store)
    (store / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(StoreError, match=r"also holds other files \(notes\.txt\)"):
        load_graph(write_ttl(OTHER, "b.ttl"), store=store)
    assert (store / "notes.txt").read_text() == "keep me"
    assert [Path(f.path).name for f in read_manifest(store).files] == ["pm.ttl", "data.ttl"]


def test_store_of_an_incompatible_version_is_refused(tmp_path, write_ttl):
    store = tmp_path / "st"
    load_graph(write_ttl(SMALL), store=store)
    manifest = json.loads((store / MANIFEST).read_text())
    manifest["format_version"] = 99
    (store / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"st: built by pmgraph .* rebuild it"):
        open_store(store)
    (store / MANIFEST).write_text("{not json")
    with pytest.raises(StoreError, match=r"st: not a pmgraph store"):
        open_store(store)


def test_missing_store_folder_is_named(tmp_path):
    with pytest.raises(StoreError, match=r"nowhere: no such store folder; build it with"):
        open_store(tmp_path / "nowhere")


# --------------------------------------------------------------------------- command line


def one_error(run, *fragments: str) -> None:
    lines = run.err.strip().splitlines()
    assert run.code == 2, run
    assert len(lines) == 1 and lines[0].startswith("pmgraph: error: "), run.err
    assert all(f in lines[0] for f in fragments), run.err


def test_cli_load_then_query_from_the_store(cli, tmp_path):
    store = tmp_path / "pm.store"
    run = cli("load", "--store", store)
    assert run.code == 0, run.err
    lines = run.out.strip().splitlines()
    assert len(lines) == 1
    assert f"{read_manifest(store).triples} triples" in lines[0] and "pm.store" in lines[0]
    from_files = cli("query", "centres", "--format", "csv")
    from_store = cli("query", "centres", "--format", "csv", "--store", store)
    assert from_store.code == 0, from_store.err
    assert from_store.out == from_files.out and from_store.out.count("\n") > 3
    assert cli("stats", "--store", store).out == cli("stats").out
    validated = cli("validate", "--store", store)
    assert validated.code == cli("validate").code
    assert validated.out == cli("validate").out


def test_cli_store_with_data_is_a_usage_error(cli, tmp_path, write_ttl):
    store = tmp_path / "st"
    data = write_ttl(SMALL)
    assert cli("load", data, "--store", store).code == 0
    one_error(cli("query", "centres", "--store", store, "--data", data),
              "--store and --data exclude each other")
    one_error(cli("validate", data, "--store", store), "--store and PATH exclude each other")


def test_cli_refuses_a_folder_that_is_not_a_store(cli, tmp_path, write_ttl):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    one_error(cli("stats", "--store", folder), "mine: not a pmgraph store")
    one_error(cli("load", write_ttl(SMALL), "--store", folder), "mine", "not a pmgraph store")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_cli_load_with_broken_turtle_keeps_the_store(cli, tmp_path, write_ttl):
    store = tmp_path / "st"
    assert cli("load", write_ttl(SMALL), "--store", store).code == 0
    before = cli("stats", "--store", store).out
    bad = write_ttl("orgn:x rdfs:label \"open .\n", "bad.ttl")
    one_error(cli("load", bad, "--store", store), "bad.ttl:", "not valid Turtle")
    assert cli("stats", "--store", store).out == before


def test_cli_load_has_help_with_an_example(cli):
    run = cli("load", "--help")
    assert run.code == 0
    assert "pmgraph load" in run.out and "example:" in run.out and "--store DIR" in run.out
    for command in ("query", "validate", "stats", "export", "viz", "analyse"):
        assert "--store DIR" in cli(command, "--help").out, command


def test_communities_are_the_same_from_a_store(real_store, project_graph):
    """Louvain depends on the order edges come in; the store's order must not change it."""
    from pmgraph.analysis.analyse import communities
    from pmgraph.analysis.network import to_networkx

    in_memory = communities(to_networkx(project_graph))
    from_store = communities(to_networkx(open_store(real_store)))
    assert [c.members for c in from_store] == [c.members for c in in_memory]
