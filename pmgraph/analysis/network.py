"""The RDF graph as a typed network (a networkx ``MultiDiGraph``) for analysis and views.

One node per entity (node id = IRI string), one edge per relationship between two entities.
Literals, and the schema and provenance plumbing (``rdf:type``, ``pm:source``,
``skos:inScheme``, ontology terms, external identifiers), become attributes, never nodes or
hubs. The graph's triples are read once; nothing is written back to it.

Node attributes:

- ``label``, ``class`` (local name of the most specific class), ``class_iri``,
  ``class_label``, ``group`` (``class``, or the concept scheme's local name for concepts),
  ``scheme`` (concept scheme IRI or None);
- ``nation`` / ``nation_label`` (through ``pm:location`` then ``pm:nation`` /
  ``pm:containedIn`` chains; a nation is its own nation), ``location`` (place IRIs);
- ``themes`` / ``disease_areas`` (concept IRIs, whether or not the concepts are nodes);
- ``description``, ``abbreviation``, ``evidence`` (quotes), ``source`` (source IRIs);
- ``identifiers`` (``{"ror": "https://ror.org/...", "gridId": ..., "ringgoldId": ...,
  "isoCode": ...}``), ``lat`` / ``long`` (own ``geo:lat`` / ``geo:long``) and ``coordinates``
  (own, else those of the ``pm:location`` place or the place it lies in);
- ``properties``: every other value, ``{predicate local name: (text, ...)}`` (labels for
  described resources, e.g. a quantity's kind).

Edge attributes: ``predicate`` (IRI; also the edge key), ``name`` (local name), ``label``
(the predicate's ``rdfs:label``).

Network attributes (``net.graph``): ``labels`` (IRI → label of every resource named in an
attribute: sources, nations, places, themes), ``class_labels`` (every class used and its
super-classes → label), ``class_ancestors`` (class used → its super-classes, nearest first,
itself included), ``predicate_labels`` (relationship IRI → label).

The triples are read once, straight from the Oxigraph store when the graph has one (about
0.8 s for 41k triples / 5,000 entities and 1.4 s for 110k triples on two cores), else
through rdflib.

SKOS concepts: capability themes and disease areas are nodes by default (``concepts=True``):
centres that share a theme are then two steps apart, and a theme's degree shows how widely
it is held, which is what an analyst looking for shared or unique capability wants. Pass
``concepts=False`` to keep them as attributes only (less hub-dominated centralities).
Quantity kinds are always attributes: they say what a number measures, and as nodes they
would only join every amount of money to every other.
"""

from __future__ import annotations

import difflib
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator

import networkx as nx
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from pmgraph.errors import ParameterError
from pmgraph.graph.namespaces import GEO, PM, PREFIXES, expand_name

log = logging.getLogger(__name__)

# Plain strings: the network is built from strings, which is several times faster than
# comparing rdflib terms at 100k triples.
_TYPE = str(RDF.type)
_LABEL = str(RDFS.label)
_PREF_LABEL = str(SKOS.prefLabel)
_SUBCLASS = str(RDFS.subClassOf)
_IN_SCHEME = str(SKOS.inScheme)
_CONCEPT = str(SKOS.Concept)
_OBJECT_PROPERTY = str(OWL.ObjectProperty)
_DESCRIPTION = "http://purl.org/dc/terms/description"
_SOURCE = str(PM.source)
_LOCATION = str(PM.location)
_NATION = str(PM.nation)
_CONTAINED_IN = str(PM.containedIn)
_THEME = str(PM.theme)
_DISEASE_AREA = str(PM.diseaseArea)
_QUANTITY_KIND = str(PM.quantityKind)
_EVIDENCE = str(PM.evidence)
_ABBREVIATION = str(PM.abbreviation)
_LAT = str(GEO.lat)
_LONG = str(GEO.long)
_NATION_CLASS = str(PM.Nation)
_PLACE_CLASS = str(PM.Place)
_PM = str(PM)

