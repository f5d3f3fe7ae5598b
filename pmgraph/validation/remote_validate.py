"""``pmgraph validate --endpoint URL``: the shapes compiled to SPARQL, run on a remote store.

The shapes are compiled by :mod:`pmgraph.validation.shacl_sparql` exactly as for local
validation (with the class hierarchy the store holds) and run by
:mod:`pmgraph.validation.validate` through
:class:`RemoteStore`, which answers pyoxigraph's ``query`` by sending the query to the
endpoint. The check queries run there too. The work happens in the store, so validation
scales with the store, and the findings are those of the same data validated locally.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Identifier

from pmgraph.errors import ParameterError
from pmgraph.query.engine import to_oxigraph
from pmgraph.query.remote import DEFAULT_TIMEOUT, Credentials, run_remote

log = logging.getLogger(__name__)

#: Focus nodes per label query (a VALUES block).
_LABEL_BATCH = 400


class RemoteStore:
    """pyoxigraph's ``Store.query`` for SELECT queries, answered by a SPARQL endpoint.

    Every focus node it hands out is remembered, so that :meth:`label` can fetch the labels
    of all of them in a few queries.
    """

    def __init__(self, endpoint: str, *, graph: str | None = None,
                 credentials: Credentials | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.endpoint, self.graph = endpoint, graph
        self.credentials, self.timeout = credentials, timeout
        self.queries = 0
        #: Query text -> how messages name it (the shape and constraint it checks).
        self.names: dict[str, str] = {}
        self._seen: set[Identifier] = set()
        self._fetched: set[Identifier] = set()
        self._labels: dict[Identifier, str] = {}

    def select(self, text: str, name: str = "a validation query"):
        self.queries += 1
        result = run_remote(text, self.endpoint, {}, name=name, timeout=self.timeout,
                            credentials=self.credentials, graph=self.graph)
        if "focus" in result.vars:
            column = result.vars.index("focus")
            self._seen.update(row[column] for row in result.rows if row[column] is not None)
        return result

    def query(self, text: str, **_options: object) -> Iterator[dict[str, object]]:
        """Rows as dicts of pyoxigraph terms (unbound variables left out), like a
        pyoxigraph solution read by name."""
        result = self.select(text, self.names.get(text, "a validation query"))
        for row in result.rows:
            solution = {}
            for var, term in zip(result.vars, row, strict=True):
                if term is None:
                    continue
                solution[var] = to_oxigraph(term)
            yield solution

    def label(self, node: object) -> str | None:
        """``node``'s ``rdfs:label`` (else ``skos:prefLabel``) in the store."""
        if not isinstance(node, URIRef):
            return None
        if node not in self._fetched:
            wanted = {n for n in self._seen | {node} if isinstance(n, URIRef)} - self._fetched
            self._fetch_labels(sorted(wanted, key=str))
            self._fetched |= wanted
        return self._labels.get(node)

    def _fetch_labels(self, nodes: list[URIRef]) -> None:
        labels = self._labels
        for start in range(0, len(nodes), _LABEL_BATCH):
            values = " ".join(n.n3() for n in nodes[start:start + _LABEL_BATCH])
            result = self.select(
                f"SELECT ?node ?kind ?label WHERE {{ VALUES ?node {{ {values} }} "
                f"VALUES ?kind {{ 1 2 }} ?node ?p ?label "
                f"FILTER(?p = IF(?kind = 1, {RDFS.label.n3()}, {SKOS.prefLabel.n3()})) }} "
                "ORDER BY ?node ?kind ?label", name="the labels of the findings")
            for node, _, label in result.rows:
                labels.setdefault(node, str(label))


def _subclass_closure(store: RemoteStore, classes) -> dict[URIRef, frozenset[URIRef]]:
    """As :func:`pmgraph.validation.shacl_sparql.subclass_closure`, from the store's
    ``rdfs:subClassOf`` pairs closed here (Virtuoso rejects ``?sub rdfs:subClassOf* ?class``
    with ``?class`` bound: "transitive start not given")."""
    result = store.select(f"SELECT ?sub ?super WHERE {{ ?sub {RDFS.subClassOf.n3()} ?super }}",
                          name="the class hierarchy")
    children: dict[Identifier, set[Identifier]] = {}
    for sub, sup in result.rows:
        children.setdefault(sup, set()).add(sub)
    closure = {}
    for cls in classes:
        members, todo, opaque = {cls}, [cls], False
        while todo:
            for sub in children.get(todo.pop(), ()):
                if not isinstance(sub, URIRef):
                    opaque = True
                elif sub not in members:
                    members.add(sub)
                    todo.append(sub)
        if not opaque:  # a blank-node subclass: the class test keeps the path form
            closure[cls] = frozenset(members)
    return closure


def _check_name(check, shapes_graph) -> str:
    """How a message names a compiled check: ``the shape pmsh:X (MinCountConstraintComponent
    on pm:y)``."""

    def short(node: object) -> str:
        if isinstance(node, URIRef):
            try:
                return shapes_graph.namespace_manager.normalizeUri(node)
            except Exception:  # noqa: BLE001 - an IRI rdflib cannot shorten is shown whole
                return f"<{node}>"
        return "a property shape" if node is not None else ""

    on = f" on {short(check.path)}" if isinstance(check.path, URIRef) else ""
    return f"the shape {short(check.shape)} ({check.component}{on})"


def validate_remote(
    endpoint: str, *, graph: str | None = None, credentials: Credentials | None = None,
    timeout: float | None = DEFAULT_TIMEOUT, engine: str = "auto",
):
    """Validate the data at ``endpoint`` (one named ``graph`` of it, or its default graph)
    against the project's shapes and check queries; a :class:`ValidationReport`."""
    from pmgraph.query.library import find_query
    from pmgraph.validation.shacl_sparql import (
        UnsupportedShape,
        compile_shapes,
        shape_classes,
    )
    from pmgraph.validation.validate import (
        Severity,
        ValidationReport,
        _check_findings,
        _shapes_graph,
        _sparql_findings,
        sort_findings,
    )

    if engine == "pyshacl":
        raise ParameterError("--engine pyshacl runs only locally; with --endpoint the shapes "
                             "run as SPARQL on the store (--engine sparql)")
    store = RemoteStore(endpoint, graph=graph, credentials=credentials, timeout=timeout)
    shapes_graph = _shapes_graph(None)
    try:
        checks = compile_shapes(
            shapes_graph, _subclass_closure(store, shape_classes(shapes_graph)))
    except UnsupportedShape as exc:
        raise ParameterError(f"--endpoint: the shapes use {exc}, which only pyshacl checks; "
                             "validate locally with --engine pyshacl") from None
    store.names = {check.query: _check_name(check, shapes_graph) for check in checks}
    findings = _sparql_findings(None, checks, shapes_graph, store=store, label=store.label)

    def run_check(path):
        _, text = find_query(path)
        return store.select(text, name=path.stem)

    findings.extend(_check_findings(None, run=run_check, label=store.label))
    ordered = sort_findings(findings)
    log.info("remote validation: %d findings from %d queries", len(ordered), store.queries)
    return ValidationReport(
        conforms=not any(f.severity is Severity.VIOLATION for f in ordered), findings=ordered)

