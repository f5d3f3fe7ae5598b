"""Comparing two versions of the graph: ``pmgraph.graph.diff`` and ``pmgraph diff``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pmgraph.graph.diff import diff_graphs, diff_paths
from pmgraph.graph.load import load_graph
from pmgraph.paths import data_dir
from pmgraph.publishing.build import build

ROOT = Path(__file__).resolve().parents[1]
QUOTE = ("worked closely with industry to embed cutting-edge molecular and data-driven "
         "technologies into the health service")
ESTABLISHED = ("The Leeds Centre for Personalised Medicine and Health (LCPMH), established in "
               "2016 by the Leeds Academic Health Partnership")
SHORTER = "established in 2016 by the Leeds Academic Health Partnership"
NEW_ENTITY = """
orgn:leeds-city-council a pm:Organisation ;
    rdfs:label "Leeds City Council"@en .
"""


def pmgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pmgraph", *args], cwd=ROOT,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project's data, and a copy with one statement added, one quote edited, one
    entity added and one founding date changed."""
    tmp = tmp_path_factory.mktemp("diff")
    new = tmp / "new"
    shutil.copytree(data_dir(), new)
    leeds = new / "leeds.ttl"
    text = leeds.read_text(encoding="utf-8")
    for old, edited in [
        # a statement added, with its evidence
        ("    pm:theme\n", "    pm:theme\n        theme:data-ai {| pm:source "
         f'src:iuk-precision-medicine-2019 ;\n            pm:quote "{QUOTE}" |}} ,\n'),
        # the evidence of a statement edited
        (f'pm:quote "{ESTABLISHED}" |}}', f'pm:quote "{SHORTER}" |}}'),
        # a literal changed: one statement removed, one added
        ('pm:foundingDate "2016"^^xsd:gYear', 'pm:foundingDate "2017"^^xsd:gYear'),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, edited)
    leeds.write_text(text + NEW_ENTITY, encoding="utf-8")
    return data_dir(), new


def test_no_change_between_a_graph_and_itself(project_graph) -> None:
    changes = diff_graphs(project_graph, project_graph)
    assert not changes
    assert set(changes.counts().values()) == {0}
    assert changes.describe() == "No entity or statement changed."


def test_added_removed_and_changed_statements(versions: tuple[Path, Path]) -> None:
    old, new = versions
    changes = diff_paths(old, new)
    rows = {(r.change, r.subject, r.predicate, r.object): r for r in changes.statements}
    assert set(rows) == {
        ("added", "ctr:leeds", "pm:theme", "theme:data-ai"),
        ("changed", "ctr:leeds", "pm:establishedBy", "orgn:leeds-academic-health-partnership"),
        ("removed", "ctr:leeds", "pm:foundingDate", '"2016"^^xsd:gYear'),
        ("added", "ctr:leeds", "pm:foundingDate", '"2017"^^xsd:gYear'),
        ("added", "orgn:leeds-city-council", "rdf:type", "pm:Organisation"),
        ("added", "orgn:leeds-city-council", "rdfs:label", '"Leeds City Council"@en'),
    }
    added = rows[("added", "ctr:leeds", "pm:theme", "theme:data-ai")]
    assert (added.old_quotes, added.new_quotes) == ((), (QUOTE,))
    edited = rows[("changed", "ctr:leeds", "pm:establishedBy",
                   "orgn:leeds-academic-health-partnership")]
    assert (edited.old_quotes, edited.new_quotes) == ((ESTABLISHED,), (SHORTER,))
    removed = rows[("removed", "ctr:leeds", "pm:foundingDate", '"2016"^^xsd:gYear')]
    assert removed.new_quotes == () and len(removed.old_quotes) == 1

    entities = {r.entity: r for r in changes.entities}
    assert set(entities) == {"ctr:leeds", "orgn:leeds-city-council"}
    leeds = entities["ctr:leeds"]
    assert (leeds.change, leeds.statements_added, leeds.statements_removed,
            leeds.statements_changed) == ("changed", 2, 1, 1)
    assert leeds.label == "Leeds Centre for Personalised Medicine and Health"
    council = entities["orgn:leeds-city-council"]
    assert (council.change, council.label, council.statements_added) == (
        "added", "Leeds City Council", 2)
    assert changes.counts() == {
        "entities added": 1, "entities removed": 0, "entities changed": 1,
        "statements added": 4, "statements removed": 1, "statements changed": 1,
    }


def test_the_reverse_diff_swaps_added_and_removed(versions: tuple[Path, Path]) -> None:
    old, new = versions
    forward, backward = diff_paths(old, new), diff_paths(new, old)
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    assert sorted((swap[r.change], r.subject, r.predicate, r.object, r.new_quotes, r.old_quotes)
                  for r in forward.statements) == sorted(
        (r.change, r.subject, r.predicate, r.object, r.old_quotes, r.new_quotes)
        for r in backward.statements)
    assert {r.entity: r.change for r in backward.entities} == {
        "ctr:leeds": "changed", "orgn:leeds-city-council": "removed"}


def test_a_build_equals_the_data_it_was_built_from(tmp_path: Path) -> None:
    result = build(tmp_path / "build", graph=load_graph())
    assert result.ok
    assert not diff_paths(tmp_path / "build", data_dir())


def test_cli_diff_table_json_csv_and_exit_codes(versions: tuple[Path, Path]) -> None:
    old, new = versions
    table = pmgraph("diff", str(old), str(new))
    assert table.returncode == 1, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == ("Entities: 1 added, 0 removed, 1 changed; "
                        "statements: 4 added, 1 removed, 1 changed.")
    assert any(line.split()[:3] == ["added", "ctr:leeds", "pm:theme"] for line in lines)

    data = json.loads(pmgraph("diff", str(old), str(new), "--format", "json").stdout)
    assert data["counts"]["statements changed"] == 1
    assert {r["entity"] for r in data["entities"]} == {"ctr:leeds", "orgn:leeds-city-council"}
    assert [QUOTE] in [r["new_quotes"] for r in data["statements"]]

    csv_rows = pmgraph("diff", str(old), str(new), "--format", "csv").stdout.splitlines()
    assert csv_rows[0] == "change,subject,predicate,object,old_quotes,new_quotes"
    assert len(csv_rows) == 1 + 6

    same = pmgraph("diff", str(old), str(old))
    assert (same.returncode, same.stdout) == (0, "No entity or statement changed.\n")


def test_cli_diff_refuses_a_missing_side(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    result = pmgraph("diff", str(data_dir()), str(missing))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"pmgraph: error: {missing}: no such file or folder; give a build folder, a data "
        "folder or an RDF file"
    ]
    assert result.stdout == ""
