"""The ``pmgraph`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 findings (violations, rows of a check), 2 unusable input (bad file, unknown
name, bad parameter or option, unwritable output), 3 endpoint unreachable, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM); either way nothing half-written is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pmgraph import __version__
from pmgraph.errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    ParameterError,
    PMGraphError,
)

if TYPE_CHECKING:  # annotations only: the commands import what they need when they run
    import networkx as nx
    from rdflib import Graph

log = logging.getLogger("pmgraph")


class UsageError(PMGraphError):
    """A command-line option argparse rejected."""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and an exit code, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


#: Characters a message line on stderr may take: a parser's message can quote a whole token
#: (an IRI or literal of megabytes); a longer line keeps its start and its end.
_LINE_LIMIT = 1_000


def _terminal_line(text: str) -> str:
    """``text`` escaped for one terminal line and cut in the middle when over
    :data:`_LINE_LIMIT`: the file, line and column at the start and the advice at the end
    stay."""
    from pmgraph.safe import one_line

    line = one_line(text)
    if len(line) <= _LINE_LIMIT:
        return line
    head, tail = line[: _LINE_LIMIT * 6 // 10], line[-(_LINE_LIMIT * 3 // 10):]
    return f"{head} … ({len(line) - len(head) - len(tail):,} characters left out) … {tail}"


def _err(message: str) -> None:
    print(f"pmgraph: {_terminal_line(message)}", file=sys.stderr)


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


#: ``--out -``: standard output, for the commands that write one file.
STDOUT = "-"


def _out_bytes(data: bytes) -> None:
    """Write a file's bytes to stdout as they are (UTF-8 whatever the terminal's encoding)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        _out(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


class _OneLineFormatter(logging.Formatter):
    """Log lines with control characters in their data shown escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(_terminal_line(line) for line in super().format(record).split("\n"))


def _lenient_streams() -> list[tuple[object, str]]:
    """Let stdout and stderr write what their encoding cannot (ASCII, Latin-1, cp1252) as
    ``\\u2019`` escapes instead of failing; return what to restore."""
    saved = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
            saved.append((stream, errors))
    return saved


def _load(args: argparse.Namespace, extra: Sequence[str] = ()) -> Graph:
    from pmgraph.graph.load import load_graph, open_store

    paths = [*extra, *(args.data or [])]
    store = getattr(args, "store", None)
    if store is not None:
        if paths:
            given = "--data" if args.data else "PATH"
            raise UsageError(f"--store and {given} exclude each other: the store already holds "
                             "its data (rebuild it with 'pmgraph load FILES --store DIR')")
        return open_store(store)
    return load_graph(*paths)


# --------------------------------------------------------------------------- commands


def cmd_build(args: argparse.Namespace) -> int:
    from pmgraph.paths import display_path
    from pmgraph.publishing.build import build
    from pmgraph.query.render import report_text

    if str(args.out) == STDOUT:
        raise UsageError("build writes a folder of files, not one stream; give a folder to "
                         "--out (use 'pmgraph export --out -' for the graph on standard output)")
    result = build(args.out, data=args.data or (), progress=lambda line: _err(line))
    if not result.ok:
        _out(report_text(result.report))
        _err(f"error: the data does not conform; nothing written to {display_path(args.out)}")
        return EXIT_FINDINGS
    stats = result.stats
    assert stats is not None
    from pmgraph.query.render import plural

    warnings = len(result.report.warnings)
    lines = [
        f"Built {display_path(result.out)}/: {plural(stats.triples, 'triple')}, "
        f"{plural(stats.entities, 'entity')}, {plural(len(stats.classes), 'class')}, "
        f"{plural(len(stats.properties), 'property')}"
        f" ({plural(warnings, 'warning')}; see 'pmgraph validate').",
    ]
    lines += [f"  {display_path(path)}" for path in result.files]
    _out("\n".join(lines) + "\n")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from pmgraph.cli_share import configured_endpoint, validate_on_endpoint
    from pmgraph.publishing.export import to_turtle
    from pmgraph.query.render import report_json, report_text
    from pmgraph.validation.validate import report_graph, validate

    configured_endpoint(args, args.paths, check_login=True)
    if args.endpoint:
        report = validate_on_endpoint(args)
    else:
        report = validate(_load(args, args.paths), engine=args.engine)
    if args.format == "json":
        _out(report_json(report))
    elif args.format == "turtle":
        _out(to_turtle(report_graph(report)).decode("utf-8"))
    else:
        _out(report_text(report))
    return EXIT_OK if report.conforms else EXIT_FINDINGS


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(
                f"--param {pair!r}: write KEY=VALUE, e.g. --param nation=place:wales"
            )
        if key in params:
            raise ParameterError(f"--param {key} is given twice; give each parameter once")
        params[key] = value
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from pmgraph.query.library import bind_params, find_query, run_query
    from pmgraph.query.remote import check_endpoint
    from pmgraph.query.render import query_result

    params = _parse_params(args.param or [])
    info, text = find_query(args.query)
    bind_params(info, params)  # refuse bad parameters before loading anything
    from pmgraph.cli_share import configured_endpoint

    configured_endpoint(args)
    if args.endpoint:
        check_endpoint(args.endpoint)
        if args.data or getattr(args, "store", None):
            given = "--data" if args.data else "--store"
            raise ParameterError(f"{given} and --endpoint exclude each other: the endpoint "
                                 "answers from its own data")
        result = _run_on_endpoint(args, info, params)
    else:
        if args.user is not None or args.password_env is not None:
            raise ParameterError("--user and --password-env apply only with --endpoint URL")
        from pmgraph.paths import display_path
        from pmgraph.query.library import check_text

        timeout, max_rows, allow_service = _local_query_limits(args)
        check_text(text, where=display_path(info.path), allow_service=allow_service)
        result = run_query(info.path, _load(args), params=params, timeout=timeout,
                           max_rows=max_rows, allow_service=allow_service)
    _out(query_result(result, args.format))
    if result.truncated:
        _err(f"warning: {info.name}: the result has more than {len(result):,} rows; showing "
             "the first ones (give --max-rows 0 for all, or narrow the query)")
    if info.path.stem.endswith("-violation") and len(result):
        return EXIT_FINDINGS
    return EXIT_OK


def _run_on_endpoint(args: argparse.Namespace, info, params: dict[str, str]):
    from pmgraph.paths import display_path
    from pmgraph.query.library import bind_params, find_query
    from pmgraph.query.remote import credentials_from_options, run_remote
    from pmgraph.query.sparql import check_query_limits, query_form

    credentials = credentials_from_options(args.endpoint, args.user, args.password_env)
    _, text = find_query(info.path)
    try:
        check_query_limits(text)  # texts that crash a parser are refused before sending
        query_form(text)  # refuse updates before anything is sent
    except PMGraphError as exc:
        raise type(exc)(f"{display_path(info.path)}: {exc}") from None
    return run_remote(text, args.endpoint, bind_params(info, params), name=info.name,
                      timeout=args.timeout, credentials=credentials, graph=args.graph)


#: --max-rows when not given: enough for any table a person reads, bounded in memory.
DEFAULT_MAX_ROWS = 100_000
ANY_SERVICE = "*"


def _local_query_limits(
    args: argparse.Namespace,
) -> tuple[float | None, int | None, bool | list[str]]:
    """``--timeout``, ``--max-rows`` and ``--allow-service`` as :func:`run_query` takes them."""
    from pmgraph.query.remote import check_endpoint

    if args.timeout < 0:
        raise ParameterError(f"--timeout {args.timeout:g}: give seconds, or 0 for no limit")
    if args.max_rows < 0:
        raise ParameterError(f"--max-rows {args.max_rows}: give a number of rows, or 0 for all")
    allowed = args.allow_service or []
    urls = [url for url in allowed if url != ANY_SERVICE]
    for url in urls:
        try:
            check_endpoint(url)
        except ParameterError:
            raise ParameterError(
                f"--allow-service {url!r} is not an http(s) URL; give the endpoint's URL as "
                "the query's SERVICE names it, or --allow-service alone for any"
            ) from None
    allow_service: bool | list[str] = True if ANY_SERVICE in allowed else urls
    return args.timeout or None, args.max_rows or None, allow_service


def cmd_queries(args: argparse.Namespace) -> int:
    from pmgraph.query.library import list_queries
    from pmgraph.query.render import query_list

    infos = list_queries()
    if args.verbose_list:
        for info in infos:
            _out(f"{info.name}: {info.title}\n  {info.description}\n")
            for p in info.params:
                optional = "" if p.required else ", optional"
                _out(f"  --param {p.name}=… ({p.kind}{optional}) {p.description}\n")
        return EXIT_OK
    _out(query_list(infos))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from pmgraph.graph.stats import graph_stats
    from pmgraph.query.render import stats_text

    _out(stats_text(graph_stats(_load(args)), args.format))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pmgraph.files import check_file_output
    from pmgraph.paths import display_path
    from pmgraph.publishing.export import export, format_for, serialize

    # refuse a bad --out before loading anything
    out = None if args.out in (None, STDOUT) else check_file_output(args.out)
    fmt = format_for(out, args.format)
    graph = _load(args)
    if args.out and args.out != STDOUT:
        path = export(graph, fmt, args.out)
        _err(f"wrote {display_path(path)}")
    else:
        _out_bytes(serialize(graph, fmt))
    return EXIT_OK


# --------------------------------------------------------------------------- parser


_EXAMPLES = {
    "synth": "example:\n  pmgraph synth --triples 100k --out synth/synth-100k.ttl\n"
    "  pmgraph validate --data synth\n"
    "  pmgraph query centres --data synth/synth-100k.ttl\n"
    "the graph's sources (the real ones and the copies' synthetic passages) go to sources/\n"
    "beside the file\n",
    "build": "example:\n  pmgraph build --out build\n  pmgraph build --data my-data/ --out /tmp/b",
    "validate": (
        "example:\n  pmgraph validate\n  pmgraph validate --format json\n"
        "  pmgraph validate mydata/ --engine pyshacl\n"
        "exit status: 0 conforms (warnings allowed), 1 violations, 2 unusable input"
    ),
    "query": (
        "example:\n  pmgraph query centres --param nation=place:wales\n"
        "  pmgraph query my-query.rq --format csv\n"
        "  pmgraph query centres --endpoint http://127.0.0.1:7878/query\n"
        "parameter kinds: iri (full IRI or prefixed name such as place:wales), string,\n"
        "integer, decimal, date (YYYY-MM-DD or YYYY)"
    ),
    "queries": "example:\n  pmgraph queries\n  pmgraph queries --long",
    "stats": "example:\n  pmgraph stats\n  pmgraph stats --format json",
    "export": (
        "example:\n  pmgraph export --out pmgraph.jsonld\n"
        "  pmgraph export --format nt | wc -l\n"
        "  pmgraph export --format csv --out triples.txt"
    ),
    "viz": (
        "example:\n  pmgraph viz --out network.html\n"
        "  pmgraph viz --focus ctr:leeds --depth 2 --out leeds.html"
    ),
    "analyse": "example:\n  pmgraph analyse\n  pmgraph analyse --top 5",
    "load": (
        "example:\n  pmgraph load --store pmgraph.graph.store\n"
        "  pmgraph load big.ttl --store big.store\n"
        "  pmgraph query centres --store big.store"
    ),
}


def _common(verbose_default: object = argparse.SUPPRESS, data: bool = True) -> _Parser:
    parent = _Parser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="count", default=verbose_default,
        help="report progress (-vv: more detail)",
    )
    if data:
        parent.add_argument(
            "--data", action="append", metavar="PATH",
            help="an RDF file (.ttl, .turtle, .nt or .jsonld, by extension; others are read as "
            "Turtle), a folder of them (not its sub-folders), or - for Turtle on standard "
            "input, instead of the project's data/ (repeatable; the ontology always comes "
            "along)",
        )
    return parent


def _sub(
    subparsers: argparse._SubParsersAction, name: str, help_text: str,
    handler: Callable[[argparse.Namespace], int], *, data: bool = True,
) -> _Parser:
    parser = subparsers.add_parser(
        name, help=help_text, description=help_text, epilog=_EXAMPLES.get(name),
        parents=[_common(data=data)], formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> _Parser:
    """The argument parser of ``pmgraph`` and its commands."""
    from pmgraph.publishing.export import FORMATS, SUFFIX_FORMATS
    from pmgraph.query.render import QUERY_FORMATS, REPORT_FORMATS, STATS_FORMATS

    parser = _Parser(
        prog="pmgraph",
        description="A knowledge graph of the UK precision-medicine ecosystem: build, validate, "
        "query, export and view it.",
        epilog="example:\n  pmgraph build\n  pmgraph query centres --format markdown\n"
        "run 'pmgraph COMMAND --help' for each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(verbose_default=0, data=False)],
    )
    parser.add_argument("--version", action="version", version=f"pmgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = _sub(commands, "build", "validate the data and write the graph, its description, "
             "GraphML and the HTML network view", cmd_build)
    p.add_argument("--out", default="build", type=Path, metavar="DIR",
                   help="output folder (default: build/ in the working folder); replaced "
                   "whole only if new, empty or a build with no files added")

    p = _sub(commands, "validate", "check the data against the project's SHACL shapes and "
             "check queries", cmd_validate)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="RDF files or folders to check instead of the project's data/ (as "
                   "--data; - for standard input)")
    p.add_argument("--format", choices=REPORT_FORMATS, default="text")
    p.add_argument("--engine", choices=("auto", "sparql", "pyshacl"), default="auto",
                   help="sparql: shapes compiled to SPARQL on Oxigraph (fast); pyshacl: the "
                   "reference validator; auto (default): sparql when it covers the shapes")

    p = _sub(commands, "query", "run a query of the library (by name) or a .rq file", cmd_query)
    p.add_argument("query", metavar="NAME|FILE.rq")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="a parameter the query declares (repeatable)")
    p.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"keep the first N rows and say so on stderr when there were more "
                   f"(default {DEFAULT_MAX_ROWS:,}; 0: all)")
    p.add_argument("--allow-service", action="append", nargs="?", const=ANY_SERVICE,
                   metavar="URL",
                   help="let the query call SERVICE on this endpoint (repeatable); without "
                   "URL, on any http(s) endpoint. Without it a SERVICE query is refused")
    p.add_argument("--format", choices=QUERY_FORMATS, default="table")
    login = p.add_argument_group(
        "endpoint login", "HTTP basic auth for --endpoint. Without --user: a user:password@ "
        "in the URL,\nor a ~/.netrc ($NETRC) entry for the endpoint's host.")
    login.add_argument("--user", metavar="USER", help="the user name to log in with")
    login.add_argument("--password-env", metavar="VAR",
                       help="the environment variable holding USER's password")
    p.add_argument("--endpoint", metavar="URL",
                   help="send the query to this SPARQL endpoint instead of the local graph")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="stop the query after this many seconds (default 60; 0: no limit)")

    p = _sub(commands, "queries", "list the query library: name, title, parameters",
             cmd_queries, data=False)
    p.add_argument("--long", dest="verbose_list", action="store_true",
                   help="also show descriptions and parameter notes")

    p = _sub(commands, "stats", "count triples, entities, classes and properties", cmd_stats)
    p.add_argument("--format", choices=STATS_FORMATS, default="table")

    p = _sub(commands, "export", "write the merged graph in another format", cmd_export)
    p.add_argument("--format", choices=FORMATS,
                   help="default: from --out's extension (" + ", ".join(
                       f"{suffix} {fmt}" for suffix, fmt in SUFFIX_FORMATS.items())
                   + "); turtle on standard output")
    p.add_argument("--out", metavar="FILE",
                   help="output file (default, or -: standard output)")

    _add_view_commands(commands)
    _add_share_commands(commands)
    _add_store_commands(commands)
    _add_diff_command(commands)
    return parser


def _add_diff_command(commands: argparse._SubParsersAction) -> None:
    p = _sub(commands, "diff", "what changed between two versions of the graph: entities and "
             "statements added, removed, changed (exit 1 when anything changed)", cmd_diff,
             data=False)
    p.epilog = ("example:\n  pmgraph build --out build-old   # ... edit data/ ...\n"
                "  pmgraph build --out build-new\n  pmgraph diff build-old build-new\n"
                "  pmgraph diff old-data/ data/ --format json")
    p.add_argument("old", type=Path, metavar="OLD",
                   help="a build folder (its pmgraph.nt), a data folder or an RDF file")
    p.add_argument("new", type=Path, metavar="NEW", help="the same, the newer version")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="table (default): the counts, the entities, the statements; csv: the "
                   "statements; json: all three")


def cmd_diff(args: argparse.Namespace) -> int:
    from pmgraph.graph.diff import diff_paths
    from pmgraph.query.render import table

    changes = diff_paths(args.old, args.new)
    code = EXIT_FINDINGS if changes else EXIT_OK
    if args.format == "json":
        import json

        _out(json.dumps({"counts": changes.counts(), "entities": changes.entities.to_records(),
                         "statements": changes.statements.to_records()},
                        indent=2, ensure_ascii=False) + "\n")
        return code
    if args.format == "csv":
        from pmgraph.query.render import csv_text

        _out(csv_text(
            ["change", "subject", "predicate", "object", "old_quotes", "new_quotes"],
            [[r.change, r.subject, r.predicate, r.object, " | ".join(r.old_quotes),
              " | ".join(r.new_quotes)] for r in changes.statements],
        ))
        return code
    _out(changes.describe() + "\n")
    if changes.entities:
        _out("\n" + table(
            ["change", "entity", "label", "added", "removed", "changed"],
            [[r.change, r.entity, r.label, str(r.statements_added), str(r.statements_removed),
              str(r.statements_changed)] for r in changes.entities],
        ))
    if changes.statements:
        _out("\n" + table(
            ["change", "subject", "predicate", "object", "old quote", "new quote"],
            [[r.change, r.subject, r.predicate, r.object, " | ".join(r.old_quotes),
              " | ".join(r.new_quotes)] for r in changes.statements],
        ))
    return code


#: The commands that read a graph and so can read it from a store instead.
_STORE_READERS = ("validate", "query", "stats", "export", "viz", "analyse", "serve", "push")


def _add_store_commands(commands: argparse._SubParsersAction) -> None:
    p = _sub(commands, "load", "load the ontology and data into an on-disk store that the "
             "other commands read with --store", cmd_load, data=False)
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="RDF files or folders, as --data of the other commands; - for "
                   "standard input (default: the project's data/; the ontology always comes "
                   "along)")
    p.add_argument("--store", required=True, type=Path, metavar="DIR",
                   help="the store folder: new, empty or a store to replace")
    for name in _STORE_READERS:
        commands.choices[name].add_argument(
            "--store", type=Path, metavar="DIR",
            help="read the graph from this store (made by 'pmgraph load') instead of "
            "parsing files",
        )


def _add_share_commands(commands: argparse._SubParsersAction) -> None:
    from pmgraph.cli_share import add_share_commands

    add_share_commands(commands, _sub)


def cmd_load(args: argparse.Namespace) -> int:
    from pmgraph.graph.load import source_files
    from pmgraph.graph.store import build_store
    from pmgraph.paths import display_path
    from pmgraph.query.render import plural

    info = build_store(args.store, source_files(args.files))
    _out(f"Loaded {plural(info.triples, 'triple')} from {plural(len(info.files), 'file')} into "
         f"{display_path(info.path)}/ in {info.seconds:.1f} s.\n")
    return EXIT_OK


def _add_view_commands(commands: argparse._SubParsersAction) -> None:
    p = _sub(commands, "viz", "write the interactive HTML network view", cmd_viz)
    p.add_argument("--out", default="network.html", type=Path, metavar="FILE",
                   help="output HTML file (default: network.html; -: standard output)")
    p.add_argument("--focus", metavar="NAME-OR-IRI",
                   help="show only this entity and its neighbours: an IRI, or a name, "
                        "abbreviation or words, of which the best match in the view's search "
                        "order is taken (centres first) and named on stderr")
    p.add_argument("--depth", type=int, default=1, metavar="N",
                   help="with --focus: how many links out (default: 1)")
    p.add_argument("--classes", nargs="+", metavar="CLASS",
                   help="keep only entities of these classes, e.g. CentreOfExcellence University")
    p.add_argument("--layout", choices=("force", "geo"), default="force",
                   help="force: linked entities near each other (default); geo: open on the "
                        "map of the UK, entities at their places")
    p.add_argument("--title", default="pmgraph", help="page title")

    p = _sub(commands, "analyse", "network analyses: centrality, communities, "
             "unique holdings, shortest chain", cmd_analyse)
    p.add_argument("analysis", nargs="?", default="centrality", choices=ANALYSES)
    p.add_argument("--top", type=int, default=20, metavar="N",
                   help="show the first N rows (0: all; default 20)")
    p.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")
    p.add_argument("--classes", nargs="+", metavar="CLASS",
                   help="analyse only entities of these classes")
    p.add_argument("--from", dest="source", metavar="NAME-OR-IRI", help="chain: start entity")
    p.add_argument("--to", dest="target", metavar="NAME-OR-IRI", help="chain: end entity")

    p = _sub(commands, "synth", "write a synthetic graph shaped like the real one, for scale "
             "tests", cmd_synth, data=False)
    p.add_argument("--triples", required=True, metavar="N",
                   help="how many triples, e.g. 10000, 100k or 1M (within 1%%)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE",
                   help="the file to write: .ttl (Turtle) or .nt (N-Triples), its sources in "
                   "sources/ beside it; -: Turtle to standard output, without sources")
    p.add_argument("--seed", type=int, default=0, help="the same seed writes the same bytes")


ANALYSES = ("centrality", "communities", "unique", "chain")


def _network(args: argparse.Namespace) -> nx.MultiDiGraph:
    from pmgraph.analysis.network import to_networkx

    return to_networkx(_load(args), classes=args.classes)


def _picked_note(net: nx.MultiDiGraph, option: str, name: str, picked: str,
                 others: list[str], verb: str) -> str:
    """Which entity ``option NAME`` picked, and how to ``verb`` another."""
    data = net.nodes[picked]
    note = f"{option} {name!r}: picked {data.get('label')} ({data.get('class_label')}, {picked})"
    if others:
        note += f"; {len(others)} other match{'es' if len(others) > 1 else ''}, first "
        note += f"{others[0]}; give an IRI to {verb} another"
    return note


def _focus_note(net: nx.MultiDiGraph) -> str:
    """Which entity ``--focus`` picked, and how to pick another."""
    picked = net.graph["focus"]
    return _picked_note(net, "--focus", net.graph.get("focus_query", picked), picked,
                        net.graph.get("focus_others", []), "focus on")


def _pick(net: nx.MultiDiGraph, option: str, name: str) -> str:
    """The entity ``name`` picks, ranked as the view's search and ``viz --focus`` rank it;
    says which it picked when the name matched more than one."""
    from pmgraph.view.explore import pick_entity

    picked, others = pick_entity(net, name)
    if others:
        _err(_picked_note(net, option, name, picked, others, "pick"))
    return picked


def cmd_viz(args: argparse.Namespace) -> int:
    from pmgraph.paths import display_path
    from pmgraph.view.viz import build_view_network, write_html

    if args.depth < 0:
        raise ParameterError(f"--depth {args.depth}: give 0 or more")
    if args.depth != 1 and not args.focus:
        raise ParameterError("--depth needs --focus NAME-OR-IRI")
    out: Path = args.out
    if out.is_dir():
        raise UsageError(f"--out {display_path(out)} is a folder; give a file name")
    net = build_view_network(
        _load(args), classes=args.classes, focus=args.focus, depth=args.depth
    )
    from pmgraph.query.render import plural

    summary = (f"{plural(net.number_of_nodes(), 'entity')}, "
               f"{plural(net.number_of_edges(), 'link')}.")
    if args.focus:
        _err(_focus_note(net))
    if str(out) == STDOUT:
        from pmgraph.view.viz import render_html

        _out(render_html(net, title=args.title, layout=args.layout))
        _err(f"wrote the view to standard output: {summary}")
        return EXIT_OK
    write_html(net, out, title=args.title, layout=args.layout)
    _out(f"Wrote {display_path(out)}: {summary}\n")
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace) -> int:
    from pmgraph.analysis import analyse
    from pmgraph.query.render import compact, table

    if args.top < 0:
        raise ParameterError(f"--top {args.top}: give 0 (all) or more")
    if args.analysis != "chain" and (args.source or args.target):
        raise ParameterError(
            f"--from and --to go with 'chain', not '{args.analysis}': "
            "pmgraph analyse chain --from NAME --to NAME"
        )
    net = _network(args)
    if args.analysis == "chain":
        if not (args.source and args.target):
            raise ParameterError("chain needs --from NAME and --to NAME")
        records = analyse.shortest_chain(net, _pick(net, "--from", args.source),
                                         _pick(net, "--to", args.target))
        if records is None:
            from pmgraph.safe import one_line

            _out(one_line(f"No chain links {args.source} and {args.target}.") + "\n")
            return EXIT_OK
    elif args.analysis == "communities":
        records = analyse.communities(net)
    elif args.analysis == "unique":
        records = analyse.unique_holdings(net)
    else:
        records = analyse.centrality(net)
    rows = records.to_records()
    if args.top:
        rows = rows[: args.top]
    if args.format == "json":
        import json

        _out(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    columns = list(rows[0]) if rows else []

    def csv_cell(value: object) -> object:  # numbers stay numbers, in full
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return value

    def text(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.4f}"
        if isinstance(value, list):
            return "; ".join(compact(str(v)) for v in value)
        return "" if value is None else str(value)

    if args.format == "csv":
        from pmgraph.query.render import csv_text

        _out(csv_text(columns, [[csv_cell(row[c]) for c in columns] for row in rows]))
        return EXIT_OK
    cells = [[text(row[c]) for c in columns] for row in rows]
    if args.format == "markdown":
        from pmgraph.query.render import markdown

        _out(markdown(columns, cells) if rows else "No results.\n")
    else:
        _out(table(columns, cells) if rows else "No results.\n")
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from pmgraph.graph.synth import parse_size, write_synthetic

    triples = parse_size(args.triples)
    if str(args.out) == STDOUT:
        from pmgraph.graph.synth import synthesize

        written, entities = synthesize(sys.stdout, triples, seed=args.seed)
        sys.stdout.flush()
        _err(f"wrote {written} triples, {entities} entities (seed {args.seed}) as Turtle "
             "to standard output; the copies' sources are not written (write to a file for "
             "a graph whose quotes validate)")
        return EXIT_OK
    stats = write_synthetic(args.out, triples, seed=args.seed)
    from pmgraph.paths import display_path
    from pmgraph.query.render import plural

    _out(f"Wrote {stats.path}: {plural(stats.triples, 'triple')} "
         f"({plural(stats.statements, 'statement')} with evidence, whose annotations add "
         f"{plural(stats.annotation_triples, 'triple')}), {plural(stats.entities, 'entity')} "
         f"(seed {args.seed}); sources in {display_path(stats.sources)}/.\n")
    return EXIT_OK


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if not verbosity else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("pmgraph: %(message)s"))
    root = logging.getLogger("pmgraph")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pmgraph`` with ``argv`` (default: the process's arguments); return the exit code."""
    logger = logging.getLogger("pmgraph")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    streams = _lenient_streams()
    # rdflib reports an ill-formed literal ("abc"^^xsd:integer, which the data may hold and
    # validation reports) with a traceback on its logger and a UserWarning: not for a user.
    terms = logging.getLogger("rdflib.term")
    terms_level = terms.level
    terms.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="rdflib.term")
            return _main(argv)
    finally:
        terms.setLevel(terms_level)
        for stream, errors in streams:
            stream.reconfigure(errors=errors)  # type: ignore[attr-defined]
        # Called from a program or a notebook, the command leaves its logging as it found it.
        handlers, level, propagate = saved
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


