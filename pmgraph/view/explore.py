"""Finding entities as analysts name them, and placing them in a nation through the graph.

- :func:`rank_entities`: the order in which the view's search box and ``viz --focus`` list
  what matches a typed text. The page's script (``pmgraph/view/assets/view.js``,
  ``rankEntities``) follows the same rule; a browser test compares the two orders.
- :func:`derived_nations`: the nation each entity is located in through the place hierarchy
  (a centre's city's nation, a facility's host's nation, an asset's owner's nation), for
  entities that state none.

The ranking rule, best first:

1. entities whose name matches (label, abbreviation such as LCPMH, the short name the view
   writes beside it such as "Oxford centre", or IRI local name) before those matched only
   by their description or quotes;
2. among name matches, centres of excellence first: an analyst who types "Leeds" means the
   Leeds centre rather than the city;
3. an exact name, then a name with a word starting with the text, then a name containing it;
4. more distinct neighbours first, then the label in alphabetical order.

Texts are compared after :func:`normalise`: lower case, "£210 million" read as "£210m",
hyphens and runs of spaces as one space, so "risk-sharing" matches "risk sharing", and a
curly apostrophe as a straight one, so "Queen's" typed on a keyboard matches "Queen’s".
"""

from __future__ import annotations

import math
import re
from collections import Counter

import networkx as nx

from pmgraph.analysis.network import local_name
from pmgraph.graph.namespaces import expand_name
from pmgraph.view.layout import _offset

#: The class an analyst most often means when a name also names a place or another body.
FIRST_CLASS = "CentreOfExcellence"

_AMOUNT = re.compile(r"(\d)\s*(million|mn|m)\b")
_BILLION = re.compile(r"(\d)\s*(billion|bn)\b")
_SPACES = re.compile(r"[\s\u2010-\u2015-]+")
_APOSTROPHES = re.compile("[\u2018\u2019\u02bc\u2032]")


def normalise(text: str) -> str:
    """``text`` as search compares it (see the module notes)."""
    text = _APOSTROPHES.sub("'", _SPACES.sub(" ", text.lower()))
    text = _AMOUNT.sub(r"\1m", text)
    return _BILLION.sub(r"\1bn", text).strip()


def _word_start(name: str, query: str) -> bool:
    at = name.find(query)
    while at >= 0:
        if at == 0 or not name[at - 1].isalnum():
            return True
        at = name.find(query, at + 1)
    return False


def rank_entities(net: nx.MultiDiGraph, query: str) -> list[str]:
    """The entities of ``net`` that match ``query``, best first (see the module notes)."""
    given = query.strip()
    if not given:
        return []
    if expand_name(given) in net:
        return [expand_name(given)]
    q = normalise(given)
    scored = []
    for node, data in net.nodes(data=True):
        shown = short_label(net, node)
        names = [normalise(v) for v in (data.get("label"), data.get("abbreviation"), shown) if v]
        names.append(normalise(local_name(node)))
        if any(q in name for name in names):
            exact = any(name == q for name in names)
            quality = 0 if exact else 1 if any(_word_start(n, q) for n in names) else 2
            tier, first = 0, 0 if data.get("class") == FIRST_CLASS else 1
        else:
            texts = [data.get("description") or "", *data.get("evidence", ())]
            if not any(q in normalise(t) for t in texts):
                continue
            tier, first, quality = 1, 1, 2
        degree = len(set(net.predecessors(node)) | set(net.successors(node)))
        label = data.get("label") or node
        scored.append(((tier, first, quality, -degree, label, node), node))
    return [node for _, node in sorted(scored)]


