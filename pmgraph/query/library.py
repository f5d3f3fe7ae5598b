"""The query library (``queries/*.rq``): headers, parameters, and running a query.

A query file starts with a header of ``# key: value`` comment lines::

    # title: Centres by nation
    # description: Each centre of excellence with its host, city and nation.
    # param: nation (iri, optional) The nation to keep, e.g. https://w3id.org/pmgraph/id/place/wales
    # view: table

Parameters are checked against their kind and bound as RDF terms, never pasted into the text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, TypeVar

from pyparsing import ParseException
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from pmgraph.errors import ParameterError, QueryError, QueryNotFoundError, QueryTimeoutError
from pmgraph.graph.load import plain_literal
from pmgraph.graph.namespaces import PREFIXES, compact_name
from pmgraph.paths import display_path, queries_dir
from pmgraph.query.bounded import run_stoppable
from pmgraph.query.engine import converter, oxigraph_target, substitutions
from pmgraph.query.sparql import bind_values, check_query_limits, check_service, query_form

if TYPE_CHECKING:  # pandas is optional
    import pandas

log = logging.getLogger(__name__)

T = TypeVar("T")

PARAM_KINDS = ("iri", "string", "integer", "decimal", "date")
_HEADER = re.compile(r"^#\s*([A-Za-z]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*(.*)$")
_NUMBERED = re.compile(r"^\d+[-_]")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_PNAME = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)$")
_IRI_SCHEMES = {"http", "https", "urn", "mailto", "tag", "file", "ftp", "info", "did", "doi"}
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class QueryParam:
    """A parameter a query declares: bound to the variable ``?name``."""

    name: str
    kind: str
    required: bool
    description: str


@dataclass(frozen=True)
class QueryInfo:
    """A query of the library, as its header describes it."""

    name: str
    title: str
    description: str
    params: tuple[QueryParam, ...]
    view: str
    path: Path

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class QueryResult:
    """Rows of a SELECT, the answer of an ASK, or the graph of a CONSTRUCT / DESCRIBE."""

    name: str
    form: str
    vars: tuple[str, ...] = ()
    rows: tuple[tuple[Identifier | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)
    #: True when ``max_rows`` cut the result: the query had more rows (or triples).
    truncated: bool = False

    def rows_as_dicts(self) -> list[dict[str, Identifier | None]]:
        """Each row as ``{variable: term or None}`` (CONSTRUCT: subject, predicate, object)."""
        if self.form == "ASK":
            return [{"result": Literal(bool(self.boolean))}]
        if self.graph is not None and self.form in ("CONSTRUCT", "DESCRIBE"):
            return [
                {"subject": s, "predicate": p, "object": o} for s, p, o in sorted(self.graph)
            ]
        return [dict(zip(self.vars, row, strict=True)) for row in self.rows]

    def columns(self) -> tuple[str, ...]:
        if self.form == "ASK":
            return ("result",)
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return ("subject", "predicate", "object")
        return self.vars

    def to_records(self) -> list[dict[str, str | None]]:
        """Each row as ``{variable: str or None}`` (ASK: one record ``{"result": "true"}``)."""
        return [
            {key: None if term is None else _text(term) for key, term in row.items()}
            for row in self.rows_as_dicts()
        ]

    def to_values(self) -> list[dict[str, object]]:
        """Each row with Python values: numbers as int or float, dates as ``datetime.date``,
        booleans as bool, IRIs and strings as str."""
        return [
            {key: None if term is None else _value(term) for key, term in row.items()}
            for row in self.rows_as_dicts()
        ]

    def to_dataframe(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame of Python values (see :meth:`to_values`; needs
        pandas: ``pip install pmgraph[notebook]``)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame.from_records(self.to_values(), columns=list(self.columns()))

    def __len__(self) -> int:
        return len(self.rows_as_dicts())


def _value(term: Identifier) -> object:
    if not isinstance(term, Literal):
        return str(term)
    value = term.toPython()
    if isinstance(value, Decimal):
        return float(value)
    return str(value) if isinstance(value, Literal) else value


def _text(term: Identifier) -> str:
    if isinstance(term, Literal) and term.datatype == XSD.boolean:
        return "true" if term.toPython() is True else "false"
    return str(term)


def _parse_header(path: Path, text: str) -> QueryInfo:
    fields: dict[str, str] = {}
    params: list[QueryParam] = []
    last = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if match:
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "param":
                params.append(_parse_param(path, value))
            else:
                fields[key] = value
            last = key
        elif last and last != "param":
            fields[last] = f"{fields[last]} {stripped.lstrip('#').strip()}".strip()
    name = _NUMBERED.sub("", path.stem)
    return QueryInfo(
        name=name,
        title=fields.get("title", name),
        description=fields.get("description", ""),
        params=tuple(params),
        view=fields.get("view", "table"),
        path=path,
    )


def _parse_param(path: Path, spec: str) -> QueryParam:
    match = _PARAM.match(spec)
    if not match:
        raise QueryError(
            f"{display_path(path)}: bad param line {spec!r}; "
            "write '# param: name (kind[, optional]) description'"
        )
    name, options, description = match.groups()
    words = [w.strip().lower() for w in options.split(",") if w.strip()]
    kinds = [w for w in words if w in PARAM_KINDS]
    if len(kinds) != 1 or any(w not in PARAM_KINDS + ("optional", "required") for w in words):
        raise QueryError(
            f"{display_path(path)}: param {name} has kind {options!r}; "
            f"use one of {', '.join(PARAM_KINDS)}, optionally followed by ', optional'"
        )
    return QueryParam(name, kinds[0], "optional" not in words, description.strip())


#: Query files read so far, by absolute path, with the file's size, modification and change
#: times and inode when they were read.
_READ: dict[str, tuple[tuple[int, ...] | None, QueryInfo, str]] = {}


def read_query(path: Path | str) -> tuple[QueryInfo, str]:
    """The header and text of the query file at ``path`` (read again when it changed)."""
    if not isinstance(path, Path):
        path = Path(path)
    # The cache is keyed by the path's text, made absolute (a relative path names another
    # file in another working folder): a query run again and again (a notebook loop, the
    # view's server) finds its file in a few microseconds.
    key = os.fspath(path)
    try:
        if not os.path.isabs(key):
            key = os.path.join(os.getcwd(), key)
        status = os.stat(key)
        # only a regular file is kept: a pipe (/dev/stdin) is new text each time. The inode's
        # change time moves on every write, even when the modification time is set back.
        stamp = (
            (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            if S_ISREG(status.st_mode) else None
        )
        known = _READ.get(key)
        if stamp is not None and known is not None and known[0] == stamp:
            return known[1], known[2]
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise QueryNotFoundError(f"{display_path(path)}: no such query file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryNotFoundError(f"{display_path(path)}: cannot be read ({exc})") from None
    info = _parse_header(path, text)
    if stamp is not None:
        if len(_READ) >= _CHECKED_MAX:
            _READ.clear()
        _READ[key] = (stamp, info, text)
    return info, text


def list_queries() -> list[QueryInfo]:
    """The library's queries (``queries/*.rq``), sorted by file name."""
    folder = queries_dir()
    if not folder.is_dir():
        return []
    return [read_query(path)[0] for path in sorted(folder.glob("*.rq"))]


