"""``pmgraph serve``: the graph over SPARQL 1.1 with the Oxigraph server, until stopped.

The built graph (the project's data or ``--data``) is bulk-loaded into a temporary Oxigraph
store, or an on-disk store made by ``pmgraph load`` is served where it is. The server
(``oxigraph serve-read-only``, or ``oxigraph serve`` with ``writable``) runs as a child
process bound to loopback unless another address is asked for; queries see every graph of
the store as the default graph. On Ctrl-C or SIGTERM the child is stopped and the temporary
folder removed.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from pmgraph.errors import EndpointError, PMGraphError
from pmgraph.graph.exact import ExactTerms, table_note, table_of
from pmgraph.publishing.publish import DEFAULT_GRAPH, write_ntriples

log = logging.getLogger(__name__)

DEFAULT_PORT = 7878
LOOPBACK = "127.0.0.1"
#: Seconds the server may take to answer its first query.
READY_TIMEOUT = 30.0
#: Seconds the server has to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 5.0


class ServeError(PMGraphError):
    """The server cannot be started: no oxigraph program, a port in use, a bad address."""


class Terminated(Exception):
    """SIGTERM arrived while serving."""


@dataclass(frozen=True)
class Server:
    """A running Oxigraph server: its process, the query URL and the query page."""

    process: subprocess.Popen
    query_url: str
    page_url: str
    store_url: str
    log_path: Path


def oxigraph_binary() -> str:
    """The ``oxigraph`` program: ``$OXIGRAPH``, next to this Python, or on PATH."""
    given = os.environ.get("OXIGRAPH")
    if given:
        return given
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise ServeError("the 'oxigraph' server program is not installed; "
                         "run: pip install oxigraph (or set OXIGRAPH=path)")
    return found


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def check_port(address: str, port: int) -> None:
    """Raise :class:`ServeError` (one line) when ``address:port`` cannot be listened on."""
    if not 0 < port < 65536:
        raise ServeError(f"--port {port}: give a port from 1 to 65535")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"--port {port}: port {port} on {address} is already in use; "
                                 "stop what uses it or give another --port") from None
            if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
                raise ServeError(f"--bind {address}: this machine has no such address; give "
                                 "one of its interfaces' addresses, or 0.0.0.0 for all") from None
            raise ServeError(f"cannot listen on {address} port {port} ({exc.strerror or exc}); "
                             "give another --port or --bind") from None


def prepare_store(graph: Graph, folder: Path) -> tuple[Path, int]:
    """Bulk-load ``graph`` into a new Oxigraph store under ``folder``; (store path, triples).

    The triples go into the named graph ``pmgraph push`` publishes to
    (:data:`~pmgraph.publishing.publish.DEFAULT_GRAPH`), which the server's default graph (the
    union of its graphs) shows: a push into the served store then replaces them rather than
    adding a second copy that every query would count twice.
    """
    dump = folder / "graph.nt"
    triples = write_ntriples(graph, dump)
    location = folder / "store"
    loaded = subprocess.run(
        [oxigraph_binary(), "load", "--location", str(location), "--file", str(dump),
         "--format", "nt", "--graph", DEFAULT_GRAPH],
        capture_output=True, text=True,
    )
    dump.unlink()
    if loaded.returncode:
        detail = (loaded.stderr.strip().splitlines() or ["no message"])[-1]
        raise ServeError(f"oxigraph could not load the graph ({detail})")
    return location, triples


def server_note(table: ExactTerms | None) -> str | None:
    """The line that says which literals the server holds in another form than written (the
    Oxigraph server keeps numbers, booleans and dates by value, and tags in lower case, as
    pmgraph's store does: the exact-term table lists them), or None."""
    return table_note(table, "the Oxigraph server",
                      "its SPARQL clients see them so, pmgraph query and export (on --data "
                      "or --store) as written")


def stored_table(store: Path) -> ExactTerms | None:
    """The exact-term table kept beside the on-disk store ``store``, or None."""
    from pmgraph.graph.store import EXACT_TERMS

    path = store / EXACT_TERMS
    return ExactTerms.read(path) if path.is_file() else None


def _answers(query_url: str) -> bool:
    url = query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=1) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_server(
    location: Path, *, address: str = LOOPBACK, port: int = DEFAULT_PORT,
    writable: bool = False, log_path: Path,
) -> Server:
    """Start the Oxigraph server on ``location`` and wait until it answers a query."""
    check_port(address, port)
    mode = "serve" if writable else "serve-read-only"
    bind = f"{_host(address)}:{port}"
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            [oxigraph_binary(), mode, "--location", str(location), "--bind", bind,
             "--union-default-graph"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches pmgraph, which stops the server
        )
    shown = _host("127.0.0.1" if address in ("0.0.0.0", "::") else address)
    base = f"http://{shown}:{port}"
    server = Server(process, f"{base}/query", f"{base}/", f"{base}/store", log_path)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            last = _last_line(log_path)
            if "in use" in last.lower():
                raise ServeError(f"--port {port}: port {port} on {address} is already in use; "
                                 "stop what uses it or give another --port")
            raise ServeError(f"the Oxigraph server stopped at start (exit {process.returncode})"
                             f": {last or 'no message'}")
        if _answers(server.query_url):
            return server
        time.sleep(0.05)
    stop_server(server)
    raise EndpointError(f"the Oxigraph server did not answer at {server.query_url} within "
                        f"{READY_TIMEOUT:g} s; see {log_path}")


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


