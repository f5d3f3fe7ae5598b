"""The command line: every command, every bad input, exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from pmgraph import __version__
from pmgraph.cli import build_parser, main
from pmgraph.files import MARKER, marker_text
from pmgraph.graph.load import load_graph
from pmgraph.publishing.build import BUILD_FILES
from pmgraph.query.library import list_queries, run_query

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    "build", "validate", "query", "queries", "stats", "export", "viz", "analyse", "synth", "load",
    "serve", "push", "diff",
)
WALES = "https://w3id.org/pmgraph/id/place/wales"
INVALID_DATA = 'orgn:nameless a pm:University ; pm:abbreviation "NL" .\n'


def one_error_line(run, *fragments: str) -> None:
    """The run failed with one ``pmgraph: error:`` line naming ``fragments``, after at most
    the progress lines of ``build``."""
    lines = run.err.strip().splitlines()
    errors = [line for line in lines if line.startswith("pmgraph: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], run.err
    assert all(line.startswith("pmgraph: ") for line in lines), run.err
    assert "Traceback" not in run.err
    if run.err.count("\n") > 1:
        assert lines[0] == "pmgraph: loading ontology and data", run.err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


# ---------------------------------------------------------------- help and version


def test_analyse_chain_picks_names_as_the_view_search_does(cli):
    """"leeds" is the Leeds centre, not the city (as in the view's search and viz --focus),
    and the command says which entity it picked."""
    run = cli("analyse", "chain", "--from", "leeds", "--to", "belfast", "--format", "json")
    assert run.code == 0, run.err
    steps = json.loads(run.out)
    centre = "https://w3id.org/pmgraph/id/centre/"
    assert steps[0]["from_iri"] == centre + "leeds" and steps[-1]["to_iri"] == centre + "belfast"
    assert "--from 'leeds': picked Leeds Centre for Personalised Medicine and Health" in run.err
    assert "give an IRI to pick another" in run.err


def test_version(cli):
    run = cli("--version")
    assert run.code == 0 and run.out.strip() == f"pmgraph {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(cli, command):
    run = cli(command, "--help")
    assert run.code == 0
    assert f"pmgraph {command}" in run.out and "example:" in run.out


def test_parser_knows_every_command():
    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert set(choices) == set(COMMANDS)


def test_unknown_command_and_option_are_one_line_usage_errors(cli):
    one_error_line(cli("biuld"), "invalid choice: 'biuld'")
    assert cli("biuld").code == 2
    run = cli("stats", "--frobnicate")
    assert run.code == 2
    one_error_line(run, "--frobnicate")
    run = cli("export", "--format", "xml")
    assert run.code == 2
    one_error_line(run, "invalid choice: 'xml'")


# ---------------------------------------------------------------- validate


def test_validate_project_data_is_clean(cli):
    run = cli("validate")
    assert run.code == 0, run.out
    assert "The data conforms" in run.out


def test_validate_reports_violations_most_severe_first(cli, write_ttl):
    run = cli("validate", write_ttl(INVALID_DATA))
    assert run.code == 1
    lines = [line.strip() for line in run.out.splitlines() if line.startswith("  ")]
    assert lines and lines[0].startswith("VIOLATION ")
    ranks = {"VIOLATION": 0, "WARNING": 1, "INFO": 2}
    order = [ranks[line.split(" ", 1)[0]] for line in lines]
    assert order == sorted(order)
    nameless = "https://w3id.org/pmgraph/id/org/nameless"
    assert any(nameless in line and "rdfs:label" in line for line in lines)
    assert "The data does not conform" in run.out


def test_validate_names_a_property_path_in_prefixed_names(cli, write_ttl):
    """A finding on a path of several properties reads as a SPARQL path of prefixed names in
    the text report, and as full IRIs in <...> in JSON."""
    run = cli("validate", write_ttl('fac:lonely a pm:Facility ; rdfs:label "Lonely"@en .\n'))
    warning = next(line for line in run.out.splitlines() if "linked to no centre" in line)
    assert "|^pm:hasFacility|" in warning and "|pm:hostedBy|" in warning, warning
    assert "https://w3id.org/pmgraph/ontology#" not in warning
    run = cli("validate", write_ttl('fac:lonely a pm:Facility ; rdfs:label "Lonely"@en .\n'),
              "--format", "json")
    paths = [f["path"] for f in json.loads(run.out)["findings"] if f["path"] and "|" in f["path"]]
    assert paths and "^<https://w3id.org/pmgraph/ontology#hasFacility>|" in paths[0]


def test_validate_json_and_turtle(cli, write_ttl):
    path = write_ttl(INVALID_DATA)
    run = cli("validate", path, "--format", "json")
    assert run.code == 1
    document = json.loads(run.out)
    assert document["conforms"] is False
    assert {f["severity"] for f in document["findings"]} >= {"VIOLATION"}
    run = cli("validate", path, "--format", "turtle")
    assert run.code == 1
    report = Graph().parse(data=run.out, format="turtle")
    assert len(report) > 0 and "sh:ValidationReport" in run.out


def test_validate_with_data_option_equals_paths(cli, write_ttl):
    path = write_ttl(INVALID_DATA)
    assert cli("validate", "--data", path, "--format", "json").out == cli(
        "validate", path, "--format", "json").out


# ---------------------------------------------------------------- bad input files


def test_turtle_syntax_error_names_file_and_line(cli, write_ttl):
    path = write_ttl("orgn:x a pm:University\norgn:y a pm:University .\n")
    for argv in (("validate", path), ("stats", "--data", path), ("build", "--data", path)):
        run = cli(*argv)
        assert run.code == 2
        one_error_line(run, f"{path}:", "not valid Turtle")
        assert run.out == ""


def test_a_merge_conflict_marker_is_named_at_its_line(cli, write_ttl):
    """Turtle reads "<<" as the start of a triple term and fails far below the marker; the
    message names the marker's own line."""
    path = write_ttl(
        "orgn:x a pm:University .\n<<<<<<< HEAD\norgn:y a pm:University .\n=======\n"
        'orgn:y a pm:University ; rdfs:label "Y \\"quoted\\""@en .\n>>>>>>> other\n'
    )
    line = next(n for n, text in enumerate(Path(path).read_text().splitlines(), 1)
                if text.startswith("<<<<<<<"))
    run = cli("validate", path)
    assert run.code == 2
    one_error_line(run, f"{path}:{line}: a merge conflict marker (<<<<<<<)",
                   "resolve the conflict")


@pytest.mark.parametrize(("param", "hint"), [
    ("nation=place:walse", "did you mean place:wales?"),
    ("nation=place:atlantis", "'pmgraph query find-entity --param text=NAME' finds an entity"),
])
def test_a_misspelt_entity_is_an_error_not_an_empty_answer(cli, param, hint):
    run = cli("query", "centres", "--param", param)
    assert run.code == 2
    shown = param.split("=", 1)[1]
    one_error_line(run, f"parameter {param}: no entity {shown} in the graph; {hint}")
    assert run.out == ""


def test_missing_file_and_empty_folder(cli, tmp_path):
    run = cli("stats", "--data", tmp_path / "missing.ttl")
    assert run.code == 2
    one_error_line(run, "missing.ttl: no such file or folder")
    (tmp_path / "empty").mkdir()
    run = cli("query", "centres", "--data", tmp_path / "empty")
    assert run.code == 2
    one_error_line(run, "empty: folder has no .ttl files")


# ---------------------------------------------------------------- queries and query


def test_queries_lists_the_library(cli):
    run = cli("queries")
    assert run.code == 0
    for info in list_queries():
        assert info.name in run.out and info.title in run.out
    assert "nation (iri, optional)" in run.out
    long = cli("queries", "--long")
    assert long.code == 0 and "--param nation=" in long.out


def test_query_formats_agree(cli, project_graph):
    result = run_query("centres", project_graph, params={"nation": WALES})
    expected = result.to_records()
    as_json = cli("query", "centres", "--param", f"nation={WALES}", "--format", "json")
    assert as_json.code == 0 and json.loads(as_json.out) == result.to_values()
    assert isinstance(json.loads(as_json.out)[0]["lat"], float)
    as_csv = cli("query", "centres", "--param", "nation=place:wales", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [r["centre"] for r in rows] == [r["centre"] for r in expected]
    table = cli("query", "centres", "--param", "nation=place:wales")
    assert table.code == 0
    assert "centreLabel" in table.out.splitlines()[0]
    for record in expected:
        assert record["centreLabel"] in table.out
    markdown = cli("query", "centres", "--param", "nation=place:wales", "--format", "markdown")
    assert markdown.out.startswith("| centre | centreLabel |")
    assert len(markdown.out.strip().splitlines()) == len(expected) + 2


def test_query_file(cli, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("# title: Count centres\nPREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
                    "SELECT (COUNT(?c) AS ?n) WHERE { ?c a pm:CentreOfExcellence }\n")
    run = cli("query", path, "--format", "json")
    centres = len(run_query("centres", load_graph()).to_records())
    assert run.code == 0 and int(json.loads(run.out)[0]["n"]) <= centres


CONSTRUCT_QUERY = """# title: Assets as assetOf links
# param: centre (iri) The centre, e.g. ctr:leeds
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
CONSTRUCT { ?asset pm:assetOf ?centre } WHERE { ?centre pm:hasProgramme ?asset }
"""


def test_construct_and_ask_queries(cli, tmp_path, project_graph):
    construct = tmp_path / "assets.rq"
    construct.write_text(CONSTRUCT_QUERY)
    run = cli("query", construct, "--param", "centre=ctr:leeds", "--format", "csv")
    assert run.code == 0
    rows = list(csv.DictReader(io.StringIO(run.out)))
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    has_programme = "https://w3id.org/pmgraph/ontology#hasProgramme"
    expected = {str(o) for o in project_graph.objects(URIRef(leeds), URIRef(has_programme))}
    assert expected and {r["subject"] for r in rows} == expected
    assert {r["object"] for r in rows} == {leeds}
    ask = tmp_path / "ask.rq"
    ask.write_text("PREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
                   "ASK { ?c a pm:CentreOfExcellence }\n")
    assert json.loads(cli("query", ask, "--format", "json").out) == {"boolean": True}


def test_check_query_with_rows_exits_1(cli, tmp_path, write_ttl):
    path = tmp_path / "x-violation.rq"
    path.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                    "SELECT ?focus ?message WHERE { ?focus a ?c FILTER NOT EXISTS "
                    '{ ?focus rdfs:label ?l } FILTER(STRSTARTS(STR(?focus), '
                    '"https://w3id.org/pmgraph/id/")) BIND("no label" AS ?message) }\n')
    assert cli("query", path, "--data", write_ttl(INVALID_DATA)).code == 1
    assert cli("query", path).code == 0


def test_unknown_query_suggests_names(cli):
    run = cli("query", "centers")
    assert run.code == 2
    one_error_line(run, "no query named 'centers'", "did you mean centres")
    run = cli("query", "no-such-file.rq")
    assert run.code == 2
    one_error_line(run, "no-such-file.rq: no such query file")


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (("query", "entity-evidence"), ("needs parameter entity (iri)", "--param entity=")),
        (("query", "centres", "--param", "colour=red"), ("no parameter 'colour'",)),
        (("query", "centres", "--param", "nation=Wales"), ("'Wales' is not an absolute IRI",)),
        (("query", "centres", "--param", "nation"), ("write KEY=VALUE",)),
        (("query", "centres", "--param", "nation=place:wales", "--param", "nation=place:england"),
         ("given twice",)),
        (("query", "centres", "--endpoint", "not-a-url"), ("is not an http(s) URL",)),
    ],
)
def test_bad_parameters_are_one_line_errors(cli, argv, fragments):
    run = cli(*argv)
    assert run.code == 2
    one_error_line(run, *fragments)
    assert run.out == ""