#: The library folder's names -> files, with the folder's modification time they were read at.
_NAMES: dict[str, tuple[int, dict[str, Path]]] = {}


def _library_names(folder: Path) -> dict[str, Path]:
    """Each query file of ``folder`` by its name with and without its number (the folder is
    listed again when a file was added, removed or renamed)."""
    key = os.fspath(folder)
    try:
        stamp = os.stat(key).st_mtime_ns
        known = _NAMES.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        files = sorted(os.listdir(key))
    except OSError:
        return {}
    names: dict[str, Path] = {}
    for file in files:
        if file.endswith(".rq"):
            stem = file[:-3]
            names.setdefault(stem, folder / file)
            names.setdefault(_NUMBERED.sub("", stem), folder / file)
    _NAMES[key] = (stamp, names)
    return names


def find_query(name_or_path: str | Path) -> tuple[QueryInfo, str]:
    """The query with this library name (``centres-by-nation`` or ``01-centres-by-nation``),
    or the ``.rq`` file at this path."""
    given = str(name_or_path)
    if (
        isinstance(name_or_path, Path)
        or given.endswith(".rq")
        or "/" in given
        or os.path.isfile(given)
    ):
        return read_query(Path(given))
    # The name is the file's stem, with or without its number: only that file is read.
    file = _library_names(queries_dir()).get(given)
    if file is not None:
        return read_query(file)
    names = [info.name for info in list_queries()]
    close = difflib.get_close_matches(given, names, n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(close)}?"
        if close
        else "run 'pmgraph queries' to list the library"
    )
    raise QueryNotFoundError(f"no query named {given!r}; {hint}")


