"""A fast path for SHACL Core: shapes compiled to SPARQL and run on Oxigraph.

pyshacl is the reference validator, but it walks the data graph in Python: about 50 s and
2 GB for a million triples. The constraints the project's shapes use are all SHACL Core and
each one is a graph pattern, so :func:`compile_shapes` turns every (shape, constraint) pair
into one SPARQL query that Oxigraph answers in a fraction of that. Anything the compiler does
not understand raises :class:`UnsupportedShape`, and the caller falls back to pyshacl; a shape
is never half checked. ``tests/test_shacl_sparql.py`` proves the results equal pyshacl's.

Semantics follow SHACL as pyshacl implements it: a value that makes a comparison raise an
error counts as a failure (every test is wrapped in ``COALESCE(..., false)``), ``sh:in`` and
``sh:hasValue`` compare terms (``sameTerm``), not values, and counts are of distinct values.
Ill-typed literals are detected with Oxigraph's casts for ``xsd:date``, ``xsd:dateTime``,
``xsd:decimal``, ``xsd:integer`` and ``xsd:boolean``.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection as AbcCollection
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from pmgraph.engine import converter

RDFS_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_LANGSTRING = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")

# Datatypes whose lexical form is checked with an Oxigraph cast (others: datatype IRI only).
_CASTS = {XSD.date, XSD.dateTime, XSD.decimal, XSD.integer, XSD.boolean}

# Constraints tested on each value node; the others are tested once per focus node.
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
# sh:closed is compiled on targeted node shapes only (see _Compiler.checks).
_CLOSED = {SH.closed, SH.ignoredProperties}
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


class _Compiler:
    def __init__(
        self, shapes: Graph, subclasses: Mapping[URIRef, AbcCollection[URIRef]] | None = None
    ) -> None:
        self.g = shapes
        self.subclasses = subclasses
        self._names = itertools.count()

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

    # -- paths ---------------------------------------------------------------------------
    def path(self, node: Node) -> str:
        g = self.g
        if isinstance(node, URIRef):
            return _n3(node)
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
            return test
        if prop == SH["class"]:
            return f"(!isLiteral({v}) && EXISTS {{ {self.instance_of(v, obj, bound=True)} }})"
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
            members = [f"sameTerm({v}, {_n3(m)})" for m in Collection(g, obj)]
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
            members = [self.conforms(s, v) for s in Collection(g, obj)]
            return "(" + (" || ".join(members) or "false") + ")"
        if prop == SH["and"]:
            members = [self.conforms(s, v) for s in Collection(g, obj)]
            return "(" + (" && ".join(members) or "true") + ")"
        if prop == SH["not"]:
            return f"(!{self.conforms(obj, v)})"
        if prop == SH.xone:
            ones = [f"IF({self.conforms(s, v)}, 1, 0)" for s in Collection(g, obj)]
            return "((" + (" + ".join(ones) or "0") + ") = 1)"
        if prop == SH.node:
            return self.conforms(obj, v)
        raise UnsupportedShape(f"unsupported constraint {prop}")

    def safe(self, expr: str) -> str:
        return f"COALESCE({expr}, false)"

    def constraints(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        for prop, obj in self.g.predicate_objects(shape):
            if prop in _IGNORED or prop in _CLOSED or str(prop).startswith(_ANNOTATION_PREFIXES):
                continue
            if prop in _VALUE_COMPONENTS or prop in _FOCUS_COMPONENTS:
                yield prop, obj
            elif prop in (SH.languageIn,):
                yield prop, obj
            else:
                raise UnsupportedShape(f"unsupported constraint {prop} on shape {shape}")

    def conforms(self, shape: Node, v: str) -> str:
        """An expression that is true when the node in ``v`` conforms to ``shape``."""
        if self.g.value(shape, SH.deactivated) == Literal(True):
            return "true"
        if self.g.value(shape, SH.closed) == Literal(True):
            raise UnsupportedShape(f"sh:closed on {shape} inside sh:node / sh:or")
        parts = []
        path_node = self.g.value(shape, SH.path)
        if path_node is not None:
            parts.append(self.property_ok(shape, path_node, v))
        else:
            for prop, obj in self.constraints(shape):
                if prop in _FOCUS_COMPONENTS:
                    raise UnsupportedShape(f"{prop} on a node shape")
                parts.append(self.safe(self.value_expr(prop, obj, shape, v)))
        for prop_shape in self.g.objects(shape, SH.property):
            parts.append(self.property_ok(prop_shape, self.g.value(prop_shape, SH.path), v))
        return "(" + (" && ".join(parts) or "true") + ")"

    def property_ok(self, shape: Node, path_node: Node, x: str) -> str:
        if self.g.value(shape, SH.deactivated) == Literal(True):
            return "true"
        if path_node is None:
            raise UnsupportedShape(f"property shape {shape} without sh:path")
        p = self.path(path_node)
        parts = []
        for prop, obj in self.constraints(shape):
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
                if obj == Literal(True):
                    a, b = self.var(), self.var()
                    parts.append(
                        f"NOT EXISTS {{ {x} {p} {a} . {x} {p} {b} FILTER(!sameTerm({a}, {b}) "
                        f"&& lang({a}) != \"\" && LCASE(lang({a})) = LCASE(lang({b}))) }}")
            else:
                y = self.var()
                test = self.safe(self.value_expr(prop, obj, shape, y))
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
        for node in g.objects(shape, SH.targetNode):
            blocks.append(f"{{ BIND({_n3(node)} AS ?focus) }}")
        for prop in g.objects(shape, SH.targetSubjectsOf):
            blocks.append(f"{{ ?focus {_n3(prop)} [] }}")
        for prop in g.objects(shape, SH.targetObjectsOf):
            blocks.append(f"{{ [] {_n3(prop)} ?focus }}")
        if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in g:
            raise UnsupportedShape(f"implicit class target on {shape}")
        if not blocks:
            return None
        return "SELECT DISTINCT ?focus WHERE { " + " UNION ".join(blocks) + " }"

    def checks(self, shape: Node, focus_select: str) -> Iterator[Check]:
        g = self.g
        if g.value(shape, SH.deactivated) == Literal(True):
            return
        severity = g.value(shape, SH.severity) or SH.Violation
        message = g.value(shape, SH.message)
        message = str(message) if message is not None else None
        path_node = g.value(shape, SH.path)
        focus = f"{{ {focus_select} }}"
        if path_node is None:
            for prop, obj in self.constraints(shape):
                if prop in _FOCUS_COMPONENTS:
                    raise UnsupportedShape(f"{prop} on node shape {shape}")
                test = self.safe(self.value_expr(prop, obj, shape, "?focus"))
                yield Check(shape, _VALUE_COMPONENTS[prop], severity, message, None,
                            f"SELECT ?focus ?focus AS ?value WHERE {{ {focus} FILTER(!{test}) }}"
                            .replace("?focus AS ?value", "(?focus AS ?value)"))
            if g.value(shape, SH.closed) == Literal(True):
                yield self.closed_check(shape, focus, severity, message)
            for prop_shape in g.objects(shape, SH.property):
                yield from self.checks(prop_shape, focus_select)
            return
        p = self.path(path_node)
        constraints = list(self.constraints(shape))
        counts = {prop: int(obj) for prop, obj in constraints if prop in (SH.minCount, SH.maxCount)}
        if len(counts) == 2 and sum(prop in counts for prop, _ in constraints) == 2:
            # Both counts in one query: the focus nodes are found once, not twice.
            low, high = counts[SH.minCount], counts[SH.maxCount]
            query = (f"SELECT ?focus (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {focus} "
                     f"OPTIONAL {{ ?focus {p} ?value }} }} GROUP BY ?focus "
                     f"HAVING (COUNT(DISTINCT ?value) < {low} || COUNT(DISTINCT ?value) > {high})")
            yield Check(shape, "MinCountConstraintComponent", severity, message, path_node,
                        query, bounds=(low, high))
            constraints = [(prop, obj) for prop, obj in constraints if prop not in counts]
        for prop, obj in constraints:
            component = _VALUE_COMPONENTS.get(prop) or _FOCUS_COMPONENTS[prop]
            if prop == SH.minCount:
                query = (f"SELECT ?focus WHERE {{ {focus} OPTIONAL {{ ?focus {p} ?value }} }} "
                         f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) < {int(obj)})")
            elif prop == SH.maxCount:
                query = (f"SELECT ?focus WHERE {{ {focus} ?focus {p} ?value }} "
                         f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) > {int(obj)})")
            elif prop == SH.hasValue:
                query = (f"SELECT ?focus WHERE {{ {focus} "
                         f"FILTER NOT EXISTS {{ ?focus {p} {_n3(obj)} }} }}")
            elif prop == SH.uniqueLang:
                if obj != Literal(True):
                    continue
                query = (f"SELECT DISTINCT ?focus ?lang WHERE {{ {focus} ?focus {p} ?a . "
                         f"?focus {p} ?b FILTER(!sameTerm(?a, ?b) && lang(?a) != \"\" "
                         f"&& LCASE(lang(?a)) = LCASE(lang(?b))) BIND(LCASE(lang(?a)) AS ?lang) }}")
            else:
                test = self.safe(self.value_expr(prop, obj, shape, "?value"))
                query = (f"SELECT DISTINCT ?focus ?value WHERE {{ {focus} ?focus {p} ?value "
                         f"FILTER(!{test}) }}")
            yield Check(shape, component, severity, message, path_node, query)
        for nested in g.objects(shape, SH.property):
            raise UnsupportedShape(f"nested property shape {nested} under {shape}")


    def closed_check(self, shape: Node, focus: str, severity: URIRef,
                     message: str | None) -> Check:
        """sh:closed: every predicate of a focus node is a direct sh:path of the shape's
        property shapes or one of its sh:ignoredProperties; each row names one other."""
        allowed = [p for prop_shape in self.g.objects(shape, SH.property)
                   for p in self.g.objects(prop_shape, SH.path) if isinstance(p, URIRef)]
        ignored = self.g.value(shape, SH.ignoredProperties)
        if ignored is not None:
            allowed += list(Collection(self.g, ignored))
        test = (f"FILTER(?path NOT IN ({', '.join(_n3(p) for p in allowed)}))"
                if allowed else "")
        query = (f"SELECT DISTINCT ?focus ?path ?value WHERE {{ {focus} "
                 f"?focus ?path ?value {test} }}")
        return Check(shape, "ClosedConstraintComponent", severity, message, None, query)


def shape_classes(shapes: Graph) -> frozenset[URIRef]:
    """The classes ``shapes`` test membership of (``sh:class`` and ``sh:targetClass``)."""
    return frozenset(
        c for prop in (SH["class"], SH.targetClass) for c in shapes.objects(None, prop)
        if isinstance(c, URIRef)
    )


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
    shapes: Graph, subclasses: Mapping[URIRef, AbcCollection[URIRef]] | None = None
) -> tuple[Check, ...]:
    """Compile every targeted shape of ``shapes`` into SPARQL checks.

    ``subclasses`` (see :func:`subclass_closure`) lists each class's subclasses in the data,
    so that class tests need not walk ``rdfs:subClassOf*``; the checks are then valid only
    for data with that class hierarchy.

    Raises :class:`UnsupportedShape` when any shape uses a feature outside the covered
    part of SHACL Core (SPARQL constraints, qualified counts, property pairs, ...).
    """
    compiler = _Compiler(shapes, subclasses)
    checks: list[Check] = []
    candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape))
    for prop in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        candidates |= set(shapes.subjects(prop, None))
    for shape in sorted(candidates, key=str):
        focus_select = compiler.targets(shape)
        if focus_select is None:
            continue
        checks.extend(compiler.checks(shape, focus_select))
    return tuple(checks)


def run_checks(
    checks: tuple[Check, ...], store: ox.Store, *, union_default_graph: bool = False
) -> list[Result]:
    """Run compiled checks on a pyoxigraph store that holds the data and the ontology.

    ``union_default_graph`` queries the union of the store's graphs (oxrdflib keeps an rdflib
    graph's triples in a named graph).
    """
    convert = converter()
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
            value = None
            if check.component != "UniqueLangConstraintComponent" and check.bounds is None:
                try:
                    value = convert(row["value"])
                except KeyError:
                    value = None
            path = check.path
            if check.component == "ClosedConstraintComponent":
                path = convert(row["path"])
            results.extend(
                Result(
                    focus=convert(row["focus"]), path=path, value=value,
                    component=component, severity=check.severity, shape=check.shape,
                    message=check.message,
                )
                for component in components
            )
    return results
