"""``pmgraph push``: publish the merged graph into a named graph of a SPARQL store.

Only the standard protocols are used, so any store with the SPARQL 1.1 Graph Store HTTP
Protocol and SPARQL 1.1 Update works (tested: the Oxigraph server, Virtuoso 7):

1. the graph is validated; data with violations is not pushed;
2. its triples are written as N-Triples, every term as written, to a temporary file (never
   held whole in memory) and sent to a staging graph, ``<GRAPH>-pmgraph-staging``, in Graph
   Store requests of at most 64 MB (:data:`PART_BYTES`): a ``PUT``, replacing whatever an
   earlier failed push left there, with every triple that has a blank node, then one ``POST``
   for each further part; the VoID/DCAT description (:mod:`pmgraph.publishing.describe`)
   goes the same way to ``<GRAPH>/description``'s staging graph (kept apart: it describes
   the data and is not part of what is validated);
3. each staging graph's size is checked against what was sent (Virtuoso 7 answers a chunked
   upload with 201 Created and stores nothing, so a PUT's status alone proves little);
   then the graph's distinct typed literals go once more to a graph of their own and are read
   back (:func:`held_forms`): the push then says which ones the store holds in another form
   than written (both tested stores keep numbers by value, whatever they are sent);
4. one SPARQL Update request, ``MOVE <staging> TO <GRAPH>; MOVE ... TO <GRAPH/description>``,
   replaces both. A failure before this step leaves the previous version in place; pushing
   the same build again leaves one copy. Oxigraph runs an update request as one transaction,
   so its readers see the previous version or the new one, never half of one.

Virtuoso 7.2 gives neither guarantee for the swap, whatever form it takes (MOVE, DROP and
INSERT in one request, ``DEFINE sql:log-enable 1``): its readers see rows of a running update
(33,761 triples counted while 149,998 were replaced by 1,273), and a server killed after it
acknowledged the swap came back with part of the new graph (1,178 of 1,273 triples) unless a
checkpoint came between. A failure before the swap does leave the previous version. The push
says so (:data:`VIRTUOSO_CAVEAT`); ``checkpoint;`` run as dba makes the new version durable.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from rdflib import Graph

from pmgraph.errors import EndpointError, ParameterError, PMGraphError, QueryTimeoutError
from pmgraph.query.remote import (
    DEFAULT_TIMEOUT,
    Credentials,
    Response,
    redact,
    run_remote,
    send,
    status_text,
)

log = logging.getLogger(__name__)

#: The named graph a push writes to unless told otherwise.
DEFAULT_GRAPH = "https://w3id.org/pmgraph/graph"
STAGING_SUFFIX = "-pmgraph-staging"
#: Seconds the upload and the swap may each take (``--timeout``): the Oxigraph server's swap
#: of the 1M synthetic graph (2.8 million triples with the records) took 614 s.
DEFAULT_PUSH_TIMEOUT = 3600.0

#: What a push to Virtuoso 7 cannot promise (measured: see the module's docstring).
VIRTUOSO_CAVEAT = (
    "Note: Virtuoso 7 shows readers a partly replaced graph while the swap runs, and a crash "
    "before its next checkpoint can lose part of this version; run 'checkpoint;' in isql as "
    "dba to make it durable (docs/sharing.md)."
)

# How the query URL of a known server maps to its Graph Store and update URLs.
_KNOWN_SERVERS = (
    # (query path suffix, Graph Store suffix, update suffix, server)
    ("/query", "/store", "/update", "Oxigraph"),
    ("/sparql", "/sparql-graph-crud", "/sparql", "Virtuoso"),
)


@dataclass(frozen=True)
class Target:
    """Where a push goes: the query, Graph Store and update URLs and the graph's IRI."""

    query_url: str
    store_url: str
    update_url: str
    graph: str
    #: The server the URLs were derived for ("Oxigraph", "Virtuoso"), or None.
    server: str | None = None

    @property
    def staging(self) -> str:
        return self.graph + STAGING_SUFFIX

    @property
    def description(self) -> str:
        """The named graph holding the VoID/DCAT description of ``graph``."""
        return self.graph.rstrip("/#") + "/description"


@dataclass(frozen=True)
class PushResult:
    """What a push sent (or, with ``dry_run``, would send)."""

    target: Target
    triples: int
    bytes: int
    seconds: float
    dry_run: bool
    #: What the store does not guarantee about this push (a line for the user), or None.
    caveat: str | None = None


