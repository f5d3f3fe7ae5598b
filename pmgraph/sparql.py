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
from collections.abc import Iterator, Mapping

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
