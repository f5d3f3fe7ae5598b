"""Exact RDF terms beside an Oxigraph store, which keeps numbers, booleans and dates by value.

Oxigraph stores ``"01"^^xsd:integer`` as ``"1"``, ``"5"^^xsd:int`` as ``"5"^^xsd:integer``,
``"1.50"^^xsd:decimal`` as ``"1.5"`` and ``"1"^^xsd:boolean`` as ``"true"`` (its issue #526).
Queries compare such values correctly, but the terms a user wrote would be lost. So loading
reads each file with ``pyoxigraph.parse`` (which keeps every term as written) before the store
loads it, finds the literals the store holds in another form (once per distinct literal, by a
round trip through a scratch store: exactly what the store does, whatever its version), and
keeps them in an :class:`ExactTerms` table beside the store:

- per triple, for exports and validation: the store's triple -> the triples as written;
- per stored value, for query results: the stored term -> the one term written for it, when
  only one was (otherwise the stored form is shown and a warning says so).

Data whose literals are already in the store's form (the common case) costs one extra parse.
See docs/exact-terms.md for the design and its limits.
"""

from __future__ import annotations

import logging
import mmap
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Graph, Literal, URIRef
from rdflib.term import Identifier

from pmgraph.graph.annotations import Annotations, NotTaken, StrippedText

if TYPE_CHECKING:
    from rdflib.store import Store

log = logging.getLogger(__name__)

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_SCRATCH_SUBJECT = ox.NamedNode("urn:x-pmgraph:exact:s")
_SCRATCH_PREDICATE = ox.NamedNode("urn:x-pmgraph:exact:p")
#: The named graph of the persisted table that lists the values written in several forms.
_SHARED_GRAPH = ox.NamedNode("urn:x-pmgraph:exact:shared-values")
_SHARED_PREDICATE = ox.NamedNode("urn:x-pmgraph:exact:value")
#: pyoxigraph lower-cases language tags in every term it makes (``"x"@en-GB`` is
#: ``"x"@en-gb``), so the table keeps a literal whose tag has a capital letter as a literal of
#: this datatype followed by the tag as written: ``"x"^^<urn:x-pmgraph:lang:en-GB>``.
LANG_DATATYPE = "urn:x-pmgraph:lang:"

Key = tuple  # (subject, predicate, object) as pyoxigraph terms, object as the store holds it


