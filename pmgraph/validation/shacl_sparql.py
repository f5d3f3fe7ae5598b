"""A fast path for SHACL Core: shapes compiled to SPARQL and run on Oxigraph.

pyshacl is the reference validator, but it walks the data graph in Python: about 50 s and
2 GB for a million triples. The constraints the project's shapes use are all SHACL Core and
each one is a graph pattern, so :func:`compile_shapes` turns every (shape, constraint) pair
into one SPARQL query that Oxigraph answers in a fraction of that. Anything the compiler does
not understand raises :class:`UnsupportedShape`, and the caller falls back to pyshacl; a shape
is never half checked. ``tests/test_shacl_sparql.py`` proves the results equal pyshacl's.

Semantics follow SHACL as pyshacl implements it: a value that makes a comparison raise an
error counts as a failure (a test that can raise one is wrapped in ``COALESCE(..., false)``;
the others stay bare, since Virtuoso 7 refuses ``EXISTS`` inside ``COALESCE``), ``sh:in`` and
``sh:hasValue`` compare terms (``sameTerm``), not values, and counts are of distinct values.
Ill-typed literals are detected with Oxigraph's casts for ``xsd:date``, ``xsd:dateTime``,
``xsd:decimal``, ``xsd:integer`` and ``xsd:boolean``, and by lexical form and range for the
integer types derived from ``xsd:integer`` (``xsd:byte``, ``xsd:int``, ...).

Oxigraph holds numbers, booleans and dates by value: ``"5"^^xsd:int`` comes back as
``"5"^^xsd:integer``, ``"1.50"`` as ``"1.5"``. :func:`find_rewrites` tells which of the
data's literals a store holds in another form; given those, a check whose outcome depends on
the exact term (``sh:datatype`` when the datatype changed, ``sh:in``, ``sh:pattern``, counts
when two terms became one, ...) is refused rather than run, and the values the other checks
report are mapped back to the data's own terms. The W3C SHACL Core test suite
(``tests/test_w3c_shacl.py``) holds the engine to this: a test is passed or refused, never
answered wrongly.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection as AbcCollection
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH, XSD
from rdflib.term import Node

from pmgraph.query.engine import converter

RDFS_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
RDFS_CLASS = RDFS.Class
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_LANGSTRING = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")

# Datatypes whose lexical form is checked with an Oxigraph cast (others: datatype IRI only).
_CASTS = {XSD.date, XSD.dateTime, XSD.decimal, XSD.integer, XSD.boolean}
# The integer types derived from xsd:integer: (lowest, highest) value, None for no bound.
# A value of one of them is well formed when its lexical form is an integer in the range.
_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.long: (-(2**63), 2**63 - 1), XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1), XSD.byte: (-128, 127),
    XSD.nonNegativeInteger: (0, None), XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0), XSD.negativeInteger: (None, -1),
    XSD.unsignedLong: (0, 2**64 - 1), XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1), XSD.unsignedByte: (0, 255),
}
# XSD datatypes Oxigraph holds by value: a literal of one of them may come back from the
# store in another lexical form or datatype than it was written in.
STORE_REWRITES = frozenset({
    XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.dateTime, XSD.date,
    XSD.time, XSD.duration, XSD.dayTimeDuration, XSD.yearMonthDuration, XSD.gYear,
    XSD.gYearMonth, XSD.gMonth, XSD.gMonthDay, XSD.gDay, XSD.dateTimeStamp, *_INTEGER_RANGES,
})
# Constraints whose outcome depends only on a value node's value (or kind, or class), not
# on its exact lexical form or on which terms are distinct: safe on literals the store
# rewrote, once each reported value is mapped back to the term the data holds.
_VALUE_SAFE = {
    SH["class"], SH.nodeKind, SH.minInclusive, SH.maxInclusive, SH.minExclusive,
    SH.maxExclusive, SH.languageIn,
}
_XSD_TRUE = Literal("true", datatype=XSD.boolean)


def is_true(term: Node | None) -> bool:
    """``term`` is the literal ``"true"^^xsd:boolean`` as written (SHACL activates
    ``sh:uniqueLang`` and ``sh:deactivated`` with exactly that term, not with ``"1"``)."""
    return (isinstance(term, Literal) and term.datatype == XSD.boolean
            and str(term) == "true")

# Constraints tested on each value node; the others are tested once per focus node.
# Constraints whose test never raises an error on a bound value: term tests, EXISTS, and the
# conformance to other shapes (itself made of safe tests).
_ERROR_FREE = frozenset({SH["class"], SH.nodeKind, SH["in"], SH["or"], SH["and"], SH["not"],
                         SH.xone, SH.node})
_VALUE_COMPONENTS = {
    SH.datatype: "DatatypeConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
}
_FOCUS_COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
}
# Property pair constraints: the values of the path compared with those of another property.
_PAIR_COMPONENTS = {
    SH.equals: "EqualsConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
}
# Parameters that are not constraints of their own.
_IGNORED = {
    RDF.type, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.property, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.deactivated, SH.flags, SH.defaultValue,
}
_ANNOTATION_PREFIXES = (
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2002/07/owl#",
)


class UnsupportedShape(Exception):
    """The shapes use something the SPARQL compiler does not cover; use pyshacl instead."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query returning ``?focus`` (and ``?value`` for value checks)."""

    shape: Node
    component: str
    severity: URIRef
    message: str | None
    path: Node | None
    query: str
    #: For a minCount and a maxCount checked in one query: (min, max); each row's ``?count``
    #: tells which of the two it breaks.
    bounds: tuple[int, int] | None = None
    #: The predicate whose values the store may hold rewritten: each reported value is
    #: mapped back to the term(s) the data gives (see :class:`Rewrites`).
    remap: URIRef | None = None
    #: Literal target nodes the store evaluates in another form: (stored form, target).
    focus_map: tuple[tuple[Node, Node], ...] = ()
    #: Each row's ``?predicate`` is its result's path (sh:closed).
    path_var: bool = False