#: Types of schema terms (classes, properties, schemes, shapes): never entities.
_META_TYPES = frozenset(
    str(iri)
    for iri in (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.SymmetricProperty,
        OWL.TransitiveProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.Ontology,
        OWL.NamedIndividual,
        OWL.AllDisjointClasses,
        OWL.Restriction,
        RDFS.Class,
        RDF.Property,
        RDF.Statement,  # statement provenance records (pmgraph.graph.evidence), not entities
        "http://www.w3.org/ns/oa#TextQuoteSelector",
        RDFS.Datatype,
        SKOS.ConceptScheme,
        "http://www.w3.org/ns/shacl#NodeShape",
        "http://www.w3.org/ns/shacl#PropertyShape",
    )
)
#: Links that are plumbing: kept as attributes (or dropped), never edges.
_PLUMBING = frozenset(
    str(iri)
    for iri in (
        RDF.type,
        PM.source,
        SKOS.inScheme,
        RDFS.isDefinedBy,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.seeAlso,
        OWL.sameAs,
        SKOS.topConceptOf,
        SKOS.hasTopConcept,
        PM.quantityKind,
    )
)
_IDENTIFIERS = {
    str(PM.ror): "ror",
    str(PM.gridId): "gridId",
    str(PM.ringgoldId): "ringgoldId",
    str(PM.isoCode): "isoCode",
    "https://schema.org/sameAs": "sameAs",
    str(OWL.sameAs): "sameAs",
}
_LABELS = (_LABEL, _PREF_LABEL)
_HANDLED_LITERALS = frozenset({_DESCRIPTION, _ABBREVIATION, _EVIDENCE, _LAT, _LONG, *_LABELS})
#: Concept schemes whose concepts are nodes when ``concepts=True``; others stay attributes.
_ATTRIBUTE_ONLY_SCHEMES = frozenset({str(PM.QuantityKinds)})
_SCHEME_CLASS_LABELS = {
    str(PM.CapabilityThemes): "Capability theme",
    str(PM.DiseaseAreas): "Disease area",
    str(PM.QuantityKinds): "Quantity kind",
}

#: A literal as (lexical form, language tag or None).
Text = tuple[str, "str | None"]


def local_name(iri: str) -> str:
    """The part of ``iri`` after its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1 :] if cut >= 0 else iri


def _pick_text(values: list[Text]) -> str | None:
    """The English (or untagged) value if there is one, else the first in sort order."""
    if not values:
        return None
    ordered = sorted(values, key=lambda v: (v[0], v[1] or ""))
    for text, language in ordered:
        if language is None or language.lower() == "en" or language.lower().startswith("en-"):
            return text
    return ordered[0][0]


def _number(values: list[Text]) -> float | None:
    for text, _ in values:
        try:
            return float(text)
        except ValueError:
            continue
    return None


def _triples(graph: Graph) -> Iterator[tuple[str, str, str, str | None, bool]]:
    """``(subject, predicate, object, language, object is a literal)`` as strings, no blank
    nodes. Reads an Oxigraph store directly: converting every term to rdflib costs more than
    building the whole network."""
    try:
        import pyoxigraph as ox
        from oxrdflib._converter import to_ox_quad_pattern

        inner = graph.store._inner  # type: ignore[attr-defined]
        if not isinstance(inner, ox.Store):
            raise TypeError
        quads = inner.quads_for_pattern(*to_ox_quad_pattern((None, None, None), graph))
    except (ImportError, AttributeError, TypeError):
        quads = None
    if quads is not None:
        from pmgraph.graph.exact import cased_tag, table_of

        named, literal = ox.NamedNode, ox.Literal
        table = table_of(graph)
        # The literals the store holds in another form than written, as written.
        written = table.triples if table is not None else None
        for q in quads:
            s, o = q.subject, q.object
            if type(s) is not named:
                continue
            if type(o) is literal:
                forms = written.get((s, q.predicate, o)) if written else None
                if forms:
                    for form in forms:
                        yield (s.value, q.predicate.value, form.value,
                               cased_tag(form) or form.language, True)
                    continue
                yield s.value, q.predicate.value, o.value, o.language, True
            elif type(o) is named:
                yield s.value, q.predicate.value, o.value, None, False
        return
    for s, p, o in graph.triples((None, None, None)):
        if isinstance(s, BNode) or isinstance(o, BNode):
            continue
        if isinstance(o, Literal):
            yield str(s), str(p), str(o), o.language, True
        else:
            yield str(s), str(p), str(o), None, False


_STATEMENT_NS = "https://w3id.org/pmgraph/statement/"
_OA_EXACT = "http://www.w3.org/ns/oa#exact"
_DCTERMS_SOURCE = "http://purl.org/dc/terms/source"


def _statement_evidence(
    out_links: dict[str, dict[str, list[str]]], literals: dict[str, dict[str, list[Text]]]
) -> dict[tuple[str, str, str], tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(subject, predicate, object) -> (statement IRI, its quotes, their sources), from the records
    the loader makes (:mod:`pmgraph.graph.evidence`)."""
    found = {}
    for statement, parts in out_links.items():
        if not statement.startswith(_STATEMENT_NS):
            continue
        s, p, o = (parts.get(str(RDF[k]), [None])[0] for k in ("subject", "predicate", "object"))
        if s is None or p is None or o is None:
            continue
        selectors = parts.get(str(PM.evidenceQuote), [])
        quotes = sorted(
            text for selector in selectors
            for text, _ in literals.get(selector, {}).get(_OA_EXACT, [])
        )
        sources = sorted(
            {source for selector in selectors
             for source in out_links.get(selector, {}).get(_DCTERMS_SOURCE, [])}
        )
        found[(s, p, o)] = (statement, tuple(quotes), tuple(sources))
    return found