class ExactTerms:
    """The literals of a graph that its Oxigraph store holds in another form, as written."""

    def __init__(self) -> None:
        #: Every distinct typed literal met so far -> the form the store holds it in.
        self._stored: dict[ox.Literal, ox.Literal] = {}
        self._scratch: ox.Store | None = None
        #: The store's triple -> the objects written for it (a store triple can stand for
        #: several written ones: ``"1"^^xsd:boolean`` and ``"true"``).
        self.triples: dict[Key, list[ox.Literal]] = {}
        self._values: dict[ox.Literal, ox.Literal | None] | None = None
        #: Values written in several forms (the persisted table lists them).
        self._shared: set[ox.Literal] = set()
        #: The files loaded into the table, (name, ``pyoxigraph.parse`` arguments), to find
        #: where each form of a value written in several forms is (:func:`warn_collisions`).
        self.sources: list[tuple[str, dict]] = []

    # ----------------------------------------------------------------- detection

    def stored_form(self, literal: ox.Literal) -> ox.Literal:
        """The form in which an Oxigraph store holds ``literal`` (``literal`` itself when
        the store keeps it as written). Cached per distinct literal."""
        known = self._stored.get(literal)
        if known is not None:
            return known
        stored = literal
        language = literal.language
        if language is not None:
            # pyoxigraph's JSON-LD parser keeps a tag's case; its store does not
            if language != language.lower():
                stored = ox.Literal(literal.value, language=language)
        else:
            datatype = literal.datatype.value
            if datatype.startswith(_XSD) and datatype != _XSD_STRING:
                stored = self._round_trip(literal)
            elif datatype.startswith(LANG_DATATYPE):
                try:
                    stored = ox.Literal(literal.value,
                                        language=datatype[len(LANG_DATATYPE):])
                except ValueError:  # not a language tag: a term of the user's own
                    stored = literal
        self._stored[literal] = stored
        if stored is literal and self._values is not None and literal in self._values:
            # a value met before only in another form is now written as stored too: the
            # one-form-per-value answers change (query results show the stored form)
            self._values = None
        return stored

    def _round_trip(self, literal: ox.Literal) -> ox.Literal:
        if self._scratch is None:
            self._scratch = ox.Store()
        scratch = self._scratch
        scratch.add(ox.Quad(_SCRATCH_SUBJECT, _SCRATCH_PREDICATE, literal))
        held = next(iter(scratch))
        scratch.remove(held)
        return literal if held.object == literal else held.object

    def scan(self, triples: Iterable[ox.Triple | ox.Quad]) -> list[tuple]:
        """The triples of ``triples`` whose object the store would hold in another form, as
        ``(subject, predicate, written object, stored object)``."""
        found = []
        stored_form = self.stored_form
        literal_type = ox.Literal
        for triple in triples:
            obj = triple.object
            if type(obj) is literal_type:
                stored = stored_form(obj)
                if stored is not obj and stored != obj:
                    found.append((triple.subject, triple.predicate, written_form(obj), stored))
        return found

    def clear(self) -> None:
        """Forget the triples noted so far (the literals' stored forms stay cached)."""
        self.triples.clear()
        self._values = None
        self._shared.clear()
        self.sources.clear()

    def record(self, subject: object, predicate: object, written: ox.Literal,
               stored: ox.Literal) -> None:
        """Note that the store holds ``(subject, predicate, stored)`` for the written triple."""
        kept = self.triples.setdefault((subject, predicate, stored), [])
        if written not in kept:
            kept.append(written)
            self._values = None

    def forget(self, subject: object, predicate: object, stored: ox.Literal) -> list:
        """The forms written for the store's ``(subject, predicate, stored)``, no longer noted
        (its triple was removed from the store)."""
        kept = self.triples.pop((subject, predicate, stored), [])
        if kept:
            self._values = None
        return kept

    def shared_values(self) -> set[ox.Literal]:
        """Stored values that some rewritten literal maps to and that were also written
        as they are stored (``"01"`` and ``"1"``): their triples need a closer look."""
        targets = {key[2] for key in self.triples}
        return {value for value in targets if self._stored.get(value) == value}

    # ----------------------------------------------------------------- reading

    def __len__(self) -> int:
        """The number of written triples whose object the store holds in another form."""
        return sum(
            sum(1 for written in kept if written != key[2]) for key, kept in self.triples.items()
        )

    def by_value(self) -> int:
        """The number of written triples whose object the store holds as another value's
        term (another lexical form or datatype; not counting a language tag's case)."""
        return sum(
            sum(1 for written in kept if written != key[2] and cased_tag(written) is None)
            for key, kept in self.triples.items()
        )

    def values(self) -> dict[ox.Literal, ox.Literal | None]:
        """Stored term -> the one term written for it, or None when several forms were
        written for one value (query results then show the stored form)."""
        if self._values is None:
            values: dict[ox.Literal, ox.Literal | None] = {}
            for key, kept in self.triples.items():
                stored = key[2]
                for written in kept:
                    if stored in values and values[stored] != written:
                        values[stored] = None
                    else:
                        values.setdefault(stored, written)
            for value in self._shared | {v for v in values if self._stored.get(v) == v}:
                values[value] = None
            self._values = values
        return self._values

    def collisions(self) -> dict[ox.Literal, list[ox.Literal]]:
        """Stored values written in several forms -> those forms (the stored form among them
        when it was written too, on any subject)."""
        forms: dict[ox.Literal, list[ox.Literal]] = {}
        for key, kept in self.triples.items():
            for written in kept:
                bucket = forms.setdefault(key[2], [])
                if written not in bucket:
                    bucket.append(written)
        values = self.values()
        found = {}
        for value, bucket in forms.items():
            if values.get(value) is not None:
                continue
            # written as stored somewhere: met by the scan, or (a table read back from disk)
            # the only way one rewritten form makes a value ambiguous
            if value not in bucket and (self._stored.get(value) == value or len(bucket) < 2):
                bucket.append(value)
            found[value] = sorted(bucket, key=str)
        return found

    def original(self, term: object) -> object:
        """``term`` of a query result as written, when one form was written for its value."""
        if type(term) is ox.Literal:
            written = self.values().get(term)
            if written is not None:
                return written
        return term

    # ----------------------------------------------------------------- persistence

    def save(self, path: Path) -> None:
        """Write the table to ``path`` (N-Quads: the triples as written; the values written in
        several forms in a named graph)."""
        quads = [
            ox.Quad(key[0], key[1], written)
            for key, kept in self.triples.items() for written in kept
        ]
        quads += [
            ox.Quad(_SCRATCH_SUBJECT, _SHARED_PREDICATE, value, _SHARED_GRAPH)
            for value, written in self.values().items() if written is None
        ]
        path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))

    @classmethod
    def read(cls, path: Path) -> ExactTerms:
        """The table :meth:`save` wrote to ``path``."""
        table = cls()
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if quad.graph_name == _SHARED_GRAPH:
                table._shared.add(quad.object)
            else:
                table.record(quad.subject, quad.predicate, quad.object,
                             table.stored_form(quad.object))
        return table


