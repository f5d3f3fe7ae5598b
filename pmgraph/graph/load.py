"""Load the ontology and RDF data (Turtle, N-Triples, JSON-LD) into one graph whose SPARQL runs
in Oxigraph, every term kept as written (see :mod:`pmgraph.graph.exact`)."""

from __future__ import annotations

import fnmatch
import gc
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from pmgraph.errors import DataLoadError
from pmgraph.graph.annotations import Annotations, NotTaken
from pmgraph.graph.evidence import SOURCES_BESIDE, Records, expand_graph
from pmgraph.graph.exact import (
    BlankNodeRewrite,
    ExactStore,
    ExactTerms,
    exact_triples,
    load_file,
    record_written_as_stored,
    table_for,
    warn_collisions,
)
from pmgraph.graph.namespaces import bind_prefixes
from pmgraph.paths import data_dir, data_files, display_path, ontology_file
from pmgraph.query.engine import oxigraph_target

log = logging.getLogger(__name__)

#: What ``--data -`` stands for: standard input, read as Turtle (N-Triples is a subset).
STDIN = "-"
#: File extensions pmgraph reads, and the format each names (what ``pmgraph export`` writes).
FORMATS = {
    ".ttl": ("Turtle", ox.RdfFormat.TURTLE),
    ".turtle": ("Turtle", ox.RdfFormat.TURTLE),
    ".nt": ("N-Triples", ox.RdfFormat.N_TRIPLES),
    ".jsonld": ("JSON-LD", ox.RdfFormat.JSON_LD),
}
_TURTLE = FORMATS[".ttl"]
#: Names in a folder that are editors' leftovers or hidden, never data.
_LEFTOVERS = (".*", "*~", "#*#", "*.swp")
_BOM = b"\xef\xbb\xbf"
_OX_MESSAGE = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+):\s*"
)
_BUFFER_LIMIT = re.compile(r"buffer maximal size of (\d+)")
_stdin_data: bytes | None = None


def new_graph() -> Graph:
    """An empty graph in an in-memory Oxigraph store, with the project's prefixes bound; read
    through rdflib, it gives the terms as written (:class:`pmgraph.graph.exact.ExactStore`)."""
    return bind_prefixes(Graph(store=ExactStore(), bind_namespaces="none"))


