"""Reading SPARQL text: its form (SELECT, ASK, ...) and where to bind parameters.

Parameters are bound by adding ``VALUES ?name { term }`` as the first element of the query's
outermost WHERE group, the terms written by rdflib (``Identifier.n3()``) from values already
checked for their kind. User text never reaches the query except through such a term. The
block sits at the start of the group, so the variable is bound for every pattern and FILTER
in the query, also when the query does not project it (Oxigraph's own substitution refuses
variables outside the SELECT clause).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlparse

from rdflib.term import Identifier

from pmgraph.errors import QueryError

# Tokens that may contain braces or keywords but are not structure.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*"
    r"|[?$][A-Za-z0-9_\u00b7-\uffff]+"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*:?")
_READ_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
}


def _scan(text: str) -> Iterator[tuple[str, str, int, int]]:
    """Yield ``("word", WORD, pos, depth)`` and ``("brace", "{" or "}", pos, depth)``,
    skipping strings, IRIs, comments and variables."""
    depth = 0
    pos = 0
    while pos < len(text):
        match = _SKIP.match(text, pos)
        if match:
            pos = match.end()
            continue
        char = text[pos]
        if char == "{":
            yield "brace", "{", pos, depth
            depth += 1
            pos += 1
        elif char == "}":
            depth -= 1
            yield "brace", "}", pos, depth
            pos += 1
        elif char.isalpha() or char == "_":
            word = _WORD.match(text, pos)
            assert word is not None
            token = word.group()
            if not token.endswith(":") and not text.startswith(":", word.end()):
                yield "word", token.upper(), pos, depth
            pos = word.end()
        else:
            pos += 1


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; raises :class:`QueryError` for updates."""
    for kind, value, _pos, depth in _scan(text):
        if kind != "word" or depth:
            continue
        if value in ("PREFIX", "BASE"):
            continue
        if value in _READ_FORMS:
            return value
        if value in _UPDATE_WORDS:
            raise QueryError(
                f"{value} is a SPARQL update; pmgraph runs only SELECT, ASK and CONSTRUCT queries"
            )
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")


def where_group_start(text: str) -> int:
    """Index just after the ``{`` that opens the query's outermost WHERE group."""
    form = query_form(text)
    after_where = False
    first_brace = None
    for kind, value, pos, depth in _scan(text):
        if depth:
            continue
        if kind == "word" and value == "WHERE":
            after_where = True
        elif kind == "brace" and value == "{":
            if after_where:
                return pos + 1
            if first_brace is None:
                first_brace = pos + 1
                if form != "CONSTRUCT":
                    return first_brace
    if first_brace is None:
        raise QueryError("not a SPARQL query: no WHERE group found")
    return first_brace


def values_block(bindings: Mapping[str, Identifier]) -> str:
    """``VALUES ?name { term }`` lines for ``bindings`` (terms written by rdflib)."""
    return "".join(
        f"\n  VALUES ?{name} {{ {term.n3()} }}" for name, term in sorted(bindings.items())
    )


def bind_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """``text`` with a VALUES block for ``bindings`` at the start of its WHERE group."""
    if not bindings:
        return text
    start = where_group_start(text)
    return text[:start] + values_block(bindings) + text[start:]


# ------------------------------------------------------------------ limits of a query text

#: The longest query text pmgraph runs or sends, in characters. The library's largest query
#: has about 4,000; Oxigraph's parser crashes the process (stack overflow) on texts of some
#: 100,000 characters with thousands of patterns, UNION branches or path steps.
MAX_QUERY_CHARS = 65_536
#: The deepest nesting of ``{``, ``(`` and ``[`` pmgraph runs or sends; the parser crashes the
#: process at a few thousand levels, real queries use fewer than ten.
MAX_QUERY_NESTING = 128