def pick_entity(net: nx.MultiDiGraph, query: str) -> tuple[str, list[str]]:
    """The best match for ``query`` and the other matches, best first.

    Raises :class:`pmgraph.errors.ParameterError` (with close names) when nothing matches.
    """
    ranked = rank_entities(net, query)
    if not ranked:
        from pmgraph.analysis.network import resolve_node

        # Names the search does not match as text (a straight apostrophe for a curly one)
        # resolve_node still finds; otherwise it raises, naming the closest entities.
        return resolve_node(net, query), []
    return ranked[0], ranked[1:]


#: Relationships that say where an entity is: (local name, True when the entity is the
#: subject). An asset is where its holder is; a hosted or part entity is where its host is.
_PLACING = {
    "location": True,
    "containedIn": True,
    "nation": True,
    "hostedBy": True,
    "partOf": True,
    "hasAsset": False,
    "hasFacility": False,
    "hasPartnerOrganisation": False,
    "hasProgramme": False,
}
#: The asset links (pm:hasAsset and its sub-properties): they site only what is sited.
_ASSET_LINKS = frozenset({"hasAsset", "hasFacility", "hasPartnerOrganisation", "hasProgramme"})


#: Kinds of entity that an asset link does not site anywhere.
_NOT_SITED = frozenset({"Programme", "Document", "Event", "Quantity", "Source", "Concept"})


def derived_nations(net: nx.MultiDiGraph) -> dict[str, tuple[str, str]]:
    """``{entity: (nation, via)}`` for entities without a stated nation whose places lead to
    exactly one nation; ``via`` is the neighbour the nation was found through.

    Places lead up by ``location``, ``containedIn``, ``nation``, ``hostedBy`` and ``partOf``,
    and from an asset to its holder (``hasAsset`` and its sub-properties) unless the asset
    is a programme, fund, document, event or amount, which a centre holds without being
    sited with it."""
    parents = _placing_parents(net)
    stated = {n: d.get("nation") for n, d in net.nodes(data=True) if d.get("nation")}
    found: dict[str, tuple[str, str]] = {}

    def nations_of(node: str, seen: frozenset[str]) -> dict[str, str]:
        if node in stated:
            return {stated[node]: node}
        out: dict[str, str] = {}
        for parent in sorted(parents[node]):
            if parent in seen:
                continue
            for nation in nations_of(parent, seen | {parent}):
                out.setdefault(nation, parent)
        return out

    for node in sorted(net):
        if node in stated:
            continue
        options = nations_of(node, frozenset({node}))
        if len(options) == 1:
            nation, via = next(iter(options.items()))
            found[node] = (nation, via)
    return found


def _placing_parents(net: nx.MultiDiGraph) -> dict[str, list[str]]:
    """For every entity, the entities whose place is its place (see :data:`_PLACING`)."""
    ancestors = net.graph.get("class_ancestors", {})
    not_sited = {
        cls for cls, chain in ancestors.items()
        if {local_name(a) for a in chain} & _NOT_SITED
    }

    def unplaced(node: str) -> bool:
        """Programmes, funds, documents, events, amounts: held by a centre, not sited there."""
        data = net.nodes[node]
        return bool(data.get("scheme")) or data.get("class_iri", "") in not_sited

    parents: dict[str, list[str]] = {n: [] for n in net}
    for u, v, name in net.edges(data="name"):
        subject_side = _PLACING.get(name or "")
        if subject_side is None or u == v:
            continue
        child, parent = (u, v) if subject_side else (v, u)
        if name in _ASSET_LINKS and unplaced(child):
            continue
        parents[child].append(parent)
    return parents


def nation_column(net: nx.MultiDiGraph) -> dict[str, tuple[str | None, str | None]]:
    """Every entity's nation and, when derived, the neighbour it came through."""
    derived = derived_nations(net)
    out: dict[str, tuple[str | None, str | None]] = {}
    for node, nation in net.nodes(data="nation"):
        if nation:
            out[node] = (nation, None)
        elif node in derived:
            out[node] = derived[node]
        else:
            out[node] = (None, None)
    return out




