"""The view in a notebook: the page inline, and the map's places for a figure of one's own.

- :func:`inline_view`: the offline page of :func:`pmgraph.view.viz.render_html` in an
  ``<iframe srcdoc>``, where its scripts run and nothing is fetched (Jupyter shows the
  returned object; ``.data`` is the markup).
- :func:`centre_map`: each centre of excellence and each asset it lists, with its nation and
  where the view's map tab draws it (:func:`pmgraph.view.explore.map_positions`: own
  coordinates, the place it is located in, or its host's; entities sharing a spot are spread
  around it), as latitude and longitude.
- :func:`uk_outline`: the outline the map tab draws, as ``{country: [ring, ...]}`` with each
  ring a list of ``(longitude, latitude)``.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pmgraph.analysis.analyse import Records, centre_assets
from pmgraph.view.explore import MAP_MID_LAT, MAP_SCALE, map_positions, nation_column
from pmgraph.view.viz import ASSETS


def inline_view(page: str, height: int = 600) -> Any:
    """``page`` (a whole HTML page) as an IPython ``HTML`` object holding an iframe."""
    from IPython.display import HTML

    frame = (
        f'<iframe srcdoc="{html.escape(page)}" '
        f'style="width: 100%; height: {int(height)}px; border: 0"></iframe>'
    )
    return HTML(f"<div>{frame}</div>")  # a bare <iframe> makes IPython suggest IFrame(src=...)


def uk_outline() -> dict[str, list[list[tuple[float, float]]]]:
    """The map tab's outline of the UK and Ireland (Natural Earth 1:50m, via world-atlas)."""
    data = json.loads((ASSETS / "uk-outline.json").read_text(encoding="utf-8"))
    return {
        country: [[(float(long), float(lat)) for long, lat in ring] for ring in rings]
        for country, rings in data["rings"].items()
    }


def _unproject(x: float, y: float) -> tuple[float, float]:
    """Latitude and longitude of a point of the map tab (the inverse of ``explore.project``)."""
    return -y / MAP_SCALE, x / (math.cos(math.radians(MAP_MID_LAT)) * MAP_SCALE)


@dataclass(frozen=True)
class MapPoint:
    """A centre or one of its assets, where the map draws it."""

    iri: str
    label: str
    class_name: str
    role: str  # "centre" or "asset"
    centre: str  # the centre's IRI (the centre itself for a centre)
    centre_label: str
    nation: str | None
    nation_label: str | None
    nation_derived: bool  # True when the nation comes through the place hierarchy
    lat: float
    long: float


def centre_map(net: nx.MultiDiGraph) -> Records[MapPoint]:
    """Every centre and every asset it lists that the map can place (see the module notes);
    one row per centre and asset pair, centres first, then by centre and label."""
    positions, located = map_positions(net)
    nations = nation_column(net)
    names = net.graph.get("labels", {})

    def label(iri: str | None) -> str | None:
        if iri is None:
            return None
        return net.nodes[iri].get("label", iri) if iri in net else names.get(iri, iri)

    rows = []
    for centre, assets in centre_assets(net).items():
        for role, node in [("centre", centre)] + [("asset", a) for a in sorted(assets)]:
            if node not in located:
                continue
            lat, long = _unproject(*positions[node])
            nation, via = nations[node]
            rows.append(
                MapPoint(
                    iri=node,
                    label=label(node) or node,
                    class_name=net.nodes[node].get("class", ""),
                    role=role,
                    centre=centre,
                    centre_label=label(centre) or centre,
                    nation=nation,
                    nation_label=label(nation),
                    nation_derived=via is not None,
                    lat=round(lat, 4),
                    long=round(long, 4),
                )
            )
    rows.sort(key=lambda r: (r.role != "centre", r.centre_label, r.label, r.iri))
    return Records(tuple(rows))
