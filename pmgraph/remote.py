"""Run a query on a remote SPARQL endpoint (SPARQLWrapper), parameters bound as VALUES."""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Mapping
from urllib.parse import urlparse

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier
from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from pmgraph.errors import EndpointError, ParameterError
from pmgraph.load import plain_literal
from pmgraph.queries import QueryResult
from pmgraph.sparql import bind_values, query_form

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30


def check_endpoint(endpoint: str) -> str:
    """``endpoint`` if it is an http(s) URL; raises :class:`ParameterError` otherwise."""
    parsed = urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ParameterError(
            f"--endpoint {endpoint!r} is not an http(s) URL; "
            "give the query URL, e.g. http://127.0.0.1:7878/query"
        )
    return endpoint


def _term(binding: Mapping[str, str]) -> Identifier:
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    datatype = binding.get("datatype")
    language = binding.get("xml:lang")
    return plain_literal(
        Literal(value, lang=language, datatype=URIRef(datatype) if datatype else None)
    )


def run_remote(
    text: str, endpoint: str, bindings: Mapping[str, Identifier], *, name: str = "query"
) -> QueryResult:
    """Send ``text`` with ``bindings`` as a VALUES block to ``endpoint`` and read the answer."""
    check_endpoint(endpoint)
    form = query_form(text)
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(bind_values(text, bindings))
    # SPARQLWrapper guesses the form from keywords anywhere in the text, comments included
    # ("dropped" made one a DROP update); the form is known, so say it.
    wrapper.queryType = form
    wrapper.setMethod(POST)
    wrapper.setTimeout(TIMEOUT_SECONDS)
    wrapper.setReturnFormat(N3 if form in ("CONSTRUCT", "DESCRIBE") else JSON)
    log.info("sending %s to %s", name, endpoint)
    try:
        answer = wrapper.query()
        converted = answer.convert()
    except urllib.error.HTTPError as exc:
        raise EndpointError(f"{endpoint} refused {name} (HTTP {exc.code} {exc.reason})") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EndpointError(
            f"cannot reach SPARQL endpoint {endpoint} ({reason}); "
            "check the URL and that the server is running"
        ) from None
    except SPARQLWrapperException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EndpointError(f"{endpoint} refused {name} ({first})") from None
    if form in ("CONSTRUCT", "DESCRIBE"):
        graph = converted if isinstance(converted, Graph) else Graph().parse(
            data=converted, format="turtle"
        )
        plain = Graph()
        plain += ((s, p, plain_literal(o)) for s, p, o in graph)
        return QueryResult(name=name, form=form, graph=plain)
    if form == "ASK":
        return QueryResult(name=name, form="ASK", boolean=bool(converted.get("boolean")))
    variables = tuple(converted.get("head", {}).get("vars", []))
    rows = tuple(
        tuple(_term(row[v]) if v in row else None for v in variables)
        for row in converted.get("results", {}).get("bindings", [])
    )
    return QueryResult(name=name, form="SELECT", vars=variables, rows=rows)
