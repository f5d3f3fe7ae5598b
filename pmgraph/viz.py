"""The network as one self-contained, offline HTML page (vis-network, positions from Python).

The page is written from a small template of our own (``pmgraph/assets/view.html``,
``view.js``, ``view.css``) rather than pyvis' page, because pyvis' page cannot be made
safe, offline and fast at once: every pyvis mode links Bootstrap from a CDN, its default mode
loads vis-network from a CDN too (offline: a loading bar stuck at 0%), ``select_menu``,
``heading`` and any ``href`` in a title make it put data into HTML, and its physics did not
settle within a minute at 2,000 nodes. Here:

- Self-contained: vis-network 9.1.2 (JS and CSS, vendored unchanged in ``pmgraph/assets/``
  with its MIT licence, as shipped in pyvis 0.3.2) is inlined; no CDN, no Bootstrap, no web
  font. A Content-Security-Policy allows only the page's own two scripts (by SHA-256 hash)
  and no requests at all (``default-src 'none'``), so even a mistake cannot fetch anything.
- Fast: positions come from :mod:`pmgraph.layout` (igraph Fruchterman-Reingold, or
  coordinates) and physics is off, so the browser draws at once; large networks hide edges
  while dragging or zooming. The data is compact (columns, node indices, IRIs without their
  common start, each distinct text once: 1.7 MB for 5,000 nodes where writing every field
  per node took 8.7 MB), and descriptions and quotes are parsed only when an entity is shown.
- Safe: the data travels as JSON in two ``<script type="application/json">`` blocks with ``<``,
  ``>``, ``&`` and every non-ASCII character (U+2028/2029 included) escaped, read with
  ``JSON.parse``; the script builds the DOM with ``textContent`` and element properties only,
  makes links only from http(s) URLs, and vis-network draws labels on a canvas and tooltips as
  plain text. The title is HTML-escaped.

Views of part of the graph: :func:`build_view_network` (``--classes``, ``--focus``,
``--depth``) then :func:`write_html` with ``layout="force"`` or ``"geo"``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph

from pmgraph.analyse import neighbourhood
from pmgraph.errors import OutputError, ParameterError
from pmgraph.layout import LAYOUTS, Positions, compute_layout
from pmgraph.namespaces import ID_BASE
from pmgraph.network import local_name, resolve_node, to_networkx

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"

#: Shape and symbol (for the legend) per family of classes.
_FAMILY_SHAPES = {
    "Organisation": ("dot", "\u25cf"),
    "Facility": ("square", "\u25a0"),
    "Programme": ("diamond", "\u25c6"),
    "Document": ("triangle", "\u25b2"),
    "Source": ("triangle", "\u25b2"),
    "Event": ("triangleDown", "\u25bc"),
    "Person": ("star", "\u2605"),
    "Role": ("star", "\u2605"),
    "Place": ("hexagon", "\u2b22"),
    "Quantity": ("dot", "\u25cf"),
    "Concept": ("diamond", "\u25c6"),
}
_COLOURS = {
    "CentreOfExcellence": "#d62728",
    "Organisation": "#4e79a7",
    "University": "#1f77b4",
    "NHSBody": "#17becf",
    "GovernmentBody": "#393b79",
    "Partnership": "#6b6ecf",
    "CentreNetwork": "#9c9ede",
    "Charity": "#8c6d31",
    "Company": "#5a8f29",
    "Institute": "#5254a3",
    "Facility": "#59a14f",
    "ImagingFacility": "#2ca02c",
    "Laboratory": "#98df8a",
    "DataInfrastructure": "#3e9c8f",
    "Biobank": "#b5cf6b",
    "ComputingFacility": "#637939",
    "ClinicalFacility": "#74c476",
    "Hospital": "#31a354",
    "Service": "#a1d99b",
    "Programme": "#f28e2b",
    "FundingProgramme": "#ff7f0e",
    "Document": "#b07aa1",
    "Report": "#9467bd",
    "Policy": "#c5b0d5",
    "Strategy": "#8c564b",
    "GovernmentStatement": "#c49c94",
    "SourceDocument": "#7f7f7f",
    "Source": "#7f7f7f",
    "ReferenceDataset": "#a5a5a5",
    "Event": "#edc948",
    "Session": "#bcbd22",
    "Person": "#e377c2",
    "Role": "#f7b6d2",
    "Place": "#9d7660",
    "Country": "#6b4c3b",
    "Nation": "#8c564b",
    "Region": "#a0785a",
    "City": "#b9876b",
    "District": "#d7b5a6",
    "Venue": "#e0c2a2",
    "Quantity": "#bab0ac",
    "MonetaryAmount": "#d4a6c8",
    "CapabilityThemes": "#e15759",
    "DiseaseAreas": "#ff9da7",
    "QuantityKinds": "#cccccc",
}
_SPARE_COLOURS = ("#76b7b2", "#ff9896", "#c7c7c7", "#dbdb8d", "#9edae5", "#aec7e8")
_TEXT_LIMIT = 4000  # longest description or quote put into the page, in characters


def build_view_network(
    graph: Graph,
    *,
    classes: Iterable[str] | None = None,
    predicates: Iterable[str] | None = None,
    focus: str | None = None,
    depth: int = 1,
    concepts: bool = True,
) -> nx.MultiDiGraph:
    """The network to draw: ``graph``'s entities of ``classes``, or the ``depth``-step
    neighbourhood of ``focus`` (an IRI, prefixed name or label) within them."""
    net = to_networkx(graph, classes=classes, predicates=predicates, concepts=concepts)
    if focus is not None:
        net = neighbourhood(net, focus, depth)
    return net


def _family(net: nx.MultiDiGraph, class_iri: str, group: str) -> str:
    if group in ("CapabilityThemes", "DiseaseAreas", "QuantityKinds") or class_iri.endswith(
        "#Concept"
    ):
        return "Concept"
    # Ancestors come nearest first, so the first family found is the class's own.
    for ancestor in net.graph.get("class_ancestors", {}).get(class_iri, (class_iri,)):
        name = local_name(ancestor)
        if name in _FAMILY_SHAPES and ancestor.startswith("https://w3id.org/pmgraph/"):
            return name
    return "Organisation"


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * 0.7) for c in (r, g, b)))


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= _TEXT_LIMIT:
        return text
    return text[: _TEXT_LIMIT - 1] + "\u2026"


class _Table:
    """Distinct values in order of first use, each written once and referred to by index."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        return self.index.setdefault(value, len(self.index))

    def values(self) -> list[Any]:
        return list(self.index)