def _swap_suffix(url: str, old: str, new: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=parsed.path[: -len(old)] + new))


def resolve_target(
    endpoint: str, graph: str | None = None, store_url: str | None = None,
    update_url: str | None = None,
) -> Target:
    """The URLs of a push: given, or derived from the query URL of a known server."""
    from pmgraph.query.remote import check_endpoint

    check_endpoint(endpoint)
    graph = graph or DEFAULT_GRAPH
    parsed = urlparse(graph)
    if not parsed.scheme or any(c in graph for c in '<>" {}|\\^`'):
        raise ParameterError(f"--graph {graph!r} is not an absolute IRI; give one such as "
                             f"{DEFAULT_GRAPH}")
    path = urlparse(endpoint).path.rstrip("/")
    server = None
    for query_suffix, store_suffix, update_suffix, name in _KNOWN_SERVERS:
        if path.endswith(query_suffix):
            server = name if store_url is None else None
            store_url = store_url or _swap_suffix(endpoint, query_suffix, store_suffix)
            update_url = update_url or _swap_suffix(endpoint, query_suffix, update_suffix)
            break
    if server is None and store_url is not None and urlparse(store_url).path.rstrip("/").endswith(
            ("/sparql-graph-crud", "/sparql-graph-crud-auth")):
        server = "Virtuoso"  # its Graph Store given by hand, e.g. the one that takes a login
    if store_url is None or update_url is None:
        missing = "--store-url URL" if store_url is None else "--update-url URL"
        raise ParameterError(
            f"--endpoint {redact(endpoint)}: cannot tell this store's Graph Store and update "
            f"URLs (known: Oxigraph .../query, Virtuoso .../sparql); give {missing}")
    for option, url in (("--store-url", store_url), ("--update-url", update_url)):
        try:
            check_endpoint(url)
        except ParameterError as exc:
            raise ParameterError(str(exc).replace("--endpoint", option, 1)) from None
    return Target(endpoint, store_url, update_url, graph, server)


def write_ntriples(graph: Graph, path: Path) -> int:
    """``graph`` as N-Triples in ``path``, every term as written; returns the number of
    triples written."""
    return _write_ntriples(graph, path)[0]


def _write_ntriples(graph: Graph, path: Path) -> tuple[int, int]:
    """``graph`` as N-Triples in ``path``: (triples written, the store's triples).

    A store that keeps values by value holds at least the second number: one store triple can
    stand for several written ones (``"1"^^xsd:boolean`` and ``"true"`` on one subject and
    predicate). With an empty exact-term table (the data in the store's forms), the store's
    own dump; else the store's triples read once, in a stream, each literal as written."""
    import pyoxigraph as ox

    from pmgraph.graph.exact import cased_tag, table_of
    from pmgraph.query.engine import oxigraph_target

    target = oxigraph_target(graph)
    if target is None:
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
        return len(graph), len(graph)
    store, name = target
    table = table_of(graph)
    written = table.triples if table is not None else None
    if not written:
        store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=name)
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, name))
        return count, count
    counts = [0, 0]
    tagged = []

    def triples() -> Iterator[ox.Triple]:
        literal = ox.Literal
        for quad in store.quads_for_pattern(None, None, None, name):
            counts[1] += 1
            obj = quad.object
            forms = written.get((quad.subject, quad.predicate, obj)) if type(
                obj) is literal else None
            if not forms:
                counts[0] += 1
                yield quad.triple
                continue
            for form in forms:
                counts[0] += 1
                if not tagged and cased_tag(form) is not None:
                    tagged.append(form)
                yield ox.Triple(quad.subject, quad.predicate, form)

    ox.serialize(triples(), output=str(path), format=ox.RdfFormat.N_TRIPLES)
    if tagged:
        _restore_tags(path)
    return counts[0], counts[1]


def _restore_tags(path: Path) -> None:
    """Write the language tags marked in the N-Triples file ``path`` (a tag with a capital
    letter, which pyoxigraph would lower-case) as written, a line at a time."""
    from pmgraph.publishing.export import with_tags

    fixed = path.with_name(path.name + ".tags")
    with open(path, "rb") as source, open(fixed, "wb") as out:
        for line in source:
            out.write(with_tags(line))
    fixed.replace(path)


