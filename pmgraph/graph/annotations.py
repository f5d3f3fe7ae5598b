"""RDF 1.2 annotations read beside the store's load, so that the store loads only the plain triples.

A data file gives each statement's evidence as an annotation next to it::

    ctr:leeds pm:establishedBy orgn:leeds-academic-health-partnership {|
        pm:source src:iuk-precision-medicine-2019 ; pm:quote "…" |} .

Loaded natively, the store would hold each annotation as a reifier with a triple term, which
:func:`pmgraph.graph.evidence.expand_statements` would then read back, remove and write again
as records. Instead the store is given the text with every annotation block blanked out
(:class:`StrippedText`; for the 1M synthetic file 1.2 s, in parts that the store loads in a
second thread as they are made, in 2.1 s instead of the 5.2 s of the whole text), while the
parse that reads the file for its exact terms anyway hands each annotation to the records
(:class:`Annotations`), which the store loads after the text, in the same second thread.

Only plain blocks are taken this way: IRIs, prefixed names, literals, ``a``, ``;`` and ``,``.
A file with anything else in a block (a blank node, a collection, a nested annotation), or a
reifier name (``~``) or triple term (``<<``) outside strings, IRIs and comments, is loaded
whole, as before, and its reifiers are read back from the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from pmgraph.graph.evidence import Records

# Turtle tokens inside which '{|', '#', quotes and brackets mean nothing.
_STRING = (rb'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
           rb"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
           rb'|"(?:[^"\\\n\r]++|\\.)*+"'
           rb"|'(?:[^'\\\n\r]++|\\.)*+'")
_IRI = rb'<(?:[^<>"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>'
_COMMENT = rb"#[^\n\r]*+"
#: Text with no token start in it, or an escaped character of a prefixed name (``ex:a\#b``).
_PLAIN = rb"[^\"'<#{\\~|()\[\]]++|\\."
#: Text up to the next annotation block: anything but ``{|``, ``~`` and ``<<`` outside
#: strings, IRIs and comments (possessive throughout: no backtracking on 100 MB texts).
_OUTSIDE = re.compile(
    rb"(?:" + _PLAIN + rb"|" + _STRING + rb"|" + _IRI + rb"|" + _COMMENT
    + rb"|[()\[\]]|\|(?!\})|\{(?!\|)|<(?!<))*+"
)
#: One plain annotation block: no blank nodes in brackets, collections, nested blocks.
_BLOCK = re.compile(
    rb"\{\|(?:" + _PLAIN + rb"|" + _STRING + rb"|" + _IRI + rb"|" + _COMMENT
    + rb"|\|(?!\}))*+\|\}"
)
#: A blank node label (``_:b``) in a block: its triples could not be told from the file's.
_LABEL = re.compile(rb"(?<![\w:.-])_:")
_STRING_OR_IRI = re.compile(_STRING + rb"|" + _IRI)
#: A statement's end right after a block: where the stripped text may be cut into parts.
_STATEMENT_END = re.compile(rb"[ \t\r\n]*\.(?=[ \t\r\n#]|\Z)")
#: Something that may be a directive (``@prefix``, ``PREFIX p:``, ``@base``, ``BASE``), in a
#: text in lower case (a fixed start, which the regular expression engine finds fast); white
#: space between its tokens may hold comments.
_GAP = rb"(?:\s|#[^\n\r]*+)"
_PREFIX_DIRECTIVE = re.compile(rb"prefix" + _GAP + rb"++[^\s:#]*:" + _GAP + rb"*+<")
_BASE_DIRECTIVE = re.compile(rb"base" + _GAP + rb"*+<")
#: Bytes of stripped text in the first part the store is given (it starts loading while the
#: rest is stripped) and in each part after it.
FIRST_PART_BYTES = 2**20
PART_BYTES = 16 * 2**20


def _has_directive(text: bytes) -> bool:
    lower = text.lower()
    return bool(_PREFIX_DIRECTIVE.search(lower) or _BASE_DIRECTIVE.search(lower))


class StrippedText:
    """A Turtle text with every annotation block replaced by white space (line breaks kept,
    so that lines keep their numbers), in parts the store can load one after the other while
    the rest is stripped (:meth:`parts`)."""

    def __init__(self, data: bytes, base_iri: str | None = None) -> None:
        self.data, self.base_iri = data, base_iri
        #: Blocks stripped so far.
        self.blocks = 0

    def parts(self, first: int | None = None, size: int | None = None) -> Iterator[bytes]:
        """The stripped text, in parts of about ``first`` and then ``size`` bytes (default
        :data:`FIRST_PART_BYTES`, :data:`PART_BYTES`), each cut
        at a statement's end and given the prefixes and base in force there; one part when
        the text has a blank node label (``_:b``, which each part's load would make a new
        node); from a part with a directive in it (which the parts after it would not
        know), the rest is one part.

        Raises :class:`NotTaken` at anything but a plain block (see the module notes).
        """
        data = self.data
        end = len(data)
        outside, block, statement_end = _OUTSIDE.match, _BLOCK.match, _STATEMENT_END.match
        cut = b"_:" not in data
        kept: list[bytes] = []
        size = PART_BYTES if size is None else size
        pos, held, header = 0, 0, b""
        limit = FIRST_PART_BYTES if first is None else first
        while True:
            stop = outside(data, pos).end()
            kept.append(data[pos:stop])
            held += stop - pos
            if stop == end:
                self.data = data = b""  # all given out: the store holds its own copy
                yield header + b"".join(kept)
                return
            found = block(data, stop)
            if found is None:
                raise NotTaken("a reifier name, a triple term or a block that is not plain")
            text = found.group(0)
            if b"_:" in text and _LABEL.search(_STRING_OR_IRI.sub(b"", text)):
                raise NotTaken("a blank node label in an annotation")
            kept.append(b"\n" * text.count(b"\n") or b" ")
            self.blocks += 1
            pos = found.end()
            if cut and held >= limit and (dot := statement_end(data, pos)):
                kept.append(data[pos:dot.end()])
                pos = dot.end()
                part = b"".join(kept)
                if not header:
                    header = self._header(part)
                    if not header:
                        cut = False  # one part after all
                        kept = [part]
                        continue
                    yield part
                elif _has_directive(part):
                    cut = False  # this part and the rest in one, after the header
                    kept = [part]
                    continue
                else:
                    yield header + part
                kept, held, limit = [], 0, size

    def _header(self, part: bytes) -> bytes:
        """The directives that give a later part the prefixes and base in force at the end of
        ``part`` (empty when ``part`` cannot be read: the text is then not cut)."""
        arguments = {"base_iri": self.base_iri} if self.base_iri else {}
        parser = ox.parse(input=part, format=ox.RdfFormat.TURTLE, lenient=True, **arguments)
        try:
            for _ in parser:
                pass
        except SyntaxError:
            return b""
        lines = [f"@base <{parser.base_iri}> .\n"] if parser.base_iri else []
        lines += [f"@prefix {name}: <{iri}> .\n" for name, iri in parser.prefixes.items()]
        return "".join(lines).encode("utf-8") or b"\n"


class Annotations:
    """The annotations of the texts loaded with their blocks stripped, each handed to
    ``records`` (:class:`pmgraph.graph.evidence.Records`) as the parse gives it: the annotated
    triple and the block's own triples (``pm:source``, ``pm:quote``, …), every term as
    written."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def take(self, triples: Iterable[ox.Triple | ox.Quad], expected: int) -> Iterator:
        """The triples of ``triples`` outside annotation blocks whose object is a literal (what
        the exact-term scan reads); each block goes to the records.

        ``expected`` is the number of blocks stripped from the text: when the parse does not
        give as many, or an annotated triple has a blank node (whose label the store's own
        parse of the text changes), :class:`NotTaken` is raised.
        """
        triple_type, literal = ox.Triple, ox.Literal
        add = self._add
        # The parser gives a block's rdf:reifies triple and the annotated triple (in either
        # order), then the block's own triples, all together. ``state``: 0 outside a block;
        # 1 after rdf:reifies, before the block's first triple; 2 within its triples.
        state, taken, current, block, own = 0, 0, None, None, []
        for triple in triples:
            obj = triple.object
            kind = type(obj)
            if kind is triple_type:
                # With no '<<' outside the blocks, a triple term is a block's rdf:reifies.
                if block is not None:
                    add(block, own)
                state, current, block, own = 1, triple.subject, obj, []
                taken += 1
                continue
            if state:
                if triple.subject == current:
                    own.append(triple)
                    state = 2
                    continue
                if state == 2:
                    add(block, own)
                    state, block = 0, None
            if kind is literal:
                yield triple
        if block is not None:
            add(block, own)
        if taken != expected:
            raise NotTaken(f"{taken} annotations parsed, {expected} blocks stripped")

    def _add(self, stated: ox.Triple, own: list) -> None:
        if type(stated.subject) is ox.BlankNode or type(stated.object) not in _PLAIN_TERMS:
            raise NotTaken("an annotated triple has a blank node or triple term")
        if not own:
            raise NotTaken("an annotation's triples are not together")
        self.records.add(None, stated, own, as_written=True)

    def reset(self) -> None:
        """Forget the records written, to load again whole."""
        self.records.close()
        self.records.reset()


_PLAIN_TERMS = (ox.NamedNode, ox.Literal)


class NotTaken(Exception):
    """The annotations of a stripped text could not all be taken from the parse: load the
    files again whole."""
