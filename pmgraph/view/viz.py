"""The network as one self-contained, offline HTML page (vis-network, positions from Python).

The page is written from a small template of our own (``pmgraph/view/assets/view.html``,
``view.js``, ``view.css``) rather than pyvis' page, because pyvis' page cannot be made
safe, offline and fast at once: every pyvis mode links Bootstrap from a CDN, its default mode
loads vis-network from a CDN too (offline: a loading bar stuck at 0%), ``select_menu``,
``heading`` and any ``href`` in a title make it put data into HTML, and its physics did not
settle within a minute at 2,000 nodes. Here:

- Self-contained: vis-network (JS and CSS, 9.1.2 with pyvis 0.3.2) is read unchanged from
  the installed pyvis package (:func:`vis_network_files`; no second copy is kept here; its
  licence: ``pmgraph/view/assets/LICENSE-vis-network.txt``) and inlined; no CDN, no Bootstrap, no
  web font. A Content-Security-Policy allows only the page's own two scripts (by SHA-256 hash)
  and no requests at all (``default-src 'none'``), so even a mistake cannot fetch anything.
- Fast: positions come from :mod:`pmgraph.view.layout` (igraph Fruchterman-Reingold, or
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
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph

from pmgraph.analysis.analyse import neighbourhood
from pmgraph.analysis.network import local_name, resolve_node, to_networkx
from pmgraph.errors import OutputError, ParameterError
from pmgraph.files import atomic_write
from pmgraph.graph.namespaces import ID_BASE
from pmgraph.view.explore import (
    SHORT_LIMIT,
    centre_groups,
    cut_label,
    map_positions,
    nation_column,
    overview_members,
    overview_positions,
    pick_entity,
    project,
    short_label,
)
from pmgraph.view.layout import LAYOUTS, Positions, compute_layout

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
#: Every colour has at least 3:1 contrast with the white background (WCAG 1.4.11), and two
#: classes drawn with the same shape differ by at least 15 (CIE76 Delta E).
_COLOURS = {
    "CentreOfExcellence": "#c62828",
    "Organisation": "#5c6b8a",
    "University": "#1f5fa8",
    "NHSBody": "#00838f",
    "GovernmentBody": "#283593",
    "Partnership": "#6a3d9a",
    "CentreNetwork": "#9c27b0",
    "Charity": "#8c6d31",
    "Company": "#558b2f",
    "Institute": "#ad1457",
    "Facility": "#2e7d32",
    "ImagingFacility": "#00796b",
    "Laboratory": "#827717",
    "DataInfrastructure": "#0d47a1",
    "Biobank": "#c2185b",
    "ComputingFacility": "#455a64",
    "ClinicalFacility": "#5e35b1",
    "Hospital": "#6d4c41",
    "Service": "#d84315",
    "Programme": "#d35400",
    "FundingProgramme": "#7a5c00",
    "Document": "#6a1b9a",
    "Report": "#283593",
    "Policy": "#1565c0",
    "Strategy": "#6d4c41",
    "GovernmentStatement": "#ad1457",
    "SourceDocument": "#424242",
    "Source": "#808080",
    "ReferenceDataset": "#00796b",
    "Event": "#a15c00",
    "Session": "#6b7a00",
    "Person": "#ad1457",
    "Role": "#6a1b9a",
    "Place": "#8a7300",
    "Country": "#000000",
    "Nation": "#795548",
    "Region": "#00695c",
    "City": "#bf360c",
    "District": "#37474f",
    "Venue": "#7b1fa2",
    "Quantity": "#757575",
    "MonetaryAmount": "#b35900",
    "Ranking": "#5d6d00",
    "Membership": "#4e342e",
    "ChangeEvent": "#e65100",
    "Investment": "#00796b",
    "CapabilityThemes": "#b71c1c",
    "DiseaseAreas": "#ad1457",
    "QuantityKinds": "#616161",
}
_SPARE_COLOURS = ("#00796b", "#b0306a", "#5d6d00", "#8a5a00", "#3f51b5", "#6d6d6d")
#: Up to this many entities the overview has a layout of its own (see :func:`view_data`).
OVERVIEW_LAYOUT_LIMIT = 1000
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
    neighbourhood of ``focus`` within them.

    ``focus`` is an IRI, prefixed name, label, abbreviation or any text: the best match by
    :func:`pmgraph.view.explore.rank_entities` (the view's search order) is taken; the other
    matches are kept in ``graph["focus_others"]`` so that the caller can name them."""
    net = to_networkx(graph, classes=classes, predicates=predicates, concepts=concepts)
    if focus is not None:
        picked, others = pick_entity(net, focus)
        net = neighbourhood(net, picked, depth)
        net.graph["focus_query"] = focus
        net.graph["focus_others"] = others
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
    size_by: Mapping[str, float] | None = None,
    size_name: str = "value",
) -> dict[str, Any]:
    """The page's data: ``{"view": ..., "details": ...}``, two JSON documents.

    ``view`` is what the first drawing needs, in columns (one list per field, a node's
    entries at its index) so that repeated keys and IRIs are not written once per node:

    - ``nodes``: ``id`` (:func:`short_iri`), ``label``, ``class`` (index into ``classes``),
      ``x``, ``y``, ``degree`` (distinct neighbours), ``nation`` (index into ``terms`` or -1:
      stated, or derived through the place hierarchy by :func:`pmgraph.view.explore.nation_column`,
      then ``nation_via`` ``{index: index of the neighbour it came through}``),
      ``themes`` (lists of ``terms`` indices), ``abbreviation`` (``{index: text}``),
      ``short`` (``{index: text}``, what is written beside the entity when it is not the
      name cut at ``short_limit`` characters: see :func:`pmgraph.view.explore.short_label`);
    - ``edges``: one ``[from, to, statement, ...]`` per linked pair (node indices, from < to
      or equal), each statement ``predicate * 2 + reverse`` (index into ``predicates``;
      ``reverse`` 1 when it runs from ``to`` to ``from``);
    - ``terms``: ``[iri, label]`` for nations, themes, disease areas and sources;
    - ``inverses``: relationship label -> its inverse's label (:func:`inverse_labels`), so
      that the details panel states each link once, from the shown entity's side;
    - ``classes`` (the legend), ``nations`` and ``themes`` (``[term, count]``, the filters),
      ``focus`` (node index or null), ``base`` (what ``:`` in an IRI stands for).

    ``size_by`` (``{node: value}``, e.g. betweenness) sizes the nodes by these values instead
    of by their number of neighbours: ``nodes.size`` holds each node's share of the largest
    value, square-rooted so that a node's area follows its value (0 for a missing node), and
    ``size_name`` (e.g. ``"betweenness"``) is what the page's key says sizes the nodes.

    ``details`` is read only when an entity is shown: ``texts`` (each distinct description
    and quote once), per node ``[description, evidence, sources, disease areas,
    identifiers, properties]`` (``texts``/``terms`` indices, -1 for no description), and
    ``edges``: ``{"from to k": [quotes, sources]}``, the own evidence of the ``k``-th
    statement of the pair ``from to`` (its ``evidence`` and ``evidence_source`` in the
    network, ``texts``/``terms`` indices), only for statements that have quotes.
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
    placed = nation_column(net)
    nation_via: dict[str, int] = {}
    short: dict[str, str] = {}
    overview = overview_members(net)
    grouped = centre_groups(net, overview)
    # The overview has positions of its own (up to OVERVIEW_LAYOUT_LIMIT entities): columns
    # of centres, national bodies and nations, where every label has room.
    overview_xy: dict[str, list[float]] = {}
    if overview and layout == "force" and net.number_of_nodes() <= OVERVIEW_LAYOUT_LIMIT:
        for node, (x, y) in overview_positions(net, overview).items():
            overview_xy[str(index[node])] = [x, y]
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
        nation, via = placed[node]
        columns["nation"].append(term(nation) if nation else -1)
        if via is not None:
            nation_via[str(i)] = index[via]
        columns["themes"].append([term(t) for t in d.get("themes", ())])
        if d.get("abbreviation"):
            abbreviations[str(i)] = d["abbreviation"]
        # The page cuts a name itself (cut_label); only other short forms are written. A
        # name beyond the Basic Multilingual Plane is written too: the page counts UTF-16.
        name, written = d.get("label") or node, short_label(net, node)
        if written != cut_label(name) or any(ord(c) > 0xFFFF for c in name):
            short[str(i)] = written
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
    edge_evidence: dict[str, list[list[Any]]] = {}
    for u, v, d in sorted(
        net.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("predicate", ""))
    ):
        a, b = sorted((index[u], index[v]))
        statement = predicate(d.get("label") or d.get("predicate", "")) * 2 + (index[u] != a)
        pair = pairs.setdefault((a, b), [a, b])
        pair.append(statement)
        if d.get("evidence"):
            key = f"{a} {b} {len(pair) - 3}"
            edge_evidence[key] = [
                [text(_clip(q)) for q in d["evidence"]],
                [term(s) for s in d.get("evidence_source", ())],
            ]
    sizes = _sizes(order, size_by) if size_by is not None else None
    nation_counts = Counter(nation for nation, _ in placed.values())
    theme_counts = Counter(t for _, d in net.nodes(data=True) for t in d.get("themes", ()))
    view = {
        "title": title,
        "layout": layout,
        "base": ID_BASE,
        "focus": index.get(focus_id) if focus_id else None,
        "relationships": net.number_of_edges(),
        "classes": classes,
        "nodes": {**columns, "abbreviation": abbreviations, "nation_via": nation_via,
                  "short": short, **({"size": sizes} if sizes is not None else {})},
        "short_limit": SHORT_LIMIT,
        **({"size_name": size_name} if sizes is not None else {}),
        "map": _map_data(net, index),
        "overview": sorted(index[n] for n in overview),
        "overview_xy": overview_xy,
        "centre_group": {str(index[n]): index[c] for n, c in sorted(grouped.items())},
        "edges": list(pairs.values()),
        "predicates": predicate.values(),
        "inverses": {
            label: inverse
            for label, inverse in sorted(inverse_labels(net).items())
            if label in predicate.index
        },
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
    sources = _source_texts(net, term.values())
    view["terms"] = [[short_iri(iri), label(iri)] for iri in term.values()]
    return {
        "view": view,
        "details": {"texts": text.values(), "nodes": details, "edges": edge_evidence},
        "sources": sources,
    }


def _sizes(order: list[str], size_by: Mapping[str, float]) -> list[float]:
    """Each node's size from 0 to 1: the square root of its share of the largest value."""
    values = [max(float(size_by.get(node, 0.0)), 0.0) for node in order]
    top = max(values, default=0.0)
    return [round(math.sqrt(v / top), 4) if top > 0 else 0.0 for v in values]