#: Most bytes of N-Triples sent in one request. Virtuoso 7.2 left one upload of the 1M
#: synthetic graph (579 MB) unanswered, its locks held and neither side working, in three of
#: five pushes; the same file sent as ten requests of 58 MB went through in 17 s.
PART_BYTES = 64 * 2**20
#: An N-Triples line whose subject or object is a blank node.
_BLANK = re.compile(rb"^_:|\s_:\S+\s*\.\s*$")


def _parts(path: Path, folder: Path) -> list[Path]:
    """The N-Triples file at ``path`` as files of at most :data:`PART_BYTES`, cut at line ends;
    ``[path]`` itself when it is that small. Every triple with a blank node goes in the first
    part: a blank node's label names one node only within one request."""
    if path.stat().st_size <= PART_BYTES:
        return [path]
    blank_path = folder / f"{path.stem}-part-0.nt"
    parts = [blank_path]
    current, written = None, 0
    with open(path, "rb") as source, open(blank_path, "wb") as blank:
        for line in source:
            if _BLANK.search(line):
                blank.write(line)
                continue
            if current is None or written + len(line) > PART_BYTES:
                if current is not None:
                    current.close()
                parts.append(folder / f"{path.stem}-part-{len(parts)}.nt")
                current, written = open(parts[-1], "wb"), 0  # noqa: SIM115 - closed above
            current.write(line)
            written += len(line)
    if current is not None:
        current.close()
    path.unlink()  # the parts hold it all; the disk need not hold it twice
    return parts


def _count(target: Target, graph_iri: str, credentials: Credentials | None,
           timeout: float | None) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    result = run_remote(query, target.query_url, {}, name="the triple count",
                        timeout=timeout, credentials=credentials)
    return int(result.rows[0][0].toPython()) if result.rows and result.rows[0][0] else 0


def _refused(response: Response, target: Target, what: str, url: str) -> EndpointError:
    status = status_text(response)
    if response.status in (401, 403):
        return EndpointError(f"{redact(url)} refused {what} ({status}); give --user USER "
                             "--password-env VAR, or a ~/.netrc entry, of an account that may "
                             "write; nothing was replaced")
    if response.status in (404, 405, 501):
        return EndpointError(f"{redact(url)} does not speak the SPARQL 1.1 Graph Store "
                             f"Protocol ({status}); give its Graph Store URL with --store-url; "
                             "nothing was replaced")
    if b"SR325" in response.body:  # Virtuoso: the transaction wrote more than it may
        return EndpointError(
            f"{redact(url)} refused {what} ({status}): one transaction may write no more than "
            "Virtuoso's TransactionAfterImageLimit (50,000,000 bytes unless its virtuoso.ini "
            "[Parameters] says otherwise); raise it and push again; nothing was replaced")
    return EndpointError(f"{redact(url)} refused {what} ({status}); nothing was replaced")


def _update(target: Target, text: str, what: str, credentials: Credentials | None,
            timeout: float | None) -> None:
    body = urllib.parse.urlencode({"update": text}).encode()
    response = send("POST", target.update_url, body=body,
                    content_type="application/x-www-form-urlencoded", name=what,
                    timeout=timeout, credentials=credentials)
    if response.status >= 300:
        if response.status in (404, 405, 501):
            raise EndpointError(f"{redact(target.update_url)} does not take SPARQL updates "
                                f"({status_text(response)}); give its update URL with "
                                "--update-url; the previous version is still in place")
        raise _refused(response, target, what, target.update_url)