def test_update_is_refused(cli, tmp_path):
    path = tmp_path / "drop.rq"
    path.write_text("DROP ALL\n")
    run = cli("query", path)
    assert run.code == 2
    one_error_line(run, "drop.rq", "SPARQL update")


# ---------------------------------------------------------------- stats and export


def test_stats_counts_the_graph(cli, project_graph):
    run = cli("stats")
    assert run.code == 0
    assert f"triples     {len(project_graph)}" in run.out
    assert "pm:CentreOfExcellence" in run.out and "pm:hasFacility" in run.out


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "csv", "graphml", "gexf"])
def test_export_to_stdout_and_file_agree(cli, tmp_path, fmt):
    to_stdout = cli("export", "--format", fmt)
    assert to_stdout.code == 0 and to_stdout.out
    out = tmp_path / f"graph.{fmt}"
    to_file = cli("export", "--format", fmt, "--out", out)
    assert to_file.code == 0 and to_file.out == ""
    assert out.read_text(encoding="utf-8") == to_stdout.out


def test_export_of_other_data(cli, write_ttl):
    path = write_ttl('orgn:x a pm:University ; rdfs:label "X"@en .\n')
    run = cli("export", "--format", "nt", "--data", path)
    assert "<https://w3id.org/pmgraph/id/org/x>" in run.out
    assert "/centre/leeds>" not in run.out