@lru_cache(maxsize=1)
def _ontology_inverses() -> tuple[tuple[str, str], ...]:
    """``(label, inverse's label)`` of every ``owl:inverseOf`` pair in the project's
    ontology, both ways round."""
    from rdflib import OWL, RDFS

    from pmgraph.paths import ontology_file

    ontology = Graph()
    ontology.parse(ontology_file(), format="turtle")
    pairs = []
    for p, q in ontology.subject_objects(OWL.inverseOf):
        a, b = ontology.value(p, RDFS.label), ontology.value(q, RDFS.label)
        if a is not None and b is not None:
            pairs += [(str(a), str(b)), (str(b), str(a))]
    return tuple(sorted(set(pairs)))


def inverse_labels(net: nx.MultiDiGraph) -> dict[str, str]:
    """Relationship label -> its inverse's label: ``net.graph["inverse_labels"]`` when the
    network carries it, else the project ontology's ``owl:inverseOf`` pairs. The page
    reads a statement that points at an entity from that entity's side with it."""
    given = net.graph.get("inverse_labels")
    if given is not None:
        return dict(given)
    try:
        return dict(_ontology_inverses())
    except (OSError, ValueError) as error:  # no ontology file: statements read as stated
        log.warning("relationship inverses not read from the ontology: %s", error)
        return {}