@dataclass(frozen=True)
class Rewrites:
    """Literals of the data that the store holds in another form (Oxigraph keeps numbers,
    booleans and dates by value: ``"5"^^xsd:int`` comes back as ``"5"^^xsd:integer``,
    ``"1.50"`` as ``"1.5"``, a language tag in lower case)."""

    #: Predicates with at least one rewritten literal as object.
    predicates: frozenset[Node]
    #: Whether two distinct terms of one subject and predicate became one in the store.
    merged: bool
    #: Predicates with a literal the store holds with another datatype (``xsd:int`` as
    #: ``xsd:integer``).
    retyped: frozenset[Node]
    #: (subject, predicate, term in the store) to the terms the data gives there.
    originals: Mapping[tuple[Node, Node, Node], tuple[Node, ...]]

    def __bool__(self) -> bool:
        return bool(self.predicates)


def _may_be_rewritten(term: Node) -> bool:
    if not isinstance(term, Literal):
        return False
    if term.language:
        return term.language != term.language.lower()
    return term.datatype in STORE_REWRITES


def store_forms(terms: Iterable[Node]) -> dict[Node, Node]:
    """The literals among ``terms`` that an Oxigraph store holds in another form, each
    with the form it holds (found by storing each in a scratch store and reading it back)."""
    from pmgraph.query.engine import to_oxigraph

    terms = [t for t in dict.fromkeys(terms) if _may_be_rewritten(t)]
    if not terms:
        return {}
    scratch = ox.Store()
    subject = ox.NamedNode("urn:pmgraph:scratch")
    scratch.extend(ox.Quad(subject, ox.NamedNode(f"urn:pmgraph:{i}"), to_oxigraph(term))
                   for i, term in enumerate(terms))
    convert = converter()
    stored: dict[Node, Node] = {}
    for quad in scratch:
        term = terms[int(quad.predicate.value.rsplit(":", 1)[1])]
        back = convert(quad.object)
        if (str(back), back.datatype, back.language) != (
                str(term), term.datatype, term.language):
            stored[term] = back
    return stored


def find_rewrites(graph: Graph) -> Rewrites:
    """Which literals of ``graph`` an Oxigraph store would hold in another form.

    Only literals of the datatypes Oxigraph keeps by value (and language-tagged strings)
    are tried, each once, in a scratch store: the cost grows with the number of distinct
    such literals, not with the size of the data.
    """
    candidates: dict[Node, list[tuple[Node, Node]]] = {}
    for s, p, o in graph:
        if _may_be_rewritten(o):
            candidates.setdefault(o, []).append((s, p))
    if not candidates:
        return Rewrites(frozenset(), False, frozenset(), {})
    stored = store_forms(candidates)
    originals: dict[tuple[Node, Node, Node], list[Node]] = {}
    predicates, retyped = set(), set()
    for term, back in stored.items():
        for s, p in candidates[term]:
            predicates.add(p)
            if back.datatype != term.datatype:
                retyped.add(p)
            originals.setdefault((s, p, back), []).append(term)
    merged = False
    for (s, p, back), found in originals.items():
        if (s, p, back) in graph:
            found.append(back)  # the stored form is also one of the data's own terms
        merged = merged or len(found) > 1
    return Rewrites(frozenset(predicates), merged, frozenset(retyped),
                    {key: tuple(found) for key, found in originals.items()})


@dataclass(frozen=True)
class Result:
    """One validation result, as pyshacl would report it."""

    focus: Node
    path: Node | None
    value: Node | None
    component: str
    severity: URIRef
    shape: Node
    message: str | None


def _n3(term: Node) -> str:
    if isinstance(term, BNode):
        raise UnsupportedShape("a blank node used as a value in a shape")
    return term.n3()


def _same_term(v: str, term: Node) -> str:
    """``sameTerm(v, term)`` written so that Virtuoso 7 answers it rightly too: it evaluates
    ``sameTerm`` under ``||`` wrongly (an ``sh:in`` list flagged allowed values). An IRI is
    compared with ``=`` (term equality for IRIs), a plain string by its lexical form and
    datatype; other literals keep ``sameTerm``."""
    if isinstance(term, URIRef):
        return f"(isIRI({v}) && {v} = {_n3(term)})"
    if isinstance(term, Literal) and not term.language and term.datatype in (None, XSD.string):
        return (f"(isLiteral({v}) && datatype({v}) = {XSD.string.n3()} "
                f"&& STR({v}) = {Literal(str(term)).n3()})")
    return f"sameTerm({v}, {_n3(term)})"