def parse_param_value(param: QueryParam, value: str | Identifier) -> Identifier:
    """``value`` as the RDF term ``param`` expects; raises :class:`ParameterError` if invalid."""
    if isinstance(value, Literal) and param.kind != "iri":
        return value  # a term the caller built: n3() writes it safely
    if isinstance(value, Identifier) and not isinstance(value, URIRef):
        raise ParameterError(
            f"parameter {param.name}={value!r} is not {param.kind}: give a "
            f"{'URIRef' if param.kind == 'iri' else 'Literal'} or a string"
        )
    raw = str(value).strip()

    def bad(expected: str) -> ParameterError:
        return ParameterError(
            f"parameter {param.name}={value!r} is not {expected}; "
            f"give {param.kind} values like {_EXAMPLES[param.kind]}"
        )

    if param.kind == "iri":
        pname = _PNAME.match(raw)
        if pname and pname.group(1) in PREFIXES:
            return URIRef(PREFIXES[pname.group(1)] + pname.group(2))
        if pname and pname.group(1).lower() not in _IRI_SCHEMES:
            # Most likely a mistyped prefix: as an IRI it would silently match nothing.
            known = ", ".join(f"{p}:" for p in sorted(PREFIXES))
            raise ParameterError(
                f"parameter {param.name}={value!r}: unknown prefix {pname.group(1)}:; "
                f"use one of {known} or a full IRI"
            )
        if not _IRI.match(raw):
            raise bad("an absolute IRI")
        return URIRef(raw)
    if param.kind == "string":
        return Literal(str(value))
    if param.kind == "integer":
        if not _INTEGER.match(raw):
            raise bad("an integer")
        return Literal(int(raw))
    if param.kind == "decimal":
        if not _DECIMAL.match(raw):
            raise bad("a decimal number")
        try:
            return Literal(Decimal(raw))
        except InvalidOperation:  # pragma: no cover - the pattern already checked it
            raise bad("a decimal number") from None
    if param.kind == "date":
        if _YEAR.match(raw):
            return Literal(raw, datatype=XSD.gYear)
        try:
            dt.date.fromisoformat(raw)
        except ValueError:
            raise bad("a date (YYYY-MM-DD) or a year (YYYY)") from None
        if len(raw) != 10:
            raise bad("a date (YYYY-MM-DD) or a year (YYYY)")
        return Literal(raw, datatype=XSD.date)
    raise bad(param.kind)  # pragma: no cover - kinds are checked when the header is read


_EXAMPLES = {
    "iri": "https://w3id.org/pmgraph/id/place/wales or place:wales",
    "string": "Leeds",
    "integer": "3",
    "decimal": "2.5",
    "date": "2020-01-30 or 2019",
}


