"""Synthetic ecosystems shaped like the real graph, with its statement provenance, for
benchmarks at any size.

The real data is the template. Shared vocabulary (concepts, the UK and its nations, the
sources) is written once; the real entities are written as they are (copy 0), then copied
with IRIs suffixed ``-s<k>`` so that links inside a copy stay inside it. Every statement keeps
its evidence annotation (``{| pm:source …; pm:quote "…" |}``), so the provenance layer grows in
the real graph's proportion. Copies vary their literals deterministically: labels carry the
copy number; numbers and identifiers change (same datatype, same lexical kind) only where each
quote of the statement shows the value, and then those quotes change with it (the entity's
name in them becomes its copy's label); a number no quote shows as written ("1.3M patients"
for 1300000) stays the template's. Other quotes stay verbatim. A seeded
fraction of ``pm:partnerOf`` and ``pm:memberOf`` links crosses copies, so the network is one
ecosystem rather than islands.

A quote must occur in its source, so the passages that copies state and the real sources do
not (a copy's coordinates, identifiers and numbers, each cross-copy link) are written as
*synthetic passages*: the real source files are copied into ``sources/`` beside the graph,
each followed by the passages quoted from it (``pmgraph.graph.evidence`` looks for sources
beside the data first). Lines are written as they are made: no graph is built in memory.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from pmgraph.errors import DataLoadError, OutputError, ParameterError
from pmgraph.files import atomic_output
from pmgraph.graph.namespaces import GEO, ID_BASE, PM, PREFIXES

log = logging.getLogger(__name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_REIFIES = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"
QUOTE = str(PM.quote)
SOURCE = str(PM.source)

#: Entities of these classes are vocabulary every copy links to; they are written once.
SHARED_CLASSES = frozenset(
    str(c) for c in (PM.Country, PM.Nation, PM.Source, PM.SourceDocument, PM.ReferenceDataset)
) | {SKOS_CONCEPT}

#: Links that may point into another copy, and the chance that a copied subject gets one.
CROSS_PREDICATES = (str(PM.partnerOf), str(PM.memberOf))
CROSS_FRACTION = 0.1
#: How a synthetic passage states a cross-copy link.
CROSS_VERBS = {str(PM.partnerOf): "is a partner of", str(PM.memberOf): "is a member of"}

#: Coordinates move a little (they must stay on the map); other numbers are scaled.
JITTERED = frozenset({str(GEO.lat), str(GEO.long)})
JITTER = Decimal("0.05")
SCALE = (0.5, 1.5)

NUMERIC_TYPES = frozenset(
    XSD + t for t in (
        "decimal", "integer", "int", "long", "short", "double", "float",
        "nonNegativeInteger", "positiveInteger",
    )
)
#: Identifiers name one thing each: copies get new ones of the same form.
IDENTIFIERS = frozenset(str(p) for p in (PM.ror, PM.gridId, PM.ringgoldId, PM.isoCode))
ROR = re.compile(r"^(https://ror\.org/0)([a-z0-9]{6})([0-9]{2})$")
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")
SAFE_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
FORMATS = {".nt": "nt", ".ttl": "ttl"}
#: The folder beside the graph that holds its sources, and the file that marks it as written
#: by synth (a ``sources/`` folder synth did not write is never replaced).
SOURCES = "sources"
MARKER = ".pmgraph-synth"
PASSAGES_HEADING = (
    "\n\n[Synthetic passages written by pmgraph synth: what the synthetic copies state that "
    "the text above does not (their own numbers, identifiers and cross-copy links)]\n"
)


@dataclass(frozen=True)
class SynthStats:
    """What :func:`write_synthetic` wrote: ``triples`` direct triples (the statements and the
    rest of the graph) and, on top, ``annotation_triples`` triples of evidence annotations
    for ``statements`` statements; the source files in ``sources``."""

    triples: int
    entities: int
    path: Path
    statements: int = 0
    annotation_triples: int = 0
    sources: Path | None = None


def parse_size(text: str) -> int:
    """A triple count written as ``2500``, ``10k`` or ``1M``."""
    match = SIZE.match(str(text))
    if not match:
        raise ParameterError(f"size {text!r} is not a count; write it as 2500, 10k or 1M")
    number, unit = match.groups()
    return int(Decimal(number) * {"": 1, "k": 1000, "m": 1_000_000}[unit.lower()])


def sources_folder(path: Path) -> Path:
    """Where :func:`write_synthetic` puts the sources of the graph file at ``path``."""
    return Path(path).parent / SOURCES


def write_synthetic(
    path: str | Path, triples: int, seed: int = 0, *, template: Iterable[Path] | None = None
) -> SynthStats:
    """Write a synthetic graph of about ``triples`` direct triples (±1 %) to ``path``, with the
    evidence annotations of its statements on top, and its sources in ``sources/`` beside it.

    ``path`` ending in ``.nt`` gives N-Triples (RDF 1.2: reifiers with triple terms),
    ``.ttl`` Turtle (annotation blocks). ``template`` is the Turtle files to copy (default:
    the project's data). The same seed gives the same bytes. The file is written as
    :func:`pmgraph.files.atomic_output` writes (whole or not at all; a link is written
    through; a device, pipe or socket is refused). A ``sources/`` folder beside it that
    synth did not write is refused (:class:`OutputError`), never replaced.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: unknown output format; end the file name in .nt or .ttl")
    model = _model(triples, template)
    folder = sources_folder(path)
    if folder.exists() and not (folder / MARKER).is_file():
        raise OutputError(
            f"{folder}: a sources folder synth did not write is beside {path.name}, and synth "
            "writes the graph's sources there; write the graph into another folder"
        )
    passages = _Passages()
    # Streamed into a temporary file beside the target and moved in whole at the end, so an
    # interrupted run never leaves a truncated graph under the requested name.
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            counts = _write_graph(out, model, fmt, triples, seed, passages)
        _write_sources(folder, model, passages)
    written, entities, statements, annotations = counts
    log.info("wrote %d triples (and %d of evidence annotations) about %d entities to %s",
             written, annotations, entities, path)
    return SynthStats(triples=written, entities=entities, path=path, statements=statements,
                      annotation_triples=annotations, sources=folder)


def synthesize(
    out: TextIO,
    triples: int,
    seed: int = 0,
    *,
    fmt: str = "ttl",
    template: Iterable[Path] | None = None,
    sources: Path | None = None,
) -> tuple[int, int]:
    """Write the graph :func:`write_synthetic` writes to the text stream ``out`` instead, in
    ``fmt`` (``"ttl"`` or ``"nt"``); return the triples and entities written. Its sources go
    to the folder ``sources`` (not written when None: the copies' own passages are then in
    no source, and validation reports their quotes)."""
    if fmt not in FORMATS.values():
        raise ParameterError(f"format {fmt!r}: give one of {', '.join(FORMATS.values())}")
    model = _model(triples, template)
    passages = _Passages()
    written, entities, _, _ = _write_graph(out, model, fmt, triples, seed, passages)
    if sources is not None:
        _write_sources(Path(sources), model, passages)
    return written, entities


def _model(triples: int, template: Iterable[Path] | None) -> _Template:
    if template is None:
        from pmgraph.paths import data_files

        template = data_files()
    model = _read_template([Path(p) for p in template])
    if triples < model.shared_size + 1:
        raise ParameterError(
            f"{triples} triples is too few: the shared vocabulary alone has "
            f"{model.shared_size}; ask for {model.size} (the real graph's size) or more"
        )
    return model


def _write_graph(
    out: TextIO, model: _Template, fmt: str, triples: int, seed: int, passages: _Passages
) -> tuple[int, int, int, int]:
    terms = _TermWriter(fmt)
    if fmt == "ttl":
        out.write(terms.prefix_block())
    return _write_all(out, model, terms, triples, seed, passages)


# --- the template -----------------------------------------------------------------------

Term = ox.NamedNode | ox.Literal
#: An evidence annotation: its (predicate, object) pairs, e.g. pm:source and pm:quote.
Annotation = tuple[tuple[str, Term], ...]


@dataclass
class _Entity:
    iri: str
    pairs: list[tuple[str, Term]] = field(default_factory=list)
    #: The annotations of each pair (same order as ``pairs``).
    notes: list[list[Annotation]] = field(default_factory=list)
    label: str | None = None
    #: Indexes of the pairs whose value a copy may change (every quote of it shows it).
    variable: frozenset[int] = frozenset()


@dataclass
class _Template:
    shared: list[_Entity]
    copied: list[_Entity]
    copied_iris: frozenset[str]
    cross_targets: dict[str, list[str]]
    symmetric: frozenset[str]
    #: For each copied entity, the copied entities it links to (in template order).
    links: dict[str, list[str]]
    #: Source IRI -> its file name (dcterms:identifier), for the shared sources.
    source_files: dict[str, str]
    #: The source that cross-copy links are stated in (the one cited most).
    main_source: str | None
    #: For each copied entity, the sources its annotations cite.
    cites: dict[str, frozenset[str]]

    @property
    def shared_size(self) -> int:
        return sum(len(e.pairs) for e in self.shared)

    @property
    def size(self) -> int:
        return self.shared_size + sum(len(e.pairs) for e in self.copied)


def _value_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a whole token in a quote: "51" in "51st", not in "2051" or "5.1"."""
    return re.compile(r"(?<![0-9.])" + re.escape(value) + r"(?![0-9])")


def _read_template(files: list[Path]) -> _Template:
    entities: dict[str, _Entity] = {}
    seen: dict[tuple[str, str, Term], tuple[_Entity, int]] = {}
    annotations: dict[tuple[str, str, Term], list[Annotation]] = {}
    for file in sorted(files):
        try:
            quads = ox.parse(path=str(file), format=ox.RdfFormat.TURTLE)
            reified: dict[object, tuple[str, str, Term]] = {}
            notes: dict[object, list[tuple[str, Term]]] = {}
            for quad in quads:
                s, p, o = quad.subject, quad.predicate, quad.object
                if p.value == RDF_REIFIES:
                    if not isinstance(o, ox.Triple) or not isinstance(o.subject, ox.NamedNode):
                        raise DataLoadError(f"{file}: a reifier of something other than a "
                                            "statement about an IRI; synth copies annotations")
                    reified[s] = (o.subject.value, o.predicate.value, o.object)
                    continue
                if isinstance(s, ox.BlankNode):
                    if isinstance(o, (ox.BlankNode, ox.Triple)):
                        raise DataLoadError(f"{file}: an annotation with a blank node or "
                                            "triple term as value")
                    notes.setdefault(s, []).append((p.value, o))
                    continue
                if not isinstance(s, ox.NamedNode) or isinstance(o, (ox.BlankNode, ox.Triple)):
                    raise DataLoadError(f"{file}: has a blank node; give every resource an IRI")
                key = (s.value, p.value, o)
                if key in seen:
                    continue
                entity = entities.setdefault(s.value, _Entity(s.value))
                seen[key] = (entity, len(entity.pairs))
                entity.pairs.append((p.value, o))
                entity.notes.append([])
            for reifier, key in reified.items():
                annotations.setdefault(key, []).append(tuple(notes.get(reifier, ())))
            if set(notes) - set(reified):
                raise DataLoadError(f"{file}: has a blank node; give every resource an IRI")
        except (SyntaxError, ValueError) as exc:
            raise DataLoadError(f"{file}: not valid Turtle ({exc}); fix the file") from None
        except OSError as exc:
            raise DataLoadError(f"{file}: cannot read ({exc.strerror})") from None
    for key, found in annotations.items():
        if key not in seen:
            raise DataLoadError(f"the template annotates {key[0]} {key[1]} {key[2]}, which it "
                                "does not state; fix the data")
        entity, index = seen[key]
        entity.notes[index].extend(found)

    shared, copied = [], []
    for entity in entities.values():
        types = {o.value for p, o in entity.pairs if p == RDF_TYPE}
        is_shared = not entity.iri.startswith(ID_BASE) or types & SHARED_CLASSES
        (shared if is_shared else copied).append(entity)
        entity.label = next((o.value for p, o in entity.pairs if p == RDFS_LABEL), None)
        entity.variable = frozenset(
            i for i, (p, o) in enumerate(entity.pairs)
            if (p in IDENTIFIERS or (isinstance(o, ox.Literal) and o.datatype.value
                                     in NUMERIC_TYPES))
            and all(_value_pattern(o.value).search(str(q.value))
                    for note in entity.notes[i] for k, q in note if k == QUOTE)
        )
    if not copied:
        raise DataLoadError("the template has no entities to copy; check data/*.ttl")
    copied_iris = frozenset(e.iri for e in copied)

    targets: dict[str, list[str]] = {p: [] for p in CROSS_PREDICATES}
    links: set[tuple[str, str, str]] = set()
    for entity in copied:
        for p, o in entity.pairs:
            if p in targets and isinstance(o, ox.NamedNode) and o.value in copied_iris:
                links.add((entity.iri, p, o.value))
                if o.value not in targets[p]:
                    targets[p].append(o.value)
    # Where the data states a link both ways, cross-copy links are stated both ways too.
    symmetric = frozenset(
        p for p in CROSS_PREDICATES
        if (stated := [t for t in links if t[1] == p])
        and sum((o, p, s) in links for s, _, o in stated) * 2 >= len(stated)
    )
    out_links = {
        e.iri: list(dict.fromkeys(
            o.value for _, o in e.pairs
            if isinstance(o, ox.NamedNode) and o.value in copied_iris and o.value != e.iri
        ))
        for e in copied
    }
    source_files = {
        e.iri: o.value for e in shared for p, o in e.pairs if p == DCTERMS_IDENTIFIER
    }
    cited: dict[str, int] = {}
    cites: dict[str, frozenset[str]] = {}
    for entity in [*shared, *copied]:
        own = set()
        for notes in entity.notes:
            for note in notes:
                for k, v in note:
                    if k == SOURCE:
                        cited[v.value] = cited.get(v.value, 0) + 1
                        own.add(v.value)
        cites[entity.iri] = frozenset(own)
    main = max(sorted(cited), key=cited.get) if cited else None
    return _Template(shared, copied, copied_iris, targets, symmetric, out_links, source_files,
                     main, cites)


# --- writing terms ----------------------------------------------------------------------


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )


class _TermWriter:
    """Renders terms as N-Triples or Turtle text, with a copy suffix for copied IRIs."""

    def __init__(self, fmt: str) -> None:
        self.turtle = fmt == "ttl"
        self._prefixes = sorted(
            ((ns, name) for name, ns in PREFIXES.items()), key=lambda item: -len(item[0])
        )
        self._cache: dict[str, tuple[str, str]] = {}
        self.reifiers = 0

    def prefix_block(self) -> str:
        return "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in PREFIXES.items()) + "\n"

    def iri_parts(self, iri: str) -> tuple[str, str]:
        """(head, tail): the IRI written as ``head + suffix + tail``."""
        parts = self._cache.get(iri)
        if parts is None:
            parts = ("<" + iri, ">")
            if self.turtle:
                for ns, name in self._prefixes:
                    if iri.startswith(ns) and SAFE_LOCAL.match(iri[len(ns):]):
                        parts = (f"{name}:{iri[len(ns):]}", "")
                        break
            self._cache[iri] = parts
        return parts

    def iri(self, iri: str, suffix: str = "") -> str:
        head, tail = self.iri_parts(iri)
        return head + suffix + tail

    def predicate(self, iri: str) -> str:
        return "a" if self.turtle and iri == RDF_TYPE else self.iri(iri)

    def literal(self, lexical: str, datatype: str, language: str | None) -> str:
        text = '"' + _escape(lexical) + '"'
        if language:
            return f"{text}@{language}"
        if datatype == XSD + "string":
            return text
        return text + "^^" + self.iri(datatype)

    def annotated(self, subject: str, predicate: str, obj: str,
                  notes: list[list[tuple[str, str]]]) -> tuple[str, str]:
        """(the object with its Turtle annotation blocks, the N-Triples lines of its
        reifiers): one of them is empty, by format."""
        if not notes:
            return obj, ""
        if self.turtle:
            blocks = "".join(
                " {| " + " ; ".join(f"{self.predicate(k)} {v}" for k, v in note) + " |}"
                for note in notes
            )
            return obj + blocks, ""
        lines = []
        for note in notes:
            self.reifiers += 1
            node = f"_:r{self.reifiers}"
            stated = f"<<( {subject} {self.iri(predicate)} {obj} )>>"
            lines.append(f"{node} <{RDF_REIFIES}> {stated} .\n")
            lines += [f"{node} {self.iri(k)} {v} .\n" for k, v in note]
        return obj, "".join(lines)


# --- synthetic passages -------------------------------------------------------------------


class _Passages:
    """The quotes copies make that no real source holds, per source IRI, each once."""

    def __init__(self) -> None:
        self.by_source: dict[str, dict[str, None]] = {}

    def add(self, source: str, text: str) -> None:
        self.by_source.setdefault(source, {})[text] = None


def _write_sources(folder: Path, model: _Template, passages: _Passages) -> None:
    """The template's source files in ``folder``, each followed by its synthetic passages."""
    from pmgraph.paths import sources_dir

    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(
        "Written by pmgraph synth: the sources of the synthetic graph beside this folder.\n",
        encoding="utf-8",
    )
    for source, name in model.source_files.items():
        target = folder / name
        if target.resolve().parent != folder.resolve() and folder.resolve() not in (
            target.resolve().parents
        ):
            raise DataLoadError(f"source file name {name!r} leaves the sources folder")
        original = sources_dir() / name
        body = original.read_bytes() if original.is_file() else b""
        extra = passages.by_source.get(source)
        if extra:
            body += (PASSAGES_HEADING + "\n".join(extra) + "\n").encode("utf-8")
        with atomic_output(target) as tmp:
            tmp.write_bytes(body)


# --- copies -----------------------------------------------------------------------------


def _vary_number(lexical: str, predicate: str, rng: random.Random) -> str:
    """Scale (or, for coordinates, nudge) a number, keeping its lexical kind."""
    text = lexical.strip()
    if "e" in text.lower():
        mantissa = text.lower().split("e")[0]
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{float(text) * rng.uniform(*SCALE):.{digits}E}"
    try:
        value = Decimal(text)
    except ArithmeticError:
        return lexical
    places = len(text.split(".")[1]) if "." in text else 0
    if predicate in JITTERED:
        moved = value + JITTER * Decimal(str(round(rng.uniform(-1, 1), 6)))
    else:
        moved = value * Decimal(str(round(rng.uniform(*SCALE), 6)))
    if places == 0:
        number = int(moved.to_integral_value(rounding=ROUND_HALF_EVEN))
        if value >= 1 and number < 1:
            number = 1
        return str(number)
    return str(moved.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def _new_identifier(value: str, rng: random.Random, taken: set[str]) -> str:
    """An unused identifier of the same form: ROR ids keep their pattern, others their digits.

    After a few clashes a digit is added (numbers only), so a large graph never runs out.
    """
    ror = ROR.match(value)
    for attempt in range(64):
        if ror:
            head, body, tail = ror.groups()
            body = "".join(
                rng.choice("0123456789" if c.isdigit() else "abcdefghjkmnpqrstvwxyz")
                for c in body
            )
            candidate = head + body + f"{rng.randrange(100):02d}"
        else:
            digits = [rng.choice("0123456789") if c.isdigit() else c for c in value]
            if digits and digits[0] == "0" and value[0] != "0":
                digits[0] = rng.choice("123456789")
            candidate = "".join(digits)
            if attempt >= 8 and candidate[-1:].isdigit():
                candidate += str(rng.randrange(10)) * (attempt // 8)
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    return value


def _new_value(
    predicate: str, obj: Term, rng: random.Random, taken: set[str]
) -> str:
    """The copy's value (lexical form or IRI) of a variable pair."""
    if predicate in IDENTIFIERS:
        return _new_identifier(obj.value, rng, taken)
    return _vary_number(obj.value, predicate, rng)


#: A unit of a copy: (entity IRI, [(predicate, template object, object text,
#: [(annotation pairs as text)])], extra lines). Extra lines are whole statements (cross-copy
#: links) with their annotations.
Unit = tuple[str, list[tuple[str, Term, str, list[list[tuple[str, str]]]]], list[str]]


def _entity_pairs(
    terms: _TermWriter,
    model: _Template,
    entity: _Entity,
    copy: int,
    rng: random.Random,
    taken: set[str],
    passages: _Passages,
) -> list[tuple[str, Term, str, list[list[tuple[str, str]]]]]:
    """The pairs of ``entity`` in copy ``copy``, as text, with their annotations as text."""
    suffix = f"-s{copy}" if copy else ""
    changes: dict[str, str] = {}
    values: dict[int, str] = {}
    if copy:
        for i in sorted(entity.variable):
            p, o = entity.pairs[i]
            values[i] = _new_value(p, o, rng, taken)
            changes[o.value] = values[i]
    label = f"{entity.label} (copy {copy})" if copy and entity.label is not None else None
    pattern = (re.compile("|".join(
        r"(?<![0-9.])" + re.escape(v) + r"(?![0-9])" for v in sorted(changes, key=len,
                                                                       reverse=True)))
        if changes else None)
    pairs = []
    for i, (p, o) in enumerate(entity.pairs):
        if isinstance(o, ox.NamedNode):
            value = values.get(i, o.value)
            text = terms.iri(value, suffix if value in model.copied_iris else "")
        else:
            lexical = values.get(i, o.value)
            if label is not None and p == RDFS_LABEL:
                lexical = f"{o.value} (copy {copy})"
            text = terms.literal(lexical, o.datatype.value, o.language)
        notes = []
        for note in entity.notes[i]:
            rendered = []
            cited = [v.value for k, v in note if k == SOURCE]
            for k, v in note:
                if isinstance(v, ox.NamedNode):
                    rendered.append((k, terms.iri(v.value,
                                                  suffix if v.value in model.copied_iris else "")))
                    continue
                quote = v.value
                if k == QUOTE and pattern is not None and pattern.search(quote):
                    quote = pattern.sub(lambda m: changes[m.group(0)], quote)
                    if entity.label and entity.label in quote:
                        quote = quote.replace(entity.label, label or entity.label)
                    for source in cited:
                        passages.add(source, quote)
                rendered.append((k, terms.literal(quote, v.datatype.value, v.language)))
            notes.append(rendered)
        pairs.append((p, o, text, notes))
    return pairs


def _copy_units(
    model: _Template, terms: _TermWriter, copy: int, seed: int, taken: set[str],
    passages: _Passages,
) -> list[Unit]:
    """Each copied entity of copy ``copy``: (iri, pairs as text, extra lines).

    Extra lines are the cross-copy links the entity takes part in, each with a synthetic
    passage as its evidence; their count is decided here, with the copy's own random
    generator, so a copy is the same whatever the size.
    """
    rng = random.Random(f"pmgraph-synth:{seed}:{copy}")
    suffix = f"-s{copy}" if copy else ""
    units: list[Unit] = []
    eligible: list[tuple[int, str]] = []
    labels = {e.iri: e.label for e in model.copied}
    for entity in model.copied:
        pairs = _entity_pairs(terms, model, entity, copy, rng, taken, passages)
        units.append((entity.iri, pairs, []))
        eligible += [
            (len(units) - 1, p) for p in CROSS_PREDICATES if any(q == p for q, *_ in pairs)
        ]
    if not copy or not eligible:
        return units
    chosen = [link for link in eligible if rng.random() < CROSS_FRACTION]
    if not chosen:  # every copy is joined to an earlier one at least once
        chosen = [rng.choice(eligible)]
    source = model.main_source
    for index, p in chosen:
        iri, _, extra = units[index]
        subject = terms.iri(iri, suffix)
        targets = [t for t in model.cross_targets[p] if t != iri] or model.cross_targets[p]
        other = rng.randrange(copy)
        target_iri = rng.choice(targets)
        target = terms.iri(target_iri, f"-s{other}" if other else "")
        named = [(iri, copy), (target_iri, other)]
        ends = [f"{labels[i] or i}" + (f" (copy {k})" if k else "") for i, k in named]
        lines = [(subject, target, ends[0], ends[1])]
        if p in model.symmetric:
            lines.append((target, subject, ends[1], ends[0]))
        for s, o, first, second in lines:
            notes = []
            if source is not None:
                passage = f"In this synthetic copy, {first} {CROSS_VERBS[p]} {second}."
                passages.add(source, passage)
                notes = [[(SOURCE, terms.iri(source)),
                          (QUOTE, terms.literal(passage, XSD + "string", None))]]
            shown, reifiers = terms.annotated(s, p, o, notes)
            extra.append(f"{s} {terms.predicate(p)} {shown} .\n{reifiers}")
    return units


def _block(terms: _TermWriter, subject: str, pairs: list[tuple[str, str, list]]) -> str:
    if terms.turtle:
        body = " ;\n    ".join(
            f"{terms.predicate(p)} {terms.annotated(subject, p, o, notes)[0]}"
            for p, o, notes in pairs
        )
        return f"{subject} {body} .\n\n"
    lines = []
    for p, o, notes in pairs:
        lines.append(f"{subject} {terms.iri(p)} {o} .\n")
        lines.append(terms.annotated(subject, p, o, notes)[1])
    return "".join(lines)


def _annotation_count(notes: list[list[tuple[str, str]]]) -> int:
    """Triples of ``notes`` as a store reads them: the reifier's rdf:reifies and its pairs."""
    return sum(1 + len(note) for note in notes)


def _write_all(
    out, model: _Template, terms: _TermWriter, limit: int, seed: int, passages: _Passages
) -> tuple[int, int, int, int]:
    written = entities = statements = annotations = 0
    rng = random.Random(0)  # unused by copy 0, which is written as it is
    taken = {
        o.value for e in model.shared + model.copied for p, o in e.pairs if p in IDENTIFIERS
    }
    for entity in model.shared:
        pairs = [(p, text, notes) for p, _, text, notes in
                 _entity_pairs(terms, model, entity, 0, rng, taken, passages)]
        out.write(_block(terms, terms.iri(entity.iri), pairs))
        written += len(pairs)
        statements += sum(1 for *_, notes in pairs if notes)
        annotations += sum(_annotation_count(notes) for *_, notes in pairs)
        entities += 1

    copy = 0
    while written < limit:
        units = _copy_units(model, terms, copy, seed, taken, passages)
        size = sum(len(pairs) + _extra_size(extra) for _, pairs, extra in units)
        if written + size <= limit:
            chosen = units
            missing: frozenset[str] = frozenset()
        else:
            chosen = _fill(model, units, limit - written, copy, seed)
            missing = model.copied_iris - {iri for iri, _, _ in chosen}
        for count, stated, noted, text in _render_units(terms, model, chosen, copy, missing):
            out.write(text)
            written += count
            statements += stated
            annotations += noted
            entities += 1
        if missing or not chosen:
            break
        copy += 1
    return written, entities, statements, annotations


def _extra_size(extra: list[str]) -> int:
    """Direct triples among the extra lines (a cross-copy link is one, its reifier aside)."""
    return len(extra)


def _fill(model: _Template, units: list[Unit], room: int, copy: int, seed: int) -> list[Unit]:
    """A seeded choice of whole entities of a copy that fits in ``room`` triples.

    Entities are taken breadth-first along the copy's links, starting from those linked to
    other copies and from those nothing links to, so that what is taken is mostly linked to
    from what is taken: a quantity comes with the entity that has it, an asset with its
    centre. Only entities whose cited sources are taken or shared are taken.
    """
    index = {iri: i for i, (iri, _, _) in enumerate(units)}
    linked_to = {target for targets in model.links.values() for target in targets}
    order = [iri for iri, _, _ in units]
    random.Random(f"pmgraph-synth-fill:{seed}:{copy}").shuffle(order)
    # Stable sort: entities with cross-copy links first (the copy stays joined to the
    # others), then those nothing links to; seeded order among equals.
    joined = {iri for iri, _, extra in units if extra}
    order.sort(key=lambda iri: (iri not in joined, iri in linked_to))
    chosen: set[int] = set()
    visited: set[str] = set()
    used = 0
    copied_sources = {s for cited in model.cites.values() for s in cited} & model.copied_iris
    for root in order:
        queue = [root]
        while queue:
            iri = queue.pop(0)
            if iri in visited:
                continue
            visited.add(iri)
            _, pairs, extra = units[index[iri]]
            size = len(pairs) + _extra_size(extra)
            needs = model.cites.get(iri, frozenset()) & copied_sources
            if used + size > room or any(index[s] not in chosen for s in needs if s != iri):
                continue
            chosen.add(index[iri])
            used += size
            queue.extend(t for t in model.links[iri] if t not in visited)
    return [units[i] for i in sorted(chosen)]


def _render_units(
    terms: _TermWriter, model: _Template, units: list[Unit], copy: int, missing: frozenset[str]
) -> Iterator[tuple[int, int, int, str]]:
    """(direct triples, statements, annotation triples, text) of each unit; links to
    entities left out of a partial copy go to the real one.

    In a partial real copy (copy 0) there is nothing to fall back on, so such links are left
    out.
    """
    suffix = f"-s{copy}" if copy else ""
    for iri, pairs, extra in units:
        kept = []
        for p, o, text, notes in pairs:
            if missing and isinstance(o, ox.NamedNode) and o.value in missing:
                if not copy:
                    continue
                text = terms.iri(o.value)
            kept.append((p, text, notes))
        text = _block(terms, terms.iri(iri, suffix), kept) + "".join(extra)
        stated = sum(1 for *_, notes in kept if notes) + len(extra)
        noted = sum(_annotation_count(notes) for *_, notes in kept)
        noted += 3 * len(extra) if model.main_source is not None else 0
        yield len(kept) + len(extra), stated, noted, text
