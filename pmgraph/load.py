"""Load the ontology and Turtle data into one graph whose SPARQL runs in Oxigraph."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from pmgraph.errors import DataLoadError
from pmgraph.evidence import expand_graph
from pmgraph.namespaces import bind_prefixes
from pmgraph.paths import data_dir, data_files, display_path, ontology_file

log = logging.getLogger(__name__)

_FORMATS = {".ttl": "ox-turtle", ".turtle": "ox-turtle", ".nt": "ox-ntriples"}
_OX_MESSAGE = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+):\s*"
)


def new_graph() -> Graph:
    """An empty graph in an in-memory Oxigraph store, with the project's prefixes bound."""
    return bind_prefixes(Graph(store="Oxigraph", bind_namespaces="none"))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named by ``paths``: a file as is, a folder as its ``*.ttl`` files (sorted).

    Raises :class:`DataLoadError` for a missing path or a folder without Turtle files.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.glob("*.ttl"))
            if not found:
                raise DataLoadError(
                    f"{display_path(path)}: folder has no .ttl files; "
                    "give a folder of Turtle files or the files themselves"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise DataLoadError(
                f"{display_path(path)}: no such file or folder; check the path"
            )
    return files


@contextmanager
def turtle_errors(path: Path) -> Iterator[None]:
    """Turn a parser's errors about the file at ``path`` into :class:`DataLoadError`.

    The message names the file, line and column of a syntax error.
    """
    shown = display_path(path)
    try:
        yield
    except SyntaxError as exc:
        message = _OX_MESSAGE.sub("", str(exc.msg or exc)).strip().rstrip(".")
        where = f"{shown}:{exc.lineno}:{exc.offset}" if exc.lineno else shown
        raise DataLoadError(
            f"{where}: not valid Turtle ({message}); fix the file and run again"
        ) from None
    except (FileNotFoundError, IsADirectoryError):
        raise DataLoadError(f"{shown}: no such file; check the path") from None
    except PermissionError:
        raise DataLoadError(f"{shown}: cannot be read (permission denied)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataLoadError(f"{shown}: not valid Turtle ({exc}); fix the file") from None


def parse_into(graph: Graph, path: Path) -> None:
    """Parse the Turtle (or N-Triples) file at ``path`` into ``graph``.

    Raises :class:`DataLoadError` naming the file, line and column of a syntax error.
    """
    fmt = _FORMATS.get(path.suffix.lower(), "ox-turtle")
    with turtle_errors(path):
        graph.parse(path, format=fmt)
    log.debug("parsed %s", display_path(path))


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
        key = path.resolve()
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

    A folder stands for its ``*.ttl`` files. ``include_project_data`` defaults to True when no
    paths are given and False otherwise. The result is an rdflib ``Graph`` in an Oxigraph
    store (fast SPARQL); literals without a datatype come back typed ``xsd:string``.

    With ``store``, the files are bulk-loaded into an on-disk Oxigraph store in that folder
    (replacing the store already there; see :mod:`pmgraph.store`) and the graph returned reads
    it, read-only. :func:`open_store` reopens it later without parsing anything.
    """
    files = source_files(paths, include_project_data)
    if store is not None:
        from pmgraph.store import build_store

        build_store(store, files)
        return open_store(store)
    graph = new_graph()
    for path in files:
        parse_into(graph, path)
    expand_graph(graph, files)
    log.info("loaded %d files", len(files))
    return graph


def open_store(path: Path | str, *, read_only: bool = True) -> Graph:
    """The graph held in the on-disk store at ``path``, made by ``load_graph(..., store=path)``.

    Nothing is parsed. Read-only by default, so that any number of processes can read the
    store at once; see :func:`pmgraph.store.open_store`.
    """
    from pmgraph.store import open_store as open_oxigraph_store

    return open_oxigraph_store(path, read_only=read_only)


def plain_literal(term: Node) -> Node:
    """``term`` with an ``xsd:string`` datatype dropped (Oxigraph adds it; rdflib does not)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def plain_copy(graph: Graph, into: Graph | None = None) -> Graph:
    """A copy of ``graph`` in rdflib's in-memory store, ``xsd:string`` literals made plain."""
    target = into if into is not None else bind_prefixes(Graph(bind_namespaces="none"))
    target += ((s, p, plain_literal(o)) for s, p, o in graph)
    return target