def bind_params(info: QueryInfo, params: Mapping[str, Any] | None) -> dict[str, Identifier]:
    """Check ``params`` against the query's declared parameters and turn them into terms."""
    params = dict(params or {})
    declared = {p.name for p in info.params}
    unknown = sorted(set(params) - declared)
    if unknown and not declared:
        raise ParameterError(
            f"query {info.name} declares no parameters, so it cannot take {unknown[0]!r}; "
            f"declare one in a header line at the top of {display_path(info.path)}, "
            f"'# param: {unknown[0]} (iri|string|integer|decimal|date[, optional]) "
            f"description', and use ?{unknown[0]} in the query"
        )
    if unknown:
        known = ", ".join(sorted(declared))
        raise ParameterError(
            f"query {info.name} has no parameter {unknown[0]!r}; its parameters: {known}"
        )
    bindings: dict[str, Identifier] = {}
    for param in info.params:
        value = params.get(param.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if param.required:
                raise ParameterError(
                    f"query {info.name} needs parameter {param.name} ({param.kind}); "
                    f"add --param {param.name}=VALUE"
                )
            continue
        bindings[param.name] = parse_param_value(param, value)
    return bindings


def check_entities(info: QueryInfo, bindings: Mapping[str, Identifier], graph: Graph) -> None:
    """Raise :class:`ParameterError` for an IRI parameter naming nothing in ``graph``: a
    misspelt name (``place:walse``) would otherwise give an empty answer, which reads as
    "there is none"."""
    for param in info.params:
        value = bindings.get(param.name)
        if param.kind != "iri" or not isinstance(value, URIRef) or _in_graph(graph, value):
            continue
        shown = _curie(value)
        close = _close_names(graph, value)
        hint = f"did you mean {', '.join(close)}?" if close else (
            "'pmgraph query find-entity --param text=NAME' finds an entity by name")
        raise ParameterError(
            f"parameter {param.name}={shown}: no entity {shown} in the graph; {hint}")


def _in_graph(graph: Graph, iri: URIRef) -> bool:
    target = oxigraph_target(graph)
    if target is not None:
        import pyoxigraph as ox

        store, name = target
        node = ox.NamedNode(iri)
        patterns = ((node, None, None), (None, None, node), (None, node, None))
        return any(any(True for _ in store.quads_for_pattern(s, p, o, name))
                   for s, p, o in patterns)
    # subject, object or predicate (a property the data uses, such as rdfs:label)
    patterns = ((iri, None, None), (None, None, iri), (None, iri, None))
    return any(any(True for _ in graph.triples(pattern)) for pattern in patterns)


def _curie(iri: str) -> str:
    shown = compact_name(iri)
    return f"<{iri}>" if shown == iri else shown


def _close_names(graph: Graph, iri: str) -> list[str]:
    """Up to three subjects of ``graph`` in the same namespace as ``iri``, closest first."""
    namespace = iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
    if not namespace:
        return []
    found = graph.query(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(namespace).n3()})) }}"
    )
    # compared by what follows the namespace, which the misspelling is in
    names = {str(row[0])[len(namespace):]: str(row[0]) for row in found}
    close = difflib.get_close_matches(iri[len(namespace):], list(names), n=3, cutoff=0.6)
    return [_curie(names[n]) for n in close]


def _plain_row(row: Any, variables: list[str]) -> tuple[Identifier | None, ...]:
    return tuple(plain_literal(row[v]) if row[v] is not None else None for v in variables)


class _Abandoned(Exception):
    """The caller stopped waiting (time limit or Ctrl-C): the worker stops reading rows."""


def _take(items: Iterable[T], max_rows: int | None, stop: threading.Event) -> tuple[list[T], bool]:
    """The first ``max_rows`` of ``items`` (all when None) and whether more were left."""
    taken: list[T] = []
    for item in items:
        if stop.is_set():
            raise _Abandoned
        if max_rows is not None and len(taken) >= max_rows:
            return taken, True
        taken.append(item)
    return taken, False


#: Query texts that passed :func:`check_text`, with their form: a library query run again and
#: again (a notebook, the view's server, a benchmark) is checked once.
_CHECKED: dict[tuple, str] = {}
_CHECKED_MAX = 256