def _table_form(literal: Literal) -> ox.Literal:
    """An rdflib literal as the table notes it: a language tag with capitals as written
    (:func:`cased`), anything else as pyoxigraph reads it."""
    from pmgraph.query.engine import to_oxigraph

    language = literal.language
    if language and language != language.lower():
        return cased(str(literal), language)
    return to_oxigraph(literal)


def cased(value: str, tag: str) -> ox.Literal:
    """The table's form of the literal ``value`` with the language tag ``tag`` as written."""
    return ox.Literal(value, datatype=ox.NamedNode(LANG_DATATYPE + tag))


def written_form(literal: ox.Literal) -> ox.Literal:
    """``literal`` as the table keeps it: a tag with capitals (which pyoxigraph's JSON-LD
    parser gives as written) in the table's form (:func:`cased`)."""
    language = literal.language
    if language is not None and language != language.lower():
        return cased(literal.value, language)
    return literal


def cased_tag(literal: ox.Literal) -> str | None:
    """The language tag as written of a literal in the table's form (:func:`cased`), or
    None for any other literal."""
    datatype = literal.datatype
    if datatype is None or not datatype.value.startswith(LANG_DATATYPE):
        return None
    return datatype.value[len(LANG_DATATYPE):]


def shown_term(term: object) -> str:
    """``term`` in N-Triples, a literal of the table's form with its tag as written."""
    if type(term) is ox.Literal:
        tag = cased_tag(term)
        if tag is not None:
            return f"{ox.Literal(term.value)}@{tag}"
    return str(term)


def short_term(term: object) -> str:
    """``term`` as :func:`shown_term` gives it, an XSD datatype as ``xsd:name``
    (``"01"^^xsd:integer``), for a line meant for a person."""
    text = shown_term(term)
    if type(term) is ox.Literal and term.datatype is not None and (
            term.datatype.value.startswith(_XSD)):
        text = text.replace(f"^^<{term.datatype.value}>",
                            f"^^xsd:{term.datatype.value[len(_XSD):]}")
    return text


def mark_tags(data: bytes) -> bytes:
    """Turtle or N-Triples ``data`` with each language tag that has a capital letter written
    as the table's datatype (:func:`cased`), so that ``pyoxigraph.parse`` keeps its case."""
    return _TAGGED.sub(_MARKED, data)


def held_note(changed: list[tuple[ox.Literal, ox.Literal]], count: int, holder: str,
              readers: str) -> str:
    """One line for the user: ``holder`` holds ``count`` literals in another form than
    written; ``changed`` are (written, held) pairs to show (the first three)."""
    shown = ", ".join(f"{short_term(w)} as {short_term(h)}" for w, h in changed[:3])
    more = ", ..." if len(changed) > 3 else ""
    word = "literal" if count == 1 else "literals"
    return (f"note: {holder} keeps {count} {word} in another form than written ({shown}{more})"
            f"; {readers}")


def table_note(table: ExactTerms | None, holder: str, readers: str) -> str | None:
    """:func:`held_note` for an Oxigraph store loaded with the terms of ``table`` (which holds
    them as pmgraph's store does), or None when it holds every term as written."""
    count = len(table) if table is not None else 0
    if not count:
        return None
    changed = {written: key[2] for key, kept in table.triples.items()
               for written in kept if written != key[2]}
    return held_note(sorted(changed.items(), key=lambda pair: str(pair[0])), count, holder,
                     readers)


# --------------------------------------------------------------------------- graphs

_TABLES: weakref.WeakKeyDictionary[Store, ExactTerms] = weakref.WeakKeyDictionary()


