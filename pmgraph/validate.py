"""Validate a graph against the project's SHACL shapes and check queries.

Two engines give the same findings. By default the shapes are compiled to SPARQL
(:mod:`pmgraph.shacl_sparql`) and run on Oxigraph, which is fast at any size; pyshacl, the
reference, runs without inference on a plain in-memory copy of the data with the ontology
mixed in (so ``sh:class`` follows ``rdfs:subClassOf``). The caller's graph is never changed. Each
``queries/checks/*-violation.rq`` then runs on the caller's graph and every row it returns is
a violation.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from pmgraph.engine import oxigraph_store
from pmgraph.errors import DataLoadError, ParameterError
from pmgraph.load import new_graph, parse_into, plain_copy, plain_literal
from pmgraph.namespaces import bind_prefixes
from pmgraph.paths import checks_dir, display_path, ontology_file, shapes_file
from pmgraph.queries import run_query

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


@dataclass(frozen=True)
class Finding:
    """One problem found in the data: which resource, which property, what is wrong."""

    severity: Severity
    focus: str
    focus_label: str | None
    path: str | None
    message: str
    constraint: str
    shape: str | None
    value: str | None
    origin: str

    def to_record(self) -> dict[str, str | None]:
        """The finding as a JSON-ready dict (severity as its name)."""
        return {
            "severity": self.severity.name,
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
    for prop in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(node, prop):
            return str(value)
    return None


def _path_text(report: Graph, path: object) -> str | None:
    """A result path as text: the IRI of a predicate path, a SPARQL-like rendering otherwise."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_text(report, inverse)}"
    if report.value(path, RDF.first) is not None:
        return "/".join(_path_text(report, p) or "?" for p in Collection(report, path))
    for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(path, key)
        if inner is not None:
            return f"({_path_text(report, inner)}){mark}"
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(report, p) or "?" for p in Collection(report, alternatives))
    return None


def _term_text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _shacl_findings(report: Graph, data: Graph) -> list[Finding]:
    findings = []
    # Top-level results only: results nested under sh:detail explain a parent result.
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        component = report.value(result, SH.sourceConstraintComponent)
        shape = report.value(result, SH.sourceShape)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        severity = _SEVERITY_BY_IRI.get(report.value(result, SH.resultSeverity), Severity.VIOLATION)
        findings.append(
            Finding(
                severity=severity,
                focus=_term_text(focus) or "",
                focus_label=_label(data, focus),
                path=_path_text(report, report.value(result, SH.resultPath)),
                message="; ".join(messages) or "does not conform",
                constraint=str(component).rsplit("#", 1)[-1] if component else "",
                shape=str(shape) if isinstance(shape, URIRef) else None,
                value=_term_text(report.value(result, SH.value)),
                origin="shacl",
            )
        )
    return findings


def check_files() -> list[Path]:
    """The project's check queries, ``queries/checks/*-violation.rq``, sorted."""
    folder = checks_dir()
    return sorted(folder.glob("*-violation.rq")) if folder.is_dir() else []