def stop_server(server: Server) -> None:
    """SIGTERM to the server, SIGKILL if it is still there after :data:`STOP_TIMEOUT`."""
    process = server.process
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the main thread while serving."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    *, graph_loader: Callable[[], Graph] | None = None, store: Path | None = None,
    address: str = LOOPBACK, port: int = DEFAULT_PORT, writable: bool = False,
    say: Callable[[str], None] = print, warn: Callable[[str], None] = print,
) -> str:
    """Serve until Ctrl-C or SIGTERM; returns ``"interrupted"`` or ``"terminated"``.

    ``graph_loader`` gives the graph to serve (copied into a temporary store); ``store`` is an
    on-disk store to serve in place. ``say`` gets the lines for the user, ``warn`` warnings.
    """
    check_port(address, port)  # before the slow load
    if not is_loopback(address):
        what = "query and change" if writable else "query"
        warn(f"warning: --bind {address}: anyone who can reach this machine on port {port} "
             f"can {what} the graph, without a login")
    binary = oxigraph_binary()
    log.debug("oxigraph program: %s", binary)
    folder = Path(tempfile.mkdtemp(prefix="pmgraph-serve-"))
    server: Server | None = None
    try:
        with _sigterm_raises():
            try:
                if store is not None:
                    location, what = store, f"the store {store}"
                    note = server_note(stored_table(store))
                else:
                    assert graph_loader is not None
                    graph = graph_loader()
                    location, triples = prepare_store(graph, folder)
                    note = server_note(table_of(graph))
                    del graph
                    what = f"{triples} triples"
                server = start_server(location, address=address, port=port, writable=writable,
                                      log_path=folder / "oxigraph.log")
                access = "read-write" if writable else "read-only"
                say(f"Serving {what} ({access}) with Oxigraph.")
                say(f"  SPARQL endpoint: {server.query_url}")
                if writable:
                    say(f"  SPARQL update:   {server.query_url[:-len('query')]}update")
                    say(f"  Graph Store:     {server.store_url}")
                say(f"  Query page:      {server.page_url}")
                if note:
                    say(note)
                say("Press Ctrl-C to stop.")
                code = server.process.wait()
                raise EndpointError(f"the Oxigraph server stopped by itself (exit {code}): "
                                    f"{_last_line(folder / 'oxigraph.log') or 'no message'}")
            except KeyboardInterrupt:
                return "interrupted"
            except Terminated:
                return "terminated"
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)


def free_port(address: str = LOOPBACK) -> int:
    """A port on ``address`` that nothing listens on now (the system picks it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


class LocalServer:
    """A read-only Oxigraph SPARQL server on 127.0.0.1 serving ``graph``, from Python.

    Use it in a ``with`` block, or call :meth:`start` and :meth:`stop` (in a notebook, in
    different cells)::

        with LocalServer(graph) as server:
            rows = run_query("centres", endpoint=server.query_url)

    ``port`` None takes a free port. The graph is copied into a temporary store, which
    :meth:`stop` removes with the server; a server still running when Python exits is
    stopped then.
    """

    def __init__(self, graph: Graph, *, port: int | None = None) -> None:
        self.graph = graph
        self.port = port
        self.triples = 0
        self._server: Server | None = None
        self._folder: Path | None = None

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.process.poll() is None

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint, ``http://127.0.0.1:PORT/query``."""
        if self._server is None:
            raise ServeError("the server is not running; call start() first")
        return self._server.query_url

    def start(self) -> LocalServer:
        """Load the graph into a temporary store and start the server; returns ``self``
        once it answers queries."""
        import atexit

        if self._server is not None:
            return self
        port = self.port if self.port is not None else free_port()
        self._folder = Path(tempfile.mkdtemp(prefix="pmgraph-serve-"))
        try:
            location, self.triples = prepare_store(self.graph, self._folder)
            self._server = start_server(location, port=port,
                                        log_path=self._folder / "oxigraph.log")
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)
        log.info("serving %d triples at %s", self.triples, self._server.query_url)
        note = server_note(table_of(self.graph))
        if note:
            log.info("%s", note)
        return self

    def stop(self) -> None:
        """Stop the server and remove its temporary store (nothing happens if it is not
        running)."""
        import atexit

        if self._server is not None:
            stop_server(self._server)
            self._server = None
            atexit.unregister(self.stop)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._server.query_url if self._server is not None else "stopped"
        return f"<LocalServer {where}>"