#: Classes (or their super-classes) the opening overview shows: the centres and the national
#: bodies, funds and places an analyst orients by. Everything else is grouped by centre.
OVERVIEW_CLASSES = frozenset(
    {"CentreOfExcellence", "GovernmentBody", "CentreNetwork", "FundingProgramme", "Nation",
     "Country"}
)
#: Longest name the view writes beside an entity (longer ones are cut or abbreviated).
SHORT_LIMIT = 30


def overview_members(net: nx.MultiDiGraph) -> set[str]:
    """The entities the overview shows (see :data:`OVERVIEW_CLASSES`)."""
    ancestors = net.graph.get("class_ancestors", {})
    out = set()
    for node, data in net.nodes(data=True):
        kinds = {local_name(a) for a in ancestors.get(data.get("class_iri", ""), ())}
        if data.get("class") in OVERVIEW_CLASSES or kinds & OVERVIEW_CLASSES:
            out.add(node)
    return out


def centre_groups(net: nx.MultiDiGraph, shown: set[str]) -> dict[str, str]:
    """``{entity: centre}`` for entities outside ``shown`` that are one or two steps from
    exactly one centre (not through a concept or an overview entity): the group the
    overview folds them into."""
    undirected = net.to_undirected(as_view=True)
    centres = sorted(n for n, c in net.nodes(data="class") if c == FIRST_CLASS)
    reach: dict[str, dict[str, int]] = {}
    for centre in centres:
        frontier, seen = [centre], {centre}
        for step in (1, 2):
            following = []
            for node in frontier:
                for other in undirected.neighbors(node):
                    if other in seen or other in shown or net.nodes[other].get("scheme"):
                        continue
                    seen.add(other)
                    following.append(other)
                    reach.setdefault(other, {}).setdefault(centre, step)
            frontier = following
    groups = {}
    for node, found in reach.items():
        nearest = min(found.values())
        best = [c for c, step in found.items() if step == nearest]
        if len(best) == 1:
            groups[node] = best[0]
    return groups


def cut_label(label: str) -> str:
    """``label`` cut at :data:`SHORT_LIMIT` characters (the last one an ellipsis)."""
    return label if len(label) <= SHORT_LIMIT else label[: SHORT_LIMIT - 1] + "\u2026"


def _membership_label(net: nx.MultiDiGraph, node: str) -> str | None:
    """"Membership: <member> in <organisation>" for a membership (``org:member``,
    ``org:organization``), the member by its short name and the organisation by its
    abbreviation or name; None when the view lacks either."""
    ends: dict[str, str] = {}
    for _, other, name in sorted(net.out_edges(node, data="name")):
        if name in ("member", "organization") and name not in ends:
            ends[name] = other
    if len(ends) < 2:
        return None
    member, organisation = ends["member"], net.nodes[ends["organization"]]
    whole = organisation.get("abbreviation") or organisation.get("label") or ends["organization"]
    return f"Membership: {short_label(net, member)} in {whole}"


def short_label(net: nx.MultiDiGraph, node: str) -> str:
    """What the view writes beside ``node``: its abbreviation when its name is long, a
    centre's city ("Glasgow centre") when it has none, for a membership "Membership: <member>
    in <organisation>" from its links, else the name (cut at 30 characters)."""
    data = net.nodes[node]
    label = data.get("label") or node
    if data.get("class") == "Membership":
        membership = _membership_label(net, node)
        if membership is not None:
            return membership
    if len(label) <= SHORT_LIMIT:
        return label
    if data.get("abbreviation") and len(data["abbreviation"]) <= SHORT_LIMIT:
        return data["abbreviation"]
    if data.get("class") == FIRST_CLASS:
        for _, place, name in sorted(net.out_edges(node, data="name")):
            if name == "location" and net.nodes[place].get("class") == "City":
                return f"{net.nodes[place].get('label')} centre"
        # A view of part of the graph may leave the city out: its name is kept anyway.
        names = net.graph.get("labels", {})
        for place in data.get("location", ()):
            if place not in net and names.get(place):
                return f"{names[place]} centre"
    return cut_label(label)


