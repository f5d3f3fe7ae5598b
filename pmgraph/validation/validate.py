"""Validate a graph against the project's SHACL shapes and check queries.

Two engines give the same findings. By default the shapes are compiled to SPARQL
(:mod:`pmgraph.validation.shacl_sparql`) and run on Oxigraph, which is fast at any size;
pyshacl, the reference, runs without inference on a plain in-memory copy of the data with the
ontology mixed in (so ``sh:class`` follows ``rdfs:subClassOf``). The caller's graph is never
changed. Each ``queries/checks/*-violation.rq`` then runs on the caller's graph and every row it
returns is a violation.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from pmgraph.errors import DataLoadError, ParameterError
from pmgraph.graph.load import new_graph, parse_into, plain_copy, plain_literal
from pmgraph.graph.namespaces import PMSH, bind_prefixes
from pmgraph.paths import checks_dir, display_path, ontology_file, shapes_file
from pmgraph.query.engine import oxigraph_store
from pmgraph.query.library import run_query

log = logging.getLogger(__name__)


class Severity(enum.Enum):
    """SHACL severities, most severe first."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def iri(self) -> URIRef:
        return SH[self.value]


_SEVERITY_BY_IRI = {s.iri: s for s in Severity}


def _severity(iri: object) -> tuple[Severity, str | None]:
    """A result severity as a :class:`Severity` and, for a custom severity (any IRI other
    than sh:Violation, sh:Warning, sh:Info), that IRI; custom severities rank and count as
    violations (the data does not conform), and every output names their IRI."""
    if iri is None:
        return Severity.VIOLATION, None
    known = _SEVERITY_BY_IRI.get(iri)
    if known is not None:
        return known, None
    return Severity.VIOLATION, str(iri)


@dataclass(frozen=True)
class ResultTerms:
    """A SHACL result's RDF terms, exactly as the validator reported them: the Turtle
    report is written from these (blank nodes, datatypes and complex paths kept)."""

    focus: Node | None
    path: Node | None
    value: Node | None
    shape: Node | None
    #: The graph that describes a blank-node path (the shapes, or pyshacl's report).
    graph: Graph | None
    #: The shapes, which describe a blank-node shape.
    shapes: Graph | None = None


@dataclass(frozen=True)
class Finding:
    """One problem found in the data: which resource, which property, what is wrong.

    ``severity`` ranks the finding; ``custom_severity`` is the IRI of a severity that is
    none of SHACL's three (ranked as a violation), None otherwise.
    """

    severity: Severity
    focus: str
    focus_label: str | None
    path: str | None
    message: str
    constraint: str
    shape: str | None
    value: str | None
    origin: str
    custom_severity: str | None = None
    terms: ResultTerms | None = field(default=None, compare=False, repr=False)

    @property
    def severity_iri(self) -> str:
        """The severity's IRI: ``sh:Violation``, ``sh:Warning``, ``sh:Info`` or a custom one."""
        return self.custom_severity or str(self.severity.iri)

    @property
    def severity_name(self) -> str:
        """``VIOLATION``, ``WARNING``, ``INFO``, or the IRI of a custom severity."""
        return self.custom_severity or self.severity.name

    def to_record(self) -> dict[str, str | None]:
        """The finding as a JSON-ready dict (severity as its name, or a custom one's IRI)."""
        return {
            "severity": self.severity_name,
            "severity_iri": self.severity_iri,
            "focus": self.focus,
            "focus_label": self.focus_label,
            "path": self.path,
            "message": self.message,
            "constraint": self.constraint,
            "shape": self.shape,
            "value": self.value,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: conforms when there is no violation."""

    conforms: bool
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.VIOLATION)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.INFO)

    def to_records(self) -> list[dict[str, str | None]]:
        return [f.to_record() for f in self.findings]


@lru_cache(maxsize=4)
def _plain_file(path: Path, mtime: float) -> Graph:
    graph = new_graph()
    parse_into(graph, path)
    return plain_copy(graph)


def _read_plain(path: Path) -> Graph:
    if not path.is_file():
        raise DataLoadError(f"{display_path(path)}: file not found; the project is incomplete")
    return _plain_file(path, path.stat().st_mtime)


def _shapes_graph(shapes: Graph | Path | str | None) -> Graph:
    """The shapes as a plain graph: the cached parse of a file, a plain copy of a graph.

    Read-only here; pyshacl, which adds triples to the shapes it is given, gets its own copy.
    """
    if isinstance(shapes, Graph):
        return plain_copy(shapes)
    return _read_plain(shapes_file() if shapes is None else Path(shapes))


def _label(graph: Graph, node: object) -> str | None:
    """``node``'s ``rdfs:label`` (else ``skos:prefLabel``); of several, the first in text
    order, so that every engine and store names a focus node alike."""
    for prop in (RDFS.label, SKOS.prefLabel):
        values = [str(value) for value in graph.objects(node, prop)]
        if values:
            return min(values)
    return None


def _path_text(report: Graph, path: object) -> str | None:
    """A result path as text: the IRI of a predicate path, a SPARQL property path otherwise
    (``^<iri>|<iri>``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    return _composite_path(report, path)


def _composite_path(report: Graph, path: object) -> str | None:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if report.value(path, RDF.first) is not None:  # a list first, as SHACL reads it
        return "/".join(_composite_path(report, p) or "?" for p in Collection(report, path))
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_composite_path(report, inverse)}"
    for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(path, key)
        if inner is not None:
            return f"({_composite_path(report, inner)}){mark}"
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_composite_path(report, p) or "?" for p in Collection(report, alternatives))
    return None


