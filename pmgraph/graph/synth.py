"""Synthetic ecosystems shaped like the real graph, for benchmarks at any size.

The real data is the template. Shared vocabulary (concepts, the UK and its nations, the
sources) is written once; the real entities are written as they are (copy 0), then copied
with IRIs suffixed ``-s<k>`` so that links inside a copy stay inside it. Copies vary their
literals deterministically: labels carry the copy number, numbers are scaled by a seeded
generator (same datatype, same lexical kind), quotes stay verbatim. A seeded fraction of
``pm:partnerOf`` and ``pm:memberOf`` links crosses copies, so the network is one ecosystem
rather than islands. Lines are written as they are made: no graph is built in memory.
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
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"

#: Entities of these classes are vocabulary every copy links to; they are written once.
SHARED_CLASSES = frozenset(
    str(c) for c in (PM.Country, PM.Nation, PM.Source, PM.SourceDocument, PM.ReferenceDataset)
) | {SKOS_CONCEPT}

#: Links that may point into another copy, and the chance that a copied subject gets one.
CROSS_PREDICATES = (str(PM.partnerOf), str(PM.memberOf))
CROSS_FRACTION = 0.1

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


@dataclass(frozen=True)
class SynthStats:
    """What :func:`write_synthetic` wrote."""

    triples: int
    entities: int
    path: Path


def parse_size(text: str) -> int:
    """A triple count written as ``2500``, ``10k`` or ``1M``."""
    match = SIZE.match(str(text))
    if not match:
        raise ParameterError(f"size {text!r} is not a count; write it as 2500, 10k or 1M")
    number, unit = match.groups()
    return int(Decimal(number) * {"": 1, "k": 1000, "m": 1_000_000}[unit.lower()])


def write_synthetic(
    path: str | Path, triples: int, seed: int = 0, *, template: Iterable[Path] | None = None
) -> SynthStats:
    """Write a synthetic graph of about ``triples`` triples (±1 %) to ``path``.

    ``path`` ending in ``.nt`` gives N-Triples, ``.ttl`` Turtle. ``template`` is the Turtle
    files to copy (default: the project's data). The same seed gives the same bytes. The
    file is written as :func:`pmgraph.files.atomic_output` writes (whole or not at all; a
    link is written through; a device, pipe or socket is refused).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: unknown output format; end the file name in .nt or .ttl")
    model = _model(triples, template)
    # Streamed into a temporary file beside the target and moved in whole at the end, so an
    # interrupted run never leaves a truncated graph under the requested name.
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            written, entities = _write_graph(out, model, fmt, triples, seed)
    log.info("wrote %d triples about %d entities to %s", written, entities, path)
    return SynthStats(triples=written, entities=entities, path=path)


def synthesize(
    out: TextIO,
    triples: int,
    seed: int = 0,
    *,
    fmt: str = "ttl",
    template: Iterable[Path] | None = None,
) -> tuple[int, int]:
    """Write the graph :func:`write_synthetic` writes to the text stream ``out`` instead, in
    ``fmt`` (``"ttl"`` or ``"nt"``); return the triples and entities written."""
    if fmt not in FORMATS.values():
        raise ParameterError(f"format {fmt!r}: give one of {', '.join(FORMATS.values())}")
    return _write_graph(out, _model(triples, template), fmt, triples, seed)


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
    out: TextIO, model: _Template, fmt: str, triples: int, seed: int
) -> tuple[int, int]:
    terms = _TermWriter(fmt)
    if fmt == "ttl":
        out.write(terms.prefix_block())
    return _write_all(out, model, terms, triples, seed)


# --- the template -----------------------------------------------------------------------


@dataclass
class _Entity:
    iri: str
    pairs: list[tuple[str, ox.NamedNode | ox.Literal]] = field(default_factory=list)


