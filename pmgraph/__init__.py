"""pmgraph: a knowledge graph of the UK precision-medicine ecosystem.

The public API (networkx and the HTML view are imported on first use, so that
``import pmgraph`` stays light)::

    from pmgraph import load_graph, validate, run_query, list_queries
    graph = load_graph()                      # ontology + data/
    report = validate(graph)                  # report.conforms, report.findings
    rows = run_query("centres", graph, params={"nation": "place:wales"}).to_records()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pmgraph.errors import PMGraphError
from pmgraph.graph.load import load_graph
from pmgraph.query.library import QueryInfo, QueryResult, list_queries, run_query
from pmgraph.validation.validate import Finding, Severity, ValidationReport, validate

__version__ = "0.1.0"

# Lazy: these pull in networkx and pyvis, and are not needed to load, validate or query.
_LAZY = {
    "to_networkx": "pmgraph.analysis.network",
    "write_html": "pmgraph.view.viz",
    "graph_stats": "pmgraph.graph.stats",
}

__all__ = [
    "__version__",
    "Finding",
    "PMGraphError",
    "QueryInfo",
    "QueryResult",
    "Severity",
    "ValidationReport",
    "list_queries",
    "load_graph",
    "run_query",
    "validate",
    *_LAZY,
]

if TYPE_CHECKING:  # pragma: no cover
    from pmgraph.analysis.network import to_networkx as to_networkx
    from pmgraph.graph.stats import graph_stats as graph_stats
    from pmgraph.view.viz import write_html as write_html


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pmgraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
