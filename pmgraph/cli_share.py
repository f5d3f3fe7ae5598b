"""The sharing commands of ``pmgraph``: ``serve`` and ``push`` (see :mod:`pmgraph.cli`)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable

from pmgraph.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

log = logging.getLogger(__name__)

_SERVE_EXAMPLES = (
    "example:\n  pmgraph serve\n  pmgraph serve --port 8000 --store pmgraph.graph.store\n"
    "  pmgraph query centres --endpoint http://127.0.0.1:7878/query\n"
    "exit status: 130 stopped by Ctrl-C, 143 stopped by SIGTERM, 2 port in use or bad "
    "option, 3 the server failed"
)

_PUSH_EXAMPLES = (
    "example:\n  pmgraph push --endpoint http://127.0.0.1:7878/query --dry-run\n"
    "  pmgraph push --endpoint http://127.0.0.1:8890/sparql --graph https://example.org/pm\n"
    "exit status: 0 pushed, 1 the data has violations (nothing sent), 2 bad option,\n"
    "3 the store is unreachable or refused (the previous version stays), 4 out of time"
)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _warn(line: str) -> None:
    print(f"pmgraph: {line}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    from pmgraph.cli import UsageError, _load
    from pmgraph.publishing.serve import serve

    if args.store is not None and args.data:
        raise UsageError("--store and --data exclude each other: the store already holds its "
                         "data")
    outcome = serve(
        graph_loader=(lambda: _load(args)) if args.store is None else None,
        store=args.store, address=args.bind, port=args.port, writable=args.writable,
        say=_say, warn=_warn,
    )
    _warn(f"server stopped ({'Ctrl-C' if outcome == 'interrupted' else 'SIGTERM'})")
    return EXIT_INTERRUPTED if outcome == "interrupted" else EXIT_TERMINATED


def cmd_push(args: argparse.Namespace) -> int:
    from pmgraph.cli import _load
    from pmgraph.errors import EXIT_FINDINGS, EXIT_OK
    from pmgraph.publishing.publish import push, resolve_target
    from pmgraph.query.remote import credentials_from_options, redact
    from pmgraph.validation.validate import validate

    target = resolve_target(args.endpoint, args.graph, args.store_url, args.update_url)
    credentials = credentials_from_options(args.endpoint, args.user, args.password_env)
    graph = _load(args)
    report = validate(graph)
    # Query results of the validation left for the garbage collector are freed here: freed
    # later in a thread of the upload, pyoxigraph objects print "unsendable" errors.
    gc.collect()
    if not report.conforms:
        count = len(report.violations)
        _warn(f"error: the data has {count} violation{'s' if count != 1 else ''}; nothing "
              "pushed (see 'pmgraph validate')")
        return EXIT_FINDINGS
    result = push(graph, target, credentials=credentials, timeout=args.timeout,
                  dry_run=args.dry_run, say=lambda line: _warn(line) if args.verbose else None)
    where = (f"graph <{target.graph}> (description: <{target.description}>) at "
             f"{redact(target.store_url)}")
    if result.dry_run:
        _say(f"Would push {result.triples} triples ({result.bytes / 1e6:.1f} MB of N-Triples) "
             f"into {where}, through staging graphs and one MOVE; nothing sent.")
    else:
        _say(f"Pushed {result.triples} triples into {where} in {result.seconds:.1f} s.")
        if result.caveat:
            _say(result.caveat)
    return EXIT_OK


def configured_endpoint(args: argparse.Namespace, paths: list | None = None, *,
                        check_login: bool = False) -> None:
    """Fill ``args.endpoint`` (and ``args.graph``) from $PMGRAPH_ENDPOINT or a config file
    when no local data (--data, --store, paths) and no --endpoint is given; check the
    options that go only with an endpoint."""
    from pmgraph.errors import ParameterError
    from pmgraph.query.config import configured

    local = bool(args.data or getattr(args, "store", None) or paths)
    if not args.endpoint and not local:
        found = configured("endpoint")
        if found:
            args.endpoint = found[0]
            log.info("endpoint %s from %s", found[0], found[1])
            if args.graph is None:
                graph = configured("graph")
                args.graph = graph[0] if graph else None
    if args.endpoint:
        if local:
            given = "--data" if args.data else "--store" if getattr(args, "store", None) \
                else "PATH"
            raise ParameterError(f"{given} and --endpoint exclude each other: the endpoint "
                                 "answers from its own data")
        return
    options = [("--graph", args.graph)]
    if check_login:
        options += [("--user", args.user), ("--password-env", args.password_env)]
    for option, value in options:
        if value is not None:
            raise ParameterError(f"{option} applies only with --endpoint URL (or "
                                 "$PMGRAPH_ENDPOINT, or endpoint = in pmgraph.toml)")


def validate_on_endpoint(args: argparse.Namespace):
    from pmgraph.query.remote import check_endpoint, credentials_from_options
    from pmgraph.validation.remote_validate import validate_remote

    check_endpoint(args.endpoint)
    credentials = credentials_from_options(args.endpoint, args.user, args.password_env)
    return validate_remote(args.endpoint, graph=args.graph, credentials=credentials,
                           timeout=args.timeout, engine=args.engine)


def _endpoint_options(parser: argparse.ArgumentParser, *, query: bool) -> None:
    parser.add_argument("--graph", metavar="IRI",
                        help="with --endpoint: use this named graph of the store (e.g. the "
                        "one 'pmgraph push' wrote) as the default graph")
    if query:
        return
    parser.add_argument("--endpoint", metavar="URL",
                        help="validate the data of this SPARQL endpoint: the shapes run as "
                        "SPARQL in the store")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="limit for each remote query (default 60; 0: no limit)")
    login = parser.add_argument_group("endpoint login", "HTTP basic auth for --endpoint. "
                                      "Without --user: a user:password@ in the URL, or a "
                                      "~/.netrc entry.")
    login.add_argument("--user", metavar="USER", help="the user name to log in with")
    login.add_argument("--password-env", metavar="VAR",
                       help="the environment variable holding USER's password")


def add_share_commands(commands: argparse._SubParsersAction, sub: Callable) -> None:
    """Add ``serve`` and ``push`` to the ``pmgraph`` parser's ``commands``."""
    from pmgraph.publishing.publish import DEFAULT_GRAPH, DEFAULT_PUSH_TIMEOUT

    _endpoint_options(commands.choices["query"], query=True)
    _endpoint_options(commands.choices["validate"], query=False)
    from pmgraph.publishing.serve import DEFAULT_PORT, LOOPBACK

    p = sub(commands, "serve", "serve the graph over SPARQL 1.1 (Oxigraph server) until "
            "Ctrl-C", cmd_serve)
    p.epilog = _SERVE_EXAMPLES
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                   help=f"the port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--bind", default=LOOPBACK, metavar="ADDR",
                   help=f"the address to listen on (default {LOOPBACK}: this machine only); "
                   "any other address lets others query the graph and prints a warning")
    p.add_argument("--writable", action="store_true",
                   help="accept SPARQL updates and Graph Store writes (default: read-only); "
                   "with --store the changes stay in that store")

    p = sub(commands, "push", "publish the graph and its description into a named graph of a "
            "SPARQL store (Graph Store Protocol), replacing the previous version at once",
            cmd_push)
    p.epilog = _PUSH_EXAMPLES
    p.add_argument("--endpoint", required=True, metavar="URL",
                   help="the store's SPARQL query URL, e.g. http://127.0.0.1:7878/query")
    p.add_argument("--graph", metavar="IRI",
                   help=f"the named graph to replace (default {DEFAULT_GRAPH})")
    p.add_argument("--store-url", metavar="URL",
                   help="the Graph Store Protocol URL (default: derived for Oxigraph /store "
                   "and Virtuoso /sparql-graph-crud)")
    p.add_argument("--update-url", metavar="URL",
                   help="the SPARQL update URL (default: derived as for --store-url)")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and say what would be sent, send nothing")
    p.add_argument("--timeout", type=float, default=DEFAULT_PUSH_TIMEOUT, metavar="SECONDS",
                   help=f"limit for the upload and for the swap (default "
                   f"{DEFAULT_PUSH_TIMEOUT:g}; 0: no limit)")
    login = p.add_argument_group("endpoint login", "HTTP basic auth. Without --user: a "
                                 "user:password@ in the URL, or a ~/.netrc entry.")
    login.add_argument("--user", metavar="USER", help="the user name to log in with")
    login.add_argument("--password-env", metavar="VAR",
                       help="the environment variable holding USER's password")

