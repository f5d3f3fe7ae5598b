"""An on-disk Oxigraph store: build it once from Turtle files, reopen it without parsing.

A store is a folder holding Oxigraph's RocksDB files and ``pmgraph-store.json``, a manifest of
what it was built from (files with size and modification time, triple count, versions). The
triples sit in one named graph, as in the in-memory graphs of :func:`pmgraph.graph.load.load_graph`,
so queries, validation and the network view give the same answers on either.

Building writes a sibling temporary folder and swaps it in only when every file has loaded, so
a failure (a Turtle syntax error, an interrupt) leaves the previous store as it was. A folder
that holds anything but a store is never written to or deleted. Reading opens the store
read-only: any number of processes can read it at once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from pmgraph.errors import PMGraphError
from pmgraph.files import swap_in, tracked
from pmgraph.graph.exact import ExactStore, ExactTerms, attach
from pmgraph.graph.load import gc_paused, is_stdin, load_files
from pmgraph.graph.namespaces import bind_prefixes
from pmgraph.paths import display_path

if TYPE_CHECKING:
    import pyoxigraph as ox

log = logging.getLogger(__name__)

MANIFEST = "pmgraph-store.json"
#: The literals written in another form than the store holds them (see pmgraph.graph.exact).
EXACT_TERMS = "pmgraph-exact.nq"
#: Bumped when the layout of a store (graph name, manifest keys) changes.
FORMAT_VERSION = 1
#: The named graph holding the triples (oxrdflib keeps a Graph's triples in a named graph).
GRAPH_IRI = "urn:x-pmgraph:graph"

_FORMAT = "pmgraph-store"
#: Files from this size (bytes) are bulk-loaded; smaller ones load faster in one transaction.
_BULK_FROM = 4 * 2**20
# The files RocksDB (under Oxigraph) writes in its folder; anything else is the user's.
_ROCKSDB_FILE = re.compile(
    r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?"
    r"|\d+\.(sst|log|blob|dbtmp))$"
)


class StoreError(PMGraphError):
    """A store folder that cannot be built, opened or replaced."""


@dataclass(frozen=True)
class SourceFile:
    """A file a store was built from, as it was then."""

    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class StoreInfo:
    """What a store's manifest records."""

    path: Path
    triples: int
    files: tuple[SourceFile, ...]
    pmgraph_version: str
    oxigraph_version: str
    created: str
    seconds: float
    graph: str

    def rebuild_command(self) -> str:
        """The ``pmgraph load`` command that builds this store again from the same files."""
        from pmgraph.paths import data_files, ontology_file

        # Files that are gone cannot be loaded again: the command names the ones still there.
        recorded = [Path(source.path) for source in self.files
                    if not is_stdin(source.path) and os.path.exists(source.path)]
        default = {str(p.resolve()) for p in [ontology_file(), *data_files()]}
        given = [p for p in recorded if str(p) != str(ontology_file().resolve())]
        if {str(p) for p in recorded} == default:
            given = []  # the project's own data/: the default of pmgraph load
        words = ["pmgraph", "load", *(shlex.quote(display_path(p)) for p in given),
                 "--store", shlex.quote(display_path(self.path))]
        return " ".join(words)

    def changed_files(self) -> list[str]:
        """The source files that are gone or differ in size or time from when the store was
        built."""
        changed = []
        for source in self.files:
            if is_stdin(source.path):
                continue
            try:
                stat = os.stat(source.path)
            except OSError:
                changed.append(source.path)
                continue
            if stat.st_size != source.size or stat.st_mtime != source.mtime:
                changed.append(source.path)
        return changed


def _oxigraph_version() -> str:
    from importlib.metadata import version

    return version("pyoxigraph")


def _series(version: str) -> str:
    """``0.5`` of ``0.5.13``: Oxigraph keeps its on-disk format within a minor series."""
    return ".".join(version.split(".")[:2])


def _rebuild_hint(path: Path) -> str:
    return f"build it with 'pmgraph load --store {display_path(path)}'"


def is_store(path: Path | str) -> bool:
    """Whether ``path`` is a folder holding a pmgraph store (a manifest among RocksDB files)."""
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        return False
    return not _foreign_entries(folder)