def _term_text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def shape_text(shapes: Graph, shape: object, _seen: frozenset = frozenset()) -> str | None:
    """A shape as text: its IRI, or for a blank-node shape the shape that holds it and its
    path (``<IRI> [sh:path <p>]``), so that a reader finds it in the shapes file."""
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return str(shape)
    path = shapes.value(shape, SH.path)
    own = f"[sh:path {_path_text(shapes, path)}]" if path is not None else f"_:{shape}"
    parent = next(iter(shapes.subjects(SH.property, shape)), None)
    if parent is None or parent in _seen:
        return own
    return f"{shape_text(shapes, parent, _seen | {shape})} {own}"


def _shacl_findings(report: Graph, data: Graph, shapes: Graph) -> list[Finding]:
    findings = []
    # Top-level results only: results nested under sh:detail explain a parent result.
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        component = report.value(result, SH.sourceConstraintComponent)
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        severity, custom = _severity(report.value(result, SH.resultSeverity))
        findings.append(
            Finding(
                severity=severity,
                focus=_term_text(focus) or "",
                focus_label=_label(data, focus),
                path=_path_text(report, path),
                message="; ".join(messages) or "does not conform",
                constraint=str(component).rsplit("#", 1)[-1] if component else "",
                shape=shape_text(shapes, shape),
                value=_term_text(value),
                origin="shacl",
                custom_severity=custom,
                terms=ResultTerms(focus, path, value, shape, report, shapes),
            )
        )
    return findings


def check_files() -> list[Path]:
    """The project's check queries, ``queries/checks/*-violation.rq``, sorted."""
    folder = checks_dir()
    return sorted(folder.glob("*-violation.rq")) if folder.is_dir() else []


def _check_findings(graph: Graph | None, run=None, label=None) -> list[Finding]:
    """Findings of the check queries on ``graph``, or through ``run(path)`` (a remote store)
    with ``label(node)`` for focus labels."""
    run = run or (lambda path: run_query(path, graph))
    label = label or (lambda node: _label(graph, node))
    findings = []
    for path in check_files():
        result = run(path)
        name = path.stem
        for record in result.rows_as_dicts():
            focus = record.get("focus")
            message = record.get("message")
            findings.append(
                Finding(
                    severity=Severity.VIOLATION,
                    focus=_term_text(focus) or "",
                    focus_label=label(focus) if focus is not None else None,
                    path=_term_text(record.get("path")),
                    message=str(message) if message is not None else f"returned by {name}",
                    constraint=f"check:{name}",
                    # the check stands for a shape: the Turtle report names it as sh:sourceShape
                    shape=str(PMSH[f"check-{name}"]),
                    value=_term_text(record.get("value")),
                    origin=path.name,
                )
            )
    return findings


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Most severe first, then by focus label (or IRI), property, message and value: the
    same order whichever engine or store found them."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                f.severity.rank,
                (f.focus_label or f.focus).casefold(),
                f.focus,
                f.path or "",
                f.message,
                f.value or "",
                f.constraint,
            ),
        )
    )


