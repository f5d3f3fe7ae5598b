"""Loading: the project's files from anywhere, other data on request, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from pmgraph import paths
from pmgraph.errors import DataLoadError
from pmgraph.graph.load import expand_paths, load_graph, plain_copy
from pmgraph.graph.namespaces import ONTOLOGY_IRI, PM

ROOT = Path(__file__).resolve().parents[1]
LEEDS = URIRef("https://w3id.org/pmgraph/id/centre/leeds")


def test_paths_point_at_the_project_files():
    assert paths.ontology_file().is_file()
    assert paths.queries_dir().is_dir()
    assert paths.data_files(), "data/ has no Turtle files"
    assert all(p.suffix == ".ttl" for p in paths.data_files())
    assert paths.data_files() == sorted(paths.data_files())
    assert (paths.sources_dir() / "reference").is_dir()
    assert paths.checks_dir().parent == paths.queries_dir()


def test_paths_prefer_bundled_resources(tmp_path, monkeypatch):
    package = tmp_path / "pmgraph"
    (package / "_resources" / "ontology").mkdir(parents=True)
    monkeypatch.setattr(paths, "_PACKAGE_DIR", package)
    assert paths.project_root() == package / "_resources"
    assert paths.shapes_file() == package / "_resources" / "ontology" / "shapes.ttl"


def test_paths_fall_back_to_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "pmgraph")
    assert paths.project_root() == tmp_path


def test_project_files_are_found_from_another_folder(tmp_path):
    code = "from pmgraph.graph.load import load_graph; print(len(load_graph()))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(load_graph())


def test_default_graph_holds_ontology_and_data(project_graph):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in project_graph
    assert (LEEDS, RDF.type, PM.CentreOfExcellence) in project_graph
    assert project_graph.value(LEEDS, RDFS.label) is not None


def test_queries_run_in_oxigraph(project_graph):
    from oxrdflib import OxigraphStore

    assert isinstance(project_graph.store, OxigraphStore)


def test_given_file_replaces_project_data(write_ttl):
    path = write_ttl("orgn:x a pm:University ; rdfs:label \"X\"@en .\n")
    graph = load_graph(path)
    assert (URIRef("https://w3id.org/pmgraph/id/org/x"), RDF.type, PM.University) in graph
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph, "the ontology always comes along"
    assert (LEEDS, RDF.type, PM.CentreOfExcellence) not in graph


def test_project_data_can_be_kept_with_extra_files(write_ttl):
    path = write_ttl("orgn:x a pm:University .\n")
    graph = load_graph(path, include_project_data=True)
    assert (LEEDS, RDF.type, PM.CentreOfExcellence) in graph
    assert (URIRef("https://w3id.org/pmgraph/id/org/x"), RDF.type, PM.University) in graph


def test_folder_means_its_turtle_files_sorted(write_ttl, tmp_path):
    write_ttl("orgn:b a pm:University .\n", "folder/b.ttl")
    write_ttl("orgn:a a pm:University .\n", "folder/a.ttl")
    write_ttl("not turtle at all", "folder/notes.txt", prefixes=False)
    assert [p.name for p in expand_paths([tmp_path / "folder"])] == ["a.ttl", "b.ttl"]
    graph = load_graph(tmp_path / "folder")
    assert len(set(graph.subjects(RDF.type, PM.University))) == 2


def test_lexical_forms_are_kept(write_ttl):
    path = write_ttl('qty:x pm:value "210000000"^^xsd:decimal .\n')
    value = load_graph(path).value(URIRef("https://w3id.org/pmgraph/id/quantity/x"), PM.value)
    assert str(value) == "210000000" and value.datatype == XSD.decimal


def test_plain_copy_drops_the_string_datatype(write_ttl):
    path = write_ttl('orgn:x pm:abbreviation "QEUH" .\n')
    graph = load_graph(path)
    subject = URIRef("https://w3id.org/pmgraph/id/org/x")
    assert graph.value(subject, PM.abbreviation).datatype == XSD.string
    assert (subject, PM.abbreviation, Literal("QEUH")) in plain_copy(graph)


def test_syntax_error_names_file_line_and_column(write_ttl):
    path = write_ttl("orgn:x a pm:University\norgn:y a pm:University .\n")
    with pytest.raises(DataLoadError) as error:
        load_graph(path)
    message = str(error.value)
    # The missing dot shows where the next statement starts.
    line = path.read_text().splitlines().index("orgn:y a pm:University .") + 1
    assert message.startswith(f"{path}:{line}:1: ")
    assert "not valid Turtle" in message and "\n" not in message


def test_missing_file_is_named():
    with pytest.raises(DataLoadError, match=r"no-such\.ttl: no such file"):
        load_graph("no-such.ttl")


def test_folder_without_turtle_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataLoadError, match="folder has no .ttl files"):
        load_graph(tmp_path / "empty")


def test_undefined_prefix_is_a_syntax_error(write_ttl):
    path = write_ttl("nope:x a pm:University .\n")
    with pytest.raises(DataLoadError, match="not valid Turtle"):
        load_graph(path)