def _foreign_entries(folder: Path) -> list[str]:
    return sorted(
        entry.name for entry in folder.iterdir()
        if entry.name not in (MANIFEST, EXACT_TERMS)
        and not (_ROCKSDB_FILE.match(entry.name) and entry.is_file())
    )


def read_manifest(path: Path | str) -> StoreInfo:
    """The manifest of the store at ``path``.

    Raises :class:`StoreError` when ``path`` is not a store folder or was built by an
    incompatible version.
    """
    folder = Path(path)
    shown = display_path(folder)
    if not folder.exists():
        raise StoreError(f"{shown}: no such store folder; {_rebuild_hint(folder)}")
    if not folder.is_dir():
        raise StoreError(f"{shown}: is a file, not a store folder; {_rebuild_hint(folder)}")
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise StoreError(
            f"{shown}: not a pmgraph store (no {MANIFEST}); give a folder made by "
            "'pmgraph load --store DIR'"
        )
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError("not a pmgraph manifest")
        fmt, oxigraph = int(data["format_version"]), str(data["oxigraph_version"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(
            f"{shown}: not a pmgraph store ({MANIFEST} is not readable); "
            f"{_rebuild_hint(folder)}"
        ) from None
    if fmt != FORMAT_VERSION or _series(oxigraph) != _series(_oxigraph_version()):
        raise StoreError(
            f"{shown}: built by pmgraph {data.get('pmgraph_version', '?')} (store format {fmt},"
            f" Oxigraph {oxigraph}), which this pmgraph cannot read; rebuild it with "
            f"'pmgraph load --store {shown}'"
        )
    try:
        return StoreInfo(
            path=folder,
            triples=int(data["triples"]),
            files=tuple(
                SourceFile(str(f["path"]), int(f["size"]), float(f["mtime"]))
                for f in data["files"]
            ),
            pmgraph_version=str(data["pmgraph_version"]),
            oxigraph_version=oxigraph,
            created=str(data["created"]),
            seconds=float(data["seconds"]),
            graph=str(data["graph"]),
        )
    except (KeyError, TypeError, ValueError):
        raise StoreError(
            f"{shown}: {MANIFEST} is incomplete; rebuild it with 'pmgraph load --store {shown}'"
        ) from None


def _check_target(folder: Path) -> None:
    """Refuse a target that is a file, or a folder holding anything but a pmgraph store."""
    shown = display_path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{shown}: is a file; give a new or empty folder for the store")
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    if not (folder / MANIFEST).is_file():
        raise StoreError(
            f"{shown}: folder is not empty and is not a pmgraph store; "
            "give a new or empty folder (nothing was changed)"
        )
    foreign = _foreign_entries(folder)
    if foreign:
        raise StoreError(
            f"{shown}: the store folder also holds other files ({', '.join(foreign[:3])}); "
            "move them out or give another folder (nothing was changed)"
        )


def _fill(folder: Path, files: Sequence[Path]) -> int:
    """Bulk-load ``files`` into a new store in ``folder``, and the literals it holds in another
    form than written into :data:`EXACT_TERMS` beside it; the number of triples loaded."""
    import pyoxigraph as ox

    from pmgraph.graph.annotations import Annotations
    from pmgraph.graph.evidence import Records, expand_statements, source_roots

    graph = ox.NamedNode(GRAPH_IRI)
    store = ox.Store(str(folder))
    try:
        # bulk_load writes sorted files straight to disk: faster than load on big files,
        # at half its memory (docs/store.md); on small files its fixed cost dominates.
        table = ExactTerms()
        records = Records(store, graph, table, bulk=True)
        with gc_paused():
            try:
                load_files(store, graph, files, table, bulk_from=_BULK_FROM,
                           annotations=Annotations(records))
                expand_statements(store, graph, table, roots=source_roots(files),
                                  records=records)
            finally:
                records.close()
        if table.triples:
            table.save(folder / EXACT_TERMS)
        store.flush()
        return len(store)
    finally:
        # Close the store (RocksDB releases its lock and threads) before the folder moves.
        del store


def _listed(paths: Sequence[str], most: int = 3) -> str:
    shown = [display_path(Path(path)) for path in paths[:most]]
    return ", ".join(shown) + (f" and {len(paths) - most} more" if len(paths) > most else "")


def _write_manifest(folder: Path, files: Sequence[Path], triples: int, seconds: float) -> None:
    from pmgraph import __version__

    sources = []
    for path in files:
        if is_stdin(path):
            sources.append({"path": str(path), "size": 0, "mtime": 0.0})
            continue
        stat = path.stat()
        sources.append(
            {"path": str(path.resolve()), "size": stat.st_size, "mtime": stat.st_mtime}
        )
    manifest = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "pmgraph_version": __version__,
        "oxigraph_version": _oxigraph_version(),
        "graph": GRAPH_IRI,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "triples": triples,
        "files": sources,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def build_store(path: Path | str, files: Sequence[Path | str]) -> StoreInfo:
    """Bulk-load ``files`` (Turtle or N-Triples, loaded as given: pass the ontology too) into
    an on-disk store at ``path``, replacing the store already there whole.

    ``path`` must be new, an empty folder or a pmgraph store; anything else is refused
    untouched. On failure the previous store (if any) is left as it was.
    Raises :class:`StoreError` or :class:`pmgraph.errors.DataLoadError`.
    """
    target = Path(path)
    shown = display_path(target)
    if target.is_symlink():  # written through, as every output: the link stays
        target = Path(os.path.realpath(target))
    _check_target(target)
    sources = [Path(f) for f in files]
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=parent))
    except OSError as exc:
        raise StoreError(f"{shown}: cannot create the store ({exc.strerror})") from None
    started = time.perf_counter()
    with tracked(building):  # a forced stop (SIGTERM in native code) removes it too
        try:
            triples = _fill(building, sources)
            seconds = time.perf_counter() - started
            _write_manifest(building, sources, triples, seconds)
            swap_in(building, target)
        except OSError as exc:
            shutil.rmtree(building, ignore_errors=True)
            raise StoreError(
                f"{shown}: cannot write the store ({exc}); nothing was changed"
            ) from None
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    log.info("stored %d triples in %s (%.1f s)", triples, shown, seconds)
    return read_manifest(target)