ENGINES = ("auto", "sparql", "pyshacl")


def _compiled_file(path: Path, mtime: float, subclasses: frozenset | None) -> tuple:
    # Compiled from the very graph the findings name their paths and shapes from (the cached
    # parse of the file): checks kept from an earlier parse would hold blank nodes this one
    # does not have.
    from pmgraph.validation.shacl_sparql import compile_shapes

    shapes = _plain_file(path, mtime)
    kept: dict = shapes.__dict__.setdefault("_pmgraph_compiled", {})
    if subclasses not in kept:
        if len(kept) >= 4:
            kept.pop(next(iter(kept)))
        kept[subclasses] = compile_shapes(shapes, dict(subclasses or ()))
    return kept[subclasses]


def _compiled(
    shapes: Graph | Path | str | None, shapes_graph: Graph, data: Graph | None = None,
    rewrites: object = None,
) -> tuple:
    """The shapes compiled to SPARQL (cached for files); UnsupportedShape when they cannot be.

    With ``data`` (a graph in Oxigraph), class tests list the subclasses ``data`` declares;
    ``rewrites`` names the data's literals the store holds in another form.
    """
    from pmgraph.validation.shacl_sparql import compile_shapes, shape_classes, subclass_closure

    closure = None
    if data is not None:
        closure = frozenset(subclass_closure(
            oxigraph_store(data), shape_classes(shapes_graph), union_default_graph=True
        ).items())
    if isinstance(shapes, Graph) or rewrites:
        return compile_shapes(shapes_graph, dict(closure or ()), rewrites or None)
    path = shapes_file() if shapes is None else Path(shapes)
    return _compiled_file(path, path.stat().st_mtime, closure)