def check_text(
    text: str,
    *,
    where: str,
    allow_service: bool | Iterable[str] = False,
    prefixes: Mapping[str, str] | None = None,
) -> str:
    """The form of the query ``text`` (SELECT, ASK, ...) once it passed the checks made before
    it runs: not too long or deeply nested for the parser, not an update, no SERVICE call
    that ``allow_service`` does not allow. Raises :class:`QueryError` naming ``where``."""
    allowed = allow_service if isinstance(allow_service, bool) else tuple(allow_service)
    key = (text, allowed, None if prefixes is None else tuple(sorted(prefixes.items())))
    form = _CHECKED.get(key)
    if form is not None:
        return form
    try:
        check_query_limits(text)
        form = query_form(text)
        check_service(text, allowed, PREFIXES if prefixes is None else prefixes)
    except QueryError as exc:
        raise QueryError(f"{where}: {exc}") from None
    if len(_CHECKED) >= _CHECKED_MAX:
        _CHECKED.clear()
    _CHECKED[key] = form
    return form


def graph_prefixes(graph: Graph) -> dict[str, str]:
    """The prefixes bound in ``graph``, which its queries may use without declaring them."""
    # The store's own (rdflib's Graph.namespaces() makes each namespace anew), once the
    # namespace manager, which binds rdflib's defaults there, exists.
    store = graph.namespace_manager.store
    return {prefix: str(namespace) for prefix, namespace in store.namespaces()}