def _open_oxigraph(folder: Path, read_only: bool) -> ox.Store:
    import pyoxigraph as ox

    shown = display_path(folder)
    try:
        return ox.Store.read_only(str(folder)) if read_only else ox.Store(str(folder))
    except (OSError, RuntimeError) as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(
                f"{shown}: the store is open for writing in another process; close that "
                "process or open the store read-only"
            ) from None
        first = text.splitlines()[0] if text else type(exc).__name__
        raise StoreError(
            f"{shown}: the store cannot be opened ({first}); rebuild it with "
            f"'pmgraph load --store {shown}'"
        ) from None


def open_store(path: Path | str, *, read_only: bool = True) -> Graph:
    """The graph held in the store at ``path``: an rdflib ``Graph`` over Oxigraph, nothing parsed.

    Read-only by default (adding triples then fails); ``read_only=False`` opens it for writing,
    which only one process can do at a time. Logs a warning when a file the store was built
    from has changed since. Raises :class:`StoreError` for a folder that is not a store, a
    store of an incompatible version, or a store another process holds for writing.
    """
    folder = Path(path)
    info = read_manifest(folder)
    changed = info.changed_files()
    if changed:
        gone = [path for path in changed if not os.path.exists(path)]
        differ = [path for path in changed if path not in gone]
        parts = [
            f"{len(paths)} {'file' if len(paths) == 1 else 'files'} {what} since it was built "
            f"({_listed(paths)})"
            for paths, what in ((differ, "changed"), (gone, "gone"))
            if paths
        ]
        log.warning(
            "%s: %s; rebuild it with '%s'",
            display_path(folder), " and ".join(parts), info.rebuild_command(),
        )
    store = ExactStore(store=_open_oxigraph(folder, read_only))
    graph = Graph(store=store, identifier=URIRef(info.graph), bind_namespaces="none")
    if (folder / EXACT_TERMS).is_file():
        attach(graph, ExactTerms.read(folder / EXACT_TERMS))
    # The files it was built from: their sources/ folders hold the sources their quotes cite.
    graph.pmgraph_files = tuple(  # type: ignore[attr-defined]
        Path(source.path) for source in info.files if not is_stdin(source.path))
    return bind_prefixes(graph)
