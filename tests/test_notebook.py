"""The example notebook runs top to bottom and shows what it says, without Jupyter.

Every code cell of ``notebooks/explore.ipynb`` is executed in order in one namespace, from a
temporary folder, once with pandas and once as if pandas were not installed. The inline
display is replaced by a recorder (IPython itself is only stubbed when it is missing).
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import pmgraph

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"

CENTRE_LABELS = """
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?label WHERE { ?centre a pm:CentreOfExcellence ; rdfs:label ?label }
"""
SRCDOC = re.compile(r'<iframe srcdoc="([^"]*)"')


def load_notebook() -> dict[str, Any]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def code_cells(notebook: dict[str, Any]) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


class _HTML:
    """Stands in for ``IPython.display.HTML`` when IPython is not installed."""

    def __init__(self, data: str) -> None:
        self.data = data


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """What the notebook should show, worked out without it."""
    graph = pmgraph.load_graph()
    return {
        "triples": len(graph),
        "centre_labels": sorted(str(row[0]) for row in graph.query(CENTRE_LABELS)),
        "severities": [f.severity.name for f in pmgraph.validate(graph).findings],
        "nodes": pmgraph.to_networkx(graph).number_of_nodes(),
    }


def run_notebook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[dict, list]:
    """Execute every code cell in order; return the namespace and what was displayed."""
    monkeypatch.chdir(tmp_path)
    displayed: list[Any] = []
    if importlib.util.find_spec("IPython") is None:
        stub = types.ModuleType("IPython.display")
        stub.HTML, stub.display = _HTML, displayed.append
        monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
        monkeypatch.setitem(sys.modules, "IPython.display", stub)
    else:
        monkeypatch.setattr("IPython.display.display", displayed.append)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, source in enumerate(code_cells(load_notebook()), start=1):
        try:
            exec(compile(source, f"{NOTEBOOK.name} code cell {number}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"code cell {number} raised {exc!r}:\n{source}") from exc
    return namespace, displayed


def column(table: Any, name: str) -> list[Any]:
    """One column of a DataFrame or of a list of records."""
    if isinstance(table, list):
        return [row[name] for row in table]
    return list(table[name])


def test_notebook_is_valid_and_cleared() -> None:
    notebook = load_notebook()
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    for number, cell in enumerate(code, start=1):
        assert cell["outputs"] == [], f"code cell {number} has stored outputs; clear them"
        assert cell["execution_count"] is None, f"code cell {number} has an execution count"
    assert any(c["cell_type"] == "markdown" for c in notebook["cells"])


@pytest.mark.parametrize("with_pandas", [True, False], ids=["pandas", "no-pandas"])
def test_notebook_runs_and_shows_the_graph(
    with_pandas: bool,
    reference: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if with_pandas:
        import pandas  # noqa: F401  (the test extra installs it)
    else:
        monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError

    namespace, displayed = run_notebook(monkeypatch, tmp_path)
    printed = capsys.readouterr().out

    # The counts, the conformance line and the query library are printed.
    assert f"{reference['triples']:,} triples" in printed
    assert "conforms: True" in printed
    assert f"{reference['nodes']} entities" in printed
    assert re.search(r"^centre-assets\s", printed, re.MULTILINE)

    # Tables are DataFrames with pandas, records without.
    table_type = pandas.DataFrame if with_pandas else list
    for name in ("findings", "centres", "coverage", "glasgow_assets", "top", "chain_steps"):
        assert isinstance(namespace[name], table_type), f"{name} is {type(namespace[name])}"
    assert sorted(column(namespace["centres"], "centreLabel")) == reference["centre_labels"]
    assert len(reference["centre_labels"]) == 6
    assert column(namespace["findings"], "severity") == reference["severities"]
    assert len(column(namespace["top"], "label")) == 10
    assert "Glasgow Precision Medicine Centre of Excellence" in column(
        namespace["glasgow_assets"], "centreLabel"
    )

    # The chain joins the two entities it was asked about.
    assert printed.count("Alison Cave") >= 1
    assert re.search(r"^Alison Cave .* Cardiff Centre of Excellence", printed, re.MULTILINE)

    # The view was written here (not into the repository) and shows the whole network.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pmgraph-view.html"]
    page = (tmp_path / "pmgraph-view.html").read_text(encoding="utf-8")
    assert f'data-nodes="{reference["nodes"]}"' in page

    # Two inline views: the whole page, then Glasgow's neighbourhood, each in an iframe srcdoc.
    assert len(displayed) == 2
    shown = []
    for item in displayed:
        match = SRCDOC.search(item.data)
        assert match, f"not an iframe with srcdoc: {item.data[:80]!r}"
        shown.append(html.unescape(match.group(1)))
    assert shown[0] == page
    focus_nodes = int(re.search(r'data-nodes="(\d+)"', shown[1]).group(1))
    assert 1 < focus_nodes < reference["nodes"]
    assert "Glasgow Precision Medicine Centre of Excellence" in shown[1]
    assert f"{focus_nodes} entities within one step of the Glasgow centre" in printed