def _check_findings(graph: Graph) -> list[Finding]:
    findings = []
    for path in check_files():
        result = run_query(path, graph)
        name = path.stem
        for record in result.rows_as_dicts():
            focus = record.get("focus")
            message = record.get("message")
            findings.append(
                Finding(
                    severity=Severity.VIOLATION,
                    focus=_term_text(focus) or "",
                    focus_label=_label(graph, focus) if focus is not None else None,
                    path=_term_text(record.get("path")),
                    message=str(message) if message is not None else f"returned by {name}",
                    constraint=f"check:{name}",
                    shape=None,
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


@lru_cache(maxsize=4)
def _compiled_file(path: Path, mtime: float, subclasses: frozenset | None) -> tuple:
    from pmgraph.shacl_sparql import compile_shapes

    return compile_shapes(_plain_file(path, mtime), dict(subclasses or ()))


def _compiled(
    shapes: Graph | Path | str | None, shapes_graph: Graph, data: Graph | None = None
) -> tuple:
    """The shapes compiled to SPARQL (cached for files); UnsupportedShape when they cannot be.

    With ``data`` (a graph in Oxigraph), class tests list the subclasses ``data`` declares.
    """
    from pmgraph.shacl_sparql import compile_shapes, shape_classes, subclass_closure

    closure = None
    if data is not None:
        closure = frozenset(subclass_closure(
            oxigraph_store(data), shape_classes(shapes_graph), union_default_graph=True
        ).items())
    if isinstance(shapes, Graph):
        return compile_shapes(shapes_graph, dict(closure or ()))
    path = shapes_file() if shapes is None else Path(shapes)
    return _compiled_file(path, path.stat().st_mtime, closure)


def _with_ontology(graph: Graph) -> Graph:
    """``graph`` itself when it is an Oxigraph-backed graph holding the ontology (as
    :func:`pmgraph.load.load_graph` makes), otherwise a copy in Oxigraph with the ontology
    added: the shapes and checks follow ``rdfs:subClassOf`` and look terms up in it."""
    from oxrdflib import OxigraphStore

    from pmgraph.namespaces import ONTOLOGY_IRI

    if isinstance(graph.store, OxigraphStore) and (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph:
        return graph
    merged = new_graph()
    merged += graph
    parse_into(merged, ontology_file())
    return merged


def _sparql_findings(graph: Graph, checks: tuple, shapes_graph: Graph) -> list[Finding]:
    from pmgraph.shacl_sparql import run_checks

    findings = []
    for result in run_checks(checks, oxigraph_store(graph), union_default_graph=True):
        path = result.path
        findings.append(
            Finding(
                severity=_SEVERITY_BY_IRI.get(result.severity, Severity.VIOLATION),
                focus=_term_text(result.focus) or "",
                focus_label=_label(graph, result.focus),
                path=str(path) if isinstance(path, URIRef) else _path_text(shapes_graph, path),
                message=result.message or f"does not conform ({result.component})",
                constraint=result.component,
                shape=str(result.shape) if isinstance(result.shape, URIRef) else None,
                value=_term_text(result.value),
                origin="shacl",
            )
        )
    return findings


def _pyshacl_findings(graph: Graph, shapes_graph: Graph) -> list[Finding]:
    from pyshacl import validate as shacl_validate  # slow to import; only this engine needs it

    data = plain_copy(graph)  # the ontology is in it (see _with_ontology)
    _, report, _ = shacl_validate(
        data,
        shacl_graph=plain_copy(shapes_graph),  # pyshacl adds triples to the shapes it gets
        inference="none",
        allow_warnings=True,
        advanced=True,
        inplace=True,  # ``data`` is our own copy
    )
    return _shacl_findings(report, data)


def validate(
    graph: Graph,
    *,
    shapes: Graph | Path | str | None = None,
    checks: bool = True,
    engine: str = "auto",
) -> ValidationReport:
    """Validate ``graph`` against ``shapes`` (default: the project's) and the check queries.

    ``engine`` is ``"sparql"`` (the shapes compiled to SPARQL and run on Oxigraph),
    ``"pyshacl"`` (the reference validator) or ``"auto"``: the SPARQL engine when it covers
    every shape, pyshacl otherwise. Both report the same findings. The graph is not changed;
    warnings and infos alone conform.
    """
    if engine not in ENGINES:
        raise ParameterError(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
    from pmgraph.shacl_sparql import UnsupportedShape

    shapes_graph = _shapes_graph(shapes)
    graph = _with_ontology(graph)
    findings: list[Finding] | None = None
    if engine != "pyshacl":
        try:
            compiled = _compiled(shapes, shapes_graph, graph)
        except UnsupportedShape as exc:
            if engine == "sparql":
                raise ParameterError(
                    f"--engine sparql: the shapes use {exc}; use --engine pyshacl"
                ) from None
            log.info("shapes not covered by the SPARQL engine (%s); using pyshacl", exc)
        else:
            findings = _sparql_findings(graph, compiled, shapes_graph)
    if findings is None:
        findings = _pyshacl_findings(graph, shapes_graph)
    if checks:
        from pmgraph.evidence import evidence_findings

        findings.extend(_check_findings(graph))
        findings.extend(evidence_findings(graph))
    ordered = sort_findings(findings)
    log.info("validation (%s): %d findings", engine, len(ordered))
    return ValidationReport(
        conforms=not any(f.severity is Severity.VIOLATION for f in ordered), findings=ordered
    )


def report_graph(report: ValidationReport) -> Graph:
    """The report as a SHACL validation report graph (check findings included)."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    for finding in report.findings:
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, finding.severity.iri))
        if finding.focus and not finding.focus.startswith("_:"):
            graph.add((node, SH.focusNode, URIRef(finding.focus)))
        if finding.path and ":" in finding.path and not finding.path.startswith(("^", "(")):
            graph.add((node, SH.resultPath, URIRef(finding.path)))
        graph.add((node, SH.resultMessage, Literal(finding.message)))
        if finding.constraint.startswith("check:"):
            graph.add((node, SH.sourceConstraint, Literal(finding.constraint)))
        else:
            graph.add((node, SH.sourceConstraintComponent, SH[finding.constraint]))
        if finding.shape:
            graph.add((node, SH.sourceShape, URIRef(finding.shape)))
        if finding.value is not None:
            graph.add((node, SH.value, plain_literal(Literal(finding.value))))
    return graph
