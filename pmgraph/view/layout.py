"""Node positions for the HTML view, computed in Python so the browser draws without physics.

``force``: igraph's Fruchterman-Reingold with its grid (``grid="auto"``: on above 1,000
nodes), evened out by Kamada-Kawai up to 500 nodes; about 0.6 s for 5,000 nodes, where
networkx's spring layout takes seconds at 2,000 and a browser's physics does not settle in a
minute. igraph draws its random numbers from
the generator it is given; a ``random.Random(seed)`` makes every layout repeatable.

``geo``: entities at their coordinates (own ``geo:lat``/``geo:long``, else their
``pm:location`` place's), spread around it by a small offset derived from the IRI, so that
the shape of the UK shows through the network. Entities without coordinates sit next to their
placed neighbours, or in a block beside the map when they have none.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Mapping

import igraph
import networkx as nx

from pmgraph.errors import ParameterError

LAYOUTS = ("force", "geo")

Positions = dict[str, tuple[float, float]]

#: Up to this many nodes, Kamada-Kawai evens out the force layout (0.3 s at 500 nodes, 5 s at
#: 2,000), which spreads the dense core of a small network and makes its labels readable.
KAMADA_KAWAI_LIMIT = 500

#: Target spacing between neighbouring nodes, in the view's pixels at zoom 1.
_SPACING = 60.0


def compute_layout(net: nx.MultiDiGraph, kind: str = "force", *, seed: int = 0) -> Positions:
    """Positions (x, y) for every node of ``net``; ``kind`` is ``"force"`` or ``"geo"``."""
    if kind == "force":
        return force_layout(net, seed=seed)
    if kind == "geo":
        return geo_layout(net)
    raise ParameterError(f"--layout {kind!r}: unknown layout; choose one of {', '.join(LAYOUTS)}")


def force_layout(net: nx.MultiDiGraph, *, seed: int = 0) -> Positions:
    """Fruchterman-Reingold positions (igraph, grid for large networks), repeatable by ``seed``.

    Each connected piece is laid out on its own and the small pieces are lined up in rows
    under the largest, instead of being flung to the edges where they would shrink the view.
    """
    nodes = sorted(net.nodes)
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {tuple(sorted((index[u], index[v]))) for u, v in net.edges() if u != v}
    graph = igraph.Graph(n=len(nodes), edges=sorted(pairs))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        return _packed(graph, nodes)
    finally:
        igraph.set_random_number_generator(random)


def _packed(graph: igraph.Graph, nodes: list[str]) -> Positions:
    """Each connected piece laid out alone (FR, then Kamada-Kawai when small enough), the
    largest first and the others in rows below it."""
    pieces = sorted(graph.connected_components(), key=lambda c: (-len(c), min(c)))
    placed: Positions = {}
    left = right = bottom = 0.0
    cursor_x = cursor_y = row_height = 0.0
    for number, members in enumerate(pieces):
        names = [nodes[i] for i in members]
        if len(members) == 1:
            local = {names[0]: (0.0, 0.0)}
        else:
            sub = graph.subgraph(members)
            coords = sub.layout_fruchterman_reingold(grid="auto").coords
            if 2 < len(members) <= KAMADA_KAWAI_LIMIT:
                coords = sub.layout_kamada_kawai(seed=coords).coords
            local = _scale(dict(zip(names, (tuple(c) for c in coords), strict=True)), len(names))
        xs = [p[0] for p in local.values()]
        ys = [p[1] for p in local.values()]
        width, height = max(xs) - min(xs), max(ys) - min(ys)
        if number == 0:
            placed.update(local)
            left, right, bottom = min(xs), max(max(xs), min(xs) + 10 * _SPACING), max(ys)
            cursor_x, cursor_y = left, bottom + 2 * _SPACING
            continue
        if cursor_x + width > right and cursor_x > left:
            cursor_x, cursor_y = left, cursor_y + row_height + _SPACING
            row_height = 0.0
        dx, dy = cursor_x - min(xs), cursor_y - min(ys)
        placed.update({n: (x + dx, y + dy) for n, (x, y) in local.items()})
        cursor_x += width + _SPACING
        row_height = max(row_height, height)
    return placed


def _scale(positions: Mapping[str, tuple[float, float]], count: int) -> Positions:
    """``positions`` centred and stretched to about ``_SPACING`` pixels per node spacing."""
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    extent = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    target = _SPACING * math.sqrt(count) * 1.5 if count > 2 else _SPACING
    factor = target / extent
    return {n: ((x - cx) * factor, (y - cy) * factor) for n, (x, y) in positions.items()}


def _offset(node: str, radius: float) -> tuple[float, float]:
    """A repeatable offset for ``node`` within ``radius`` (from a hash of its IRI)."""
    digest = hashlib.blake2b(node.encode("utf-8"), digest_size=8).digest()
    angle = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    distance = radius * (0.35 + 0.65 * math.sqrt(int.from_bytes(digest[4:], "big") / 2**32))
    return distance * math.cos(angle), distance * math.sin(angle)


def geo_layout(net: nx.MultiDiGraph, *, pixels_per_degree: float = 400.0) -> Positions:
    """Positions from coordinates: longitude east, latitude north (equirectangular).

    Entities that inherit a place's coordinates are spread around it; the place itself (own
    coordinates) stays on its spot.
    """
    placed: Positions = {}
    lats = [d["coordinates"][0] for _, d in net.nodes(data=True) if d.get("coordinates")]
    mid_lat = sum(lats) / len(lats) if lats else 54.0
    shrink = math.cos(math.radians(mid_lat))
    # The more entities share a spot, the wider they spread around it.
    crowd = Counter(
        tuple(d["coordinates"]) for _, d in net.nodes(data=True) if d.get("coordinates")
    )
    for node, data in net.nodes(data=True):
        coords = data.get("coordinates")
        if not coords:
            continue
        lat, long = coords
        x, y = long * shrink * pixels_per_degree, -lat * pixels_per_degree
        if data.get("lat") is None or data.get("long") is None:
            radius = _SPACING * max(1.5, 0.5 * math.sqrt(crowd[tuple(coords)]))
            dx, dy = _offset(node, radius)
            x, y = x + dx, y + dy
        placed[node] = (x, y)
    undirected = net.to_undirected(as_view=True)
    # Two rounds: an entity linked only to entities placed in the first round gets placed too.
    for _ in range(2):
        added: Positions = {}
        for node in net.nodes:
            if node in placed:
                continue
            around = [placed[m] for m in undirected.neighbors(node) if m in placed]
            if around:
                x = sum(p[0] for p in around) / len(around)
                y = sum(p[1] for p in around) / len(around)
                dx, dy = _offset(node, _SPACING * 1.5)
                added[node] = (x + dx, y + dy)
        placed.update(added)
    rest = sorted(n for n in net.nodes if n not in placed)
    if rest:
        xs = [p[0] for p in placed.values()] or [0.0]
        ys = [p[1] for p in placed.values()] or [0.0]
        left, top = max(xs) + _SPACING * 3, min(ys)
        columns = max(1, int(math.sqrt(len(rest))))
        for i, node in enumerate(rest):
            placed[node] = (left + (i % columns) * _SPACING, top + (i // columns) * _SPACING)
    return placed
