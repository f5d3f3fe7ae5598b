"""A VoID and DCAT description of the merged graph: size, classes, properties, sources."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from pmgraph.graph.load import new_graph
from pmgraph.graph.namespaces import DCAT, ONTOLOGY_IRI, PM, PREFIXES, VOID
from pmgraph.graph.stats import GraphStats, graph_stats

DATASET_IRI = URIRef("https://w3id.org/pmgraph/dataset")
DEFAULT_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: Media types of the files a build writes, by suffix.
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".graphml": "application/graphml+xml",
    ".gexf": "application/gexf+xml",
    ".html": "text/html",
    ".csv": "text/csv",
}

_SOURCES = """
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
SELECT DISTINCT ?source WHERE {
  { ?source a pm:SourceDocument } UNION { ?source a pm:ReferenceDataset }
  UNION { ?source a pm:Source } UNION { ?x pm:source ?source }
} ORDER BY ?source
"""


def _slug(iri: URIRef) -> str:
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace):
            text = f"{prefix}-{text[len(namespace):]}"
            break
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def describe(
    graph: Graph,
    *,
    stats: GraphStats | None = None,
    files: Iterable[str] = (),
    version: str | None = None,
    issued: dt.date | None = None,
) -> Graph:
    """VoID and DCAT triples about ``graph``; ``files`` are distribution file names."""
    from pmgraph import __version__

    stats = stats or graph_stats(graph)
    out = new_graph()
    ds = DATASET_IRI
    out.add((ds, RDF.type, VOID.Dataset))
    out.add((ds, RDF.type, DCAT.Dataset))
    out.add((ds, DCTERMS.title, Literal("pmgraph: the UK precision-medicine ecosystem", lang="en")))
    out.add((ds, DCTERMS.description, Literal(
        "A knowledge graph of the UK precision-medicine ecosystem: centres of excellence, "
        "their partners, assets, funding, places and events, each resource with its source "
        "and evidence quotes.", lang="en")))
    out.add((ds, DCAT.version, Literal(version or __version__)))
    out.add((ds, OWL.versionInfo, Literal(version or __version__)))
    if issued is not None:
        out.add((ds, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
    licence = graph.value(ONTOLOGY_IRI, DCTERMS.license) or DEFAULT_LICENSE
    out.add((ds, DCTERMS.license, licence))
    out.add((ds, DCTERMS.conformsTo, ONTOLOGY_IRI))
    out.add((ds, VOID.vocabulary, URIRef(str(PM))))
    out.add((ds, VOID.uriSpace, Literal("https://w3id.org/pmgraph/id/")))
    out.add((ds, VOID.triples, Literal(stats.triples)))
    out.add((ds, VOID.entities, Literal(stats.entities)))
    out.add((ds, VOID.distinctSubjects, Literal(stats.subjects)))
    out.add((ds, VOID.classes, Literal(len(stats.classes))))
    out.add((ds, VOID.properties, Literal(len(stats.properties))))
    for source in (row[0] for row in graph.query(_SOURCES)):
        out.add((ds, DCTERMS.source, source))
        out.add((ds, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), source))
        label = graph.value(source, RDFS.label)
        if label is not None:
            out.add((source, RDFS.label, label))
    for cls, count in stats.classes:
        part = URIRef(f"{ds}#class-{_slug(cls)}")
        out.add((ds, VOID.classPartition, part))
        out.add((part, VOID["class"], cls))
        out.add((part, VOID.entities, Literal(count)))
    for prop, count in stats.properties:
        part = URIRef(f"{ds}#property-{_slug(prop)}")
        out.add((ds, VOID.propertyPartition, part))
        out.add((part, VOID.property, prop))
        out.add((part, VOID.triples, Literal(count)))
    for name in files:
        dist = URIRef(f"{ds}#file-{_slug(URIRef(name))}")
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        out.add((ds, DCAT.distribution, dist))
        out.add((dist, RDF.type, DCAT.Distribution))
        out.add((dist, DCTERMS.title, Literal(name)))
        if suffix in MEDIA_TYPES:
            out.add((dist, DCAT.mediaType, URIRef(
                f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[suffix]}")))
        if suffix in (".ttl", ".nt", ".jsonld"):
            out.add((ds, VOID.dataDump, dist))
    return out