class ExactStore(OxigraphStore):
    """oxrdflib's Oxigraph store, read through its exact-term table: ``graph.triples``,
    ``graph.objects``, iterating a graph, ``len`` and ``graph.query`` give the literals as
    written (``"01"^^xsd:integer``, ``"Leeds"@en-GB``), not the store's forms.

    Without a table, or with an empty one (data already in the store's forms, the common
    case), it reads as oxrdflib's store does, at the same cost. Triples added through rdflib
    (``graph.add``, ``copy += graph``) whose literal the store would rewrite are noted in the
    table, so a copy into a graph of this store keeps the terms as written.
    """

    def add(self, triple, context, quoted=False) -> None:  # noqa: ANN001 - rdflib's
        self._note(((*triple, context),))
        super().add(triple, context, quoted)

    def addN(self, quads) -> None:  # noqa: ANN001, N802 - rdflib's
        quads = list(quads)
        self._note(quads)
        super().addN(quads)

    def remove(self, triple, context=None) -> None:  # noqa: ANN001 - rdflib's
        super().remove(triple, context)
        table = _TABLES.get(self)
        if table is not None and table.triples:
            self._forget_removed(table, triple)

    def _forget_removed(self, table: ExactTerms, pattern: tuple) -> None:
        """Forget the forms the table noted for triples matching ``pattern`` that the store
        no longer holds in any graph: a value written later in another form is then that
        value's one written form again."""
        from pmgraph.query.engine import to_oxigraph

        s, p, o = pattern
        if o is not None and not isinstance(o, Literal):
            return  # the table notes literal objects only
        wanted = (None if s is None else to_oxigraph(s), None if p is None else to_oxigraph(p),
                  None if o is None else table.stored_form(_table_form(o)))
        if None not in wanted:  # one triple: no need to go through the table
            keys = [wanted] if wanted in table.triples else []
        else:
            keys = [key for key in table.triples if all(
                part is None or part == held for part, held in zip(wanted, key, strict=True))]
        for key in keys:
            if next(iter(self._inner.quads_for_pattern(*key, None)), None) is None:
                table.forget(*key)

    def _note(self, quads: Iterable[tuple]) -> None:
        """Note in the table the literals of ``quads`` (about to be added) that the store
        holds in another form, and a form written as the store holds it beside them."""
        from pmgraph.query.engine import to_oxigraph

        table = None
        for quad in quads:
            obj = quad[2]
            if not isinstance(obj, Literal) or (obj.datatype is None and not obj.language):
                continue
            if table is None:
                table = _TABLES.get(self)
                if table is None:
                    table = _TABLES[self] = ExactTerms()
            written = _table_form(obj)
            stored = table.stored_form(written)
            key = (to_oxigraph(quad[0]), to_oxigraph(quad[1]), stored)
            if stored == written:
                if key in table.triples:  # beside a rewritten form of the same value
                    table.record(*key[:2], written, stored)
                continue
            if key not in table.triples:
                graph = quad[3] if len(quad) > 3 else None
                name = to_oxigraph(graph.identifier) if isinstance(graph, Graph) else None
                if name is not None and next(iter(self._inner.quads_for_pattern(
                        key[0], key[1], stored, name)), None) is not None:
                    table.record(*key[:2], stored, stored)  # already there as stored
            table.record(*key[:2], written, stored)

    def _written(self) -> dict | None:
        """The table's per-triple forms (pyoxigraph terms), or None when it has none."""
        table = _TABLES.get(self)
        return table.triples if table is not None and table.triples else None

    def triples(self, triple_pattern, context=None):  # noqa: ANN001, ANN201 - rdflib's
        from oxrdflib._converter import from_ox_graph_name, to_ox_quad_pattern

        try:
            quads = self._inner.quads_for_pattern(*to_ox_quad_pattern(triple_pattern, context))
        except (TypeError, ValueError):
            return iter(())
        graphs: dict = {}

        def contexts(name: object) -> Iterator:
            graph = graphs.get(name)
            if graph is None:
                graph = graphs[name] = from_ox_graph_name(name, self)
            return iter((graph,))

        return _exact_triples(quads, self._written() or {}, triple_pattern[2], contexts)

    def __len__(self, context=None) -> int:  # noqa: ANN001 - rdflib's signature
        count = super().__len__(context)
        written = self._written()
        if written:  # a store triple that stands for several written ones counts each
            count += sum(len(kept) - 1 for kept in written.values())
        return count

    def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: ANN001, ANN201, N803
        from oxrdflib._converter import to_ox
        from rdflib.plugins.sparql.sparql import Query
        from rdflib.query import Result
        from rdflib.term import Node, Variable

        if isinstance(query, Query) or kwargs:  # oxrdflib says what it does not support
            return super().query(query, initNs, initBindings, queryGraph, **kwargs)
        answer = self._inner.query(
            query,
            use_default_graph_as_union=queryGraph == "__UNION__",
            default_graph=to_ox(queryGraph) if isinstance(queryGraph, Node) else None,
            prefixes=dict(self._namespace_for_prefix, **initNs),
            substitutions={ox.Variable(k): to_ox(v) for k, v in initBindings.items()},
        )
        table = _TABLES.get(self)
        read = _reader(table.values() if table is not None and table.triples else {})
        if isinstance(answer, ox.QueryBoolean):
            result = Result("ASK")
            result.askAnswer = bool(answer)
        elif isinstance(answer, ox.QuerySolutions):
            result = Result("SELECT")
            result.vars = [Variable(v.value) for v in answer.variables]
            result.bindings = [
                {var: read(value)
                 for var, value in zip(result.vars, row, strict=True) if value is not None}
                for row in answer
            ]
        else:
            result = Result("CONSTRUCT")
            result.graph = Graph()
            result.graph += ((read(t.subject), read(t.predicate), read(t.object))
                             for t in answer)
        return result