def test_unwritable_output_is_one_line(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = cli("export", "--format", "nt", "--out", blocker / "g.nt")
    assert run.code == 2
    one_error_line(run, "cannot write", "choose another --out")
    run = cli("build", "--out", blocker)
    assert run.code == 2
    one_error_line(run, "is a file; give a folder to --out")


# ---------------------------------------------------------------- build


def test_build_writes_the_files_and_a_summary(cli, tmp_path, project_graph):
    out = tmp_path / "site"
    run = cli("build", "--out", out)
    assert run.code == 0, run.err
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == sorted(BUILD_FILES)
    assert f"{len(project_graph)} triples" in run.out
    for name in BUILD_FILES:
        assert name in run.out
    assert "validating" in run.err and "writing network.html" in run.err


def test_build_default_folder_is_build_in_the_working_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("build").code == 0
    assert (tmp_path / "build" / "pmgraph.ttl").is_file()


def test_build_of_invalid_data_reports_and_keeps_the_previous_build(cli, tmp_path, write_ttl):
    out = tmp_path / "site"
    out.mkdir()
    (out / MARKER).write_text(marker_text(["pmgraph.ttl"]))  # a previous build
    (out / "pmgraph.ttl").write_text("previous")
    run = cli("build", "--out", out, "--data", write_ttl(INVALID_DATA))
    assert run.code == 1
    assert "VIOLATION" in run.out
    assert "does not conform; nothing written" in run.err
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "pmgraph.ttl"]