class _Compiler:
    def __init__(
        self, shapes: Graph, subclasses: Mapping[URIRef, AbcCollection[URIRef]] | None = None,
        rewrites: Rewrites | None = None,
    ) -> None:
        self.g = shapes
        self.subclasses = subclasses
        self.rewrites = rewrites if rewrites else None
        self.focus_map: tuple[tuple[Node, Node], ...] = ()
        # Constraint components the shapes declare (SHACL-SPARQL) may take any predicate as
        # a parameter; without them, a predicate outside sh: is no constraint.
        self.custom_components = (None, SH.parameter, None) in shapes or (
            None, RDF.type, SH.ConstraintComponent) in shapes
        self._names = itertools.count()

    def tree(self, shape: Node, seen: set | None = None) -> Iterator[tuple[Node, URIRef, Node]]:
        """Every (shape, parameter, value) of ``shape`` and of the shapes nested in it."""
        seen = set() if seen is None else seen
        if shape in seen:
            return
        seen.add(shape)
        for prop, obj in self.g.predicate_objects(shape):
            yield shape, prop, obj
            if prop in (SH.node, SH["not"], SH.property, SH.qualifiedValueShape):
                yield from self.tree(obj, seen)
            elif prop in (SH["or"], SH["and"], SH.xone):
                for member in Collection(self.g, obj):
                    yield from self.tree(member, seen)

    def path_predicates(self, node: Node | None) -> set[Node]:
        """The predicates a path expression follows."""
        if node is None:
            return set()
        if isinstance(node, URIRef):
            return {node}
        found: set[Node] = set()
        for _, o in self.g.predicate_objects(node):
            if o != RDF.nil:
                found |= self.path_predicates(o)
        return found

    def check_rewrites(self, shape: Node, path_node: Node | None) -> URIRef | None:
        """Refuse ``shape`` when a constraint in it would look at literals the store
        rewrote in a way that changes its outcome; otherwise the predicate whose values
        are to be mapped back to the data's terms (None when nothing was rewritten)."""
        rewrites = self.rewrites
        if rewrites is None:
            return None
        # A node shape's property shapes are checks of their own (see ``checks``).
        seen = set(self.g.objects(shape, SH.property)) if path_node is None else set()
        triples = list(self.tree(shape, seen))
        touched = set()
        for _, prop, obj in triples:
            if prop == SH.path:
                touched |= self.path_predicates(obj)
            elif prop in _PAIR_COMPONENTS:
                touched.add(obj)
        touched &= rewrites.predicates
        if not touched:
            return None
        allowed = _VALUE_SAFE | {SH["or"], SH["and"], SH["not"], SH.xone, SH.node, SH.property,
                                 SH.closed}
        if not rewrites.merged:
            allowed |= {SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedMinCount,
                        SH.qualifiedMaxCount}
        if not touched & rewrites.retyped:
            allowed.add(SH.datatype)  # same datatype, and only well-formed values are rewritten
        for _, prop, _obj in triples:
            constraint = prop in _VALUE_COMPONENTS or prop in _FOCUS_COMPONENTS or prop in (
                SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.closed)
            if (constraint or prop in _PAIR_COMPONENTS) and prop not in allowed:
                name = str(prop).rsplit("#", 1)[-1]
                raise UnsupportedShape(
                    f"sh:{name} on values of {', '.join(sorted(map(str, touched)))} "
                    "that the store holds in another form than the data gives")
        if path_node is None:
            return None
        if not isinstance(path_node, URIRef):
            raise UnsupportedShape(
                f"a path through {', '.join(sorted(map(str, touched)))}, whose literal values "
                "the store holds in another form than the data gives")
        return path_node

    def var(self) -> str:
        return f"?v{next(self._names)}"

    def instance_of(self, v: str, cls: Node, *, bound: bool) -> str:
        """A pattern matching ``v`` typed with ``cls`` or one of its subclasses; ``bound``
        says whether ``v`` is already bound where the pattern is evaluated (a value test)
        or is to be found (a target)."""
        members = self.subclasses.get(cls) if self.subclasses is not None else None
        if members is None or isinstance(cls, BNode):
            return f"{v} {RDF_TYPE}/{RDFS_SUBCLASS}* {_n3(cls)}"
        # With the subclasses listed, Oxigraph looks types up instead of walking
        # rdfs:subClassOf* for every value, many times faster on large graphs.
        t = self.var()
        listed = sorted({cls, *members}, key=str)
        if bound:
            return f"{v} {RDF_TYPE} {t} FILTER({t} IN ({', '.join(map(_n3, listed))}))"
        return f"VALUES {t} {{ {' '.join(map(_n3, listed))} }} {v} {RDF_TYPE} {t}"

    def type_set(self, shape: Node, seen: frozenset = frozenset()) -> frozenset[URIRef] | None:
        """The classes a node must be typed with (one of them) to conform to ``shape``, when
        that is all ``shape`` tests: a node shape whose one constraint is ``sh:class C``
        (C and its subclasses listed) or ``sh:or`` of such shapes. None for any other shape
        (a deactivated one, one with a path, property shapes or other constraints, a class
        whose subclasses are not listed), which is then compiled constraint by constraint."""
        g = self.g
        if self.subclasses is None or shape in seen or isinstance(shape, Literal):
            return None
        if (shape, SH.deactivated, None) in g or (shape, SH.path, None) in g or (
                shape, SH.property, None) in g:
            return None
        constraints = list(self.constraints(shape))
        if len(constraints) != 1:
            return None
        prop, obj = constraints[0]
        if prop == SH["class"]:
            members = self.subclasses.get(obj) if isinstance(obj, URIRef) else None
            return None if members is None else frozenset({obj, *members})
        if prop == SH["or"]:
            found: set[URIRef] = set()
            for member in Collection(g, obj):
                classes = self.type_set(member, seen | {shape})
                if classes is None:
                    return None
                found |= classes
            return frozenset(found)
        return None

    def type_sets(self, members: Node) -> list[frozenset[URIRef]] | None:
        """:meth:`type_set` of each shape of the list ``members``; None unless all have one."""
        found = []
        for member in Collection(self.g, members):
            classes = self.type_set(member)
            if classes is None:
                return None
            found.append(classes)
        return found

    def typed(self, v: str, classes: Iterable[URIRef]) -> str:
        """True when ``v`` is a resource typed with one of ``classes``: the ``sh:class`` test
        (see :meth:`value_expr`) for several classes at once."""
        t = self.var()
        listed = ", ".join(map(_n3, sorted(classes, key=str)))
        return f"EXISTS {{ {v} {RDF_TYPE} {t} FILTER({t} IN ({listed})) FILTER(!isLiteral({v})) }}"

    def xone_query(self, focus: str, sets: list[frozenset[URIRef]]) -> str:
        """A node shape's ``sh:xone`` of shapes that each test a node's classes
        (:meth:`type_set`): the focus nodes whose types meet not exactly one of them. One
        look at each node's types, not one ``EXISTS`` a member: the members a node conforms
        to are counted as the distinct members its types belong to (a node typed with no
        listed class, or a literal, conforms to none)."""
        t, b = self.var(), self.var()
        rows = " ".join(f"({_n3(cls)} {i})" for i, classes in enumerate(sets)
                        for cls in sorted(classes, key=str))
        return (f"SELECT ?focus (?focus AS ?value) WHERE {{ {focus} OPTIONAL {{ "
                f"?focus {RDF_TYPE} {t} . VALUES ({t} {b}) {{ {rows} }} }} }} "
                f"GROUP BY ?focus HAVING (COUNT(DISTINCT {b}) != 1)")

    # -- paths ---------------------------------------------------------------------------
    def path(self, node: Node) -> str:
        g = self.g
        if isinstance(node, URIRef):
            return _n3(node)
        forms = [k for k in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath,
                             SH.zeroOrOnePath, SH.alternativePath, RDF.first)
                 if (node, k, None) in g]
        if len(forms) > 1:
            raise UnsupportedShape(f"an ill-formed sh:path {node} (both {forms[0]} and {forms[1]})")
        inverse = g.value(node, SH.inversePath)
        if inverse is not None:
            return f"^({self.path(inverse)})"
        for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                             (SH.zeroOrOnePath, "?")):
            inner = g.value(node, prop)
            if inner is not None:
                return f"({self.path(inner)}){suffix}"
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in Collection(g, alternatives)) + ")"
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(p) for p in Collection(g, node)) + ")"
        raise UnsupportedShape(f"unsupported sh:path {node}")

    # -- value-node tests as SPARQL expressions -----------------------------------------
    def value_expr(self, prop: URIRef, obj: Node, shape: Node, v: str) -> str:
        g = self.g
        if prop == SH.datatype:
            if obj == RDF_LANGSTRING:
                return f"(isLiteral({v}) && lang({v}) != \"\")"
            test = f"(isLiteral({v}) && datatype({v}) = {_n3(obj)})"
            if obj in _CASTS:
                test = f"({test} && isLiteral({_n3(obj)}(STR({v}))))"
            elif obj in _INTEGER_RANGES:
                low, high = _INTEGER_RANGES[obj]
                number = f"{XSD.integer.n3()}(STR({v}))"
                test = f"({test} && REGEX(STR({v}), \"^[+-]?[0-9]+$\")"
                if low is not None:
                    test += f" && {number} >= {low}"
                if high is not None:
                    test += f" && {number} <= {high}"
                test += ")"
            return test
        if prop == SH["class"]:
            # One EXISTS, the literal test inside: Virtuoso 7 refuses (SQ074) some boolean
            # combinations of EXISTS with other tests inside a function call.
            return (f"EXISTS {{ {self.instance_of(v, obj, bound=True)} "
                    f"FILTER(!isLiteral({v})) }}")
        if prop == SH.nodeKind:
            kinds = {
                SH.IRI: f"isIRI({v})", SH.BlankNode: f"isBlank({v})",
                SH.Literal: f"isLiteral({v})", SH.BlankNodeOrIRI: f"!isLiteral({v})",
                SH.BlankNodeOrLiteral: f"!isIRI({v})", SH.IRIOrLiteral: f"!isBlank({v})",
            }
            return f"({kinds[obj]})"
        if prop == SH.pattern:
            flags = g.value(shape, SH.flags)
            args = f"STR({v}), {Literal(str(obj)).n3()}"
            if flags is not None:
                args += f", {Literal(str(flags)).n3()}"
            return f"(!isBlank({v}) && REGEX({args}))"
        if prop == SH["in"]:
            members = [_same_term(v, m) for m in Collection(g, obj)]
            return "(" + (" || ".join(members) or "false") + ")"
        if prop == SH.languageIn:
            tags = [f"langMatches(lang({v}), {Literal(str(t)).n3()})" for t in Collection(g, obj)]
            return f"(lang({v}) != \"\" && (" + (" || ".join(tags) or "false") + "))"
        comparisons = {SH.minInclusive: ">=", SH.maxInclusive: "<=",
                       SH.minExclusive: ">", SH.maxExclusive: "<"}
        if prop in comparisons:
            return f"({v} {comparisons[prop]} {_n3(obj)})"
        if prop == SH.minLength:
            return f"(!isBlank({v}) && STRLEN(STR({v})) >= {int(obj)})"
        if prop == SH.maxLength:
            return f"(!isBlank({v}) && STRLEN(STR({v})) <= {int(obj)})"
        if prop == SH["or"]:
            sets = self.type_sets(obj)
            if sets:  # shapes that each test a node's classes: one look at its types
                return self.typed(v, frozenset().union(*sets))
            # Not one of them fails (the same under SPARQL's error rules as a || b): Virtuoso 7
            # refuses EXISTS under || inside a function call, such as an sh:xone's count.
            members = [f"!{self.conforms(s, v)}" for s in Collection(g, obj)]
            return "(!(" + (" && ".join(members) or "true") + "))"
        if prop == SH["and"]:
            members = [self.conforms(s, v) for s in Collection(g, obj)]
            return "(" + (" && ".join(members) or "true") + ")"
        if prop == SH["not"]:
            return f"(!{self.conforms(obj, v)})"
        if prop == SH.xone:
            # A cast, not IF(test, 1, 0): Virtuoso 7 refuses EXISTS inside IF (SQ074).
            ones = [f"{XSD.integer.n3()}({self.conforms(s, v)})" for s in Collection(g, obj)]
            return "((" + (" + ".join(ones) or "0") + ") = 1)"
        if prop == SH.node:
            return self.conforms(obj, v)
        raise UnsupportedShape(f"unsupported constraint {prop}")

    def safe(self, expr: str, prop: Node | None = None) -> str:
        """``expr``, the test of constraint ``prop``, false where it would raise an error.
        Tests that cannot raise one (``EXISTS``, ``sameTerm``, ``isIRI``... on bound values,
        and other shapes' conformance) stay bare: Virtuoso 7 refuses ``EXISTS`` inside
        ``COALESCE`` (SQ074), and an ``sh:class`` test is an ``EXISTS``."""
        if prop in _ERROR_FREE:
            return expr
        return f"COALESCE({expr}, false)"

    def constraints(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        for prop, obj in self.g.predicate_objects(shape):
            if prop in _IGNORED or str(prop).startswith(_ANNOTATION_PREFIXES):
                continue
            if not str(prop).startswith(str(SH)) and not self.custom_components:
                continue  # not a SHACL parameter, and no component declares it as one
            if prop in _VALUE_COMPONENTS or prop in _FOCUS_COMPONENTS or prop in _PAIR_COMPONENTS:
                yield prop, obj
            elif prop == SH.closed:
                if is_true(obj):
                    yield prop, obj
                elif obj != Literal("false", datatype=XSD.boolean):
                    raise UnsupportedShape(f"sh:closed {obj} on shape {shape}")
            elif prop == SH.ignoredProperties:
                continue  # read with sh:closed
            elif prop in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                yield prop, obj
            elif prop in (SH.qualifiedValueShape, SH.qualifiedValueShapesDisjoint):
                continue  # read with sh:qualifiedMinCount / sh:qualifiedMaxCount
            elif prop in (SH.languageIn,):
                yield prop, obj
            else:
                raise UnsupportedShape(f"unsupported constraint {prop} on shape {shape}")

    def conforms(self, shape: Node, v: str) -> str:
        """An expression that is true when the node in ``v`` conforms to ``shape``."""
        if is_true(self.g.value(shape, SH.deactivated)):
            return "true"
        parts = []
        path_node = self.g.value(shape, SH.path)
        if path_node is not None:
            # property_ok covers the shape's own sh:property shapes too
            parts.append(self.property_ok(shape, path_node, v))
        else:
            for prop, obj in self.constraints(shape):
                if prop in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                    raise UnsupportedShape(f"{prop} on a node shape")
                if prop == SH.hasValue:  # a node shape's only value node is the node itself
                    parts.append(_same_term(v, obj))
                    continue
                if prop == SH.closed:
                    pred, other = self.var(), self.var()
                    parts.append(f"NOT EXISTS {{ {v} {pred} {other} "
                                 f"{self.closed_filter(shape, pred)} }}")
                    continue
                if prop in _FOCUS_COMPONENTS:
                    raise UnsupportedShape(f"{prop} on a node shape")
                parts.append(self.safe(self.value_expr(prop, obj, shape, v), prop))
            for prop_shape in self.g.objects(shape, SH.property):
                parts.append(self.property_ok(prop_shape, self.g.value(prop_shape, SH.path), v))
        return "(" + (" && ".join(parts) or "true") + ")"

    def property_ok(self, shape: Node, path_node: Node, x: str) -> str:
        if is_true(self.g.value(shape, SH.deactivated)):
            return "true"
        if path_node is None:
            raise UnsupportedShape(f"property shape {shape} without sh:path")
        p = self.path(path_node)
        parts = []
        for prop, obj in self.constraints(shape):
            if prop in (SH.closed, SH.qualifiedMinCount, SH.qualifiedMaxCount):
                name = str(prop).rsplit("#", 1)[-1]
                raise UnsupportedShape(f"sh:{name} in a nested shape ({shape})")
            if prop == SH.minCount:
                n = int(obj)
                if n > 1:
                    raise UnsupportedShape("sh:minCount above 1 inside sh:node / sh:or")
                if n == 1:
                    parts.append(f"EXISTS {{ {x} {p} {self.var()} }}")
            elif prop == SH.maxCount:
                n = int(obj)
                if n > 1:
                    raise UnsupportedShape("sh:maxCount above 1 inside sh:node / sh:or")
                a, b = self.var(), self.var()
                if n == 0:
                    parts.append(f"NOT EXISTS {{ {x} {p} {a} }}")
                else:
                    parts.append(f"NOT EXISTS {{ {x} {p} {a} . {x} {p} {b} "
                                 f"FILTER(!sameTerm({a}, {b})) }}")
            elif prop == SH.hasValue:
                parts.append(f"EXISTS {{ {x} {p} {_n3(obj)} }}")
            elif prop == SH.uniqueLang:
                if is_true(obj):
                    a, b = self.var(), self.var()
                    parts.append(
                        f"NOT EXISTS {{ {x} {p} {a} . {x} {p} {b} FILTER(!sameTerm({a}, {b}) "
                        f"&& lang({a}) != \"\" && LCASE(lang({a})) = LCASE(lang({b}))) }}")
            else:
                y = self.var()
                test = self.safe(self.value_expr(prop, obj, shape, y), prop)
                parts.append(f"NOT EXISTS {{ {x} {p} {y} FILTER(!{test}) }}")
        for nested in self.g.objects(shape, SH.property):
            y = self.var()
            inner = self.property_ok(nested, self.g.value(nested, SH.path), y)
            parts.append(f"NOT EXISTS {{ {x} {p} {y} FILTER(!{inner}) }}")
        return "(" + (" && ".join(parts) or "true") + ")"

    # -- top-level checks ---------------------------------------------------------------
    def targets(self, shape: Node) -> str | None:
        g = self.g
        blocks = []
        for cls in g.objects(shape, SH.targetClass):
            blocks.append(f"{{ {self.instance_of('?focus', cls, bound=False)} }}")
        targets = list(g.objects(shape, SH.targetNode))
        self.focus_map = self.literal_targets(shape, targets)
        for node in targets:
            blocks.append(f"{{ BIND({_n3(node)} AS ?focus) }}")
        for prop in g.objects(shape, SH.targetSubjectsOf):
            blocks.append(f"{{ ?focus {_n3(prop)} [] }}")
        for prop in g.objects(shape, SH.targetObjectsOf):
            if self.rewrites is not None and prop in self.rewrites.predicates:
                raise UnsupportedShape(
                    f"sh:targetObjectsOf {prop}, whose literal values the store rewrote")
            blocks.append(f"{{ [] {_n3(prop)} ?focus }}")
        if is_class(g, shape):  # an implicit class target: the shape is also a class
            blocks.append(f"{{ {self.instance_of('?focus', shape, bound=False)} }}")
        if not blocks:
            return None
        return "SELECT DISTINCT ?focus WHERE { " + " UNION ".join(blocks) + " }"

    def qualified(self, shape: Node) -> str:
        """The test a value of ``shape`` passes to count for its qualified counts: it
        conforms to the qualified value shape and, with ``sh:qualifiedValueShapesDisjoint``,
        to none of its siblings' (those of the other property shapes of its parents)."""
        g = self.g
        own = g.value(shape, SH.qualifiedValueShape)
        if own is None:
            raise UnsupportedShape(f"qualified counts without sh:qualifiedValueShape on {shape}")
        test = self.conforms(own, "?value")  # cannot raise an error
        flag = g.value(shape, SH.qualifiedValueShapesDisjoint)
        if flag is not None and not is_true(flag):
            if flag != Literal("false", datatype=XSD.boolean):
                raise UnsupportedShape(f"sh:qualifiedValueShapesDisjoint {flag} on {shape}")
            flag = None
        if flag is not None:
            siblings = {
                sibling_shape
                for parent in g.subjects(SH.property, shape)
                for sibling in g.objects(parent, SH.property) if sibling != shape
                for sibling_shape in g.objects(sibling, SH.qualifiedValueShape)
            }
            for sibling in sorted(siblings, key=str):
                test += f" && !{self.conforms(sibling, '?value')}"
        return test

    def closed_filter(self, shape: Node, pred: str) -> str:
        """A filter keeping the predicates a closed ``shape`` does not allow: those of its
        property shapes' IRI paths and its ``sh:ignoredProperties``."""
        g = self.g
        allowed = {g.value(prop_shape, SH.path) for prop_shape in g.objects(shape, SH.property)}
        for ignored in g.objects(shape, SH.ignoredProperties):
            allowed.update(Collection(g, ignored))
        listed = sorted((a for a in allowed if isinstance(a, URIRef)), key=str)
        if not listed:
            return ""
        return f"FILTER({pred} NOT IN ({', '.join(map(_n3, listed))}))"

    def literal_targets(self, shape: Node, targets: list[Node]) -> tuple[tuple[Node, Node], ...]:
        """Oxigraph evaluates a literal in a query in its stored form (``"4.0"`` as ``"4"``):
        the (stored form, target) pairs to map reported focus nodes back with. Refuses the
        shape when the stored forms are ambiguous or a constraint would see the difference."""
        forms = store_forms(targets)
        if not forms:
            return ()
        refuse = f"a literal sh:targetNode of {shape} that the store holds in another form"
        stored = list(forms.values())
        if len(set(stored)) < len(stored) or set(stored) & set(targets):
            raise UnsupportedShape(refuse)
        allowed = set(_VALUE_SAFE)
        if all(back.datatype == term.datatype for term, back in forms.items()):
            allowed.add(SH.datatype)
        for prop, _ in self.constraints(shape):
            if prop not in allowed:
                raise UnsupportedShape(refuse)
        if (shape, SH.property, None) in self.g or (shape, SH.path, None) in self.g:
            raise UnsupportedShape(refuse)
        return tuple((back, term) for term, back in forms.items())

    def pair_query(self, prop: URIRef, other: Node, focus: str, p: str | None) -> str:
        """A property pair check: ``?value`` (the path's values, or the focus node for a
        node shape) compared with the values of ``other``; one row per result."""
        q = _n3(other)
        if p is None:  # a node shape: its only value node is the focus node
            if prop == SH.equals:  # each branch finds the focus nodes: BIND sees its group only
                return (f"SELECT ?focus ?value WHERE {{ {{ {focus} "
                        f"FILTER NOT EXISTS {{ ?focus {q} ?focus }} BIND(?focus AS ?value) }} "
                        f"UNION {{ {focus} ?focus {q} ?value "
                        f"FILTER(!sameTerm(?value, ?focus)) }} }}")
            return (f"SELECT ?focus (?focus AS ?value) WHERE {{ {focus} "
                    f"FILTER EXISTS {{ ?focus {q} ?focus }} }}")
        if prop == SH.equals:
            return (f"SELECT DISTINCT ?focus ?value WHERE {{ {focus} "
                    f"{{ ?focus {p} ?value FILTER NOT EXISTS {{ ?focus {q} ?value }} }} UNION "
                    f"{{ ?focus {q} ?value FILTER NOT EXISTS {{ ?focus {p} ?value }} }} }}")
        if prop == SH.disjoint:
            return (f"SELECT DISTINCT ?focus ?value WHERE {{ {focus} "
                    f"?focus {p} ?value . ?focus {q} ?value }}")
        # One result per pair that is not in order or cannot be compared.
        op = "<" if prop == SH.lessThan else "<="
        return (f"SELECT DISTINCT ?focus ?value ?other WHERE {{ {focus} ?focus {p} ?value . "
                f"?focus {q} ?other FILTER(!COALESCE(?value {op} ?other, false)) }}")

    def checks(self, shape: Node, focus_select: str) -> Iterator[Check]:
        g = self.g
        if is_true(g.value(shape, SH.deactivated)):
            return
        severity = g.value(shape, SH.severity) or SH.Violation
        message = g.value(shape, SH.message)
        message = str(message) if message is not None else None
        path_node = g.value(shape, SH.path)
        focus = f"{{ {focus_select} }}"
        remap = self.check_rewrites(shape, path_node)
        if path_node is None:
            for prop, obj in self.constraints(shape):
                if prop in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.lessThan,
                            SH.lessThanOrEquals, SH.qualifiedMinCount, SH.qualifiedMaxCount):
                    raise UnsupportedShape(f"{prop} on node shape {shape}")
                if prop in _PAIR_COMPONENTS:
                    yield Check(shape, _PAIR_COMPONENTS[prop], severity, message, None,
                                self.pair_query(prop, obj, focus, None))
                    continue
                if prop == SH.closed:  # one result per triple with a predicate not allowed
                    yield Check(shape, "ClosedConstraintComponent", severity, message, None,
                                f"SELECT ?focus ?value ?predicate WHERE {{ {focus} "
                                f"?focus ?predicate ?value "
                                f"{self.closed_filter(shape, '?predicate')} }}",
                                path_var=True)
                    continue
                if prop == SH.xone and (sets := self.type_sets(obj)):
                    yield Check(shape, _VALUE_COMPONENTS[prop], severity, message, None,
                                self.xone_query(focus, sets))
                    continue
                if prop == SH.hasValue:  # reported without sh:value (as the W3C suite has it)
                    yield Check(shape, _FOCUS_COMPONENTS[prop], severity, message, None,
                                f"SELECT ?focus WHERE {{ {focus} "
                                f"FILTER(!{_same_term('?focus', obj)}) }}")
                    continue
                test = self.safe(self.value_expr(prop, obj, shape, "?focus"), prop)
                yield Check(shape, _VALUE_COMPONENTS[prop], severity, message, None,
                            f"SELECT ?focus (?focus AS ?value) WHERE {{ {focus} FILTER(!{test}) }}")
            for prop_shape in g.objects(shape, SH.property):
                yield from self.checks(prop_shape, focus_select)
            return
        p = self.path(path_node)
        constraints = list(self.constraints(shape))
        if any(prop == SH.closed for prop, _ in constraints):
            raise UnsupportedShape(f"sh:closed on property shape {shape}")
        counts = {prop: int(obj) for prop, obj in constraints if prop in (SH.minCount, SH.maxCount)}
        if len(counts) == 2 and sum(prop in counts for prop, _ in constraints) == 2:
            # Both counts in one query: the focus nodes are found once, not twice.
            low, high = counts[SH.minCount], counts[SH.maxCount]
            query = (f"SELECT ?focus (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {focus} "
                     f"OPTIONAL {{ ?focus {p} ?value }} }} GROUP BY ?focus "
                     f"HAVING (COUNT(DISTINCT ?value) < {low} || COUNT(DISTINCT ?value) > {high})")
            yield Check(shape, "MinCountConstraintComponent", severity, message, path_node,
                        query, bounds=(low, high), remap=remap)
            constraints = [(prop, obj) for prop, obj in constraints if prop not in counts]
        for prop, obj in constraints:
            component = (_VALUE_COMPONENTS.get(prop) or _FOCUS_COMPONENTS.get(prop)
                         or _PAIR_COMPONENTS.get(prop, ""))
            if prop in _PAIR_COMPONENTS:
                query = self.pair_query(prop, obj, focus, p)
            elif prop in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                component = ("QualifiedMinCountConstraintComponent"
                             if prop == SH.qualifiedMinCount
                             else "QualifiedMaxCountConstraintComponent")
                test = self.qualified(shape)
                op = "<" if prop == SH.qualifiedMinCount else ">"
                query = (f"SELECT ?focus WHERE {{ {focus} OPTIONAL {{ ?focus {p} ?value "
                         f"FILTER({test}) }} }} GROUP BY ?focus "
                         f"HAVING (COUNT(DISTINCT ?value) {op} {int(obj)})")
            elif prop == SH.minCount:
                query = (f"SELECT ?focus WHERE {{ {focus} OPTIONAL {{ ?focus {p} ?value }} }} "
                         f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) < {int(obj)})")
            elif prop == SH.maxCount:
                query = (f"SELECT ?focus WHERE {{ {focus} ?focus {p} ?value }} "
                         f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) > {int(obj)})")
            elif prop == SH.hasValue:
                query = (f"SELECT ?focus WHERE {{ {focus} "
                         f"FILTER NOT EXISTS {{ ?focus {p} {_n3(obj)} }} }}")
            elif prop == SH.uniqueLang:
                if not is_true(obj):
                    continue
                query = (f"SELECT DISTINCT ?focus ?lang WHERE {{ {focus} ?focus {p} ?a . "
                         f"?focus {p} ?b FILTER(!sameTerm(?a, ?b) && lang(?a) != \"\" "
                         f"&& LCASE(lang(?a)) = LCASE(lang(?b))) BIND(LCASE(lang(?a)) AS ?lang) }}")
            else:
                test = self.safe(self.value_expr(prop, obj, shape, "?value"), prop)
                query = (f"SELECT DISTINCT ?focus ?value WHERE {{ {focus} ?focus {p} ?value "
                         f"FILTER(!{test}) }}")
            yield Check(shape, component, severity, message, path_node, query, remap=remap)
        for nested in g.objects(shape, SH.property):
            raise UnsupportedShape(f"nested property shape {nested} under {shape}")