@dataclass
class _Template:
    shared: list[_Entity]
    copied: list[_Entity]
    copied_iris: frozenset[str]
    cross_targets: dict[str, list[str]]
    symmetric: frozenset[str]
    #: For each copied entity, the copied entities it links to (in template order).
    links: dict[str, list[str]]

    @property
    def shared_size(self) -> int:
        return sum(len(e.pairs) for e in self.shared)

    @property
    def size(self) -> int:
        return self.shared_size + sum(len(e.pairs) for e in self.copied)


REIFIES = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"
PROVENANCE = frozenset(
    "https://w3id.org/pmgraph/ontology#" + name for name in ("quote", "source")
)


def _read_template(files: list[Path]) -> _Template:
    entities: dict[str, _Entity] = {}
    seen: set[tuple[str, str, ox.NamedNode | ox.Literal]] = set()
    for file in sorted(files):
        try:
            quads = ox.parse(path=str(file), format=ox.RdfFormat.TURTLE)
            reifiers = set()
            for quad in quads:
                s, p, o = quad.subject, quad.predicate, quad.object
                # statement provenance (annotations and their reifiers) is not generated
                if p.value == REIFIES or s in reifiers:
                    reifiers.add(s)
                    continue
                if isinstance(s, ox.BlankNode) and p.value in PROVENANCE:
                    continue
                if not isinstance(s, ox.NamedNode) or isinstance(o, ox.BlankNode):
                    raise DataLoadError(f"{file}: has a blank node; give every resource an IRI")
                key = (s.value, p.value, o)
                if key in seen:
                    continue
                seen.add(key)
                entities.setdefault(s.value, _Entity(s.value)).pairs.append((p.value, o))
        except (SyntaxError, ValueError) as exc:
            raise DataLoadError(f"{file}: not valid Turtle ({exc}); fix the file") from None
        except OSError as exc:
            raise DataLoadError(f"{file}: cannot read ({exc.strerror})") from None

    shared, copied = [], []
    for entity in entities.values():
        types = {o.value for p, o in entity.pairs if p == RDF_TYPE}
        is_shared = not entity.iri.startswith(ID_BASE) or types & SHARED_CLASSES
        (shared if is_shared else copied).append(entity)
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
    return _Template(shared, copied, copied_iris, targets, symmetric, out_links)


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


def _object_text(
    terms: _TermWriter,
    model: _Template,
    predicate: str,
    obj: ox.NamedNode | ox.Literal,
    copy: int,
    suffix: str,
    rng: random.Random,
    taken: set[str],
) -> str:
    if isinstance(obj, ox.NamedNode):
        if copy and predicate in IDENTIFIERS:
            return terms.iri(_new_identifier(obj.value, rng, taken))
        return terms.iri(obj.value, suffix if obj.value in model.copied_iris else "")
    lexical, datatype = obj.value, obj.datatype.value
    if copy:
        if predicate == RDFS_LABEL:
            lexical = f"{lexical} (copy {copy})"
        elif predicate in IDENTIFIERS:
            lexical = _new_identifier(lexical, rng, taken)
        elif datatype in NUMERIC_TYPES:
            lexical = _vary_number(lexical, predicate, rng)
    return terms.literal(lexical, datatype, obj.language)


def _copy_units(
    model: _Template, terms: _TermWriter, copy: int, seed: int, taken: set[str]
) -> list[tuple[str, list[tuple[str, ox.NamedNode | ox.Literal, str]], list[str]]]:
    """Each copied entity of copy ``copy``: (iri, [(pred, template object, text)], extra lines).

    Extra lines are the cross-copy links the entity takes part in; their count is decided
    here, with the copy's own random generator, so a copy is the same whatever the size.
    """
    rng = random.Random(f"pmgraph-synth:{seed}:{copy}")
    suffix = f"-s{copy}" if copy else ""
    units = []
    eligible: list[tuple[int, str]] = []
    for entity in model.copied:
        pairs = [
            (p, o, _object_text(terms, model, p, o, copy, suffix, rng, taken))
            for p, o in entity.pairs
        ]
        units.append((entity.iri, pairs, []))
        eligible += [
            (len(units) - 1, p) for p in CROSS_PREDICATES if any(q == p for q, _, _ in pairs)
        ]
    if not copy or not eligible:
        return units
    chosen = [link for link in eligible if rng.random() < CROSS_FRACTION]
    if not chosen:  # every copy is joined to an earlier one at least once
        chosen = [rng.choice(eligible)]
    for index, p in chosen:
        iri, _, extra = units[index]
        subject = terms.iri(iri, suffix)
        targets = [t for t in model.cross_targets[p] if t != iri] or model.cross_targets[p]
        other = rng.randrange(copy)
        target = terms.iri(rng.choice(targets), f"-s{other}" if other else "")
        extra.append(f"{subject} {terms.predicate(p)} {target} .\n")
        if p in model.symmetric:
            extra.append(f"{target} {terms.predicate(p)} {subject} .\n")
    return units


