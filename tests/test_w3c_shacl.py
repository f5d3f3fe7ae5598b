"""The W3C SHACL Core test suite (tests/w3c_shacl_core/) with every engine.

Each test's data is validated against its shapes and the report compared with the expected
one as the suite defines it: the same ``sh:conforms`` (true when there is no result at
all) and the same results, counted with repeats, by focus node, path (blank-node paths by
their structure), value, source shape, constraint component and severity; messages are
not compared. An engine passes a test or, for the SPARQL engine only, refuses its shapes;
a wrong report or any other error fails. ``auto`` must pass every test.

``python -m tests.test_w3c_shacl`` (from the repository root) prints the counts per engine.
"""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from pmgraph.errors import ParameterError
from pmgraph.validation.validate import report_graph, validate

SUITE = Path(__file__).resolve().parent / "w3c_shacl_core"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
ENGINES = ("sparql", "pyshacl", "auto")
_PATH_KEYS = (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


@contextmanager
def exact_literals():
    """rdflib keeps literals as written ("1"^^xsd:boolean is not "true"): the suite tests
    exactly that difference."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def _test_files() -> list[Path]:
    """The files the manifests list, in manifest order."""
    top = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    files = []
    for folder_manifest in sorted(top.objects(None, MF.include)):
        path = Path(str(folder_manifest).removeprefix("file://"))
        folder = Graph().parse(path, format="turtle")
        included = folder.objects(None, MF.include)
        files += sorted(Path(str(f).removeprefix("file://")) for f in included)
    return files


def _load(path: Path) -> tuple[Graph, URIRef]:
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    (test,) = graph.subjects(RDF.type, SHT.Validate)
    return graph, test


def path_key(graph: Graph, node: object) -> object:
    """A path as nested tuples, so that two blank-node paths compare by structure."""
    if node is None or isinstance(node, URIRef):
        return node
    if (node, RDF.first, None) in graph:
        return ("sequence", *(path_key(graph, p) for p in Collection(graph, node)))
    for key in _PATH_KEYS:
        inner = graph.value(node, key)
        if inner is not None:
            return (str(key), path_key(graph, inner))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return ("alternative", *(path_key(graph, p) for p in Collection(graph, alternatives)))
    return ("unknown", node)


def results(report: Graph) -> tuple[bool, Counter]:
    (root,) = report.subjects(RDF.type, SH.ValidationReport)
    found = Counter()
    for result in report.objects(root, SH.result):
        found[(
            report.value(result, SH.focusNode),
            path_key(report, report.value(result, SH.resultPath)),
            report.value(result, SH.value),
            report.value(result, SH.sourceShape),
            report.value(result, SH.sourceConstraintComponent),
            report.value(result, SH.resultSeverity),
        )] += 1
    return report.value(root, SH.conforms).toPython(), found


def run_test(path: Path, engine: str) -> tuple[str, str]:
    """("passed" | "refused" | "wrong", detail) for one suite test and engine."""
    with exact_literals():
        graph, test = _load(path)
        action = graph.value(test, MF.action)
        graphs = {path.as_uri(): graph}

        def named(iri: object) -> Graph:
            key = str(iri)
            if key not in graphs:
                graphs[key] = Graph().parse(key.removeprefix("file://"), format="turtle")
            return graphs[key]

        data = named(graph.value(action, SHT.dataGraph))
        shapes = named(graph.value(action, SHT.shapesGraph))
        expected_conforms, expected = results(_expected_report(graph, test))
        try:
            report = validate(data, shapes=shapes, checks=False, engine=engine, ontology=False)
        except ParameterError as exc:
            if engine == "sparql" and "does not cover" in str(exc):
                return "refused", str(exc)
            raise
        written = report_graph(report)
        _, got = results(written)
    missing_shape = [r for r in written.objects(None, SH.result)
                     if written.value(r, SH.sourceShape) is None]
    if missing_shape:
        return "wrong", "a result without sh:sourceShape"
    if (not report.findings) != expected_conforms or got != expected:
        return "wrong", (f"conforms {not report.findings}, expected {expected_conforms}; "
                         f"missing {expected - got}; unexpected {got - expected}")
    return "passed", ""


def _expected_report(graph: Graph, test: URIRef) -> Graph:
    """The expected report as a graph of its own (its triples and those of its results)."""
    report = Graph()
    root = graph.value(test, MF.result)
    stack = [root]
    while stack:
        node = stack.pop()
        for p, o in graph.predicate_objects(node):
            report.add((node, p, o))
            if isinstance(o, BNode) and p not in (SH.focusNode, SH.value, SH.sourceShape):
                stack.append(o)
    return report


TESTS = _test_files()


def test_the_suite_has_its_98_tests():
    assert len(TESTS) == 98


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", TESTS, ids=[f"{p.parent.name}/{p.stem}" for p in TESTS])
def test_w3c_shacl_core(path, engine):
    outcome, detail = run_test(path, engine)
    allowed = {"passed", "refused"} if engine == "sparql" else {"passed"}
    assert outcome in allowed, detail


def summary() -> dict[str, Counter]:
    counts = {engine: Counter() for engine in ENGINES}
    for path in TESTS:
        for engine in ENGINES:
            try:
                outcome, _ = run_test(path, engine)
            except Exception:  # noqa: BLE001 - counted, the pytest run shows the error
                outcome = "error"
            counts[engine][outcome] += 1
    return counts


if __name__ == "__main__":
    for engine, counts in summary().items():
        print(f"{engine:8} " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
    sys.exit(0)