class _Terminated(BaseException):
    """SIGTERM arrived: raised in the main thread, so outputs are cleaned up as for Ctrl-C."""


_TERMINATED = "pmgraph: terminated; nothing half-written was kept"
#: Seconds the main thread gets to act on SIGTERM before the watchdog stops the process: the
#: signal waits while native code runs (a parse, a query), which may take long.
_TERM_GRACE = 1.0
#: Seconds the main thread gets to finish its own clean-up once it has begun it: two threads
#: removing the same folders at once could each leave part of it behind.
_CLEANUP_GRACE = 30.0


def _watch_for_sigterm(wakeup: int, done: threading.Event, acting: threading.Event) -> None:
    """Read the signal numbers Python's handler writes to ``wakeup``; on SIGTERM, give the
    main thread :data:`_TERM_GRACE` to act on it (longer once it has: ``acting``), then
    remove the temporaries and exit 143."""
    from pmgraph.files import discard_temporaries

    try:
        while True:
            received = os.read(wakeup, 64)
            if not received:  # the command finished and closed the pipe
                return
            if signal.SIGTERM not in received or done.wait(_TERM_GRACE):
                continue
            if not (acting.is_set() and done.wait(_CLEANUP_GRACE)):
                discard_temporaries()
                os.write(2, f"{_TERMINATED}\n".encode())
                os._exit(EXIT_TERMINATED)
    finally:
        os.close(wakeup)