#: How many distinct literals a push sends to the store once more, to read back how it keeps
#: them (:func:`held_forms`).
PROBE_LIMIT = 10_000
PROBE_SUFFIX = "-pmgraph-probe"
_PROBE = "urn:x-pmgraph:probe:"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def held_forms(graph: Graph, target: Target, credentials: Credentials | None = None,
               timeout: float | None = DEFAULT_TIMEOUT,
               say: Callable[[str], None] | None = None) -> str | None:
    """A line for the user when the store holds literals of ``graph`` in another form than
    written, else None.

    The graph's distinct typed literals (the forms written that pmgraph's own store keeps by
    value, then the others, up to :data:`PROBE_LIMIT` in all) are put into a graph of their
    own, ``<GRAPH>-pmgraph-probe``, read back with a Graph Store ``GET`` and dropped: what
    comes back is what the store holds, whatever store it is (the Oxigraph server keeps values
    by value, as pmgraph's store does; Virtuoso 7 keeps ``xsd:int`` but not ``"01"``, and
    writes ``"P1Y"^^xsd:duration`` as ``"12"``).
    """
    import pyoxigraph as ox

    from pmgraph.graph.exact import held_note, mark_tags, table_of
    from pmgraph.publishing.export import with_tags
    from pmgraph.query.engine import oxigraph_target

    local = oxigraph_target(graph)
    if local is None:
        return None
    store, name = local
    table = table_of(graph)
    written = table.triples if table is not None else {}
    forms = sorted({form for key, kept in written.items() for form in kept if form != key[2]},
                   key=str)[:PROBE_LIMIT]
    room = PROBE_LIMIT - len(forms)
    # the literals as the store holds them, which are as written on every other triple
    others = [row[0] for row in store.query(
        "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) = '' && "
        f"DATATYPE(?o) != <{_XSD_STRING}>) }} LIMIT {room + 1}", default_graph=name)]
    checked_all = len(others) <= room and len(forms) < PROBE_LIMIT
    if written:  # not a value held only for triples written in another form
        targets = {key[2] for key in written}
        shared = table.shared_values()
        others = [o for o in others if o not in targets or o in shared]
    forms += sorted(others[:room], key=str)
    if not forms:
        return None
    predicate = ox.NamedNode(_PROBE + "value")
    body = with_tags(ox.serialize(
        [ox.Triple(ox.NamedNode(f"{_PROBE}{i}"), predicate, form)
         for i, form in enumerate(forms)], format=ox.RdfFormat.N_TRIPLES))
    probe = target.graph + PROBE_SUFFIX
    (say or log.info)(f"checking how the store keeps the {len(forms)} distinct typed literals "
                      f"sent, in <{probe}>")
    readers = ("pmgraph query --endpoint shows them as the store holds them, pmgraph export "
               "as written")
    try:
        try:
            sent = send("PUT", target.store_url, body=body, content_type="application/n-triples",
                        params={"graph": probe}, name="the check of literal forms",
                        timeout=timeout, credentials=credentials)
            if sent.status >= 300:
                raise _refused(sent, target, "the check of literal forms", target.store_url)
            answer = send("GET", target.store_url, params={"graph": probe},
                          name="the check of literal forms", timeout=timeout,
                          credentials=credentials, accept="application/n-triples")
            if answer.status >= 300:
                raise _refused(answer, target, "the check of literal forms", target.store_url)
        finally:
            _update(target, f"DROP SILENT GRAPH <{probe}>", "dropping the check's graph",
                    credentials, timeout)
        media = (answer.headers.get("Content-Type") or "").split(";")[0].strip()
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        held = {triple.subject.value[len(_PROBE):]: triple.object
                for triple in ox.parse(mark_tags(answer.body), format=fmt, lenient=True)}
    except (PMGraphError, SyntaxError, ValueError) as exc:
        log.warning("could not read back the literals sent (%s)", exc)
        return (f"note: {len(forms)} distinct literals were sent; the store could not be "
                f"asked in which form it keeps them; {readers}")
    changed = {form: held[str(i)] for i, form in enumerate(forms)
               if str(i) in held and held[str(i)] != form}
    if not changed:
        return None
    count = 0
    as_held = set(others)
    for form in changed:
        if form in as_held:  # as the local store holds it: each triple not written otherwise
            for quad in store.quads_for_pattern(None, None, form, name):
                kept = written.get((quad.subject, quad.predicate, form)) if written else None
                count += kept.count(form) if kept else 1
    count += sum(1 for key, kept in written.items() for form in kept
                 if form != key[2] and form in changed)
    note = held_note(sorted(changed.items(), key=lambda pair: str(pair[0])), count,
                     "the store", readers)
    if not checked_all:
        note += f" (the first {PROBE_LIMIT:,} distinct literals checked)"
    return note