def _class_types(shapes: Graph) -> set[Node]:
    # owl:Class is a subclass of rdfs:Class in OWL's own vocabulary, which shapes rarely
    # repeat; pyshacl is given that triple too (see pmgraph.validation.validate).
    return {RDFS_CLASS, OWL.Class, *shapes.subjects(RDFS.subClassOf, RDFS_CLASS)}


def is_class(shapes: Graph, node: Node) -> bool:
    """``node`` is a class in ``shapes`` (typed ``rdfs:Class``, ``owl:Class`` or a subclass
    of ``rdfs:Class`` there), so a shape that is ``node`` targets its instances (an implicit
    class target)."""
    types = _class_types(shapes)
    return any(t in types for t in shapes.objects(node, RDF.type))


def _implicit_class_shapes(shapes: Graph) -> set[Node]:
    """Classes of ``shapes`` that are also shapes: typed as one, or with a shape parameter."""
    parameters = {*_VALUE_COMPONENTS, *_FOCUS_COMPONENTS, SH.property, SH.path, SH.closed}
    found = set()
    for cls_type in _class_types(shapes):
        for node in shapes.subjects(RDF.type, cls_type):
            if any((node, prop, None) in shapes for prop in parameters) or any(
                    (node, RDF.type, t) in shapes for t in (SH.NodeShape, SH.PropertyShape)):
                found.add(node)
    return found