def overview_positions(net: nx.MultiDiGraph, shown: set[str]) -> dict[str, tuple[float, float]]:
    """Positions for the overview: the centres in the left column, national bodies, funds and
    networks in the middle (offset by half a row, so that labels beside each other never
    meet), nations and countries on the right; each column sorted by name and centred."""
    columns: list[list[str]] = [[], [], []]
    for node in shown:
        cls = net.nodes[node].get("class")
        column = 0 if cls == FIRST_CLASS else 2 if cls in ("Nation", "Country") else 1
        columns[column].append(node)
    gap = 330.0
    out: dict[str, tuple[float, float]] = {}
    for number, members in enumerate(columns):
        # Centres are drawn larger. The other columns' rows leave room for a label line
        # below each entity at the scale a 1024-pixel window fits the three columns to
        # (about 0.45): at 80 every other label had no room.
        row = 150.0 if number == 0 else 120.0
        members.sort(key=lambda n: (net.nodes[n].get("label") or n).casefold())
        top = -(len(members) - 1) * row / 2 + (row / 2 if number == 1 else 0)
        for i, node in enumerate(members):
            out[node] = (number * gap, top + i * row)
    return out


#: The map's projection: longitude east, latitude north, equirectangular around 54.5 N (the
#: middle of the UK), 400 view pixels a degree of latitude.
MAP_MID_LAT = 54.5
MAP_SCALE = 400.0


def project(lat: float, long: float) -> tuple[float, float]:
    """View coordinates of a point on the map."""
    return (
        round(long * math.cos(math.radians(MAP_MID_LAT)) * MAP_SCALE, 1),
        round(-lat * MAP_SCALE, 1),
    )


def map_positions(net: nx.MultiDiGraph) -> tuple[dict[str, tuple[float, float]], set[str]]:
    """Positions on the map and the entities that are located.

    An entity is located by its own coordinates, its ``pm:location`` place's, or those of
    the first place up the place hierarchy (:func:`derived_nations`' relationships: a
    facility at its host's place). Entities that share a spot are spread around it. The
    rest (themes, programmes, documents, events without a place) are not put on the map:
    they stand in rows in a band below it, by class then name."""
    parents = _placing_parents(net)
    own = {n: d["coordinates"] for n, d in net.nodes(data=True) if d.get("coordinates")}

    def found(node: str) -> tuple[float, float] | None:
        seen, queue = {node}, [node]
        while queue:
            here = queue.pop(0)
            if here in own:
                return own[here]
            for parent in sorted(parents[here]):
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
        return None

    spots: dict[str, tuple[float, float] | None] = {}
    for node in net:
        if node in own or not parents[node]:
            spots[node] = own.get(node)
        else:
            spots[node] = found(node)
    crowd = Counter(tuple(c) for c in spots.values() if c)
    out: dict[str, tuple[float, float]] = {}
    for node, spot in spots.items():
        if not spot:
            continue
        x, y = project(*spot)
        data = net.nodes[node]
        if not (data.get("lat") is not None and data.get("long") is not None):
            dx, dy = _offset(node, 40.0 * max(1.5, 0.6 * math.sqrt(crowd[tuple(spot)])))
            x, y = round(x + dx, 1), round(y + dy, 1)
        out[node] = (x, y)
    located = set(out)
    rest = sorted(
        (n for n in net if n not in located),
        key=lambda n: (net.nodes[n].get("class_label") or "", net.nodes[n].get("label") or n),
    )
    left, _ = project(0, -8.5)
    _, bottom = project(49.5, 0)
    columns = 24
    for i, node in enumerate(rest):
        out[node] = (left + (i % columns) * 110.0, bottom + 200.0 + (i // columns) * 70.0)
    return out, located
