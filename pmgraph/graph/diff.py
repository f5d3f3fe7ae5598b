"""What changed between two versions of the graph: entities and statements added, removed,
changed.

A *statement* is one triple about an entity (its subject is under
``https://w3id.org/pmgraph/id/``): a link, a factual literal, a label, a type. Its evidence is
the quotes of its ``rdf:Statement`` record (see :mod:`pmgraph.graph.evidence`). Between an old
and a new graph a statement is

- ``added`` or ``removed`` when the triple is only in the new or only in the old graph;
- ``changed`` when the triple is in both but its evidence is not the same (a quote or its
  source was edited).

An entity is ``added`` or ``removed`` when it is the subject of statements only in the new or
only in the old graph, and ``changed`` when it is in both and any of its statements changed.
Literals are compared as written in the files (``"05"^^xsd:integer`` is not ``"5"``), so an
edited spelling shows. The ontology's own terms and the statement records themselves are not
entities; a change to them shows as a change of the statements they are about.

>>> from pmgraph.graph.diff import diff_graphs
>>> changes = diff_graphs(old_graph, new_graph)
>>> changes.counts()
{'entities added': 1, 'entities removed': 0, ..., 'statements changed': 0}
>>> changes.statements.to_dataframe()       # one row per statement added, removed, changed
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Identifier, Literal

from pmgraph.analysis.analyse import Records
from pmgraph.graph.evidence import DCTERMS_SOURCE, ID, OA, PM, RDF
from pmgraph.graph.exact import exact_triples

log = logging.getLogger(__name__)

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_ORDER = {ADDED: 0, REMOVED: 1, CHANGED: 2}
_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

Triple = tuple[Identifier, Identifier, Identifier]
#: A statement's evidence: its (quote, source IRI) pairs.
Evidence = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class StatementChange:
    """One statement added, removed, or whose evidence changed.

    ``subject``, ``predicate`` and ``object`` are written short (``ctr:leeds``,
    ``"2016"^^xsd:gYear``); ``old_quotes`` and ``new_quotes`` are its evidence in each graph.
    """

    change: str
    subject: str
    predicate: str
    object: str
    old_quotes: tuple[str, ...]
    new_quotes: tuple[str, ...]


@dataclass(frozen=True)
class EntityChange:
    """One entity added, removed or changed, with how many of its statements were."""

    change: str
    entity: str
    label: str | None
    statements_added: int
    statements_removed: int
    statements_changed: int


@dataclass(frozen=True)
class GraphDiff:
    """The changes from an old to a new graph (see the module notes)."""

    entities: Records[EntityChange]
    statements: Records[StatementChange]

    def counts(self) -> dict[str, int]:
        """How many entities and statements were added, removed and changed."""
        counts = {}
        for what, records in (("entities", self.entities), ("statements", self.statements)):
            for change in (ADDED, REMOVED, CHANGED):
                counts[f"{what} {change}"] = sum(r.change == change for r in records)
        return counts

    def __bool__(self) -> bool:
        """True when anything changed."""
        return bool(self.entities or self.statements)

    def describe(self) -> str:
        """One line: the counts, or that nothing changed."""
        if not self:
            return "No entity or statement changed."
        counts = self.counts()
        parts = []
        for what in ("entities", "statements"):
            shown = [f"{counts[f'{what} {c}']} {c}" for c in (ADDED, REMOVED, CHANGED)]
            parts.append(f"{what}: " + ", ".join(shown))
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


def _is_entity(term: Identifier) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(ID)


@dataclass
class _Side:
    """One graph as statements about entities, each with its evidence."""

    statements: dict[Identifier, set[Triple]]
    evidence: dict[Triple, Evidence]
    labels: dict[Identifier, str]


def _side(graph: Graph) -> _Side:
    statements: dict[Identifier, set[Triple]] = defaultdict(set)
    labels: dict[Identifier, str] = {}
    # the statement records: record -> s, p, o and its quote selectors
    parts: dict[Identifier, dict[str, Identifier]] = defaultdict(dict)
    quotes_of: dict[Identifier, list[Identifier]] = defaultdict(list)
    exact: dict[Identifier, str] = {}
    source: dict[Identifier, str] = {}
    record_parts = {URIRef(RDF + "subject"): "s", URIRef(RDF + "predicate"): "p",
                    URIRef(RDF + "object"): "o"}
    evidence_quote, oa_exact = URIRef(PM + "evidenceQuote"), URIRef(OA + "exact")
    dcterms_source = URIRef(DCTERMS_SOURCE)
    for s, p, o in exact_triples(graph):
        if _is_entity(s):
            statements[s].add((s, p, o))
            if p == _LABEL and isinstance(o, Literal) and (s not in labels or str(o) < labels[s]):
                labels[s] = str(o)  # the first label in text order, as the views pick it
        elif p in record_parts:
            parts[s][record_parts[p]] = o
        elif p == evidence_quote:
            quotes_of[s].append(o)
        elif p == oa_exact:
            exact[s] = str(o)
        elif p == dcterms_source:
            source[s] = str(o)
    evidence: dict[Triple, set[tuple[str, str]]] = defaultdict(set)
    for record, spo in parts.items():
        if len(spo) == 3:
            key = (spo["s"], spo["p"], spo["o"])
            evidence[key].update(
                (exact[q], source.get(q, "")) for q in quotes_of.get(record, ()) if q in exact
            )
    return _Side(dict(statements), {k: frozenset(v) for k, v in evidence.items()}, labels)


def _quotes(evidence: Evidence | None) -> tuple[str, ...]:
    return tuple(sorted(quote for quote, _ in evidence or ()))


def diff_graphs(old: Graph, new: Graph) -> GraphDiff:
    """The entities and statements added, removed and changed from ``old`` to ``new``
    (graphs as :func:`pmgraph.graph.load.load_graph` returns them); see the module notes."""
    before, after = _side(old), _side(new)
    names = new.namespace_manager

    def short(term: Identifier) -> str:
        return term.n3(names)

    statement_changes: list[tuple[str, Triple]] = []
    per_entity: dict[Identifier, dict[str, int]] = defaultdict(
        lambda: {ADDED: 0, REMOVED: 0, CHANGED: 0}
    )
    for entity in set(before.statements) | set(after.statements):
        old_set = before.statements.get(entity, set())
        new_set = after.statements.get(entity, set())
        found = [(ADDED, t) for t in new_set - old_set] + [(REMOVED, t) for t in old_set - new_set]
        found += [
            (CHANGED, t) for t in old_set & new_set
            if before.evidence.get(t, frozenset()) != after.evidence.get(t, frozenset())
        ]
        for change, triple in found:
            per_entity[entity][change] += 1
            statement_changes.append((change, triple))

    def statement_key(item: tuple[str, Triple]) -> tuple:
        change, (s, p, o) = item
        return (_ORDER[change], short(s), short(p), short(o))

    statements = [
        StatementChange(
            change=change, subject=short(s), predicate=short(p), object=short(o),
            old_quotes=_quotes(before.evidence.get((s, p, o))) if change != ADDED else (),
            new_quotes=_quotes(after.evidence.get((s, p, o))) if change != REMOVED else (),
        )
        for change, (s, p, o) in sorted(statement_changes, key=statement_key)
    ]
    entities = []
    for entity, counts in per_entity.items():
        if entity not in before.statements:
            change = ADDED
        elif entity not in after.statements:
            change = REMOVED
        else:
            change = CHANGED
        entities.append(EntityChange(
            change=change, entity=short(entity),
            label=after.labels.get(entity, before.labels.get(entity)),
            statements_added=counts[ADDED], statements_removed=counts[REMOVED],
            statements_changed=counts[CHANGED],
        ))
    entities.sort(key=lambda r: (_ORDER[r.change], r.entity))
    log.info("diff: %d entities, %d statements changed", len(entities), len(statements))
    return GraphDiff(Records(tuple(entities)), Records(tuple(statements)))


#: The file of a build folder that :func:`load_version` reads.
BUILD_GRAPH = "pmgraph.nt"


def load_version(path: Path | str) -> Graph:
    """One side of a comparison: a build folder (its ``pmgraph.nt``), a data folder or an RDF
    file; the ontology comes along, as with :func:`pmgraph.graph.load.load_graph`."""
    from pmgraph.errors import DataLoadError
    from pmgraph.files import MARKER
    from pmgraph.graph.load import load_graph
    from pmgraph.paths import display_path

    path = Path(path)
    if path.is_dir() and (path / MARKER).is_file():
        built = path / BUILD_GRAPH
        if not built.is_file():
            raise DataLoadError(f"{display_path(path)}: a build folder without {BUILD_GRAPH}; "
                                "run 'pmgraph build' again")
        return load_graph(built)
    if not path.exists():
        raise DataLoadError(f"{display_path(path)}: no such file or folder; give a build "
                            "folder, a data folder or an RDF file")
    return load_graph(path)


def diff_paths(old: Path | str, new: Path | str) -> GraphDiff:
    """:func:`diff_graphs` of two builds, data folders or files (see :func:`load_version`)."""
    return diff_graphs(load_version(old), load_version(new))