def _has_ontology(graph: Graph) -> bool:
    from pmgraph.graph.namespaces import ONTOLOGY_IRI

    return (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph


def _in_store(graph: Graph, ontology: bool = True) -> tuple[Graph, object]:
    """The graph to validate in Oxigraph, and the data's literals that the store holds in
    another form (a :class:`pmgraph.validation.shacl_sparql.Rewrites`, None when not known).

    ``graph`` itself when it is Oxigraph-backed and holds the ontology (as
    :func:`pmgraph.graph.load.load_graph` makes) or ``ontology`` is false; otherwise a copy in
    Oxigraph with the ontology added: the shapes and checks follow ``rdfs:subClassOf`` and
    look terms up in it. For a copy, the literals the store rewrote are found by trying
    the data's own terms.
    """
    from oxrdflib import OxigraphStore

    from pmgraph.validation.shacl_sparql import find_rewrites

    if isinstance(graph.store, OxigraphStore) and (not ontology or _has_ontology(graph)):
        return graph, _store_rewrites(graph)
    merged = new_graph()
    merged += graph
    if ontology:
        parse_into(merged, ontology_file())
    return merged, find_rewrites(graph)


def _store_rewrites(graph: Graph) -> object:
    """The literals ``graph``'s own store holds in another form than the loaded files gave
    (:mod:`pmgraph.graph.exact` noted them while loading), as a
    :class:`pmgraph.validation.shacl_sparql.Rewrites`; None when the store holds every term as
    written."""
    from pmgraph.graph.exact import cased_tag, rewritten_literals, table_of
    from pmgraph.query.engine import converter
    from pmgraph.validation.shacl_sparql import Rewrites

    if not rewritten_literals(graph):
        return None
    table = table_of(graph)
    assert table is not None
    convert = converter()
    originals, predicates, retyped = {}, set(), set()
    for (subject, predicate, stored), written in table.triples.items():
        if all(cased_tag(term) is not None for term in written):
            continue  # a language tag's case: tags compare case-insensitively
        key = (convert(subject), convert(predicate), convert(stored))
        originals[key] = tuple(convert(term) for term in written)
        predicates.add(key[1])
        if any(term.datatype != stored.datatype for term in written):
            retyped.add(key[1])
    merged = any(len(written) > 1 for written in originals.values())
    return Rewrites(frozenset(predicates), merged, frozenset(retyped), originals)


def _with_ontology(graph: Graph) -> Graph:
    """``graph`` with the ontology, in Oxigraph (see :func:`_in_store`)."""
    return _in_store(graph)[0]


def _sparql_findings(
    graph: Graph | None, checks: tuple, shapes_graph: Graph, rewrites: object = None,
    store=None, label=None,
) -> list[Finding]:
    """Findings of the compiled ``checks`` on ``graph``'s store, or on ``store`` (anything
    with pyoxigraph's ``query``, e.g. a remote store) with ``label(node)`` for focus labels."""
    from pmgraph.graph.exact import as_written
    from pmgraph.validation.shacl_sparql import run_checks

    store = store if store is not None else oxigraph_store(graph)
    label = label or (lambda node: _label(graph, node))
    findings = []
    results = run_checks(checks, store, union_default_graph=True, rewrites=rewrites)
    for result in results:
        if graph is not None and isinstance(result.value, Literal) and result.value.language:
            # the store keeps tags in lower case: the value with its tag as written
            result = replace(result, value=as_written(graph, result.value))
        path = result.path
        severity, custom = _severity(result.severity)
        findings.append(
            Finding(
                severity=severity,
                focus=_term_text(result.focus) or "",
                focus_label=label(result.focus),
                path=str(path) if isinstance(path, URIRef) else _path_text(shapes_graph, path),
                message=result.message or f"does not conform ({result.component})",
                constraint=result.component,
                shape=shape_text(shapes_graph, result.shape),
                value=_term_text(result.value),
                origin="shacl",
                custom_severity=custom,
                terms=ResultTerms(result.focus, path, result.value, result.shape, shapes_graph,
                                  shapes_graph),
            )
        )
    return findings


def _pyshacl_shapes(shapes_graph: Graph) -> Graph:
    """A copy of the shapes for pyshacl (which adds triples to the shapes it gets), without
    the ``sh:uniqueLang`` and ``sh:deactivated`` triples whose value is not the term
    ``"true"^^xsd:boolean``: SHACL activates them with that term only, pyshacl with any
    literal whose value is true (``"1"^^xsd:boolean``). OWL's ``owl:Class rdfs:subClassOf
    rdfs:Class`` is added, so that a shape typed ``owl:Class`` targets its instances (an
    implicit class target), as in the SPARQL engine."""
    from pmgraph.validation.shacl_sparql import is_true

    copy = plain_copy(shapes_graph)
    if (None, RDF.type, OWL.Class) in copy:
        copy.add((OWL.Class, RDFS.subClassOf, RDFS.Class))
    for prop in (SH.uniqueLang, SH.deactivated):
        for s, o in list(copy.subject_objects(prop)):
            if not is_true(o):
                copy.remove((s, prop, o))
    return copy


def _pyshacl_findings(graph: Graph, shapes_graph: Graph, ontology: bool = True) -> list[Finding]:
    """pyshacl's findings on a plain copy of the caller's ``graph`` (its terms as given,
    not as a store would hold them), with the ontology added when asked for."""
    from pyshacl import validate as shacl_validate  # slow to import; only this engine needs it

    data = plain_copy(graph)
    if ontology and not _has_ontology(data):
        data += _read_plain(ontology_file())
    _, report, _ = shacl_validate(
        data,
        shacl_graph=_pyshacl_shapes(shapes_graph),
        inference="none",
        allow_warnings=True,
        advanced=True,
        inplace=True,  # ``data`` is our own copy
    )
    return _shacl_findings(report, data, shapes_graph)


def validate(
    graph: Graph,
    *,
    shapes: Graph | Path | str | None = None,
    checks: bool = True,
    engine: str = "auto",
    ontology: bool = True,
) -> ValidationReport:
    """Validate ``graph`` against ``shapes`` (default: the project's) and the check queries.

    ``engine`` is ``"sparql"`` (the shapes compiled to SPARQL and run on Oxigraph),
    ``"pyshacl"`` (the reference validator) or ``"auto"``: the SPARQL engine when it covers
    every shape, pyshacl otherwise. Both report the same findings. The SPARQL engine
    refuses (``"sparql"`` raises :class:`ParameterError`, ``"auto"`` uses pyshacl) shapes
    outside the part of SHACL Core it covers, and checks that would read literals the store
    holds in another form than the data gives. ``ontology`` adds the project's ontology to
    the data (so ``sh:class`` follows its ``rdfs:subClassOf``). The graph is not changed;
    warnings and infos alone conform.
    """
    if engine not in ENGINES:
        raise ParameterError(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
    from pmgraph.validation.shacl_sparql import UnsupportedShape

    shapes_graph = _shapes_graph(shapes)
    original = graph
    graph, rewrites = _in_store(graph, ontology)
    findings: list[Finding] | None = None
    if engine != "pyshacl":
        try:
            compiled = _compiled(shapes, shapes_graph, graph, rewrites)
        except UnsupportedShape as exc:
            if engine == "sparql":
                raise ParameterError(
                    f"--engine sparql: the SPARQL engine does not cover these shapes: {exc}; "
                    "use --engine pyshacl or auto"
                ) from None
            log.info("shapes not covered by the SPARQL engine (%s); using pyshacl", exc)
        else:
            findings = _sparql_findings(graph, compiled, shapes_graph, rewrites)
    if findings is None:
        data = original if rewrites is not None else graph
        if rewrites is not None and data is graph:  # its store rewrote literals: read as written
            data = plain_copy(graph)
        findings = _pyshacl_findings(data, shapes_graph, ontology)
    if checks:
        from pmgraph.graph.evidence import evidence_findings

        findings.extend(_check_findings(graph))
        findings.extend(evidence_findings(graph))
    ordered = sort_findings(findings)
    log.info("validation (%s): %d findings", engine, len(ordered))
    return ValidationReport(
        conforms=not any(f.severity is Severity.VIOLATION for f in ordered), findings=ordered
    )


def _copy_described(source: Graph | None, node: object, target: Graph, seen: set) -> None:
    """Copy the triples that describe the blank node ``node`` (a path, a shape's path)."""
    if source is None or not isinstance(node, BNode) or node in seen:
        return
    seen.add(node)
    for p, o in source.predicate_objects(node):
        if p == SH.path or p in _PATH_KEYS or p in (RDF.first, RDF.rest):
            target.add((node, p, o))
            _copy_described(source, o, target, seen)


_PATH_KEYS = (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath,
              SH.alternativePath)


def report_graph(report: ValidationReport) -> Graph:
    """The report as a SHACL validation report graph (check findings included).

    Each SHACL result gives its focus node, path, value and source shape as the validator
    reported them (blank nodes, datatypes and complex paths kept); a blank-node source
    shape comes with its ``sh:path`` and the shape that holds it (``sh:property``).
    """
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    for finding in report.findings:
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, URIRef(finding.severity_iri)))
        graph.add((node, SH.resultMessage, Literal(finding.message)))
        terms = finding.terms
        if terms is not None:
            seen: set = set()
            if terms.focus is not None:
                graph.add((node, SH.focusNode, terms.focus))
            if terms.path is not None:
                graph.add((node, SH.resultPath, terms.path))
                _copy_described(terms.graph, terms.path, graph, seen)
            if terms.value is not None:
                graph.add((node, SH.value, plain_literal(terms.value)))
            if terms.shape is not None:
                graph.add((node, SH.sourceShape, terms.shape))
                _copy_described(terms.shapes, terms.shape, graph, seen)
                if isinstance(terms.shape, BNode) and terms.shapes is not None:
                    for parent in terms.shapes.subjects(SH.property, terms.shape):
                        graph.add((parent, SH.property, terms.shape))
        else:
            if finding.focus and not finding.focus.startswith("_:"):
                graph.add((node, SH.focusNode, URIRef(finding.focus)))
            if finding.path and ":" in finding.path and not finding.path.startswith(("^", "(")):
                graph.add((node, SH.resultPath, URIRef(finding.path)))
            if finding.shape and " " not in finding.shape:
                graph.add((node, SH.sourceShape, URIRef(finding.shape)))
            if finding.value is not None:
                graph.add((node, SH.value, plain_literal(Literal(finding.value))))
        if finding.constraint.endswith("ConstraintComponent"):
            graph.add((node, SH.sourceConstraintComponent, URIRef(f"{SH._NS}{finding.constraint}")))
        elif finding.constraint:  # a check (check:NAME) or the evidence checks (evidence)
            graph.add((node, SH.sourceConstraint, Literal(finding.constraint)))
    return graph