def to_networkx(
    graph: Graph,
    *,
    classes: Iterable[str] | None = None,
    predicates: Iterable[str] | None = None,
    concepts: bool = True,
    isolated: bool = True,
) -> nx.MultiDiGraph:
    """The entities of ``graph`` and their relationships as a ``networkx.MultiDiGraph``.

    ``classes`` keeps entities whose class is one of these or a sub-class of one (names like
    ``"University"``, ``"pm:Organisation"``, full IRIs, ``"Concept"`` or a scheme such as
    ``"CapabilityThemes"``); ``predicates`` keeps only these relationships (``"hasAsset"``,
    ``"pm:hasAsset"``, an IRI or a label such as ``"has asset"``). ``concepts`` makes capability
    themes and disease areas nodes (see the module notes). ``isolated=False`` drops entities
    left without any relationship. Unknown names raise :class:`ParameterError`. The graph is
    not changed.
    """
    literals: dict[str, dict[str, list[Text]]] = defaultdict(lambda: defaultdict(list))
    types: dict[str, set[str]] = defaultdict(set)
    links: list[tuple[str, str, str]] = []
    for s, p, o, language, is_literal in _triples(graph):
        if is_literal:
            literals[s][p].append((o, language))
        elif p == _TYPE:
            types[s].add(o)
        else:
            links.append((s, p, o))

    def label_of(iri: str) -> str:
        values = literals.get(iri, {})
        for predicate in _LABELS:
            text = _pick_text(values.get(predicate, []))
            if text:
                return text
        return local_name(iri)

    # Schema: class hierarchy, schemes, and which resources are entities.
    superclasses: dict[str, set[str]] = defaultdict(set)
    out_links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in links:
        if p == _SUBCLASS:
            superclasses[s].add(o)
        out_links[s][p].append(o)

    ancestors_cache: dict[str, tuple[str, ...]] = {}

    def ancestors(cls: str) -> tuple[str, ...]:
        if cls not in ancestors_cache:
            seen = [cls]
            queue = deque([cls])
            while queue:
                for parent in sorted(superclasses.get(queue.popleft(), ())):
                    if parent not in seen:
                        seen.append(parent)
                        queue.append(parent)
            ancestors_cache[cls] = tuple(seen)
        return ancestors_cache[cls]

    def most_specific(found: set[str]) -> str:
        candidates = [c for c in found if not any(c != o and c in ancestors(o) for o in found)]
        candidates.sort(key=lambda c: (not c.startswith(_PM), c))
        return candidates[0]

    entities: dict[str, str] = {}
    for subject, found in types.items():
        kept = {t for t in found if t not in _META_TYPES}
        if kept and len(kept) == len(found):
            entities[subject] = most_specific(kept)

    def scheme_of(subject: str) -> str | None:
        schemes = sorted(out_links.get(subject, {}).get(_IN_SCHEME, []))
        return schemes[0] if schemes else None

    is_concept = {s for s, c in entities.items() if c == _CONCEPT}
    node_ids = {
        s
        for s in entities
        if s not in is_concept or (concepts and scheme_of(s) not in _ATTRIBUTE_ONLY_SCHEMES)
    }

    # Places: nation and coordinates through pm:nation / pm:containedIn chains.
    chains: dict[str, list[str]] = {}

    def place_chain(place: str) -> list[str]:
        if place in chains:
            return chains[place]
        chain, queue = [place], deque([place])
        chains[place] = chain
        while queue:
            here = out_links.get(queue.popleft(), {})
            for parent in sorted(here.get(_NATION, [])) + sorted(here.get(_CONTAINED_IN, [])):
                if parent not in chain:
                    chain.append(parent)
                    queue.append(parent)
        return chain

    def nation_of(subject: str) -> str | None:
        places = [subject] if subject in entities and _is_place(subject) else []
        places += sorted(out_links.get(subject, {}).get(_LOCATION, []))
        for place in places:
            for step in place_chain(place):
                if entities.get(step) == _NATION_CLASS:
                    return step
        return None

    def _is_place(subject: str) -> bool:
        return _PLACE_CLASS in ancestors(entities[subject])

    def coordinates_of(subject: str) -> tuple[float, float] | None:
        places = [subject] + sorted(out_links.get(subject, {}).get(_LOCATION, []))
        for place in places:
            for step in place_chain(place) if place != subject else [subject]:
                values = literals.get(step, {})
                lat, long = _number(values.get(_LAT, [])), _number(values.get(_LONG, []))
                if lat is not None and long is not None:
                    return (lat, long)
        return None

    net = nx.MultiDiGraph()
    named: set[str] = set()
    for subject in sorted(node_ids):
        values = literals.get(subject, {})
        cls = entities[subject]
        scheme = scheme_of(subject) if subject in is_concept else None
        out = out_links.get(subject, {})
        identifiers: dict[str, str] = {}
        properties: dict[str, tuple[str, ...]] = {}
        for predicate, objects in sorted(values.items()):
            if predicate in _IDENTIFIERS:
                identifiers[_IDENTIFIERS[predicate]] = sorted(objects)[0][0]
            elif predicate not in _HANDLED_LITERALS:
                properties[local_name(predicate)] = tuple(sorted(text for text, _ in objects))
        for predicate, objects in sorted(out.items()):
            targets = sorted(objects)
            if predicate in _IDENTIFIERS:
                identifiers[_IDENTIFIERS[predicate]] = targets[0]
            elif predicate == _QUANTITY_KIND:
                properties["quantityKind"] = tuple(label_of(t) for t in targets)
            elif predicate not in _PLUMBING and predicate not in (_THEME, _DISEASE_AREA):
                loose = [t for t in targets if t not in node_ids]
                if loose:
                    properties[local_name(predicate)] = tuple(
                        label_of(t) if t in literals else t for t in loose
                    )
        nation = nation_of(subject)
        for predicate in (_LOCATION, _THEME, _DISEASE_AREA, _SOURCE):
            named.update(out.get(predicate, ()))
        if nation is not None:
            named.add(nation)
        net.add_node(
            subject,
            label=label_of(subject),
            **{"class": "Concept" if scheme else local_name(cls)},
            class_iri=cls,
            class_label=_SCHEME_CLASS_LABELS.get(scheme or "", label_of(cls)),
            group=local_name(scheme) if scheme else local_name(cls),
            scheme=scheme,
            nation=nation,
            nation_label=label_of(nation) if nation is not None else None,
            location=tuple(sorted(out.get(_LOCATION, ()))),
            themes=tuple(sorted(out.get(_THEME, ()))),
            disease_areas=tuple(sorted(out.get(_DISEASE_AREA, ()))),
            description=_pick_text(values.get(_DESCRIPTION, [])),
            abbreviation=_pick_text(values.get(_ABBREVIATION, [])),
            evidence=tuple(sorted(text for text, _ in values.get(_EVIDENCE, []))),
            source=tuple(sorted(out.get(_SOURCE, ()))),
            identifiers=identifiers,
            lat=_number(values.get(_LAT, [])),
            long=_number(values.get(_LONG, [])),
            coordinates=coordinates_of(subject),
            properties=properties,
        )

    evidence = _statement_evidence(out_links, literals)
    predicate_labels: dict[str, str] = {}
    for s, p, o in links:
        if p in _PLUMBING or p in _IDENTIFIERS or s not in node_ids or o not in node_ids:
            continue
        if p not in predicate_labels:
            predicate_labels[p] = label_of(p)
        statement, quotes, sources = evidence.get((s, p, o), (None, (), ()))
        net.add_edge(
            s, o, key=p, predicate=p, name=local_name(p), label=predicate_labels[p],
            statement=statement, evidence=quotes, evidence_source=sources,
        )
        named.update(sources)
    for s, found in types.items():
        if _OBJECT_PROPERTY in found:
            predicate_labels.setdefault(s, label_of(s))

    class_iris = set(entities.values())
    net.graph.update(
        labels={iri: label_of(iri) for iri in sorted(named)},
        class_labels={
            c: label_of(c) for c in sorted({a for c in class_iris for a in ancestors(c)})
        },
        class_ancestors={c: ancestors(c) for c in sorted(class_iris)},
        predicate_labels=predicate_labels,
    )
    log.debug("network: %d nodes, %d edges", net.number_of_nodes(), net.number_of_edges())
    if classes is None and predicates is None and isolated:
        return net
    return filter_network(net, classes=classes, predicates=predicates, isolated=isolated)