def test_interrupt_exits_130_with_one_line(cli, tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / MARKER).write_text(marker_text(["pmgraph.ttl"]))  # a previous build
    (out / "pmgraph.ttl").write_text("previous")

    def interrupted(graph):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["pmgraph.publishing.build"], "to_graphml", interrupted)
    run = cli("build", "--out", out)
    assert run.code == 130
    assert run.err.strip().splitlines()[-1].startswith("pmgraph: interrupted")
    assert "Traceback" not in run.err
    assert (out / "pmgraph.ttl").read_text() == "previous"


# ---------------------------------------------------------------- viz and analyse


def test_viz_writes_a_page(cli, tmp_path):
    out = tmp_path / "view.html"
    run = cli("viz", "--out", out)
    assert run.code == 0 and out.is_file()
    assert "<html" in out.read_text(encoding="utf-8").lower()
    full = int(run.out.split(": ")[1].split(" ")[0])
    focused = cli("viz", "--out", tmp_path / "f.html", "--focus", "ctr:leeds", "--depth", "1",
                  "--layout", "geo")
    assert focused.code == 0
    assert 1 < int(focused.out.split(": ")[1].split(" ")[0]) < full
    only = cli("viz", "--out", tmp_path / "c.html", "--classes", "CentreOfExcellence")
    assert only.code == 0 and "6 entities" in only.out