def shown(path: Path | str) -> str:
    """``path`` as a message shows it: relative to the working folder when inside it, bytes
    that are not UTF-8 escaped (``bad\\xff.ttl``), ``-`` as standard input."""
    if str(path) == STDIN:
        return "standard input"
    text = display_path(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_stdin(path: Path | str) -> bool:
    """Whether ``path`` is ``-``, standard input."""
    return str(path) == STDIN


def format_of(path: Path | str) -> tuple[str, ox.RdfFormat]:
    """The name and pyoxigraph format of the file at ``path``, by extension (Turtle when the
    extension is not one pmgraph knows, and for standard input)."""
    return FORMATS.get(Path(path).suffix.lower(), _TURTLE) if not is_stdin(path) else _TURTLE


def _is_leftover(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _LEFTOVERS)


def _dangling(path: Path) -> DataLoadError:
    return DataLoadError(
        f"{shown(path)}: a link to {shown(os.readlink(path))}, which does not exist; "
        "restore its target or remove the link"
    )


def _folder_files(folder: Path) -> list[Path]:
    files, folders = [], []
    for entry in sorted(folder.iterdir()):
        if _is_leftover(entry.name):
            log.debug("skipped %s (hidden or an editor's file)", shown(entry))
        elif entry.is_dir():
            if entry.name != SOURCES_BESIDE:  # the data's own source texts, not data
                folders.append(entry.name)
        elif entry.suffix.lower() not in FORMATS:
            log.debug("skipped %s (not .ttl, .nt or .jsonld)", shown(entry))
        elif entry.is_symlink() and not entry.exists():
            raise _dangling(entry)
        else:
            files.append(entry)
    if folders:
        log.warning(
            "%s: sub-folders are not read (%s); give each as --data too", shown(folder),
            ", ".join(shown(name) for name in folders[:3]) + (", ..." if len(folders) > 3 else ""),
        )
    if not files:
        raise DataLoadError(
            f"{shown(folder)}: folder has no .ttl files (nor .turtle, .nt, .jsonld); give a "
            "folder of RDF files or the files themselves"
        )
    return files


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named by ``paths``: a file as is; a folder as its ``.ttl``, ``.turtle``, ``.nt``
    and ``.jsonld`` files (sorted; hidden files and editors' leftovers skipped; sub-folders
    not read, with a warning); ``-`` as standard input.

    Raises :class:`DataLoadError` for a missing path, a link to nothing, or a folder without
    RDF files.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if is_stdin(given):
            files.append(Path(STDIN))
        elif path.is_dir():
            files.extend(_folder_files(path))
        elif path.exists():  # a file, or a pipe or device such as /dev/stdin
            files.append(path)
        elif path.is_symlink():
            raise _dangling(path)
        else:
            raise DataLoadError(f"{shown(path)}: no such file or folder; check the path")
    return files


_MARKER = re.compile(rb"^(<{7}|={7}|>{7})(?:[ \t].*)?\r?$")


def _conflict_marker(path: Path) -> tuple[int, str] | None:
    """The line number and marker of the first line of a version-control merge conflict
    (``<<<<<<< HEAD``, ``=======``, ``>>>>>>> branch``) in the file at ``path``, if any."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if found := _MARKER.match(line):
                    return number, found.group(1).decode("ascii")
    except OSError:
        return None
    return None


@contextmanager
def turtle_errors(path: Path, what: str | None = None) -> Iterator[None]:
    """Turn a parser's errors about the file at ``path`` into :class:`DataLoadError`.

    The message names the file, line and column of a syntax error; ``what`` is the format's
    name (by default the one of the file's extension).
    """
    where = shown(path)
    what = what or format_of(path)[0]
    try:
        yield
    except SyntaxError as exc:
        marker = _conflict_marker(path)
        if marker is not None:  # the parser reads "<<" as a triple term and fails far after
            line, text = marker
            raise DataLoadError(
                f"{where}:{line}: a merge conflict marker ({text}); resolve the conflict and "
                "run again"
            ) from None
        message = _OX_MESSAGE.sub("", str(exc.msg or exc)).strip().rstrip(".")
        at = f"{where}:{exc.lineno}:{exc.offset}" if exc.lineno else where
        raise DataLoadError(
            f"{at}: not valid {what} ({message}); fix the file and run again"
        ) from None
    except MemoryError as exc:
        limit = _BUFFER_LIMIT.search(str(exc))
        if limit is None:
            raise
        size = int(limit.group(1))
        raise DataLoadError(
            f"{where}: holds an IRI or literal longer than the parser's limit of "
            f"{size // 2**20} MiB ({size} bytes); shorten it or keep it outside the graph"
        ) from None
    except (FileNotFoundError, IsADirectoryError):
        raise DataLoadError(f"{where}: no such file; check the path") from None
    except PermissionError:
        raise DataLoadError(f"{where}: cannot be read (permission denied)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataLoadError(f"{where}: not valid {what} ({exc}); fix the file") from None
    except OSError as exc:
        raise DataLoadError(f"{where}: cannot be read ({exc.strerror or exc})") from None


def _stdin_bytes() -> bytes:
    global _stdin_data
    if _stdin_data is None:
        _stdin_data = _read_stream(sys.stdin.buffer)
    return _stdin_data


def _read_stream(stream: BinaryIO) -> bytes:
    """All of ``stream`` (a pipe, a device), or up to the first NUL byte: RDF text has none,
    and a stream like /dev/zero never ends."""
    chunks = []
    while chunk := stream.read(2**20):
        chunks.append(chunk)
        if b"\0" in chunk:
            break
    return b"".join(chunks)


def parse_source(path: Path) -> dict[str, object]:
    """The ``pyoxigraph.parse`` arguments that read the file at ``path`` (``-``: standard
    input): its format by extension, a base IRI, and the path itself, or the bytes when the
    file cannot be read twice (a pipe) or starts with a UTF-8 byte order mark (dropped)."""
    fmt = format_of(path)[1]
    if is_stdin(path):
        data = _stdin_bytes()
        base = Path.cwd().as_uri() + "/"
    else:
        base = path.absolute().as_uri()
        if path.is_file():
            with open(path, "rb") as handle:
                if handle.read(len(_BOM)) != _BOM:
                    return {"path": str(path), "format": fmt, "base_iri": base}
                data = handle.read()
        else:
            with open(path, "rb") as handle:
                data = _read_stream(handle)
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    return {"input": data, "format": fmt, "base_iri": base}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a load, which makes millions of objects that
    live until it ends (the collector went over them again and again: 1M synthetic triples
    took twice as long to read); on again afterwards if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def load_files(
    store: ox.Store, graph_name: ox.NamedNode | ox.BlankNode, files: Sequence[Path],
    table: ExactTerms, *, bulk_from: int | None = None, annotations: Annotations | None = None,
) -> None:
    """Load ``files`` into ``graph_name`` of ``store``, keeping their exact terms in ``table``
    (see :mod:`pmgraph.graph.exact`). Files from ``bulk_from`` bytes are bulk-loaded. With
    ``annotations``, the annotations of Turtle files are kept there instead of in the store,
    where that can be done (:mod:`pmgraph.graph.annotations`).

    Raises :class:`DataLoadError` naming the file, line and column of a syntax error.
    """
    # The scan runs beside the store's own loader when nothing but these files is in the
    # graph, so that a rare reload (BlankNodeRewrite, NotTaken) can start again from empty.
    parallel = next(iter(store.quads_for_pattern(None, None, None, graph_name)), None) is None

    def again(reason: Exception) -> None:
        log.debug("loading again (%s)", reason)
        if annotations is not None:
            annotations.reset()  # first: no load of the first try may land after the clear
        store.clear_graph(graph_name)
        table.clear()

    try:
        try:
            native = _load_each(store, graph_name, files, table, bulk_from, parallel,
                                annotations)
        except NotTaken as exc:
            # Each file whole, the store's strict loader beside the scan as before (its
            # message names the place of a syntax error).
            again(exc)
            native = _load_each(store, graph_name, files, table, bulk_from, parallel, None)
    except BlankNodeRewrite as exc:
        again(exc)
        native = _load_each(store, graph_name, files, table, bulk_from, False, None)
    shared = table.shared_values()
    for path, source in native if shared else ():
        with turtle_errors(path):
            record_written_as_stored(table, [source], shared)
    warn_collisions(table, shown(files[-1]) if len(files) == 1 else "the data")


def _load_each(
    store: ox.Store, graph_name: ox.NamedNode | ox.BlankNode, files: Sequence[Path],
    table: ExactTerms, bulk_from: int | None, parallel: bool, annotations: Annotations | None,
) -> list[tuple[Path, dict[str, object]]]:
    native = []
    for path in files:
        with turtle_errors(path):
            source = parse_source(path)
            bulk = bulk_from is not None and "path" in source and (
                path.stat().st_size >= bulk_from)
            reading = load_file(store, graph_name, table, fmt=source["format"],
                                base_iri=source["base_iri"], path=source.get("path"),
                                data=source.get("input"), bulk=bulk, parallel=parallel,
                                name=shown(path), annotations=annotations)
            if reading is not None:
                native.append((path, reading))
        log.debug("parsed %s", shown(path))
    return native


def parse_into(graph: Graph, path: Path) -> None:
    """Parse the RDF file at ``path`` (Turtle, N-Triples or JSON-LD by extension; ``-`` for
    standard input) into ``graph``, an Oxigraph-backed graph (:func:`new_graph`), keeping
    every term as written (see :mod:`pmgraph.graph.exact`).

    Raises :class:`DataLoadError` naming the file, line and column of a syntax error.
    """
    target = oxigraph_target(graph)
    if target is None:
        with turtle_errors(path):
            source = parse_source(path)
            graph.parse(data=source.get("input") or Path(path).read_bytes(),
                        format=_RDFLIB_FORMATS[source["format"]],
                        publicID=source["base_iri"])
        return
    store, name = target
    load_files(store, name, [path], table_for(graph))


def source_files(
    paths: Iterable[Path | str], include_project_data: bool | None = None
) -> list[Path]:
    """The files :func:`load_graph` reads, in order, each once: the ontology, then the
    project's ``data/`` (by default only when no paths are given), then ``paths``."""
    paths = list(paths)
    if include_project_data is None:
        include_project_data = not paths
    files = [ontology_file()]
    if include_project_data:
        if not data_dir().is_dir():
            raise DataLoadError(f"{display_path(data_dir())}: the project's data folder is missing")
        files.extend(data_files())
    files.extend(expand_paths(paths))
    seen: set[Path] = set()
    unique = []
    for path in files:
        key = path if is_stdin(path) else path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def load_graph(
    *paths: Path | str,
    include_project_data: bool | None = None,
    store: Path | str | None = None,
) -> Graph:
    """The ontology merged with data: the project's ``data/`` or the given files and folders.

    A folder stands for its ``.ttl``, ``.nt`` and ``.jsonld`` files (see :func:`expand_paths`);
    ``-`` for standard input. Every term is kept as written (:mod:`pmgraph.graph.exact`): query
    results, exports and :func:`plain_copy` give the literals as the files wrote them.
    ``include_project_data`` defaults to True when no
    paths are given and False otherwise. The result is an rdflib ``Graph`` in an Oxigraph
    store (fast SPARQL); literals without a datatype come back typed ``xsd:string``.

    With ``store``, the files are bulk-loaded into an on-disk Oxigraph store in that folder
    (replacing the store already there; see :mod:`pmgraph.graph.store`) and the graph returned reads
    it, read-only. :func:`open_store` reopens it later without parsing anything.
    """
    files = source_files(paths, include_project_data)
    if store is not None:
        from pmgraph.graph.store import build_store

        build_store(store, files)
        return open_store(store)
    graph = new_graph()
    store, name = oxigraph_target(graph)
    table = table_for(graph)
    records = Records(store, name, table)
    with gc_paused():
        try:
            load_files(store, name, files, table, annotations=Annotations(records))
            expand_graph(graph, files, records)
        finally:
            records.close()
    log.info("loaded %d files", len(files))
    return graph


def open_store(path: Path | str, *, read_only: bool = True) -> Graph:
    """The graph held in the on-disk store at ``path``, made by ``load_graph(..., store=path)``.

    Nothing is parsed. Read-only by default, so that any number of processes can read the
    store at once; see :func:`pmgraph.graph.store.open_store`.
    """
    from pmgraph.graph.store import open_store as open_oxigraph_store

    return open_oxigraph_store(path, read_only=read_only)


def plain_literal(term: Node) -> Node:
    """``term`` with an ``xsd:string`` datatype dropped (Oxigraph adds it; rdflib does not)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def plain_copy(graph: Graph, into: Graph | None = None) -> Graph:
    """A copy of ``graph`` in rdflib's in-memory store, ``xsd:string`` literals made plain."""
    target = into if into is not None else bind_prefixes(Graph(bind_namespaces="none"))
    target += ((s, p, plain_literal(o)) for s, p, o in exact_triples(graph))
    return target


_RDFLIB_FORMATS = {
    ox.RdfFormat.TURTLE: "turtle", ox.RdfFormat.N_TRIPLES: "nt", ox.RdfFormat.JSON_LD: "json-ld",
}
