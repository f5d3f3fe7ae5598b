"""Counts of a graph: triples, entities, entities per class, triples per property."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef

from pmgraph.graph.namespaces import ID_BASE

_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { ?s ?p ?o }
"""
_ENTITIES = f"""
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID_BASE}"))
}}
"""
_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?class FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID_BASE}"))
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""
_PROPERTIES = f"""
SELECT ?property (COUNT(*) AS ?n) WHERE {{
  ?s ?property ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID_BASE}"))
}} GROUP BY ?property ORDER BY DESC(?n) ?property
"""


@dataclass(frozen=True)
class GraphStats:
    """How big a graph is and what it holds (entities: resources under the project's IRIs)."""

    triples: int
    subjects: int
    entities: int
    classes: tuple[tuple[URIRef, int], ...]
    properties: tuple[tuple[URIRef, int], ...]


def graph_stats(graph: Graph) -> GraphStats:
    """Counts for ``graph``; classes and properties are those used by the project's entities."""
    triples, subjects = next(iter(graph.query(_COUNTS)))
    (entities,) = next(iter(graph.query(_ENTITIES)))
    classes = tuple((row[0], int(row[1])) for row in graph.query(_CLASSES))
    properties = tuple((row[0], int(row[1])) for row in graph.query(_PROPERTIES))
    return GraphStats(
        triples=int(triples),
        subjects=int(subjects),
        entities=int(entities),
        classes=classes,
        properties=properties,
    )