def _store_term(term: object) -> object:
    """A pyoxigraph term as rdflib's, a literal's lexical form kept (oxrdflib's conversion
    lets rdflib normalise it: ``"1"^^xsd:double`` as ``"1.0"``, ``"2020-01-01Z"^^xsd:date``
    as ``"2020-01-01"``). ``xsd:string`` literals keep that datatype, as oxrdflib gives them."""
    if type(term) is ox.Literal:
        language = term.language
        if language:
            return Literal(term.value, lang=language)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    if type(term) is ox.NamedNode:
        return URIRef(term.value)
    from oxrdflib._converter import from_ox

    return from_ox(term)


def _reader(values: dict) -> Callable[[object], object]:
    """A function from the store's terms to rdflib terms: a literal as written when one form
    was written for its value (``values``: :meth:`ExactTerms.values`)."""
    from pmgraph.query.engine import converter

    written_term = converter()

    def read(term: object) -> object:
        if values and type(term) is ox.Literal:
            written = values.get(term)
            if written is not None:
                return written_term(written)
        return _store_term(term)

    return read


def _exact_triples(
    quads: Iterable[ox.Quad], written: dict, wanted: object, contexts: Callable
) -> Iterator:
    """oxrdflib's ``triples`` answer for ``quads``, every literal as written."""
    from pmgraph.query.engine import converter

    written_term = converter()
    literal_type = ox.Literal
    store_term = _store_term
    for quad in quads:
        obj = quad.object
        forms = written.get((quad.subject, quad.predicate, obj)) if written and (
            type(obj) is literal_type) else None
        subject, predicate = store_term(quad.subject), store_term(quad.predicate)
        if not forms:
            yield (subject, predicate, store_term(obj)), contexts(quad.graph_name)
            continue
        terms = [written_term(form) for form in forms]
        if wanted is not None:  # the forms asked for, else all (they are one value)
            terms = [term for term in terms if term == wanted] or terms
        for term in terms:
            yield (subject, predicate, term), contexts(quad.graph_name)


def table_of(graph: Graph) -> ExactTerms | None:
    """The exact-term table of ``graph``'s store, or None when it has none."""
    return _TABLES.get(graph.store)


def attach(graph: Graph, table: ExactTerms) -> ExactTerms:
    """Keep ``table`` as the exact-term table of ``graph``'s store."""
    _TABLES[graph.store] = table
    return table


def table_for(graph: Graph) -> ExactTerms:
    """The exact-term table of ``graph``'s store, made empty when it has none yet."""
    table = _TABLES.get(graph.store)
    return table if table is not None else attach(graph, ExactTerms())


def rewritten_literals(graph: Graph) -> int:
    """How many triples of ``graph`` hold a literal that its store keeps in another form than
    the one written (``"01"^^xsd:integer`` stored as ``"1"``).

    A language tag's case is not counted: tags compare case-insensitively, so a tag the store
    holds in lower case changes no outcome. 0 means the store's terms are the terms as
    written but for that case. A validator that reads the store
    directly (SPARQL on Oxigraph) sees the stored forms; for exact terms read
    :func:`exact_triples` (or :func:`pmgraph.graph.load.plain_copy`, which does).
    """
    table = table_of(graph)
    return table.by_value() if table is not None else 0


