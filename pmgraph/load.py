"""Load the ontology and Turtle data into one graph whose SPARQL runs in Oxigraph."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from pmgraph.errors import DataLoadError
from pmgraph.namespaces import bind_prefixes
from pmgraph.paths import data_dir, data_files, display_path, ontology_file

log = logging.getLogger(__name__)

_FORMATS = {".ttl": "ox-turtle", ".turtle": "ox-turtle", ".nt": "ox-ntriples"}
_OX_MESSAGE = re.compile(
    r"^Parser error at line \d+ (?:between columns \d+ and \d+|column \d+):\s*"
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


def parse_into(graph: Graph, path: Path) -> None:
    """Parse the Turtle (or N-Triples) file at ``path`` into ``graph``.

    Raises :class:`DataLoadError` naming the file, line and column of a syntax error.
    """
    fmt = _FORMATS.get(path.suffix.lower(), "ox-turtle")
    shown = display_path(path)
    try:
        graph.parse(path, format=fmt)
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
    log.debug("parsed %s", shown)


def load_graph(*paths: Path | str, include_project_data: bool | None = None) -> Graph:
    """The ontology merged with data: the project's ``data/`` or the given files and folders.

    A folder stands for its ``*.ttl`` files. ``include_project_data`` defaults to True when no
    paths are given and False otherwise. The result is an rdflib ``Graph`` in an Oxigraph
    store (fast SPARQL); literals without a datatype come back typed ``xsd:string``.
    """
    if include_project_data is None:
        include_project_data = not paths
    files = [ontology_file()]
    if include_project_data:
        if not data_dir().is_dir():
            raise DataLoadError(f"{display_path(data_dir())}: the project's data folder is missing")
        files.extend(data_files())
    files.extend(expand_paths(paths))
    graph = new_graph()
    seen: set[Path] = set()
    for path in files:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        parse_into(graph, path)
    log.info("loaded %d files", len(seen))
    return graph


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