def shape_classes(shapes: Graph) -> frozenset[URIRef]:
    """The classes ``shapes`` test membership of (``sh:class``, ``sh:targetClass`` and
    shapes that are classes)."""
    named = {c for prop in (SH["class"], SH.targetClass) for c in shapes.objects(None, prop)}
    return frozenset(c for c in named | _implicit_class_shapes(shapes) if isinstance(c, URIRef))


def subclass_closure(
    store: ox.Store, classes: Iterable[URIRef], *, union_default_graph: bool = False
) -> dict[URIRef, frozenset[URIRef]]:
    """Each class with its direct and indirect subclasses (``rdfs:subClassOf*``) in ``store``."""
    classes = sorted(set(classes), key=str)
    closure: dict[URIRef, set[URIRef]] = {c: {c} for c in classes}
    if not classes:
        return {}
    values = " ".join(_n3(c) for c in classes)
    query = (f"SELECT ?sub ?class WHERE {{ VALUES ?class {{ {values} }} "
             f"?sub {RDFS_SUBCLASS}* ?class }}")
    opaque = set()  # classes with a blank-node subclass: those keep the path form
    for row in store.query(query, use_default_graph_as_union=union_default_graph):
        cls = URIRef(row["class"].value)
        if isinstance(row["sub"], ox.NamedNode):
            closure[cls].add(URIRef(row["sub"].value))
        else:
            opaque.add(cls)
    return {c: frozenset(members) for c, members in closure.items() if c not in opaque}