def as_written(graph: Graph, term: Identifier) -> Identifier:
    """``term``, read from ``graph`` through rdflib (``graph.objects`` gives the store's
    forms), in the form query results show: as written when one form was written for its
    value."""
    from rdflib import Literal

    from pmgraph.query.engine import converter, to_oxigraph

    table = table_of(graph)
    if table is None or not isinstance(term, Literal):
        return term
    stored = to_oxigraph(term)
    written = table.original(stored)
    return term if written is stored else converter()(written)


def exact_triples(graph: Graph) -> Iterator[tuple[Identifier, Identifier, Identifier]]:
    """The triples of ``graph`` with every term as written (rdflib terms, ``xsd:string``
    literals typed as Oxigraph gives them)."""
    from pmgraph.query.engine import converter, oxigraph_target

    target = oxigraph_target(graph)
    if target is None:
        yield from graph
        return
    store, name = target
    table = table_of(graph)
    triples = table.triples if table is not None else {}
    convert = converter()
    for quad in store.quads_for_pattern(None, None, None, name):
        subject, predicate = convert(quad.subject), convert(quad.predicate)
        written = triples.get((quad.subject, quad.predicate, quad.object)) if triples else None
        if written:
            for obj in written:
                yield subject, predicate, convert(obj)
        else:
            yield subject, predicate, convert(quad.object)


def warn_collisions(table: ExactTerms, where: str) -> None:
    """Log one warning when some stored value was written in several forms, naming one such
    value, its forms and the file each is first written in."""
    collisions = table.collisions()
    if not collisions:
        return
    value, forms = min(collisions.items(), key=lambda item: str(item[0]))
    files = _first_files(table, set(forms))
    shown = " and ".join(
        short_term(form) + (f" ({files[form]})" if form in files else "") for form in forms[:3])
    others = len(collisions) - 1
    more = (f" (and {others} more value{'s' if others != 1 else ''} written in several forms)"
            if others else "")
    log.warning(
        "%s: a value is written in several forms: %s%s; the store keeps one (%s), which query "
        "results show for each; exports, validation and rdflib's API keep each form as "
        "written", where, shown, more, short_term(value),
    )


def _first_files(table: ExactTerms, forms: set[ox.Literal]) -> dict[ox.Literal, str]:
    """The name of the first loaded file that writes each of ``forms`` (tags as written).
    Reads the files again: only for a value written in several forms, which is rare."""
    found: dict[ox.Literal, str] = {}
    for name, source in table.sources:
        if len(found) == len(forms):
            break
        reading = tag_reading(source)
        try:
            for triple in ox.parse(**reading, lenient=True):
                obj = triple.object
                if type(obj) is ox.Literal:
                    obj = written_form(obj)
                    if obj in forms and obj not in found:
                        found[obj] = name
        except (SyntaxError, OSError, ValueError):  # read for a message only
            continue
    return found


# --------------------------------------------------------------------------- loading


class BlankNodeRewrite(Exception):
    """A literal the store rewrites sits on a blank node of a file the store already loaded
    natively (with new blank node labels): load again with ``parallel=False``."""