@contextlib.contextmanager
def _sigterm_like_ctrl_c() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`_Terminated` in the main thread, and a
    watchdog thread stops the process cleanly if the main thread is stuck in native code.

    Only where SIGTERM would end the process anyway (its default action): a program that
    calls :func:`main` with a SIGTERM handler of its own keeps it.
    """
    if (
        os.name != "posix"
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    acting = threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the cleanup must not be cut
        acting.set()  # the main thread is cleaning up itself; the watchdog leaves it be
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    wakeup, wake = os.pipe()
    os.set_blocking(wake, False)
    previous_wakeup = signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
    done = threading.Event()
    watchdog = threading.Thread(
        target=_watch_for_sigterm, args=(wakeup, done, acting), name="pmgraph-sigterm", daemon=True
    )
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous_wakeup)
        signal.signal(signal.SIGTERM, previous)
        os.close(wake)


def _main(argv: Sequence[str] | None) -> int:
    try:
        with _sigterm_like_ctrl_c():
            try:
                args = build_parser().parse_args(argv)
            except SystemExit as exc:  # --help and --version
                return int(exc.code or 0)
            _configure_logging(args.verbose)
            return args.handler(args)
    except PMGraphError as exc:
        _err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        print("pmgraph: interrupted; nothing half-written was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        # SIGTERM ends the process (its default action, kept): once the temporaries are gone,
        # exit at once rather than spend seconds freeing a large graph on the way out.
        print(_TERMINATED, file=sys.stderr)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(EXIT_TERMINATED)
    except BrokenPipeError:
        # The reader (e.g. ``head``) went away: not an error of ours. Point stdout at
        # /dev/null so that Python's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK

