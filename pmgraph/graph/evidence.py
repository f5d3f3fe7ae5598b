"""Statement provenance: each link and factual literal with the quotes that support it.

In the data files a statement carries its evidence as an RDF 1.2 annotation, next to it::

    ctr:leeds pm:establishedBy orgn:leeds-academic-health-partnership {|
        pm:source src:iuk-precision-medicine-2019 ;
        pm:quote "The Leeds Centre for Personalised Medicine and Health (LCPMH),
                  established in 2016 by the Leeds Academic Health Partnership" |} .

Oxigraph parses this into the triple itself plus a reifier ``_:r rdf:reifies <<( s p o )>>``
holding ``pm:source`` and ``pm:quote``. :func:`expand_statements` turns every reifier into
records any SPARQL 1.1 store can hold and query (no triple terms are left)::

    stm:centre-leeds--establishedBy--org-leeds-academic-health-partnership
        a rdf:Statement ; rdf:subject ctr:leeds ; rdf:predicate pm:establishedBy ;
        rdf:object orgn:leeds-academic-health-partnership ;
        pm:evidenceQuote <https://w3id.org/pmgraph/quote/6b0f…> .
    <https://w3id.org/pmgraph/quote/6b0f…> a oa:TextQuoteSelector ;
        oa:exact "The Leeds Centre …" ;
        oa:prefix "…32 characters before…" ; oa:suffix "…32 after…" ;
        dcterms:source src:iuk-precision-medicine-2019 .

One passage of one source is one selector (:func:`selector_iri`), shared by every statement
that quotes it. The loader mostly keeps the reifiers out of the store altogether: it gives
the store a Turtle text without its annotation blocks and hands each block from its own parse
to :class:`Records`, which writes the same records (:mod:`pmgraph.graph.annotations`).

The prefix and suffix are cut from the repaired, white-space-folded source text, so a reader
(or the view) can show the quote in its context. :func:`evidence_findings` checks the records:
every link and factual literal has evidence, every quote occurs in its source, no quote is too
short to support anything, and no evidence hangs on a statement the graph does not hold.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from pmgraph.graph.exact import ExactTerms, table_of, written_form
from pmgraph.graph.text import fold_whitespace, source_text
from pmgraph.paths import display_path, sources_dir

if TYPE_CHECKING:
    import pyoxigraph as ox

    from pmgraph.validation.validate import Finding

log = logging.getLogger(__name__)

ID = "https://w3id.org/pmgraph/id/"
STATEMENT = "https://w3id.org/pmgraph/statement/"
QUOTE_SELECTOR = "https://w3id.org/pmgraph/quote/"
PM = "https://w3id.org/pmgraph/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

#: Shortest quote that can support a statement: shorter passages ("NHS", "3T") name a thing
#: but state nothing about it.
MIN_QUOTE_CHARS = 20
#: Characters of source text kept before and after a quote (oa:prefix, oa:suffix).
CONTEXT_CHARS = 32

#: Literal-valued predicates that state a fact (dates, amounts, quantities, identifiers,
#: coordinates). Names, descriptions and abbreviations are the resource's own words and are
#: covered by its pm:evidence quotes.
FACTUAL_LITERALS = frozenset(
    [PM + name for name in (
        "foundingDate", "startDate", "publicationDate", "referenceDate", "value", "currency",
        "unit", "qualifier", "gridId", "ringgoldId", "isoCode", "status", "cohort",
        "rankingSubject",
    )] + [GEO + "lat", GEO + "long"]
)
#: Links that are not statements of a source: provenance itself, a resource's kind and the
#: concept scheme a concept belongs to (the vocabulary's own structure). Every other link
#: from a resource of the data, to a resource of the data or to any other IRI (a ROR
#: identifier, a unit of measure), is a statement.
NOT_STATEMENTS = frozenset(
    [PM + "source", PM + "evidenceQuote", RDF + "type", SKOS + "inScheme"]
)


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug or len(slug) > 40:
        return "h" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return slug


def _part(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        if term.value.startswith(ID):
            return term.value[len(ID):].replace("/", "-")
        return _slug(_local(term.value))
    if isinstance(term, ox.Literal):
        return _slug(term.value)
    return "b" + hashlib.sha1(str(term).encode()).hexdigest()[:12]


def statement_iri(subject: object, predicate: object, obj: object) -> str:
    """The IRI of the statement ``subject predicate obj`` (pyoxigraph terms): readable and
    stable, ``…/statement/<subject>--<predicate>--<object>``."""
    return f"{STATEMENT}{_part(subject)}--{_local(predicate.value)}--{_part(obj)}"


def selector_iri(quote: str, source: object | None) -> str:
    """The IRI of the quote selector for ``quote`` (as written) in ``source`` (a pyoxigraph
    term, or None): one passage of one source is one selector, whichever statements it
    supports, ``…/quote/<hash of source and quote>``."""
    named = getattr(source, "value", "") if source is not None else ""
    digest = hashlib.sha1(f"{named}\n{quote}".encode()).hexdigest()[:16]
    return f"{QUOTE_SELECTOR}{digest}"


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in its source: found or not, the text before and after it."""

    found: bool
    prefix: str = ""
    suffix: str = ""
    start: int = -1


def source_file(identifier: str, root: Path | None = None) -> Path:
    """The file of a source whose ``dcterms:identifier`` is ``identifier`` (under sources/)."""
    return (root or sources_dir()) / identifier


#: The folder beside a data file that may hold its own sources.
SOURCES_BESIDE = "sources"


def source_roots(files: Iterable[Path | str] = ()) -> tuple[Path, ...]:
    """Where the sources of data loaded from ``files`` are looked for, in order: a
    ``sources/`` folder beside each file (a data set may bring its own, as ``pmgraph synth``
    does), then the project's ``sources/``."""
    roots: list[Path] = []
    for file in files:
        if str(file) == "-":
            continue
        folder = Path(file).parent / SOURCES_BESIDE
        if folder.is_dir() and folder not in roots:
            roots.append(folder)
    if sources_dir() not in roots:
        roots.append(sources_dir())
    return tuple(roots)


def find_source(identifier: str, roots: Sequence[Path] | None = None) -> Path:
    """The file named ``identifier`` in the first of ``roots`` (default: the project's
    ``sources/``) that has it; in the last root when none has it."""
    roots = roots or (sources_dir(),)
    for root in roots:
        path = source_file(identifier, root)
        if path.is_file():
            return path
    return source_file(identifier, roots[-1])


def anchor(quote: str, path: Path) -> Anchor:
    """Find ``quote`` (white space folded) in the repaired source at ``path``."""
    text = source_text(Path(path))
    exact = fold_whitespace(quote)
    start = text.find(exact) if exact else -1
    if start < 0:
        return Anchor(False)
    end = start + len(exact)
    return Anchor(
        True, text[max(0, start - CONTEXT_CHARS):start], text[end:end + CONTEXT_CHARS], start
    )


def _source_paths(store: ox.Store, roots: Sequence[Path] | None = None) -> dict[str, Path]:
    """Source IRI -> its file, for every source with a ``dcterms:identifier`` naming a file
    in one of ``roots`` (:func:`find_source`)."""
    import pyoxigraph as ox

    found = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(DCTERMS_IDENTIFIER), None, None):
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(ID + "source/"):
            path = find_source(quad.object.value, roots)
            if path.is_file():
                found[quad.subject.value] = path
    return found


def _nt(term: object) -> str | None:
    """``term`` in N-Triples, or None for a blank node or triple term (which a text the
    store parses would not keep as the same term)."""
    import pyoxigraph as ox

    kind = type(term)
    if kind is ox.NamedNode:
        return f"<{term.value}>"
    if kind is ox.Literal:
        return str(term)
    return None


def _nt_string(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r")) + '"'


class _Anchors:
    """:func:`anchor` for many quotes: each source text read once, each (source, quote)
    looked up once."""

    def __init__(self) -> None:
        self._found: dict[tuple[Path, str], Anchor] = {}

    def __call__(self, quote: str, path: Path) -> Anchor:
        key = (path, quote)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = anchor(quote, path)
        return found


def expand_statements(
    store: ox.Store, graph_name: object = None, table: ExactTerms | None = None,
    roots: Sequence[Path] | None = None, records: Records | None = None,
) -> int:
    """Turn every RDF 1.2 reifier in ``graph_name`` of ``store`` into an ``rdf:Statement``
    record with ``oa:TextQuoteSelector`` quotes (see the module notes), and finish the
    ``records`` written beside the load (:mod:`pmgraph.graph.annotations`); the number of
    statements.

    A reifier without an IRI gets the statement's own IRI (:func:`statement_iri`). Quotes are
    anchored in the source named by ``pm:source``; a quote that is not found keeps only its
    exact text (validation reports it); sources are looked for in ``roots``
    (:func:`source_roots`; default: the project's ``sources/``). When the store holds the
    statement's object in another form than written, ``table`` (the graph's exact terms)
    learns the record's ``rdf:object`` as written too, so that record and triple export the
    same term.
    """
    import pyoxigraph as ox

    if graph_name is None:
        graph_name = ox.DefaultGraph()
    if records is None:
        records = Records(store, graph_name, table)
    reifies = ox.NamedNode(RDF + "reifies")
    try:
        remove = store.remove
        for quad in list(store.quads_for_pattern(None, reifies, None, graph_name)):
            reifier, triple = quad.subject, quad.object
            if type(triple) is not ox.Triple:
                continue
            own = list(store.quads_for_pattern(reifier, None, None, graph_name))
            for q in own:
                remove(q)
            records.add(reifier, triple, own, as_written=False)
        if records.count:
            records.finish(_source_paths(store, roots))
    finally:
        records.close()
    if records.count:
        log.info("expanded %d annotated statements", records.count)
    return records.count


#: Lines of records given to the store at a time: a bounded text, whatever the graph's size.
_RECORD_BATCH = 50_000
#: Batches given to the store and not loaded yet, at most (the writing waits).
_WAITING_BATCHES = 4


class Records:
    """The records of statements, written as Turtle and given to the store in batches, each
    loaded in a second thread (in order, after whatever else was given to it) while this one
    writes the next.

    What needs every file loaded first (where each quote sits in its source, the forms in
    which the files wrote a literal) is written by :meth:`finish`.
    """

    def __init__(
        self, store: ox.Store, graph_name: object, table: ExactTerms | None, *,
        bulk: bool = False,
    ) -> None:
        import pyoxigraph as ox

        self.store, self.graph_name, self.table = store, graph_name, table
        #: Batches go in with ``bulk_load`` (an on-disk store: sorted files written straight
        #: to disk instead of a transaction each).
        self._fill = store.bulk_load if bulk else store.load
        self._loader: ThreadPoolExecutor | None = None
        self._waiting: list[Future] = []
        n = ox.NamedNode
        self.quote_p, self.source_p, self.reifies = n(PM + "quote"), n(PM + "source"), n(
            RDF + "reifies")
        self.object_p = n(RDF + "object")
        self.reset()

    def reset(self) -> None:
        """Forget every record written (the store is cleared by the caller)."""
        self.count = 0
        self.lines: list[str] = []
        # Subjects, objects and quotes repeat across statements: each is worked out once.
        self.terms: dict[object, tuple[str | None, str]] = {}
        self.predicates: dict[object, tuple[str | None, str]] = {}
        self.selectors: dict[tuple[str, object], str] = {}  # (quote, source) -> selector
        #: What :meth:`finish` writes: quotes given several sources (statement, quote,
        #: sources); literal objects (statement, subject, predicate, object); records with a
        #: blank node or triple term (statement, triples, quotes, sources).
        self.placed_later: list[tuple] = []
        self.literal_objects: list[tuple] = []
        self.term_by_term: list[tuple] = []
        #: Literals of a block written in the store's own form (statement, predicate, term).
        self.as_stored: list[tuple] = []

    # ---------------------------------------------------------------- loading

    def submit(self, job: Callable[[], object]) -> Future:
        """Run ``job`` (a load into the store) in the loading thread after the jobs given
        before it."""
        if self._loader is None:
            self._loader = ThreadPoolExecutor(1, thread_name_prefix="pmgraph-load")
        return self._loader.submit(job)

    def flush(self) -> None:
        """Give the store the lines written so far, and forget them."""
        import pyoxigraph as ox

        if not self.lines:
            return
        text = (_RECORD_PREFIXES + "".join(self.lines)).encode("utf-8")
        self.lines.clear()
        while len(self._waiting) >= _WAITING_BATCHES:
            self._waiting.pop(0).result()
        # lenient: every IRI in it is the store's own or made from them
        self._waiting.append(self.submit(partial(
            self._fill, input=text, format=ox.RdfFormat.TURTLE, to_graph=self.graph_name,
            lenient=True)))

    def wait(self) -> None:
        """Wait until the store has loaded every batch; raise what a load raised."""
        while self._waiting:
            self._waiting.pop(0).result()

    def close(self) -> None:
        """Stop the loading thread, dropping the batches it has not started."""
        if self._loader is not None:
            self._loader.shutdown(wait=True, cancel_futures=True)
            self._loader = None
        self._waiting.clear()

    # ---------------------------------------------------------------- writing

    def stored(self, term: object, statement: str, predicate: object) -> object:
        """``term`` as written (from the parse) in the form the store holds it; the table
        learns the written form for the record's triple when they differ."""
        import pyoxigraph as ox

        table = self.table
        if table is None or type(term) is not ox.Literal:
            return term
        held = table.stored_form(term)
        if held is not term and held != term:
            table.record(ox.NamedNode(statement), predicate, written_form(term), held)
        else:  # noted at the end if another form of the value is noted for the triple
            self.as_stored.append((statement, predicate, held))
        return held

    def add(self, reifier: object, triple: ox.Triple, own: list, *, as_written: bool) -> None:
        """The record of ``triple`` from its reifier's triples ``own`` (``pm:source``,
        ``pm:quote``, others); terms ``as_written`` come from a parse, not the store."""
        import pyoxigraph as ox

        named, literal = ox.NamedNode, ox.Literal
        self.count += 1
        subject, predicate, obj = triple.subject, triple.predicate, triple.object
        table = self.table
        if table is not None and type(obj) is literal:
            if as_written:
                obj = table.stored_form(obj)  # as the store holds it, and names it
        s_nt, s_part = self.term(subject)
        o_nt, o_part = self.term(obj)
        p_nt, p_local = self.predicate(predicate)
        iri = reifier.value if type(reifier) is named else (
            f"{STATEMENT}{s_part}--{p_local}--{o_part}")
        quote_p, source_p, reifies = self.quote_p, self.source_p, self.reifies
        quotes, sources, others = [], [], []
        for q in own:
            said = q.predicate
            if said == quote_p:
                quotes.append(q.object.value)
            elif said == source_p:
                sources.append(q.object)
            elif said != reifies:
                others.append((said, q.object))
                if table is not None and not as_written and type(q.object) is literal:
                    # the forms the reifier's triple was written in now belong to the record
                    for form in table.forget(reifier, said, q.object):
                        table.record(named(iri), said, form, q.object)
        if table is not None and not as_written:
            for q in own:
                if type(q.object) is literal:
                    table.forget(reifier, q.predicate, q.object)
        # "The first source that holds the quote" is the first by IRI, whatever the order
        # the file or the store gives them in.
        if len(sources) > 1:
            sources.sort(key=_value)
        if table is not None and type(obj) is literal:
            self.literal_objects.append((iri, subject, predicate, obj))
        other_nts = []
        plain = s_nt is not None and o_nt is not None
        if others:
            if as_written:
                others = [(said, self.stored(value, iri, said)) for said, value in others]
            other_nts = [(self.predicate(said)[0], self.term(value)[0]) for said, value in others]
            plain = plain and all(value is not None for _, value in other_nts)
        for source in sources:
            if type(source) is not named:
                plain = False
        if not plain:
            statement = named(iri)
            add = [(statement, named(RDF + "subject"), subject),
                   (statement, named(RDF + "predicate"), predicate),
                   (statement, self.object_p, obj)]
            add += [(statement, said, value) for said, value in others]
            self.term_by_term.append((statement, add, quotes, sources))
            return
        text = (f"<{iri}> a rdf:Statement ; rdf:subject {s_nt} ; rdf:predicate {p_nt} ; "
                f"rdf:object {o_nt}")
        for said, value in other_nts:
            text += f" ; {said} {value}"
        if quotes:
            if len(sources) > 1:  # the quote's source is the first that holds it: later
                self.placed_later.extend((iri, quote, sources) for quote in quotes)
            else:
                source = sources[0] if sources else None
                selectors = [self.selector(quote, source) for quote in quotes]
                text += f" ; pm:evidenceQuote {', '.join(selectors)}"
        self.lines.append(text + " .\n")
        if len(self.lines) >= _RECORD_BATCH:
            self.flush()

    def selector(self, quote: str, source: object | None) -> str:
        """The selector of ``quote`` in ``source``; its own triples are written by
        :meth:`finish`."""
        key = (quote, source)
        selector = self.selectors.get(key)
        if selector is None:
            selector = self.selectors[key] = f"<{selector_iri(quote, source)}>"
        return selector

    def finish(self, paths: dict[str, Path]) -> None:
        """Write what needs every file loaded (``paths``: each source's file), give the store
        everything left, and wait until it has loaded it all."""
        import pyoxigraph as ox

        anchored = _Anchors()
        for iri, quote, sources in self.placed_later:
            source, _ = _place(quote, sources, paths, anchored)
            self.lines.append(f"<{iri}> pm:evidenceQuote {self.selector(quote, source)} .\n")
        written: set[str] = set()
        for (quote, source), selector in self.selectors.items():
            if selector in written:
                continue
            written.add(selector)
            text = f"{selector} a oa:TextQuoteSelector ; oa:exact {_nt_string(quote)}"
            if source is not None:
                text += f" ; dcterms:source <{source.value}>"
                path = paths.get(source.value)
                where = anchored(quote, path) if path else Anchor(False)
                if where.found:
                    text += (f" ; oa:prefix {_nt_string(where.prefix)}"
                             f" ; oa:suffix {_nt_string(where.suffix)}")
            self.lines.append(text + " .\n")
        table = self.table
        if table is not None:
            named = ox.NamedNode
            for iri, subject, predicate, obj in self.literal_objects:
                # the record's object exports as the statement's object was written
                for form in table.triples.get((subject, predicate, obj), ()):
                    table.record(named(iri), self.object_p, form, obj)
            for iri, predicate, term in self.as_stored:
                if (named(iri), predicate, term) in table.triples:  # "true" beside "1"
                    table.record(named(iri), predicate, term, term)
        added = [quad for statement, add, quotes, sources in self.term_by_term
                 for quad in _quads(statement, add, quotes, sources, paths, anchored,
                                    self.graph_name)]
        self.flush()
        self.wait()
        if added:
            self.store.extend(added)

    def term(self, term: object) -> tuple[str | None, str]:
        """``term`` in N-Triples (None: a blank node or triple term, which a text the store
        parses would not keep as the same term) and its part of a statement IRI."""
        found = self.terms.get(term)
        if found is None:
            found = self.terms[term] = (_nt(term), _part(term))
        return found

    def predicate(self, term: object) -> tuple[str | None, str]:
        """A predicate in N-Triples and its local name."""
        found = self.predicates.get(term)
        if found is None:
            found = self.predicates[term] = (_nt(term), _local(term.value))
        return found


#: The prefixes of the records' Turtle text.
_RECORD_PREFIXES = (f"@prefix rdf: <{RDF}> .\n@prefix pm: <{PM}> .\n@prefix oa: <{OA}> .\n"
                    "@prefix dcterms: <http://purl.org/dc/terms/> .\n")


def _value(term: object) -> str:
    return getattr(term, "value", "")


def _place(
    quote: str, sources: list, paths: dict[str, Path], anchored: _Anchors
) -> tuple[object, Anchor]:
    """The source a quote is given (the first that holds it, else the first named) and where
    it sits there."""
    placed = None
    for source in sources:
        path = paths.get(source.value)
        where = anchored(quote, path) if path else Anchor(False)
        if where.found or placed is None:
            placed = (source, where)
        if where.found:
            break
    return placed if placed is not None else (None, Anchor(False))


def _quads(
    statement: object, add: list, quotes: list[str], sources: list, paths: dict[str, Path],
    anchored: _Anchors, graph_name: object,
) -> list:
    """The record of one statement as quads (for blank nodes and triple terms)."""
    import pyoxigraph as ox

    n = ox.NamedNode
    add = [(statement, n(RDF + "type"), n(RDF + "Statement")), *add]
    for quote in quotes:
        source, where = _place(quote, sources, paths, anchored)
        selector = n(selector_iri(quote, source))
        add += [
            (statement, n(PM + "evidenceQuote"), selector),
            (selector, n(RDF + "type"), n(OA + "TextQuoteSelector")),
            (selector, n(OA + "exact"), ox.Literal(quote)),
        ]
        if source is not None:
            add.append((selector, n(DCTERMS_SOURCE), source))
            if where.found:
                add += [
                    (selector, n(OA + "prefix"), ox.Literal(where.prefix)),
                    (selector, n(OA + "suffix"), ox.Literal(where.suffix)),
                ]
    return [ox.Quad(s, p, o, graph_name) for s, p, o in add]


def expand_graph(
    graph: Graph, files: Sequence[Path] = (), records: Records | None = None
) -> int:
    """:func:`expand_statements` on an rdflib graph over Oxigraph (with the ``records``
    written beside the load); remembers ``files`` so that findings can name the line a
    statement is on."""
    from pmgraph.query.engine import oxigraph_target

    target = oxigraph_target(graph)
    if files:
        graph.pmgraph_files = tuple(files)  # type: ignore[attr-defined]
    if target is None:
        return 0
    return expand_statements(*target, table=table_of(graph), roots=source_roots(files),
                             records=records)


# --- checks -----------------------------------------------------------------

_MISSING = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
SELECT ?s ?p ?o WHERE {
  ?s ?p ?o .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/pmgraph/id/"))
  FILTER(?p NOT IN (%(skip)s))
  FILTER(isIRI(?o) || ?p IN (%(literals)s))
  # MINUS, not FILTER NOT EXISTS: Oxigraph runs this once and joins (linear); the same
  # under NOT EXISTS ran once per triple (12.6 s instead of 0.17 s on 10k synthetic triples).
  MINUS {
    ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; pm:evidenceQuote ?q .
  }
}
"""

_RECORDS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?st ?s ?p ?o ?asserted ?q ?exact ?source ?file WHERE {
  ?st a rdf:Statement .
  OPTIONAL { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
             BIND(EXISTS { ?s ?p ?o } AS ?asserted) }
  OPTIONAL { ?st pm:evidenceQuote ?q .
             OPTIONAL { ?q oa:exact ?exact }
             OPTIONAL { ?q dcterms:source ?source .
                        OPTIONAL { ?source dcterms:identifier ?file } } }
}
"""


_ENTITY_EVIDENCE = """
PREFIX pm: <https://w3id.org/pmgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s ?quote ?file WHERE {
  ?s pm:evidence ?quote .
  OPTIONAL { ?s pm:source ?source . ?source dcterms:identifier ?file }
}
"""


def _iris(iris: Iterable[str]) -> str:
    return ", ".join(f"<{i}>" for i in sorted(iris))


def _curie(graph: Graph, term: object) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.Literal):
        return f'"{term.value}"'
    value = getattr(term, "value", str(term))
    try:
        return graph.namespace_manager.normalizeUri(value)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any IRI rdflib cannot shorten is shown whole
        return f"<{value}>"