def load_file(
    store: ox.Store,
    graph_name: ox.NamedNode | ox.BlankNode,
    table: ExactTerms,
    *,
    fmt: ox.RdfFormat,
    base_iri: str,
    path: Path | None = None,
    data: bytes | None = None,
    bulk: bool = False,
    parallel: bool = False,
    name: str = "",
    annotations: Annotations | None = None,
) -> dict | None:
    """Load one file (``path``) or text (``data``) into ``graph_name`` of ``store``, keeping in
    ``table`` the literals the store holds in another form than written.

    The store loads the file itself (its native, fast loader) unless a rewritten literal sits
    on a blank node, whose label only a load from the parsed triples keeps in step with the
    table. With ``parallel``, the store loads the file in a thread while this one reads it
    for rewritten literals; a rewritten literal on a blank node then raises
    :class:`BlankNodeRewrite`, and the caller loads again without ``parallel``.

    With ``parallel`` and ``annotations``, a Turtle text's annotation blocks are left out of
    what the store loads and kept in ``annotations`` from the parse instead
    (:mod:`pmgraph.graph.annotations`); when that cannot be done in full, :class:`NotTaken` is
    raised and the caller loads again without ``parallel``.

    Returns, when the store's native loader read the file (its blank nodes got new labels),
    what :func:`record_written_as_stored` reads it with; None otherwise.
    Raises what ``pyoxigraph.parse`` raises (``SyntaxError``, ``OSError``, ``MemoryError``).
    """
    source: dict[str, object] = {"input": data} if data is not None else {"path": str(path)}
    fill = store.bulk_load if bulk else store.load
    original = {**source, "format": fmt, "base_iri": base_iri}
    reading = original
    stripped = None
    if parallel and annotations is not None and fmt == ox.RdfFormat.TURTLE:
        text = data if data is not None else Path(path).read_bytes()
        # Not with capital language tags: the text the scan reads them in (tag_reading) has
        # them marked inside strings too, which the records would keep.
        if b"{|" in text and _first_capital_tag(text) is None:
            stripped = StrippedText(text, base_iri)
            log.debug("%s: annotations read beside the store's load", name or path)
        del text

    def parsed(arguments: dict) -> Iterable[ox.Quad]:
        if stripped is None:
            # lenient: the store's loader checks the IRIs; the scan only reads the literals.
            return ox.parse(**arguments, lenient=True)
        # strict: the store never reads the blocks, whose terms go to the records from here
        return annotations.take(ox.parse(**arguments), stripped.blocks)

    def scan() -> list[tuple]:
        nonlocal reading
        # a stripped text has no capital tag (looked for above)
        marked = reading if stripped is not None else tag_reading(reading)
        if marked is reading:
            return table.scan(parsed(reading))
        try:
            found = table.scan(parsed(marked))
        except SyntaxError:  # a quote and tag inside an IRI (<a'@En>): read as written
            log.warning("%s: language tags are kept in lower case (the file could not be "
                        "read for their case)", name or path)
            return table.scan(parsed(reading))
        reading = marked
        return found

    if stripped is not None:
        # The store loads the stripped text, part by part as it is stripped, in the records'
        # loading thread, while this one reads the whole text for the literals and the
        # annotations' records.
        loaded = [annotations.records.submit(partial(
            fill, input=part, format=fmt, base_iri=base_iri, to_graph=graph_name))
            for part in stripped.parts()]
        try:
            rewritten = scan()
            for part in loaded:
                part.result()
        except Exception as exc:  # noqa: BLE001 - the error as the whole text gives it
            raise NotTaken(str(exc)) from None
        if any(type(item[0]) is ox.BlankNode for item in rewritten):
            raise BlankNodeRewrite(str(path))
    elif parallel:
        # The store loads in a thread (its loader releases the GIL) while this thread reads
        # the literals: pyoxigraph's parser must be made and dropped in one thread.
        failed: list[BaseException] = []

        def fill_in_thread() -> None:
            try:
                fill(**source, format=fmt, base_iri=base_iri, to_graph=graph_name)
            except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                failed.append(exc.with_traceback(None))

        thread = threading.Thread(target=fill_in_thread, name="pmgraph-load", daemon=True)
        thread.start()
        try:
            rewritten = scan()
        except BaseException:
            thread.join()
            if failed:  # the store's loader is strict (IRIs): its message comes first
                raise failed[0] from None
            raise
        thread.join()
        if failed:
            raise failed[0]
        if any(type(item[0]) is ox.BlankNode for item in rewritten):
            raise BlankNodeRewrite(str(path))
    else:
        rewritten = scan()
        if any(type(item[0]) is ox.BlankNode for item in rewritten):
            _load_parsed(store, graph_name, table, original, reading, bulk,
                         {item[3] for item in rewritten})
            if path is not None:
                table.sources.append((name or str(path), original))
            return None
        fill(**source, format=fmt, base_iri=base_iri, to_graph=graph_name)
    for subject, predicate, written, stored in rewritten:
        table.record(subject, predicate, written, stored)
    if path is not None:
        table.sources.append((name or str(path), original))
    return reading


_UPPER = re.compile(rb"[A-Z]")
_MARKED = rb"\1^^<" + LANG_DATATYPE.encode("ascii") + rb"\2>"
#: A language tag with a capital letter after a string's closing quote, not followed by a
#: direction (``--ltr``).
_TAGGED = re.compile(
    rb"([\"'])@(?=[-a-zA-Z0-9]*[A-Z])([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)(?![-a-zA-Z0-9])")


