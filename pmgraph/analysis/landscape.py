"""The ecosystem as a policy analyst reads it: who has which capability, and how policy and
funding reach the centres. Works on the network from :func:`pmgraph.analysis.network.to_networkx`.

- :func:`theme_matrix`: centres (or nations) by capability theme, each cell the number of
  entities tagged with the theme (``pm:theme``): the centre itself and the assets it lists
  (``pm:hasAsset``, its sub-properties, or ``pm:assetOf``), the same rule as the
  ``theme-coverage`` query and :func:`pmgraph.analysis.analyse.unique_holdings`. A nation's
  cell adds up its centres' cells. Themes no centre covers are columns of zeros: they are
  gaps, not noise.
- :func:`policy_network`: the policies, government funders, funding programmes, investments,
  amounts and centres, with the relationships among them and their evidence; every node has
  a ``stage`` (``policy``, ``funder``, ``funding``, ``investment``, ``amount``, ``centre``)
  and ``stage_index`` (0 to 5, in that order) for a layered drawing.
- :func:`policy_links`: the relationships of :func:`policy_network` as records, with quotes.
- :func:`policy_reach`: for each policy, funder and funding entity, the centres it reaches in
  :func:`policy_network` and in how many steps (none, when the source names no recipient).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pmgraph.analysis.analyse import Records, centre_assets
from pmgraph.errors import ParameterError
from pmgraph.graph.namespaces import PM

_THEMES = str(PM.CapabilityThemes)

#: The stages of :func:`policy_network`, in drawing order, with the class (or super-class,
#: local name) that puts an entity in each. An entity of none of these classes that funds
#: something (the object of ``pm:fundedBy``) is a funder too: the source rarely says what
#: kind of body a funder is.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("policy", ("Policy",)),
    ("funder", ("GovernmentBody",)),
    ("funding", ("FundingProgramme",)),
    ("investment", ("Investment",)),
    ("amount", ("MonetaryAmount",)),
    ("centre", ("CentreOfExcellence",)),
)


def _label(net: nx.MultiDiGraph, iri: str) -> str:
    if iri in net:
        return net.nodes[iri].get("label", iri)
    return net.graph.get("labels", {}).get(iri, iri)


@dataclass(frozen=True)
class ThemeMatrix:
    """Rows (centres or nations) by capability themes; ``values[i][j]`` is a count."""

    by: str  # "centre" or "nation"
    rows: tuple[str, ...]  # IRIs
    row_labels: tuple[str, ...]
    columns: tuple[str, ...]  # theme IRIs
    column_labels: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]
    measure: str  # what a cell counts, for a colour bar or a caption

    def value(self, row: str, column: str) -> int:
        """The cell of ``row`` and ``column`` (IRIs)."""
        return self.values[self.rows.index(row)][self.columns.index(column)]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict a cell: row, row_label, theme, theme_label, value (long form)."""
        return [
            {"row": r, "row_label": rl, "theme": c, "theme_label": cl, "value": v}
            for r, rl, line in zip(self.rows, self.row_labels, self.values, strict=True)
            for c, cl, v in zip(self.columns, self.column_labels, line, strict=True)
        ]

    def to_dataframe(self):  # noqa: ANN201 - pandas is optional
        """The matrix as a pandas DataFrame: row labels as index, theme labels as columns."""
        import pandas as pd

        return pd.DataFrame(
            [list(line) for line in self.values],
            index=pd.Index(list(self.row_labels), name=self.by),
            columns=pd.Index(list(self.column_labels), name="theme"),
        )


def theme_matrix(net: nx.MultiDiGraph, by: str = "centre") -> ThemeMatrix:
    """Centres (``by="centre"``) or nations (``by="nation"``) by capability theme.

    A cell counts the entities tagged with the theme: the centre and its assets, summed over
    a nation's centres for nations. Rows with more tagged entities come first (then by
    label); themes covered by more rows come first, themes no centre covers last. Nations
    are those of the centres (``nation`` attribute); a centre without one is left out of the
    nation matrix.
    """
    if by not in ("centre", "nation"):
        raise ParameterError(f"by={by!r}: choose 'centre' or 'nation'")
    assets = centre_assets(net)
    counts: dict[str, dict[str, int]] = {}
    for centre, held in assets.items():
        row = counts.setdefault(centre, defaultdict(int))
        for entity in (centre, *sorted(held)):
            for theme in net.nodes[entity].get("themes", ()):
                row[theme] += 1
    if by == "nation":
        nations: dict[str, dict[str, int]] = {}
        for centre, row in counts.items():
            nation = net.nodes[centre].get("nation")
            if nation is None:
                continue
            total = nations.setdefault(nation, defaultdict(int))
            for theme, count in row.items():
                total[theme] += count
        counts = nations
    themes = {n for n, scheme in net.nodes(data="scheme") if scheme == _THEMES}
    themes |= {t for row in counts.values() for t in row}
    covered = {t: sum(1 for row in counts.values() if row.get(t)) for t in themes}
    columns = sorted(themes, key=lambda t: (-covered[t], _label(net, t).casefold(), t))
    rows = sorted(
        counts, key=lambda r: (-sum(counts[r].values()), _label(net, r).casefold(), r)
    )
    measure = (
        "entities tagged with the theme (the centre and its assets)"
        if by == "centre"
        else "entities tagged with the theme (the nation's centres and their assets)"
    )
    return ThemeMatrix(
        by=by,
        rows=tuple(rows),
        row_labels=tuple(_label(net, r) for r in rows),
        columns=tuple(columns),
        column_labels=tuple(_label(net, c) for c in columns),
        values=tuple(tuple(counts[r].get(c, 0) for c in columns) for r in rows),
        measure=measure,
    )


