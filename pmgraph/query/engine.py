"""SPARQL straight on Oxigraph: the pyoxigraph store under a graph, terms in and out.

rdflib's ``Graph.query`` over the oxrdflib store builds an rdflib ``Result`` and converts every
term through it; the library's queries skip that layer and read pyoxigraph's solutions
directly, converting each distinct term once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

if TYPE_CHECKING:
    import pyoxigraph as ox

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def oxigraph_target(graph: Graph) -> tuple[ox.Store, ox.NamedNode | ox.BlankNode] | None:
    """The pyoxigraph store under ``graph`` and the named graph holding its triples, or None
    when ``graph`` is not a plain rdflib ``Graph`` over an oxrdflib store."""
    if type(graph) is not Graph:  # a Dataset or ConjunctiveGraph queries other graphs too
        return None
    from oxrdflib import OxigraphStore

    if not isinstance(graph.store, OxigraphStore):
        return None
    import pyoxigraph as ox

    identifier = graph.identifier
    name = ox.BlankNode(identifier) if isinstance(identifier, BNode) else ox.NamedNode(identifier)
    return oxigraph_store(graph), name


def oxigraph_store(graph: Graph) -> ox.Store:
    """The pyoxigraph store under ``graph``, an rdflib graph over an oxrdflib store."""
    # oxrdflib exposes no public accessor for the pyoxigraph store it wraps.
    return graph.store._inner


def to_oxigraph(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """``term`` as a pyoxigraph term."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


#: IRIs converted so far, kept from one query to the next (an IRI converts the same way
#: whatever the graph); emptied when it holds this many.
_IRIS_KEPT = 100_000
_iris: dict[object, URIRef] = {}
#: Literals converted so far, with what they were converted with: the exact-term table's
#: values (a new object whenever the table changes), or None for no table. Kept from one
#: query to the next, like the IRIs: a query run again converts its labels and quotes once.
_LITERALS_KEPT = 100_000
_literals: tuple[object, dict[object, Literal]] = (None, {})


def _iri(term: object) -> URIRef:
    made = _iris.get(term)
    if made is None:
        if len(_iris) >= _IRIS_KEPT:
            _iris.clear()
        made = _iris[term] = URIRef(term.value)
    return made


def converter(graph: Graph | None = None) -> Callable[[object], Identifier | None]:
    """A function from pyoxigraph terms to rdflib terms that converts each distinct term once.

    ``xsd:string`` literals come back plain (no datatype), as rdflib writes them; other
    literals keep their lexical form (rdflib would normalise ``"01"^^xsd:integer``). With
    ``graph``, a literal its store holds in another form than written comes back as written,
    when one form was written for its value (:mod:`pmgraph.graph.exact`).
    """
    import pyoxigraph as ox

    from pmgraph.graph.exact import cased_tag, table_of

    global _literals
    table = table_of(graph) if graph is not None else None
    written_forms = table.values() if table is not None else None
    if _literals[0] is not written_forms:
        _literals = (written_forms, {})
    literals = _literals[1]
    blanks: dict[object, BNode] = {}
    named_node, literal_type, blank_node = ox.NamedNode, ox.Literal, ox.BlankNode

    def literal(term: ox.Literal) -> Literal:
        written = table.original(term) if table is not None else term
        tag = cased_tag(written)
        if tag is not None:  # a language tag with capitals, as written
            return Literal(written.value, lang=tag)
        if written.language:
            return Literal(written.value, lang=written.language)
        if written.datatype.value == _XSD_STRING:
            return Literal(written.value)
        return Literal(written.value, datatype=URIRef(written.datatype.value), normalize=False)

    def convert(term: object) -> Identifier | None:
        kind = type(term)
        if kind is named_node:
            return _iri(term)
        if kind is literal_type:
            made = literals.get(term)
            if made is None:
                if len(literals) >= _LITERALS_KEPT:
                    literals.clear()
                made = literals[term] = literal(term)
            return made
        if term is None:
            return None
        if kind is blank_node:
            made = blanks.get(term)
            if made is None:
                made = blanks[term] = BNode(term.value)
            return made
        raise TypeError(f"unexpected Oxigraph term: {term!r}")

    return convert


def substitutions(bindings: Mapping[str, Identifier]) -> dict:
    """``bindings`` as pyoxigraph substitutions (``Variable`` to term)."""
    import pyoxigraph as ox

    return {ox.Variable(name): to_oxigraph(term) for name, term in bindings.items()}