def tag_reading(reading: dict) -> dict:
    """``reading`` (``pyoxigraph.parse`` arguments) made to give the language tags with a
    capital letter as written, which pyoxigraph lower-cases.

    Turtle and N-Triples: the text is read with each such tag after a closing quote
    (``"x"@en-GB``) written as the table's datatype (``"x"^^<urn:x-pmgraph:lang:en-GB>``,
    see :func:`cased`); a quote and tag inside a string or a comment change only that text,
    which the scan does not keep. ``reading`` itself when no tag has a capital letter (the
    common case: one byte scan) and for JSON-LD, whose parser keeps a tag's case.
    """
    path, data = reading.get("path"), reading.get("input")
    fmt = reading["format"]
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        if not mixed_case_tag(Path(path) if path else None, data):
            return reading
        text = data if data is not None else Path(path).read_bytes()
        marked = _TAGGED.sub(_MARKED, text)
        rest = {k: v for k, v in reading.items() if k != "path"}
        return {**rest, "input": marked}
    return reading


def mixed_case_tag(path: Path | None, data: bytes | None) -> str | None:
    """The first language tag with a capital letter in the file at ``path`` (or ``data``),
    as written (``en-GB``), or None. A byte scan: the parser has lower-cased them already."""
    if data is None:
        with open(path, "rb") as handle:  # type: ignore[arg-type]
            try:
                text = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file
                return None
            with text:
                return _first_capital_tag(text)
    return _first_capital_tag(data)


def _first_capital_tag(text: bytes | mmap.mmap) -> str | None:
    # Each search starts with a fixed "@ or '@, which the regular expression engine finds
    # fast; the tags are looked at in Python only when one of them has a capital letter.
    for tags in (_DOUBLE_QUOTED_TAG.findall(text), _SINGLE_QUOTED_TAG.findall(text)):
        if any(_UPPER.search(tag) for tag in set(tags)):
            return next(tag for tag in tags if _UPPER.search(tag)).decode("ascii")
    return None


_DOUBLE_QUOTED_TAG = re.compile(rb'"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)')
_SINGLE_QUOTED_TAG = re.compile(rb"'@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)")


def _load_parsed(
    store: ox.Store, graph_name: object, table: ExactTerms, original: dict, reading: dict,
    bulk: bool, targets: set,
) -> None:
    """Load the file from its parsed triples (``original``: its ``pyoxigraph.parse``
    arguments), noting its rewritten literals in ``table``; ``reading``, the arguments that
    give the tags as written (:func:`tag_reading`), when they differ, is read beside it."""
    as_stored = []
    stored_form = table.stored_form
    literal_type = ox.Literal
    # pyoxigraph's strict parsers lower-case tags; a lenient JSON-LD parse and the marked
    # Turtle (tag_reading) keep them.
    beside_needed = reading is not original or reading["format"] == ox.RdfFormat.JSON_LD

    def quads() -> Iterator[ox.Quad]:
        parsed = ox.parse(**original, rename_blank_nodes=True)
        # The text read beside gives the same triples in the same order; only the objects
        # of tags with capitals differ (and text inside strings, which is not kept).
        beside = ox.parse(**reading, lenient=True) if beside_needed else None
        for triple in parsed:
            obj = triple.object
            written = next(beside).object if beside is not None else obj
            if type(obj) is literal_type:
                if written is not obj and type(written) is literal_type and cased_tag(
                        written_form(written)) is not None:
                    table.record(triple.subject, triple.predicate, written_form(written), obj)
                else:
                    stored = stored_form(obj)
                    if stored != obj:
                        table.record(triple.subject, triple.predicate, written_form(obj),
                                     stored)
                    elif obj in targets:
                        as_stored.append((triple.subject, triple.predicate, obj))
            yield ox.Quad(triple.subject, triple.predicate, obj, graph_name)

    (store.bulk_extend if bulk else store.extend)(quads())
    for subject, predicate, obj in as_stored:
        if (subject, predicate, obj) in table.triples:
            table.record(subject, predicate, obj, obj)


def record_written_as_stored(
    table: ExactTerms, sources: Iterable[dict], values: set | None = None
) -> None:
    """Add to ``table`` the triples written in the store's own form whose store triple also
    stands for a rewritten one (``ex:a ex:v "1", "01"``): the export then writes both.

    ``sources`` are what :func:`load_file` returned for the files the store loaded natively.
    Runs only when some value was written both ways, which is rare.
    """
    shared = table.shared_values() if values is None else values
    if not shared:
        return
    literal_type = ox.Literal
    for source in sources:
        # lenient: the store read the file already; a lenient JSON-LD parse keeps tag case
        for triple in ox.parse(**source, lenient=True):
            obj = triple.object
            if type(obj) is literal_type and obj in shared and (
                type(triple.subject) is not ox.BlankNode
            ) and (triple.subject, triple.predicate, obj) in table.triples:
                table.record(triple.subject, triple.predicate, obj, obj)
