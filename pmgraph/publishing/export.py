"""Serialise the merged graph: Turtle, N-Triples, JSON-LD, GraphML, GEXF, CSV.

Turtle and N-Triples go through Oxigraph's writers, which keep every literal's lexical form
(rdflib's Turtle writer rewrites ``"210000000"^^xsd:decimal`` as ``210000000.0``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef

from pmgraph.errors import ParameterError
from pmgraph.files import atomic_write
from pmgraph.graph.exact import LANG_DATATYPE, cased, exact_triples
from pmgraph.graph.load import plain_literal
from pmgraph.graph.namespaces import PREFIXES
from pmgraph.publishing.bnodes import label_blank_nodes
from pmgraph.safe import spreadsheet_safe, xml_safe

log = logging.getLogger(__name__)

FORMATS = ("turtle", "nt", "jsonld", "graphml", "gexf", "csv")
SUFFIXES = {
    "turtle": ".ttl",
    "nt": ".nt",
    "jsonld": ".jsonld",
    "graphml": ".graphml",
    "gexf": ".gexf",
    "csv": ".csv",
}
#: File-name extensions and the format each stands for (``export --out`` without ``--format``).
SUFFIX_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "jsonld",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".csv": "csv",
}
_SUFFIX_ALIASES = {".turtle": "turtle", ".json": "jsonld"}
CSV_COLUMNS = ("subject", "predicate", "object", "object_kind", "datatype", "language")


def graph_triples(graph: Graph) -> Iterator[tuple]:
    """The triples of ``graph`` as they are exported (``xsd:string`` literals made plain)."""
    return ((s, p, plain_literal(o)) for s, p, o in exact_triples(graph))


def stable_triples(graph: Graph) -> list[tuple]:
    """The triples of ``graph``, sorted, blank nodes named by their content and place
    (:mod:`pmgraph.publishing.bnodes`), so that the same data always gives the same file.

    Time grows with the number of triples, not faster, whatever the blank nodes hold.
    """
    triples = label_blank_nodes(graph_triples(graph))
    return sorted(triples, key=lambda t: tuple(_sort_key(x) for x in t))


def _ox_term(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            if term.language != term.language.lower():  # pyoxigraph would lower-case it
                return cased(str(term), term.language)
            return ox.Literal(str(term), language=term.language)
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return ox.Literal(str(term), datatype=datatype)
    raise TypeError(f"not an RDF term: {term!r}")


_MARK = b'"^^<' + LANG_DATATYPE.encode("ascii")
#: A tag marked by :func:`_ox_term`, after a closing quote (not an escaped one in a string).
_MARKED_TAG = re.compile(
    rb'(?<!\\)((?:\\\\)*)"\^\^<' + re.escape(LANG_DATATYPE.encode("ascii"))
    + rb'([A-Za-z0-9-]+)>'
)


def with_tags(data: bytes) -> bytes:
    """Oxigraph's Turtle or N-Triples ``data`` with each marked language tag written as
    ``@tag``, its case as the data gave it (Oxigraph writes tags in lower case)."""
    if _MARK not in data:
        return data
    return _MARKED_TAG.sub(rb'\1"@\2', data)


def _sort_key(term: object) -> tuple[int, str]:
    if isinstance(term, Literal):
        return (2, f"{term}\x00{term.datatype or ''}\x00{term.language or ''}")
    return (0 if isinstance(term, URIRef) else 1, str(term))


def to_turtle(graph: Graph) -> bytes:
    """Turtle with the project's prefixes, subjects sorted and grouped, lexical forms kept."""
    triples = stable_triples(graph)
    used = {str(ns) for _, ns in graph.namespaces()}
    prefixes = {p: ns for p, ns in PREFIXES.items() if ns in used or p in ("pm", "rdf", "xsd")}
    data = ox.serialize(
        (ox.Triple(*(_ox_term(x) for x in t)) for t in triples),
        format=ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )
    return with_tags(data)


def to_ntriples(graph: Graph) -> bytes:
    """N-Triples, one triple a line, sorted so that equal graphs give equal files."""
    data = ox.serialize(
        (ox.Triple(*(_ox_term(x) for x in t)) for t in stable_triples(graph)),
        format=ox.RdfFormat.N_TRIPLES,
    )
    return with_tags(data)


def to_jsonld(graph: Graph) -> bytes:
    """JSON-LD: the project's prefixes as ``@context``, one node object per subject in
    ``@graph``, every literal as ``@value`` with its lexical form kept.

    Written directly from the sorted triples, without nesting, so that deep or long blank-node
    structures take time in proportion to their size.
    """
    nodes: list[dict] = []
    current: dict | None = None
    for s, p, o in stable_triples(graph):
        subject = _jsonld_id(s)
        if current is None or current["@id"] != subject:
            current = {"@id": subject}
            nodes.append(current)
        if p == RDF.type and not isinstance(o, Literal):
            current.setdefault("@type", []).append(_jsonld_id(o))
        else:
            current.setdefault(_jsonld_id(p), []).append(_jsonld_value(o))
    document = {"@context": dict(PREFIXES), "@graph": nodes}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