def _block(
    terms: _TermWriter,
    subject: str,
    pairs: list[tuple[str, str]],
) -> str:
    if terms.turtle:
        body = " ;\n    ".join(f"{terms.predicate(p)} {o}" for p, o in pairs)
        return f"{subject} {body} .\n\n"
    return "".join(f"{subject} {terms.iri(p)} {o} .\n" for p, o in pairs)


def _write_all(out, model: _Template, terms: _TermWriter, limit: int, seed: int) -> tuple[int, int]:
    written = entities = 0
    rng = random.Random(0)  # unused by copy 0, which is written as it is
    taken = {
        o.value for e in model.shared + model.copied for p, o in e.pairs if p in IDENTIFIERS
    }
    for entity in model.shared:
        pairs = [(p, _object_text(terms, model, p, o, 0, "", rng, taken)) for p, o in entity.pairs]
        out.write(_block(terms, terms.iri(entity.iri), pairs))
        written += len(pairs)
        entities += 1

    copy = 0
    while written < limit:
        units = _copy_units(model, terms, copy, seed, taken)
        size = sum(len(pairs) + len(extra) for _, pairs, extra in units)
        if written + size <= limit:
            chosen = units
            missing: frozenset[str] = frozenset()
        else:
            chosen = _fill(model, units, limit - written, copy, seed)
            missing = model.copied_iris - {iri for iri, _, _ in chosen}
        for count, text in _render_units(terms, model, chosen, copy, missing):
            out.write(text)
            written += count
            entities += 1
        if missing or not chosen:
            break
        copy += 1
    return written, entities


def _fill(model: _Template, units, room: int, copy: int, seed: int):
    """A seeded choice of whole entities of a copy that fits in ``room`` triples.

    Entities are taken breadth-first along the copy's links, starting from those linked to
    other copies and from those nothing links to, so that what is taken is mostly linked to
    from what is taken: a quantity comes with the entity that has it, an asset with its
    centre.
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
    for root in order:
        queue = [root]
        while queue:
            iri = queue.pop(0)
            if iri in visited:
                continue
            visited.add(iri)
            _, pairs, extra = units[index[iri]]
            size = len(pairs) + len(extra)
            if used + size > room:
                continue
            chosen.add(index[iri])
            used += size
            queue.extend(t for t in model.links[iri] if t not in visited)
    return [units[i] for i in sorted(chosen)]


def _render_units(
    terms: _TermWriter, model: _Template, units, copy: int, missing: frozenset[str]
) -> Iterator[tuple[int, str]]:
    """Text of each unit; links to entities left out of a partial copy go to the real one.

    In a partial real copy (copy 0) there is nothing to fall back on, so such links are left
    out.
    """
    suffix = f"-s{copy}" if copy else ""
    for iri, pairs, extra in units:
        kept = []
        for p, o, text in pairs:
            if missing and isinstance(o, ox.NamedNode) and o.value in missing:
                if not copy:
                    continue
                text = terms.iri(o.value)
            kept.append((p, text))
        text = _block(terms, terms.iri(iri, suffix), kept) + "".join(extra)
        yield len(kept) + len(extra), text