def compile_shapes(
    shapes: Graph, subclasses: Mapping[URIRef, AbcCollection[URIRef]] | None = None,
    rewrites: Rewrites | None = None,
) -> tuple[Check, ...]:
    """Compile every targeted shape of ``shapes`` into SPARQL checks.

    ``subclasses`` (see :func:`subclass_closure`) lists each class's subclasses in the data,
    so that class tests need not walk ``rdfs:subClassOf*``; the checks are then valid only
    for data with that class hierarchy.

    ``rewrites`` (see :func:`find_rewrites`) names the data's literals the store holds in
    another form: a check whose outcome would change with that form is refused, and the
    values the others report are mapped back to the data's own terms.

    Raises :class:`UnsupportedShape` when any shape uses a feature outside the covered
    part of SHACL Core (SPARQL constraints, qualified counts, property pairs, ...).
    """
    compiler = _Compiler(shapes, subclasses, rewrites)
    checks: list[Check] = []
    candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)) | _implicit_class_shapes(shapes)
    for prop in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        candidates |= set(shapes.subjects(prop, None))
    for shape in sorted(candidates, key=str):
        focus_select = compiler.targets(shape)
        if focus_select is None:
            continue
        focus_map = compiler.focus_map
        checks.extend(replace(check, focus_map=focus_map) if focus_map else check
                      for check in compiler.checks(shape, focus_select))
    return tuple(checks)