_JSONLD_NAMESPACES = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _jsonld_id(term: object) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    iri = str(term)
    for prefix, namespace in _JSONLD_NAMESPACES:
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and not local.startswith("//"):
                return f"{prefix}:{local}"
    return iri


def _jsonld_value(term: object) -> dict[str, str]:
    if not isinstance(term, Literal):
        return {"@id": _jsonld_id(term)}
    value = {"@value": str(term)}
    if term.language:
        value["@language"] = term.language
    elif term.datatype:
        value["@type"] = _jsonld_id(term.datatype)
    return value


def to_csv(graph: Graph) -> bytes:
    """One row per triple: subject, predicate, object, object kind, datatype, language.

    A value a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return, and is not a number) is written with a leading ``'``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = []
    for s, p, o in stable_triples(graph):
        if isinstance(o, Literal):
            kind = "literal"
            datatype = str(o.datatype) if o.datatype else ""
            language = o.language or ""
        else:
            kind = "bnode" if isinstance(o, BNode) else "iri"
            datatype = language = ""
        rows.append((_node(s), str(p), _node(o), kind, datatype, language))
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in sorted(rows)])
    return out.getvalue().encode("utf-8")


def _node(term: object) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _scalar(value: object) -> str | int | float | bool | None:
    """A value GraphML and GEXF can hold: lists become ``; ``-joined text, ``None`` is dropped,
    characters XML forbids are replaced (:func:`pmgraph.safe.xml_safe`)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple | set | frozenset):
        return xml_safe("; ".join(str(v) for v in value))
    if isinstance(value, dict):
        return xml_safe(json.dumps(value, sort_keys=True, default=str))
    return xml_safe(str(value))


def network_for_export(graph: Graph) -> nx.MultiDiGraph:
    """The entity network of ``graph`` with attributes GraphML / GEXF writers accept."""
    from pmgraph.analysis.network import to_networkx

    network = to_networkx(graph)
    clean = nx.MultiDiGraph()
    clean.graph.update(
        {xml_safe(str(k)): _scalar(v) for k, v in network.graph.items() if v is not None}
    )
    for node, attrs in network.nodes(data=True):
        clean.add_node(
            xml_safe(str(node)),
            **{xml_safe(str(k)): _scalar(v) for k, v in attrs.items() if v is not None},
        )
    for u, v, key, attrs in network.edges(keys=True, data=True):
        clean.add_edge(
            xml_safe(str(u)), xml_safe(str(v)), key=xml_safe(str(key)),
            **{xml_safe(str(k)): _scalar(a) for k, a in attrs.items() if a is not None},
        )
    return clean


def to_graphml(graph: Graph) -> bytes:
    """The entity network as GraphML (Gephi, Cytoscape, yEd)."""
    out = io.BytesIO()
    nx.write_graphml(network_for_export(graph), out, encoding="utf-8")
    return out.getvalue()


def to_gexf(graph: Graph) -> bytes:
    """The entity network as GEXF (Gephi)."""
    out = io.BytesIO()
    nx.write_gexf(network_for_export(graph), out, encoding="utf-8")
    return out.getvalue()


_WRITERS = {
    "turtle": to_turtle,
    "nt": to_ntriples,
    "jsonld": to_jsonld,
    "graphml": to_graphml,
    "gexf": to_gexf,
    "csv": to_csv,
}


def format_for(out: Path | str | None, fmt: str | None = None) -> str:
    """The export format for the file ``out``: ``fmt`` when given, else the one its extension
    names (:data:`SUFFIX_FORMATS`; ``.turtle`` and ``.json`` too), else Turtle when there is no
    file. Raises :class:`ParameterError` when the extension is unknown and ``fmt`` is not
    given, or when ``fmt`` and a known extension disagree."""
    if out is None or str(out) == "":
        return fmt or "turtle"
    suffix = Path(out).suffix.lower()
    named = SUFFIX_FORMATS.get(suffix) or _SUFFIX_ALIASES.get(suffix)
    if fmt is None:
        if named is None:
            known = ", ".join(SUFFIX_FORMATS)
            raise ParameterError(
                f"--out {out}: cannot tell the format from the name (known extensions: "
                f"{known}); give --format, one of {', '.join(FORMATS)}"
            )
        return named
    if named is not None and named != fmt:
        raise ParameterError(
            f"--format {fmt} does not match --out {out} (a {named} file name); "
            f"drop --format or name the file {Path(out).with_suffix(SUFFIXES[fmt])}"
        )
    return fmt


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` in format ``fmt`` (one of :data:`FORMATS`)."""
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        raise ParameterError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return writer(graph)


def export(graph: Graph, fmt: str, out: Path | str) -> Path:
    """Write ``graph`` in format ``fmt`` to ``out`` (atomically) and return the path."""
    data = serialize(graph, fmt)
    path = atomic_write(out, data)
    log.info("wrote %s (%d bytes)", path, len(data))
    return path


def read_export(data: bytes, fmt: str) -> Graph:
    """Parse an RDF export back into a graph (for checking a round trip)."""
    graph = Graph()
    rdflib_format = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt]
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated class
        warnings.simplefilter("ignore", DeprecationWarning)
        graph.parse(data=data.decode("utf-8"), format=rdflib_format)
    return graph

