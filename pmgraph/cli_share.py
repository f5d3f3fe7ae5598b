"""The sharing commands of ``pmgraph``: ``serve`` and ``push`` (see :mod:`pmgraph.cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pmgraph.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

_SERVE_EXAMPLES = (
    "example:\n  pmgraph serve\n  pmgraph serve --port 8000 --store pmgraph.store\n"
    "  pmgraph query centres --endpoint http://127.0.0.1:7878/query\n"
    "exit status: 130 stopped by Ctrl-C, 143 stopped by SIGTERM, 2 port in use or bad "
    "option, 3 the server failed"
)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _warn(line: str) -> None:
    print(f"pmgraph: {line}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    from pmgraph.cli import UsageError, _load
    from pmgraph.serve import serve

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


def add_share_commands(commands: argparse._SubParsersAction, sub: Callable) -> None:
    """Add ``serve`` and ``push`` to the ``pmgraph`` parser's ``commands``."""
    from pmgraph.serve import DEFAULT_PORT, LOOPBACK

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


__all__ = ["Path", "add_share_commands", "cmd_serve"]
