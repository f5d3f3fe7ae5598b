"""One statement's evidence, each quote shown in its context in the repaired source text.

The graph holds each quote with 32 characters of context (``oa:prefix``, ``oa:suffix``; see
:mod:`pmgraph.graph.evidence`). :func:`statement_evidence` reads a statement's quotes and
finds each in its source file under ``sources/`` as the HTML view does: in the repaired text
(:func:`pmgraph.graph.text.repair`), line breaks kept, white space folded only to match.

>>> from pmgraph.graph.quotes import statement_evidence
>>> [shown] = statement_evidence(graph, "stm:org-innovate-uk--liaisedWith--centre-belfast")
>>> shown.found, shown.source_label
(True, 'IUK Precision Medicine: Connecting Industries to UK Excellence')
>>> print(shown)            # the passage, the quote between ⟦ and ⟧
>>> shown                   # in a notebook: the passage with the quote marked
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from pmgraph.errors import ParameterError
from pmgraph.graph.evidence import find_source, source_roots
from pmgraph.graph.namespaces import expand_name
from pmgraph.graph.text import repair

#: Characters of source text shown before and after a quote, by default.
CONTEXT = 300

_EVIDENCE = """
PREFIX rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX pm:      <https://w3id.org/pmgraph/ontology#>
PREFIX oa:      <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?quote ?source ?sourceLabel ?file WHERE {
  ?statement a rdf:Statement .
  OPTIONAL {
    ?statement pm:evidenceQuote ?selector .
    ?selector oa:exact ?quote .
    OPTIONAL { ?selector dcterms:source ?source .
               OPTIONAL { ?source rdfs:label ?sourceLabel }
               OPTIONAL { ?source dcterms:identifier ?file } }
  }
}
ORDER BY ?quote
"""


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` as ``(start, end)`` offsets into ``text``, white
    space folded on both sides (a line break in the text matches a space in the quote); None
    when it does not occur."""
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    return match.span() if match else None


def _cut_before(text: str, start: int, context: int) -> str:
    """Up to ``context`` characters of ``text`` before ``start``, from a word's start."""
    if start <= context:
        return text[:start]
    piece = text[start - context:start]
    space = re.search(r"\s", piece)
    return "…" + (piece[space.end():] if space else piece)


def _cut_after(text: str, end: int, context: int) -> str:
    """Up to ``context`` characters of ``text`` after ``end``, to a word's end."""
    if len(text) - end <= context:
        return text[end:]
    piece = text[end:end + context]
    space = max(piece.rfind(" "), piece.rfind("\n"))
    return (piece[:space] if space > 0 else piece) + "…"


@dataclass(frozen=True)
class QuoteInSource:
    """A quote of a statement and where it stands in its source.

    ``before`` and ``after`` are the repaired source text around the quote (line breaks
    kept, ``…`` where the text goes on); ``passage`` is the quote as the source has it.
    ``found`` is False when the quote is not in the source (validation reports that), or the
    source has no file; then ``before``, ``passage`` and ``after`` are empty.
    """

    statement: str
    quote: str
    source: str | None
    source_label: str | None
    path: Path | None
    found: bool
    before: str = ""
    passage: str = ""
    after: str = ""

    def __str__(self) -> str:
        if not self.found:
            where = self.source_label or self.source or "no source"
            return f"«{self.quote}» (not found in {where})"
        return f"{self.before}⟦{self.passage}⟧{self.after}"

    def to_html(self) -> str:
        """The passage as HTML: the quote in a ``<mark>``, line breaks kept, the source
        named below."""
        name = html.escape(self.source_label or self.source or "no source")
        if not self.found:
            body = (f"<q>{html.escape(self.quote)}</q> "
                    "<em>(this quote is not in the source)</em>")
        else:
            body = (f"{html.escape(self.before)}<mark>{html.escape(self.passage)}</mark>"
                    f"{html.escape(self.after)}")
        return (f'<blockquote style="white-space: pre-wrap">{body}</blockquote>'
                f"<p>— {name}</p>")

    def _repr_html_(self) -> str:  # shown by Jupyter
        return self.to_html()


def _file_of(identifier: str | None, roots: tuple[Path, ...]) -> Path | None:
    """The file a source's ``dcterms:identifier`` names, in the first of ``roots`` that has
    it (:func:`pmgraph.graph.evidence.find_source`), if it lies inside that root."""
    if not identifier:
        return None
    path = find_source(identifier, roots).resolve()
    if not path.is_file() or not any(root.resolve() in path.parents for root in roots):
        return None
    return path


def statement_evidence(
    graph: Graph, statement: str, *, context: int = CONTEXT
) -> list[QuoteInSource]:
    """The quotes of ``statement`` (its IRI, or a prefixed name such as
    ``stm:centre-leeds--foundingDate--2016``), each found in its source with up to
    ``context`` characters of text on either side.

    Raises :class:`~pmgraph.errors.ParameterError` when the graph holds no statement record
    with that IRI. A statement without quotes gives an empty list.
    """
    from pmgraph.query.library import run_text

    iri = URIRef(expand_name(str(statement).strip()))
    roots = source_roots(getattr(graph, "pmgraph_files", ()))
    rows = run_text(_EVIDENCE, graph, {"statement": iri}, name="statement-evidence")
    records = rows.rows_as_dicts()
    if not records:
        raise ParameterError(f"{statement}: the graph holds no statement record with this "
                             "IRI; take one from the 'statement' column of the link-evidence "
                             "query")
    texts: dict[Path, str] = {}
    shown = []
    for row in records:
        if row["quote"] is None:
            continue
        quote = str(row["quote"])
        source = None if row["source"] is None else str(row["source"])
        label = None if row["sourceLabel"] is None else str(row["sourceLabel"])
        path = _file_of(None if row["file"] is None else str(row["file"]), roots)
        span = None
        if path is not None:
            if path not in texts:
                texts[path] = repair(path.read_text(encoding="utf-8"))
            span = find_quote(texts[path], quote)
        if span is None:
            shown.append(QuoteInSource(str(iri), quote, source, label, path, False))
            continue
        text = texts[path]  # type: ignore[index]
        start, end = span
        shown.append(QuoteInSource(
            str(iri), quote, source, label, path, True,
            before=_cut_before(text, start, context), passage=text[start:end],
            after=_cut_after(text, end, context),
        ))
    return shown