def run_text(
    text: str,
    graph: Graph,
    bindings: Mapping[str, Identifier],
    *,
    name: str = "query",
    timeout: float | None = None,
    max_rows: int | None = None,
    allow_service: bool | Iterable[str] = False,
    prefixes: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run the SPARQL ``text`` on ``graph`` with ``bindings`` bound.

    On a graph in Oxigraph (what :func:`pmgraph.graph.load.load_graph` returns) the query runs in
    pyoxigraph directly, parameters substituted; on any other graph through rdflib, parameters
    as a VALUES block. ``timeout``, ``max_rows`` and ``allow_service`` as for :func:`run_query`;
    ``prefixes``: the graph's (:func:`graph_prefixes`), when the caller has them already.
    """
    if prefixes is None:
        prefixes = graph_prefixes(graph)
    form = check_text(text, where=name, allow_service=allow_service, prefixes=prefixes)
    cap = max_rows if max_rows and max_rows > 0 else None
    target = oxigraph_target(graph)

    def work(stop: threading.Event) -> QueryResult:
        if target is not None:
            return _run_oxigraph(text, form, prefixes, target, bindings, name, cap, stop,
                                 converter(graph))
        return _run_rdflib(text, form, graph, bindings, name, cap, stop)

    def out_of_time() -> QueryTimeoutError:
        return QueryTimeoutError(
            f"{name}: stopped after {timeout:g} s, its time limit; give it more time "
            "(--timeout SECONDS, 0 for no limit) or narrow the query"
        )

    return run_stoppable(work, timeout=timeout, on_timeout=out_of_time)


def _run_rdflib(
    text: str,
    form: str,
    graph: Graph,
    bindings: Mapping[str, Identifier],
    name: str,
    cap: int | None,
    stop: threading.Event,
) -> QueryResult:
    bound = bind_values(text, bindings)
    try:
        result = graph.query(bound)
    except SyntaxError as exc:  # Oxigraph's parser
        raise QueryError(f"{name}: not valid SPARQL ({exc.msg or exc})") from None
    except ParseException as exc:  # rdflib's parser, for graphs outside Oxigraph
        raise QueryError(f"{name}: not valid SPARQL ({exc})") from None
    except (RuntimeError, ValueError) as exc:  # Oxigraph evaluation errors
        raise QueryError(f"{name}: the query failed ({exc})") from None
    try:
        return _collect(name, form, result, cap, stop)
    except OSError as exc:  # results stream lazily: a SERVICE call fails only here
        raise QueryError(f"{name}: the query failed ({exc})") from None


_NOT_PROJECTED = "SELECT projection"


def _run_oxigraph(
    text: str,
    form: str,
    prefixes: Mapping[str, str],
    target: tuple,
    bindings: Mapping[str, Identifier],
    name: str,
    cap: int | None,
    stop: threading.Event,
    convert: Callable[[object], Identifier | None],
) -> QueryResult:
    import pyoxigraph as ox

    store, default_graph = target
    try:
        try:
            # Substitution binds the variable before evaluation, which lets Oxigraph start
            # property paths from it; it works only for variables the query projects.
            result = store.query(
                text, default_graph=default_graph, prefixes=dict(prefixes),
                substitutions=substitutions(bindings),
            )
        except RuntimeError as exc:
            if not bindings or _NOT_PROJECTED not in str(exc):
                raise
            result = store.query(
                bind_values(text, bindings), default_graph=default_graph,
                prefixes=dict(prefixes),
            )
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(name=name, form="ASK", boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            triples, more = _take(
                (tuple(map(convert, (t.subject, t.predicate, t.object))) for t in result),
                cap, stop,
            )
            graph = Graph()
            graph += triples
            return QueryResult(name=name, form=form, graph=graph, truncated=more)
        variables = tuple(variable.value for variable in result.variables)
        rows, more = _take((tuple(map(convert, solution)) for solution in result), cap, stop)
    except SyntaxError as exc:
        raise QueryError(f"{name}: not valid SPARQL ({exc.msg or exc})") from None
    except (RuntimeError, ValueError) as exc:  # evaluation errors
        raise QueryError(f"{name}: the query failed ({exc})") from None
    except OSError as exc:  # a SERVICE call fails while the rows stream
        raise QueryError(f"{name}: the query failed ({exc})") from None
    return QueryResult(name=name, form="SELECT", vars=variables, rows=tuple(rows), truncated=more)


def _collect(  # noqa: ANN001 - rdflib Result
    name: str, form: str, result, cap: int | None, stop: threading.Event
) -> QueryResult:
    if result.type == "ASK":
        return QueryResult(name=name, form="ASK", boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples, more = _take(
            ((s, p, plain_literal(o)) for s, p, o in result.graph), cap, stop
        )
        graph = Graph()
        graph += triples
        return QueryResult(name=name, form=form, graph=graph, truncated=more)
    variables = [str(v) for v in result.vars or ()]
    rows, more = _take((_plain_row(row, variables) for row in result), cap, stop)
    return QueryResult(
        name=name, form="SELECT", vars=tuple(variables), rows=tuple(rows), truncated=more
    )


def run_query(
    name_or_path: str | Path,
    graph: Graph | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    allow_service: bool | Iterable[str] = False,
) -> QueryResult:
    """Run a library query (by name) or a ``.rq`` file with ``params`` bound as RDF terms.

    On ``graph`` (default: the project's ontology and data), or on the SPARQL ``endpoint``.

    ``timeout``: seconds after which :class:`~pmgraph.errors.QueryTimeoutError` is raised
    (None or 0: no limit); Ctrl-C raises ``KeyboardInterrupt`` at once either way.
    ``max_rows``: keep only the first rows (None or 0: all); ``QueryResult.truncated`` says
    whether more were left. ``allow_service``: a query that calls ``SERVICE`` is refused
    unless this is True (any http(s) endpoint) or lists the endpoint's URL.
    """
    info, text = find_query(name_or_path)
    where = _Shown(info.path)
    prefixes = None
    if endpoint is not None:  # SERVICE calls are the endpoint's to make or refuse
        try:
            check_query_limits(text)
            query_form(text)
        except QueryError as exc:
            raise QueryError(f"{where}: {exc}") from None
    else:  # refuse before anything is loaded or run
        prefixes = None if graph is None else graph_prefixes(graph)
        check_text(text, where=where, allow_service=allow_service, prefixes=prefixes)
    bindings = bind_params(info, params)
    if endpoint is not None:
        from pmgraph.query.remote import run_remote

        return run_remote(text, endpoint, bindings, name=info.name)
    if graph is None:
        from pmgraph.graph.load import load_graph

        graph = load_graph()
        prefixes = None
    check_entities(info, bindings, graph)
    log.info("running %s with %s", info.name, sorted(bindings))
    return run_text(
        text, graph, bindings, name=info.name, timeout=timeout, max_rows=max_rows,
        allow_service=allow_service, prefixes=prefixes,
    )


class _Shown:
    """A path shown as :func:`~pmgraph.paths.display_path` shows it, worked out only when a
    message needs it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return display_path(self.path)