def push(
    graph: Graph,
    target: Target,
    *,
    credentials: Credentials | None = None,
    timeout: float | None = DEFAULT_PUSH_TIMEOUT,
    dry_run: bool = False,
    say: Callable[[str], None] | None = None,
) -> PushResult:
    """Publish ``graph`` (already validated) and its description into ``target.graph``."""
    from pmgraph.publishing.build import BUILD_FILES
    from pmgraph.publishing.describe import describe

    say = say or (lambda line: log.info("%s", line))
    started = time.monotonic()
    description = describe(graph, files=BUILD_FILES,
                           issued=dt.datetime.now(dt.timezone.utc).date())
    staged = []  # (staging IRI, final IRI, triples sent)
    with tempfile.TemporaryDirectory(prefix="pmgraph-push-") as folder:
        data_path, void_path = Path(folder) / "graph.nt", Path(folder) / "description.nt"
        triples, least = _write_ntriples(graph, data_path)
        described, described_least = _write_ntriples(description, void_path)
        size = data_path.stat().st_size + void_path.stat().st_size
        if dry_run:
            return PushResult(target, triples, size, time.monotonic() - started, True)
        if credentials is not None:
            # Learns whether the Graph Store wants digest auth before a large body is sent
            # (Virtuoso closes the connection mid-upload to ask); the answer itself is unused.
            send("HEAD", target.store_url, params={"graph": target.staging},
                 name="the login check", timeout=DEFAULT_TIMEOUT, credentials=credentials)
        for path, count, fewest, final in (
                (data_path, triples, least, target.graph),
                (void_path, described, described_least, target.description)):
            staging = final + STAGING_SUFFIX
            say(f"uploading {count} triples ({path.stat().st_size / 1e6:.1f} MB) to "
                f"{redact(target.store_url)} as <{staging}>")
            params = {"graph": staging}
            if target.server == "Oxigraph":
                # Oxigraph's bulk loader: ~7 times faster than its transactional PUT; the
                # staging graph needs no transaction (its size is checked below).
                params["no_transaction"] = ""
            # The first part replaces what an earlier failed push left; the others add to it.
            for i, part in enumerate(_parts(path, Path(folder))):
                with open(part, "rb") as body:
                    response = send("PUT" if i == 0 else "POST", target.store_url, body=body,
                                    length=part.stat().st_size,
                                    content_type="application/n-triples",
                                    params=params, name="the upload",
                                    timeout=timeout, credentials=credentials)
                if response.status >= 300:
                    raise _refused(response, target, "the upload", target.store_url)
                if part != path:
                    part.unlink()
            staged.append((staging, final, count, fewest, response))
    count_timeout = min(timeout or DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)
    for staging, _, count, fewest, response in staged:
        kept = _count(target, staging, credentials, count_timeout)
        # A store that keeps values by value holds "1"^^xsd:boolean and "true" on one subject
        # and predicate as one triple, as pmgraph's own store does.
        if not fewest <= kept <= count:
            drops = " ; ".join(f"DROP SILENT GRAPH <{s}>" for s, *_ in staged)
            _update(target, drops, "dropping the staging graphs", credentials, DEFAULT_TIMEOUT)
            raise EndpointError(
                f"{redact(target.store_url)} answered the upload with {status_text(response)} "
                f"but holds {kept} of the {count} triples sent; nothing was replaced (a store "
                "that drops chunked or large uploads: check its request size limits)")
    notes = [held_forms(graph, target, credentials, count_timeout, say)]
    say(f"replacing <{target.graph}> and <{target.description}> in one update (MOVE)")
    moves = " ;\n".join(f"MOVE <{staging}> TO <{final}>" for staging, final, *_ in staged)
    try:
        _update(target, moves, "the swap (MOVE staging TO graph)", credentials, timeout)
    except QueryTimeoutError:
        # The store goes on with an update its client stopped waiting for: the swap may
        # still happen, so "nothing was replaced" would not be true.
        raise QueryTimeoutError(
            f"{redact(target.update_url)} did not finish the swap within {timeout or 0:g} s "
            f"(--timeout); it may still be replacing <{target.graph}>: count that graph's "
            "triples before pushing again, and give a graph this size more time (--timeout "
            "SECONDS, 0 for no limit)") from None
    if target.server == "Virtuoso":
        notes.append(VIRTUOSO_CAVEAT)
    caveat = "\n".join(note for note in notes if note) or None
    if caveat:
        log.info("%s", caveat)
    return PushResult(target, triples, size, time.monotonic() - started, False, caveat)