_FUNDER = next(i for i, (stage, _) in enumerate(STAGES) if stage == "funder")


def _stage(net: nx.MultiDiGraph, node: str, funders: set[str]) -> int | None:
    data = net.nodes[node]
    kinds = net.graph.get("class_ancestors", {}).get(data.get("class_iri", ""), ())
    names = {data.get("class")} | {k.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for k in kinds}
    for index, (_, classes) in enumerate(STAGES):
        if names.intersection(classes):
            return index
    return _FUNDER if node in funders else None


def policy_network(net: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The policy, funder, funding, amount and centre entities of ``net`` and every
    relationship among them (attributes and evidence kept). Every centre stays, linked or
    not; other entities only when linked to another of these. Adds ``stage`` and
    ``stage_index`` to each node (see :data:`STAGES`)."""
    funded_by = str(PM.fundedBy)
    funders = {v for _, v, p in net.edges(data="predicate") if p == funded_by}
    stages = {n: s for n in net if (s := _stage(net, n, funders)) is not None}
    sub = nx.MultiDiGraph(net.subgraph(stages))
    sub.graph.update(net.graph)
    centre_stage = len(STAGES) - 1
    sub.remove_nodes_from(
        [n for n in list(sub) if sub.degree(n) == 0 and stages[n] != centre_stage]
    )
    for node in sub:
        sub.nodes[node]["stage_index"] = stages[node]
        sub.nodes[node]["stage"] = STAGES[stages[node]][0]
    return sub


@dataclass(frozen=True)
class PolicyLink:
    """One relationship of :func:`policy_network`, as stated, with its evidence."""

    from_iri: str
    from_label: str
    from_stage: str
    relationship: str
    to_iri: str
    to_label: str
    to_stage: str
    evidence: tuple[str, ...]
    statement: str | None


def policy_links(net: nx.MultiDiGraph) -> Records[PolicyLink]:
    """The relationships among policies, funders, funding, amounts and centres, ordered by
    the stage they start from, then labels."""
    sub = policy_network(net)
    rows = [
        PolicyLink(
            from_iri=u,
            from_label=_label(sub, u),
            from_stage=sub.nodes[u]["stage"],
            relationship=d.get("label", d.get("predicate", "")),
            to_iri=v,
            to_label=_label(sub, v),
            to_stage=sub.nodes[v]["stage"],
            evidence=tuple(d.get("evidence", ())),
            statement=d.get("statement"),
        )
        for u, v, d in sub.edges(data=True)
    ]
    rows.sort(key=lambda r: (sub.nodes[r.from_iri]["stage_index"], r.from_label,
                             r.relationship, r.to_label))
    return Records(tuple(rows))


@dataclass(frozen=True)
class Reach:
    """The centres a policy, funder or funding entity reaches through stated links."""

    iri: str
    label: str
    stage: str
    centres: tuple[str, ...]  # IRIs, nearest first then by label
    centre_labels: tuple[str, ...]
    steps: int | None  # links to the nearest centre; None when it reaches none


def policy_reach(net: nx.MultiDiGraph) -> Records[Reach]:
    """For each entity of :func:`policy_network` that is not a centre: the centres it is
    linked to (any direction, through other policy, funder, funding and amount entities
    only, never through another centre) and the steps to the nearest. Ordered by stage, then
    those reaching no centre first, then label."""
    sub = policy_network(net)
    undirected = nx.Graph(sub.to_undirected(as_view=True))
    centres = {n for n in sub if sub.nodes[n]["stage"] == "centre"}
    rows = []
    for node in sub:
        if node in centres:
            continue
        # A centre ends a chain: what it links to is its own, not reached through it.
        walk = undirected.subgraph((set(undirected) - centres) | {node})
        found: dict[str, int] = {}
        for here, distance in nx.single_source_shortest_path_length(walk, node).items():
            for centre in centres.intersection(undirected.neighbors(here)):
                found[centre] = min(found.get(centre, distance + 1), distance + 1)
        reached = sorted(found, key=lambda c: (found[c], _label(sub, c)))
        rows.append(
            Reach(
                iri=node,
                label=_label(sub, node),
                stage=sub.nodes[node]["stage"],
                centres=tuple(reached),
                centre_labels=tuple(_label(sub, c) for c in reached),
                steps=found[reached[0]] if reached else None,
            )
        )
    rows.sort(key=lambda r: (sub.nodes[r.iri]["stage_index"], bool(r.centres), r.label))
    return Records(tuple(rows))