_OPEN = "{(["
_CLOSE = "})]"


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in ``text``, outside strings, IRIs and
    comments."""
    deepest = depth = 0
    pos = 0
    while pos < len(text):
        match = _SKIP.match(text, pos)
        if match:
            pos = match.end()
            continue
        char = text[pos]
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        pos += 1
    return deepest


def check_query_limits(text: str) -> None:
    """Refuse a query text longer than :data:`MAX_QUERY_CHARS` or nested deeper than
    :data:`MAX_QUERY_NESTING` before any SPARQL parser sees it; raises :class:`QueryError`."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query text has {len(text):,} characters, over pmgraph's limit of "
            f"{MAX_QUERY_CHARS:,}; shorten it (e.g. move a long VALUES list into the data)"
        )
    depth = nesting_depth(text)
    if depth > MAX_QUERY_NESTING:
        raise QueryError(
            f"the query nests {{, ( or [ {depth:,} levels deep, over pmgraph's limit of "
            f"{MAX_QUERY_NESTING}; flatten the query"
        )


# ------------------------------------------------------------------ SERVICE calls

_TOKEN = re.compile(
    r"(?P<space>\s+|#[^\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*')"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)"
    r"|(?P<pname>(?:[A-Za-z_\u00c0-\uffff][A-Za-z0-9_.\u00b7-\uffff-]*)?:"
    r"(?:[A-Za-z0-9_:%.\u00b7-\uffff-]|\\.)*)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<other>.)",
    re.DOTALL,
)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` of each SPARQL token (string, iri, var, pname, word or other), white
    space and comments left out."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "space":
            assert kind is not None
            yield kind, match.group()


def service_calls(text: str, prefixes: Mapping[str, str] | None = None) -> list[str]:
    """The endpoint of each ``SERVICE`` call in ``text``: an IRI (prefixed names expanded
    with the query's ``PREFIX`` lines, then ``prefixes``), or a variable as written.

    Strings, IRIs, comments and prefixed names such as ``schema:Service`` do not count; the
    keyword counts in any case, and with ``SILENT``.
    """
    declared = dict(prefixes or {})
    tokens = list(_tokens(text))
    calls: list[str] = []
    for index, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        keyword = value.upper()
        ahead = tokens[index + 1 : index + 4]
        if keyword == "PREFIX" and len(ahead) >= 2 and ahead[0][0] == "pname" \
                and ahead[1][0] == "iri":
            declared[ahead[0][1].rstrip(":")] = ahead[1][1][1:-1]
        if keyword != "SERVICE":
            continue
        if ahead and ahead[0][0] == "word" and ahead[0][1].upper() == "SILENT":
            ahead = ahead[1:]
        if not ahead:
            calls.append("")
            continue
        target_kind, target = ahead[0]
        if target_kind == "iri":
            calls.append(target[1:-1])
        elif target_kind == "pname":
            prefix, _, local = target.partition(":")
            calls.append(declared[prefix] + local if prefix in declared else target)
        else:
            calls.append(target)
    return calls


def check_service(
    text: str,
    allow: bool | Iterable[str] = False,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Refuse a query that calls ``SERVICE`` unless ``allow`` lets it: True for any http(s)
    endpoint, or the endpoint URLs allowed. An endpoint that is not an http(s) IRI written in
    the query (a ``file:`` IRI, a variable) is refused always. Raises :class:`QueryError`."""
    allowed = None if allow is True else {str(url) for url in (allow or ())}
    for endpoint in service_calls(text, prefixes):
        shown = f"SERVICE {endpoint}" if endpoint.startswith(("?", "$")) else \
            f"SERVICE <{endpoint}>"
        parsed = urlparse(endpoint)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise QueryError(
                f"{shown}: pmgraph calls only http(s) endpoints written in the query as IRIs; "
                "write the endpoint's URL, e.g. SERVICE <https://example.org/sparql>"
            )
        if allowed is None or endpoint in allowed:
            continue
        if allowed:
            raise QueryError(
                f"{shown}: this endpoint is not among those allowed "
                f"({', '.join(sorted(allowed))}); add --allow-service {endpoint}"
            )
        raise QueryError(
            f"{shown}: the query would send a request to another host, which pmgraph does "
            f"only when asked; add --allow-service {endpoint} (or --allow-service for any "
            "http(s) endpoint)"
        )