def _map_data(net: nx.MultiDiGraph, index: dict[str, int]) -> dict[str, Any]:
    """The map tab: positions of every entity (:func:`pmgraph.view.explore.map_positions`), which
    are located, and the outline of the UK and Ireland (projected the same way)."""
    positions, located = map_positions(net)
    outline = json.loads(_asset("uk-outline.json"))
    rings = [
        [c for long, lat in ring for c in project(lat, long)]
        for polygons in outline["rings"].values()
        for ring in polygons
    ]
    return {
        "x": [positions[n][0] for n in sorted(net, key=index.__getitem__)],
        "y": [positions[n][1] for n in sorted(net, key=index.__getitem__)],
        "located": len(located),
        "outline": rings,
        "band_top": project(49.5, 0)[1] + 140.0,
        "band_left": project(0, -8.5)[0],
    }


def _source_texts(net: nx.MultiDiGraph, iris: Iterable[str]) -> dict[str, str]:
    """``{term index: text}`` of the sources shipped with the project (``sources/``, named
    by the source's ``dcterms:identifier``), repaired, so that the page shows a quote in
    its context without going online."""
    from pmgraph.graph.text import repair
    from pmgraph.paths import sources_dir

    folder = sources_dir()
    out: dict[str, str] = {}
    for i, iri in enumerate(iris):
        data = net.nodes[iri] if iri in net else {}
        for name in dict(data.get("properties", {})).get("identifier", ()):
            path = folder / name
            if "/" not in name and path.is_file():
                out[str(i)] = repair(path.read_text(encoding="utf-8"))
                break
    return out


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` and only
    ASCII (so U+2028/2029 and lone surrogates are escaped too)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=8)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder))


@lru_cache(maxsize=1)
def vis_network_files() -> tuple[str, Path, Path]:
    """vis-network as the installed pyvis ships it: ``(version, JS file, CSS file)``.

    pyvis keeps vis-network's ``vis-network.min.js`` and ``vis-network.css`` under
    ``pyvis/templates/lib/vis-VERSION/``; the newest version there is taken. The files are
    found through the distribution's file list (``importlib.metadata``), without importing
    pyvis, whose import pulls in IPython and jinja2 (about a second).
    """
    from importlib.metadata import PackageNotFoundError, distribution
    from importlib.util import find_spec

    try:
        listed = [Path(str(entry.locate())) for entry in distribution("pyvis").files or []]
    except PackageNotFoundError:
        listed = []
    if not listed:  # installed without a file list (RECORD): look in the package's folder
        spec = find_spec("pyvis")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            listed += Path(folder).glob("templates/lib/vis-*/vis-network.*")
    found: dict[str, dict[str, Path]] = {}
    for path in listed:
        parts = path.parts[-5:]
        if (
            len(parts) == 5
            and parts[:3] == ("pyvis", "templates", "lib")
            and parts[3].startswith("vis-")
            and parts[4] in ("vis-network.min.js", "vis-network.css")
        ):
            found.setdefault(parts[3], {})[parts[4]] = path
    complete = [
        folder for folder, names in found.items()
        if len(names) == 2 and all(path.is_file() for path in names.values())
    ]
    if not complete:
        raise OutputError(
            "vis-network, which the HTML view inlines, was not found in the installed pyvis "
            "(pyvis/templates/lib/vis-*/); reinstall it: pip install 'pyvis>=0.3.2'"
        )
    newest = max(complete, key=_version_key)
    files = found[newest]
    return newest.removeprefix("vis-"), files["vis-network.min.js"], files["vis-network.css"]


@lru_cache(maxsize=1)
def _vis_network() -> tuple[str, str]:
    """vis-network's JavaScript and CSS, as text."""
    _, js, css = vis_network_files()
    return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")


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
    size_by: Mapping[str, float] | None = None,
    size_name: str = "value",
) -> str:
    """The view of ``network`` as one self-contained HTML page (a string).

    ``layout`` is ``"force"`` or ``"geo"`` (see :mod:`pmgraph.view.layout`); ``positions`` overrides
    it. ``focus`` (IRI, prefixed name or label) is selected and centred when the page opens.
    ``size_by`` sizes the nodes by these values, named ``size_name`` (see :func:`view_data`).
    """
    if layout not in LAYOUTS:
        raise ParameterError(
            f"--layout {layout!r}: unknown layout; choose one of {', '.join(LAYOUTS)}"
        )
    data = view_data(
        network, title=title, layout=layout, positions=positions, focus=focus,
        size_by=size_by, size_name=size_name,
    )
    (vis_js, vis_css), view_js = _vis_network(), _asset("view.js")
    csp = (
        "default-src 'none'; "
        f"script-src {_sha256(vis_js)} {_sha256(view_js)}; "
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    parts = {
        "csp": csp,
        "title": html.escape(title, quote=True),
        "vis_css": vis_css,
        "view_css": _asset("view.css"),
        "data": script_json(data["view"]),
        "details": script_json(data["details"]),
        "sources": script_json(data["sources"]),
        "vis_js": vis_js,
        "view_js": view_js,
        "node_count": str(network.number_of_nodes()),
        "edge_count": str(network.number_of_edges()),
        "layout": layout,
    }
    # One pass, so nothing inserted is read again as a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("view.html"))


def write_html(
    network: nx.MultiDiGraph,
    path: Path | str,
    *,
    title: str = "pmgraph",
    layout: str = "force",
    focus: str | None = None,
    size_by: Mapping[str, float] | None = None,
    size_name: str = "value",
) -> Path:
    """Write the view of ``network`` to ``path`` (atomically: a temporary file, then rename;
    see :func:`pmgraph.files.atomic_output` for links, devices and permissions).

    ``size_by`` (``{node: value}``) sizes the nodes by these values, e.g. betweenness, instead
    of by their number of neighbours; ``size_name`` names them in the page's key. Creates
    missing parent folders. Raises :class:`OutputError` when the file cannot be written.
    Returns the path written.
    """
    target = Path(path)
    text = render_html(network, title=title, layout=layout, focus=focus, size_by=size_by,
                       size_name=size_name)
    atomic_write(target, text.encode("utf-8"))
    log.info("wrote %s (%d nodes)", target, network.number_of_nodes())
    return target