def run_checks(
    checks: tuple[Check, ...], store: ox.Store, *, union_default_graph: bool = False,
    rewrites: Rewrites | None = None,
) -> list[Result]:
    """Run compiled checks on a pyoxigraph store that holds the data and the ontology.

    ``union_default_graph`` queries the union of the store's graphs (oxrdflib keeps an rdflib
    graph's triples in a named graph). ``rewrites``, the same as given to
    :func:`compile_shapes`, maps reported values back to the data's own terms.
    """
    convert = converter()
    originals = rewrites.originals if rewrites else {}
    results: list[Result] = []
    for check in checks:
        for row in store.query(check.query, use_default_graph_as_union=union_default_graph):
            components = [check.component]
            if check.bounds is not None:
                count = int(row["count"].value)
                components = [
                    name for name, broken in (
                        ("MinCountConstraintComponent", count < check.bounds[0]),
                        ("MaxCountConstraintComponent", count > check.bounds[1]),
                    ) if broken
                ]
            values: tuple[Node | None, ...] = (None,)
            focus = convert(row["focus"])
            path = convert(row["predicate"]) if check.path_var else check.path
            if check.focus_map:
                back = dict(check.focus_map)
                focus = back.get(focus, focus)
            if check.component != "UniqueLangConstraintComponent" and check.bounds is None:
                try:
                    values = (convert(row["value"]),)
                except KeyError:
                    values = (None,)
                if check.remap is not None or check.path_var:
                    values = originals.get((focus, path, values[0]), values)
                if check.focus_map and check.path is None:  # a node shape: the value is the focus
                    values = tuple(back.get(v, v) for v in values)
            results.extend(
                Result(
                    focus=focus, path=path, value=value,
                    component=component, severity=check.severity, shape=check.shape,
                    message=check.message,
                )
                for component in components for value in values
            )
    return results