def test_viz_bad_focus_and_class(cli, tmp_path):
    run = cli("viz", "--out", tmp_path / "x.html", "--focus", "Atlantis")
    assert run.code == 2
    one_error_line(run, "Atlantis")
    run = cli("viz", "--out", tmp_path / "x.html", "--classes", "Unicorn")
    assert run.code == 2
    one_error_line(run, "Unicorn")
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("analysis", ["centrality", "communities", "unique"])
def test_analyse(cli, analysis):
    run = cli("analyse", analysis, "--top", "3", "--format", "json")
    assert run.code == 0
    rows = json.loads(run.out)
    assert 0 < len(rows) <= 3
    table = cli("analyse", analysis, "--top", "3")
    lines = [line for line in table.out.strip().splitlines()
             if not line.startswith("(values cut at 80 characters")]
    assert table.code == 0 and len(lines) == len(rows) + 2


def test_analyse_chain(cli):
    run = cli("analyse", "chain", "--from", "ctr:leeds", "--to", "ctr:cardiff", "--format", "csv")
    assert run.code == 0
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert rows[0]["from_iri"].endswith("/centre/leeds")
    assert rows[-1]["to_iri"].endswith("/centre/cardiff")
    run = cli("analyse", "chain", "--from", "ctr:leeds")
    assert run.code == 2
    one_error_line(run, "--to")


# ---------------------------------------------------------------- the installed program


def test_installed_entry_point_runs_from_any_folder(tmp_path, write_ttl):
    program = shutil.which("pmgraph")
    if program is None:
        pytest.skip("the pmgraph console script is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([program, "query", "centres", "--format", "csv"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == len(
        run_query("centres", load_graph()).to_records())
    bad = subprocess.run([program, "validate", write_ttl("orgn:x a pm:University\n")],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("pmgraph: error: ") and bad.stderr.count("\n") == 1


def test_python_dash_m_runs_from_any_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pmgraph", "queries"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "centres" in done.stdout


def test_build_refuses_a_folder_of_other_files_and_leaves_it_alone(cli, tmp_path):
    out = tmp_path / "notes"
    (out / "sub").mkdir(parents=True)
    (out / "mine.txt").write_text("keep me")
    (out / "sub" / "x.txt").write_text("me too")
    run = cli("build", "--out", str(out))
    assert run.code == 2
    assert "holds files that pmgraph did not write" in run.err and "notes" in run.err
    assert (out / "mine.txt").read_text() == "keep me"
    assert (out / "sub" / "x.txt").read_text() == "me too"
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", "sub"]



def test_build_keeps_a_file_the_user_added_to_its_own_output(cli, tmp_path):
    out = tmp_path / "build"
    assert cli("build", "--out", str(out)).code == 0
    (out / "analysis-notes.md").write_text("my notes")
    run = cli("build", "--out", str(out))
    assert run.code == 2
    assert "analysis-notes.md" in run.err and "did not write" in run.err
    assert (out / "analysis-notes.md").read_text() == "my notes"
    (out / "analysis-notes.md").unlink()
    assert cli("build", "--out", str(out)).code == 0, "its own output alone is replaced"

def test_synth_writes_a_graph_the_other_commands_read(cli, tmp_path):
    out = tmp_path / "synth.ttl"
    run = cli("synth", "--triples", "5k", "--out", out, "--seed", "3")
    assert run.code == 0 and f"Wrote {out}: " in run.out and out.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left"
    centres = cli("query", "centres", "--data", out, "--format", "json")
    assert centres.code == 0
    assert len(json.loads(centres.out)) > 6  # the copies bring centres of their own


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--triples", "lots"), "is not a count"),
        (("--triples", "10"), "too few"),
        (("--triples", "5k", "--out", "x.csv"), "end the file name in .nt or .ttl"),
    ],
)
def test_synth_bad_input(cli, tmp_path, argv, message):
    argv = argv if "--out" in argv else (*argv, "--out", tmp_path / "s.ttl")
    run = cli("synth", *argv)
    assert run.code == 2 and message in run.err
    assert list(tmp_path.iterdir()) == []


def test_main_in_process_leaves_logging_as_it_found_it(capsys):
    """Called from a program or a notebook, the command's own log handler does not stay."""
    import logging

    logger = logging.getLogger("pmgraph")
    before = (list(logger.handlers), logger.level, logger.propagate)
    assert main(["-v", "queries"]) == 0
    capsys.readouterr()
    assert (list(logger.handlers), logger.level, logger.propagate) == before