def locate(graph: Graph, subject: str, obj: str | None) -> str | None:
    """``file:line`` of the statement about ``subject`` (a CURIE or ``<IRI>``) with ``obj``
    in the files ``graph`` was loaded from, or None."""
    for path in getattr(graph, "pmgraph_files", ()):
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        start = next(
            (i for i, line in enumerate(lines) if re.match(re.escape(subject) + r"\s", line)),
            None,
        )
        if start is None:
            continue
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace()),
            len(lines),
        )
        for i in range(start, end):
            if obj and obj in lines[i]:
                return f"{display_path(path)}:{i + 1}"
        return f"{display_path(path)}:{start + 1}"
    return None


def evidence_findings(graph: Graph) -> list[Finding]:
    """Provenance problems in ``graph`` (an rdflib graph over Oxigraph), one finding each:
    a link or factual literal without evidence, a quote that is not in its source or too
    short, evidence for a statement the graph does not hold."""
    from pmgraph.query.engine import oxigraph_target
    from pmgraph.validation.validate import Finding, Severity

    target = oxigraph_target(graph)
    if target is None:
        return []
    store, name = target
    roots = source_roots(getattr(graph, "pmgraph_files", ()))
    findings: list[Finding] = []

    def add(focus: str, message: str, path: str | None = None, value: str | None = None) -> None:
        findings.append(Finding(
            severity=Severity.VIOLATION, focus=focus, focus_label=None, path=path,
            message=message, constraint="evidence", shape=None, value=value, origin="evidence",
        ))

    def where(s: object, o: object) -> str:
        found = locate(graph, _curie(graph, s), _curie(graph, o).strip('"'))
        return f"{found}: " if found else ""

    # A graph that records statement provenance at all must record it for every statement;
    # a graph without any (an excerpt, a fixture of the shapes) is checked for form only.
    uses_provenance = bool(store.query(
        "ASK { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> }",
        default_graph=name,
    ))
    missing = _MISSING % {"skip": _iris(NOT_STATEMENTS), "literals": _iris(FACTUAL_LITERALS)}
    for row in store.query(missing, default_graph=name) if uses_provenance else ():
        s, p, o = row["s"], row["p"], row["o"]
        text = f"{_curie(graph, s)} {_curie(graph, p)} {_curie(graph, o)}"
        add(statement_iri(s, p, o),
            f"{where(s, o)}{text} has no evidence: annotate it with "
            "{| pm:source src:… ; pm:quote \"…\" |}, a passage of the source that states it",
            p.value, o.value)

    seen_quotes: set[tuple[str, str]] = set()
    with_evidence: set[str] = set()
    anchored = _Anchors()
    for row in store.query(_RECORDS, default_graph=name):
        st = row["st"].value
        s, p, o = row["s"], row["p"], row["o"]
        if s is None:
            add(st, f"{st} is an rdf:Statement without rdf:subject, rdf:predicate and rdf:object")
            continue
        text = f"{_curie(graph, s)} {_curie(graph, p)} {_curie(graph, o)}"
        if row["asserted"] is not None and row["asserted"].value == "false":
            if st not in with_evidence:
                with_evidence.add(st)
                add(st, f"{text} has evidence but is not in the graph: assert the statement "
                        "or drop its evidence", p.value, o.value)
            continue
        quote = row["exact"]
        if row["q"] is None or quote is None or (st, quote.value) in seen_quotes:
            continue
        seen_quotes.add((st, quote.value))
        shown = quote.value if len(quote.value) <= 60 else quote.value[:57] + "..."
        if len(fold_whitespace(quote.value)) < MIN_QUOTE_CHARS:
            add(st, f"{where(s, o)}{text}: quote \"{shown}\" is shorter than "
                    f"{MIN_QUOTE_CHARS} characters; quote the passage that states the fact",
                p.value, quote.value)
        if row["source"] is None:
            add(st, f"{where(s, o)}{text}: quote \"{shown}\" names no source; add pm:source",
                p.value, quote.value)
            continue
        if row["file"] is None:
            add(st, f"{where(s, o)}{text}: the quote's source {_curie(graph, row['source'])} "
                    "has no dcterms:identifier naming its file in sources/", p.value)
            continue
        path = find_source(row["file"].value, roots)
        if not path.is_file():
            add(st, f"{where(s, o)}{text}: source file {display_path(path)} not found",
                p.value, row["file"].value)
        elif not anchored(quote.value, path).found:
            add(st, f"{where(s, o)}{text}: quote \"{shown}\" does not occur in "
                    f"{display_path(path)} (after repair); copy it verbatim from the source",
                p.value, quote.value)

    # An entity's own passages (pm:evidence) must occur in one of the entity's sources.
    files: dict[tuple[object, str], list[str]] = {}
    for row in store.query(_ENTITY_EVIDENCE, default_graph=name):
        names = files.setdefault((row["s"], row["quote"].value), [])
        if row["file"] is not None:
            names.append(row["file"].value)
    for (s, quote_text), names in files.items():
        paths = [find_source(file, roots) for file in sorted(set(names))]
        paths = [path for path in paths if path.is_file()]
        if not paths or any(anchored(quote_text, path).found for path in paths):
            continue  # no source file to check against: the shapes ask for pm:source
        shown = quote_text if len(quote_text) <= 60 else quote_text[:57] + "..."
        found = locate(graph, _curie(graph, s), quote_text[:40])
        add(s.value, f"{found + ': ' if found else ''}{_curie(graph, s)} pm:evidence "
                     f"\"{shown}\" does not occur in "
                     f"{' or '.join(display_path(path) for path in paths)} (after repair); "
                     "copy it verbatim from the source", PM + "evidence", quote_text)
    return findings


def read_plain(*paths: Path, into: Graph | None = None) -> Graph:
    """The Turtle files at ``paths``, their annotations expanded (:func:`expand_statements`),
    as a graph in rdflib's own memory store (rdflib's Turtle parser cannot read RDF 1.2
    annotations; Oxigraph's can)."""
    from pmgraph.graph.load import new_graph, parse_into, plain_copy

    graph = new_graph()
    for path in paths:
        parse_into(graph, Path(path))
    expand_graph(graph)
    return plain_copy(graph, into)
