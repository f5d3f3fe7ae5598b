"""``pmgraph build``: validate the graph, then write every publication file in one swap.

The files are written into a temporary folder next to the output folder, which then takes
its place whole: a build that fails or is interrupted leaves the previous output untouched.
Only a folder pmgraph wrote (its marker lists every file in it) or an empty one is replaced;
see :mod:`pmgraph.files`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from pmgraph.files import atomic_write, check_folder_output, replace_dir
from pmgraph.graph.load import load_graph
from pmgraph.graph.stats import GraphStats, graph_stats
from pmgraph.publishing.describe import describe
from pmgraph.publishing.export import to_graphml, to_jsonld, to_ntriples, to_turtle
from pmgraph.validation.validate import ValidationReport, validate

log = logging.getLogger(__name__)

GRAPH_TURTLE = "pmgraph.ttl"
GRAPH_NTRIPLES = "pmgraph.nt"
GRAPH_JSONLD = "pmgraph.jsonld"
DESCRIPTION = "void.ttl"
NETWORK_HTML = "network.html"
NETWORK_GRAPHML = "pmgraph.graphml"

#: Every file a build writes, in the order it writes them.
BUILD_FILES = (
    GRAPH_TURTLE, GRAPH_NTRIPLES, GRAPH_JSONLD, NETWORK_GRAPHML, NETWORK_HTML, DESCRIPTION,
)


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the validation report, and the files written (none if invalid)."""

    out: Path
    report: ValidationReport
    stats: GraphStats | None
    files: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        return self.report.conforms


VIEW_TITLE = "pmgraph: the UK precision-medicine ecosystem"


def _write_html(graph: Graph, path: Path) -> None:
    from pmgraph.analysis.network import to_networkx
    from pmgraph.view.viz import write_html

    write_html(to_networkx(graph), path, title=VIEW_TITLE)


def build(
    out: Path | str = "build",
    *,
    data: Sequence[Path | str] = (),
    progress: Callable[[str], None] | None = None,
    graph: Graph | None = None,
) -> BuildResult:
    """Load, validate and, when the data conforms, write the build files to ``out``.

    ``data`` replaces the project's ``data/`` (the ontology always comes along); ``progress``
    receives a short line for each step.
    """
    say = progress or (lambda message: log.info("%s", message))
    out = Path(out)
    check_folder_output(out)  # refuse before the slow steps
    if graph is None:
        say("loading ontology and data")
        graph = load_graph(*data)
    say("validating against the shapes and checks")
    report = validate(graph)
    if not report.conforms:
        return BuildResult(out=out, report=report, stats=None, files=())
    stats = graph_stats(graph)
    writers: list[tuple[str, Callable[[], bytes] | None]] = [
        (GRAPH_TURTLE, lambda: to_turtle(graph)),
        (GRAPH_NTRIPLES, lambda: to_ntriples(graph)),
        (GRAPH_JSONLD, lambda: to_jsonld(graph)),
        (NETWORK_GRAPHML, lambda: to_graphml(graph)),
        (NETWORK_HTML, None),
    ]
    with replace_dir(out) as staging:
        for name, make in writers:
            say(f"writing {name}")
            if make is None:
                _write_html(graph, staging / name)
            else:
                atomic_write(staging / name, make())
        say(f"writing {DESCRIPTION}")
        description = describe(
            graph, stats=stats, files=BUILD_FILES, issued=dt.datetime.now(dt.timezone.utc).date()
        )
        atomic_write(staging / DESCRIPTION, to_turtle(description))
    files = tuple(out / name for name in BUILD_FILES)
    return BuildResult(out=out, report=report, stats=stats, files=files)