def _match_names(given: Iterable[str], known: dict[str, str], what: str, option: str) -> set[str]:
    """IRIs in ``known`` (IRI → label) named by ``given``: IRIs, prefixed or local names, labels."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for iri, label in known.items():
        for key in (iri, local_name(iri), label):
            by_key[key.casefold()].add(iri)
    chosen: set[str] = set()
    for name in given:
        hits = by_key.get(expand_name(name.strip()).casefold())
        if not hits:
            choices = sorted({local_name(iri) for iri in known})
            close = difflib.get_close_matches(local_name(name), choices, n=3, cutoff=0.5)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else f"choose from {', '.join(choices)}"
            )
            raise ParameterError(f"{option} {name!r}: no such {what}; {hint}")
        chosen |= hits
    return chosen


def filter_network(
    net: nx.MultiDiGraph,
    *,
    classes: Iterable[str] | None = None,
    predicates: Iterable[str] | None = None,
    isolated: bool = True,
) -> nx.MultiDiGraph:
    """A copy of ``net`` with only the entities of ``classes`` and relationships ``predicates``.

    Names as for :func:`to_networkx`; a class keeps its sub-classes. ``isolated=False`` drops
    entities left without a relationship. Unknown names raise :class:`ParameterError`.
    """
    keep_nodes = set(net.nodes)
    if classes is not None:
        known = dict(net.graph.get("class_labels", {}))
        schemes = {d["scheme"] for _, d in net.nodes(data=True) if d.get("scheme")}
        for scheme in schemes:
            known[scheme] = _SCHEME_CLASS_LABELS.get(scheme, local_name(scheme))
        wanted = _match_names(list(classes), known, "class", "--classes")
        ancestors = net.graph.get("class_ancestors", {})
        keep_nodes = {
            n
            for n, d in net.nodes(data=True)
            if d.get("scheme") in wanted
            or wanted.intersection(ancestors.get(d["class_iri"], (d["class_iri"],)))
        }
    sub = net.subgraph(keep_nodes)
    if predicates is not None:
        wanted_p = _match_names(
            list(predicates),
            net.graph.get("predicate_labels", {}),
            "relationship",
            "--predicates",
        )
        sub = sub.edge_subgraph(
            (u, v, k) for u, v, k, p in sub.edges(keys=True, data="predicate") if p in wanted_p
        )
        out = nx.MultiDiGraph(sub)
        out.add_nodes_from((n, net.nodes[n]) for n in keep_nodes)
    else:
        out = nx.MultiDiGraph(sub)
    out.graph.update(net.graph)
    if not isolated:
        out.remove_nodes_from([n for n in list(out.nodes) if out.degree(n) == 0])
    return out


#: Quote characters a person may type for those in the data (Queen’s as Queen's).
_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
})


def _fold(name: str) -> str:
    """``name`` for matching: case folded, curly quotes and apostrophes made straight."""
    return name.casefold().translate(_QUOTES)


def _short(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def resolve_node(net: nx.MultiDiGraph, name_or_iri: str, *, option: str | None = None) -> str:
    """The node id of ``net`` named by an IRI, a prefixed name, a label, an abbreviation or a slug.

    Case does not matter for names, nor curly against straight quotes. A name (not an IRI)
    is logged at INFO with the entity it resolved to, after ``option`` (e.g. ``--focus``)
    when given. Raises :class:`ParameterError` with the closest names when nothing matches,
    or with the candidates' IRIs when a name is ambiguous.
    """
    given = name_or_iri.strip()
    iri = expand_name(given)
    if iri in net:
        return iri
    wanted = _fold(given)
    hits: set[str] = set()
    for key in ("label", "abbreviation"):
        hits = {n for n, value in net.nodes(data=key) if value and _fold(value) == wanted}
        if hits:
            break
    if not hits:
        hits = {n for n in net if _fold(local_name(n)) == wanted}
    if len(hits) == 1:
        found = hits.pop()
        said = f"{option} " if option else ""
        log.info('%s"%s" is %s (%s)', said, given, _short(found),
                 net.nodes[found].get("label") or local_name(found))
        return found
    if hits:
        listed = ", ".join(sorted(hits)[:5])
        raise ParameterError(f"{given!r} names {len(hits)} entities ({listed}); give the IRI")
    labels = {data.get("label") or n: n for n, data in net.nodes(data=True)}
    folded = {_fold(label): label for label in labels}
    close = [folded[k] for k in difflib.get_close_matches(wanted, list(folded), n=3, cutoff=0.4)]
    if not close:
        close = [folded[k] for k in folded if wanted in k][:3]
    hint = f"did you mean {'; '.join(close)}?" if close else "give a label or an IRI from the graph"
    raise ParameterError(f"no entity named {given!r}; {hint}")