def short_iri(iri: str) -> str:
    """``iri`` without the project's ``ID_BASE`` (marked by a leading ``:``); anything else
    that starts with ``:`` or ``!`` is marked with ``!``. The page's script undoes this."""
    if iri.startswith(ID_BASE):
        return ":" + iri[len(ID_BASE) :]
    return "!" + iri if iri[:1] in (":", "!") else iri


def view_data(
    net: nx.MultiDiGraph,
    *,
    title: str = "pmgraph",
    layout: str = "force",
    positions: Positions | None = None,
    focus: str | None = None,
) -> dict[str, Any]:
    """The page's data: ``{"view": ..., "details": ...}``, two JSON documents.

    ``view`` is what the first drawing needs, in columns (one list per field, a node's
    entries at its index) so that repeated keys and IRIs are not written once per node:

    - ``nodes``: ``id`` (:func:`short_iri`), ``label``, ``class`` (index into ``classes``),
      ``x``, ``y``, ``degree`` (distinct neighbours), ``nation`` (index into ``terms`` or -1),
      ``themes`` (lists of ``terms`` indices), ``abbreviation`` (``{index: text}``);
    - ``edges``: one ``[from, to, statement, ...]`` per linked pair (node indices, from < to
      or equal), each statement ``predicate * 2 + reverse`` (index into ``predicates``;
      ``reverse`` 1 when it runs from ``to`` to ``from``);
    - ``terms``: ``[iri, label]`` for nations, themes, disease areas and sources;
    - ``classes`` (the legend), ``nations`` and ``themes`` (``[term, count]``, the filters),
      ``focus`` (node index or null), ``base`` (what ``:`` in an IRI stands for).

    ``details`` is read only when an entity is shown: ``texts`` (each distinct description
    and quote once) and per node ``[description, evidence, sources, disease areas,
    identifiers, properties]`` (``texts``/``terms`` indices, -1 for no description).
    """
    if positions is None:
        positions = compute_layout(net, layout)
    focus_id = resolve_node(net, focus) if focus else net.graph.get("focus")
    group_of = {n: d.get("group") or d.get("class") or "Entity" for n, d in net.nodes(data=True)}
    counts = Counter(group_of.values())
    class_iri_of = {group_of[n]: d.get("class_iri", "") for n, d in net.nodes(data=True)}
    label_of_group = {
        group_of[n]: d.get("class_label") or group_of[n] for n, d in net.nodes(data=True)
    }
    spare = iter(_SPARE_COLOURS * (1 + len(counts) // len(_SPARE_COLOURS)))
    classes = []
    for group in sorted(counts, key=lambda g: (-counts[g], label_of_group[g])):
        family = _family(net, class_iri_of[group], group)
        shape, symbol = _FAMILY_SHAPES.get(family, ("dot", "\u25cf"))
        colour = _COLOURS.get(group) or next(spare)
        classes.append(
            {
                "group": group,
                "label": label_of_group[group],
                "count": counts[group],
                "shape": shape,
                "symbol": symbol,
                "colour": colour,
                "border": _darker(colour),
            }
        )
    class_index = {c["group"]: i for i, c in enumerate(classes)}
    order = sorted(net.nodes)
    index = {node: i for i, node in enumerate(order)}
    labels = dict(net.graph.get("labels", {}))

    def label(iri: str) -> str:
        return net.nodes[iri].get("label", iri) if iri in net else labels.get(iri, iri)

    term, text, predicate = _Table(), _Table(), _Table()
    columns: dict[str, list[Any]] = {
        k: [] for k in ("id", "label", "class", "x", "y", "degree", "nation", "themes")
    }
    abbreviations: dict[str, str] = {}
    details = []
    for i, node in enumerate(order):
        d = net.nodes[node]
        x, y = positions.get(node, (0.0, 0.0))
        columns["id"].append(short_iri(node))
        columns["label"].append(d.get("label") or node)
        columns["class"].append(class_index[group_of[node]])
        columns["x"].append(round(x, 1))
        columns["y"].append(round(y, 1))
        columns["degree"].append(len(set(net.predecessors(node)) | set(net.successors(node))))
        columns["nation"].append(term(d["nation"]) if d.get("nation") else -1)
        columns["themes"].append([term(t) for t in d.get("themes", ())])
        if d.get("abbreviation"):
            abbreviations[str(i)] = d["abbreviation"]
        description = _clip(d.get("description"))
        details.append(
            [
                -1 if description is None else text(description),
                [text(_clip(q)) for q in d.get("evidence", ())],
                [term(s) for s in d.get("source", ())],
                [term(a) for a in d.get("disease_areas", ())],
                {str(k): str(v) for k, v in dict(d.get("identifiers", {})).items()},
                {
                    str(k): [_clip(str(v)) for v in vs]
                    for k, vs in dict(d.get("properties", {})).items()
                },
            ]
        )
    pairs: dict[tuple[int, int], list[int]] = {}
    for u, v, d in sorted(
        net.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("predicate", ""))
    ):
        a, b = sorted((index[u], index[v]))
        statement = predicate(d.get("label") or d.get("predicate", "")) * 2 + (index[u] != a)
        pairs.setdefault((a, b), [a, b]).append(statement)
    nation_counts = Counter(d.get("nation") for _, d in net.nodes(data=True))
    theme_counts = Counter(t for _, d in net.nodes(data=True) for t in d.get("themes", ()))
    view = {
        "title": title,
        "layout": layout,
        "base": ID_BASE,
        "focus": index.get(focus_id) if focus_id else None,
        "relationships": net.number_of_edges(),
        "classes": classes,
        "nodes": {**columns, "abbreviation": abbreviations},
        "edges": list(pairs.values()),
        "predicates": predicate.values(),
        "nations": [
            [term(n), c]
            for n, c in sorted(
                ((n, c) for n, c in nation_counts.items() if n), key=lambda e: label(e[0])
            )
        ],
        "without_nation": nation_counts.get(None, 0),
        "themes": [
            [term(t), c] for t, c in sorted(theme_counts.items(), key=lambda e: label(e[0]))
        ],
    }
    view["terms"] = [[short_iri(iri), label(iri)] for iri in term.values()]
    return {"view": view, "details": {"texts": text.values(), "nodes": details}}


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` and only
    ASCII (so U+2028/2029 and lone surrogates are escaped too)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=8)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def render_html(
    network: nx.MultiDiGraph,
    *,
    title: str = "pmgraph",
    layout: str = "force",
    focus: str | None = None,
    positions: Positions | None = None,
) -> str:
    """The view of ``network`` as one self-contained HTML page (a string).

    ``layout`` is ``"force"`` or ``"geo"`` (see :mod:`pmgraph.layout`); ``positions`` overrides
    it. ``focus`` (IRI, prefixed name or label) is selected and centred when the page opens.
    """
    if layout not in LAYOUTS:
        raise ParameterError(
            f"--layout {layout!r}: unknown layout; choose one of {', '.join(LAYOUTS)}"
        )
    data = view_data(network, title=title, layout=layout, positions=positions, focus=focus)
    vis_js, view_js = _asset("vis-network.min.js"), _asset("view.js")
    csp = (
        "default-src 'none'; "
        f"script-src {_sha256(vis_js)} {_sha256(view_js)}; "
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    parts = {
        "csp": csp,
        "title": html.escape(title, quote=True),
        "vis_css": _asset("vis-network.css"),
        "view_css": _asset("view.css"),
        "data": script_json(data["view"]),
        "details": script_json(data["details"]),
        "vis_js": vis_js,
        "view_js": view_js,
        "node_count": str(network.number_of_nodes()),
        "edge_count": str(network.number_of_edges()),
        "layout": layout,
    }
    # One pass, so nothing inserted is read again as a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("view.html"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_html(
    network: nx.MultiDiGraph,
    path: Path | str,
    *,
    title: str = "pmgraph",
    layout: str = "force",
    focus: str | None = None,
) -> Path:
    """Write the view of ``network`` to ``path`` (atomically: a temporary file, then rename).

    Creates missing parent folders. Raises :class:`OutputError` when the file cannot be
    written. Returns the path written.
    """
    target = Path(path)
    text = render_html(network, title=title, layout=layout, focus=focus)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=target.parent,
            prefix=f".{target.name}.",
            suffix=".tmp",
            delete=False,
        )
        try:
            with handle:
                handle.write(text)
            os.chmod(handle.name, 0o666 & ~_umask())
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the view ({exc.strerror or exc})") from None
    log.info("wrote %s (%d nodes)", target, network.number_of_nodes())
    return target
