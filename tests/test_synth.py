"""The synthetic-ecosystem generator and the benchmark script that uses it."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from pmgraph.errors import OutputError, ParameterError
from pmgraph.graph.namespaces import ID_BASE, PM
from pmgraph.graph.synth import SynthStats, parse_size, write_synthetic

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
COPY = re.compile(r"-s(\d+)$")

PREFIXES = """\
@prefix pm: <https://w3id.org/pmgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ctr: <https://w3id.org/pmgraph/id/centre/> .
@prefix orgn: <https://w3id.org/pmgraph/id/org/> .
@prefix qty: <https://w3id.org/pmgraph/id/quantity/> .
@prefix theme: <https://w3id.org/pmgraph/id/theme/> .
@prefix place: <https://w3id.org/pmgraph/id/place/> .
"""
SMALL = PREFIXES + """
theme:genomics a skos:Concept ; rdfs:label "Genomics"@en .
place:wales a pm:Nation ; rdfs:label "Wales"@en .
orgn:net a pm:CentreNetwork ; rdfs:label "The network"@en .
ctr:cardiff a pm:CentreOfExcellence ;
    rdfs:label "Cardiff centre"@en ;
    pm:memberOf orgn:net ;
    pm:theme theme:genomics ;
    pm:hasQuantity qty:cardiff-patients ;
    pm:evidence "Cardiff \\"quoted\\" text" ;
    geo:lat "51.481"^^xsd:decimal .
qty:cardiff-patients a pm:Quantity ;
    rdfs:label "Patients served"@en ;
    pm:value "210000000"^^xsd:decimal ;
    pm:ror <https://ror.org/03kk7td41> ;
    pm:unit "patients" .
"""


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
REIFIES = RDF + "reifies"


def all_triples(path: Path) -> list[ox.Triple]:
    fmt = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
    return [q.triple for q in ox.parse(path=str(path), format=fmt)]


@dataclass
class Layers:
    """A file's direct triples and, apart, its evidence annotations: reifier -> the
    statement it reifies, and reifier -> its (predicate, object) pairs."""

    direct: list[ox.Triple]
    reified: dict[object, ox.Triple]
    notes: dict[object, list[tuple[str, object]]]

    @property
    def annotation_triples(self) -> int:
        return len(self.reified) + sum(len(n) for n in self.notes.values())


def layers(paths: list[Path] | Path) -> Layers:
    found = [t for path in ([paths] if isinstance(paths, Path) else paths)
             for t in all_triples(path)]
    reified = {t.subject: t.object for t in found if t.predicate.value == REIFIES}
    notes: dict[object, list] = defaultdict(list)
    direct = []
    for t in found:
        if t.subject in reified:
            if t.predicate.value != REIFIES:
                notes[t.subject].append((t.predicate.value, t.object))
        else:
            direct.append(t)
    return Layers(direct, reified, dict(notes))


def triples(path: Path) -> list[ox.Triple]:
    """The direct triples of a file (its evidence annotations left out)."""
    return layers(path).direct


def real_triples() -> list[ox.Triple]:
    """The real data's direct triples."""
    return layers(DATA_FILES).direct


@pytest.fixture(scope="module")
def small_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "small.ttl"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synth_100k(tmp_path_factory) -> tuple[SynthStats, list[ox.Triple]]:
    stats = write_synthetic(tmp_path_factory.mktemp("synth") / "synth-100k.nt", 100_000, seed=7)
    return stats, triples(stats.path)


# --- size and reproducibility ------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path, suffix):
    first = write_synthetic(tmp_path / f"a{suffix}", 10_000, seed=1)
    again = write_synthetic(tmp_path / f"b{suffix}", 10_000, seed=1)
    other = write_synthetic(tmp_path / f"c{suffix}", 10_000, seed=2)
    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()
    for name in ("000_0787654218a80374.txt", "reference/places.csv"):
        assert (first.sources / name).read_bytes() == (again.sources / name).read_bytes()


@pytest.mark.parametrize("asked", [10_000, 25_000, 100_000])
def test_the_file_holds_the_requested_number_of_triples(tmp_path, asked):
    stats = write_synthetic(tmp_path / "synth.ttl", asked)
    found = layers(stats.path)
    direct = found.direct
    assert len(set(direct)) == len(direct) == stats.triples, "duplicate triples in the output"
    assert abs(stats.triples - asked) <= asked * 0.01
    assert stats.entities == len({t.subject for t in direct})
    # the evidence annotations come on top, as counted
    assert len(found.reified) == stats.statements
    assert found.annotation_triples == stats.annotation_triples


def annotated(found: Layers) -> set[tuple]:
    """Each statement with its annotation's pairs (reifier labels left out)."""
    return {(t, tuple(sorted((p, str(o)) for p, o in found.notes.get(r, ()))))
            for r, t in found.reified.items()}


def test_turtle_and_ntriples_hold_the_same_graph(tmp_path):
    turtle = layers(write_synthetic(tmp_path / "t" / "s.ttl", 10_000, seed=3).path)
    ntriples = layers(write_synthetic(tmp_path / "n" / "s.nt", 10_000, seed=3).path)
    assert set(turtle.direct) == set(ntriples.direct)
    assert annotated(turtle) == annotated(ntriples)


# --- shape of the graph --------------------------------------------------------------------


def test_no_blank_nodes_but_the_annotations_reifiers(synth_100k):
    _, found = synth_100k
    blank = [t for t in found if isinstance(t.subject, ox.BlankNode)
             or isinstance(t.object, ox.BlankNode)]
    assert blank == []


def test_every_class_and_property_of_the_real_data_is_kept(synth_100k):
    _, found = synth_100k
    real = real_triples()
    assert {t.predicate for t in found} == {t.predicate for t in real}
    assert ({t.object for t in found if t.predicate.value == RDF_TYPE}
            == {t.object for t in real if t.predicate.value == RDF_TYPE})


def literal_kinds(found: list[ox.Triple]) -> set[tuple[str, str, str | None, str]]:
    """(predicate, datatype, language, lexical shape) of every literal."""
    kinds = set()
    for t in found:
        if isinstance(t.object, ox.Literal):
            lexical = t.object.value
            shape = "text"
            if t.object.datatype.value != XSD + "string" and re.fullmatch(r"-?[\d.]+", lexical):
                shape = f"{len(lexical.split('.')[1])} decimals" if "." in lexical else "integer"
            kinds.add((t.predicate.value, t.object.datatype.value, t.object.language, shape))
    return kinds


def test_literals_keep_their_datatype_language_and_lexical_kind(synth_100k):
    _, found = synth_100k
    assert literal_kinds(found) == literal_kinds(real_triples())


def scale_factors(found: list[ox.Triple], real: list[ox.Triple]) -> dict[str, float]:
    """How many times each class and property of the copied entities occurs, against the
    real data."""
    def counts(ts: list[ox.Triple]) -> Counter:
        found = Counter()
        for t in ts:
            if t.predicate.value == RDF_TYPE:
                found["class " + t.object.value] += 1
            found["property " + t.predicate.value] += 1
        return found

    copied = {t.subject for t in found if COPY.search(t.subject.value)}
    copied_real = {ox.NamedNode(COPY.sub("", s.value)) for s in copied}
    ours = counts([t for t in found if t.subject in copied])
    theirs = counts([t for t in real if t.subject in copied_real])
    return {key: ours[key] / theirs[key] for key in theirs}


def test_classes_and_properties_keep_their_ratios(synth_100k):
    _, found = synth_100k
    factors = scale_factors(found, real_triples())
    typical = statistics.median(factors.values())
    assert typical > 10, "the 100k graph should hold many copies of the real one"
    # Cross-copy links add a few partnerOf / memberOf; everything else scales alike.
    off = {k: round(f / typical, 2) for k, f in factors.items() if not 0.9 <= f / typical <= 1.3}
    assert off == {}


def test_links_stay_inside_their_copy_except_the_cross_copy_ones(synth_100k):
    _, found = synth_100k
    cross = {str(PM.partnerOf), str(PM.memberOf)}
    joined: dict[int, set[int]] = defaultdict(set)
    for t in found:
        here = COPY.search(t.subject.value)
        if not here or not isinstance(t.object, ox.NamedNode):
            continue
        there = COPY.search(t.object.value)
        if there and there.group(1) != here.group(1):
            assert t.predicate.value in cross, f"{t} leaves its copy"
            joined[int(here.group(1))].add(int(there.group(1)))
        elif not there and t.predicate.value in cross:
            joined[int(here.group(1))].add(0)  # the real graph
    copies = {int(m.group(1)) for t in found if (m := COPY.search(t.subject.value))}
    # Each copy is joined to an earlier one or to the real graph: one ecosystem, not islands.
    assert len(copies) > 10
    assert [k for k in sorted(copies) if not any(j < k for j in joined[k])] == []


def test_copies_vary_labels_numbers_and_identifiers_but_keep_quotes(tmp_path, small_template):
    stats = write_synthetic(tmp_path / "s.nt", 200, seed=5, template=[small_template])
    found = triples(stats.path)
    by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in found:
        by_subject[t.subject.value][t.predicate.value].append(t.object)
    centre = by_subject[ID_BASE + "centre/cardiff-s2"]
    assert centre[RDFS_LABEL] == [ox.Literal("Cardiff centre (copy 2)", language="en")]
    assert centre[str(PM.evidence)] == [ox.Literal('Cardiff "quoted" text')]
    assert centre[str(PM.memberOf)][0] == ox.NamedNode(ID_BASE + "org/net-s2")
    assert centre[str(PM.hasQuantity)] == [ox.NamedNode(ID_BASE + "quantity/cardiff-patients-s2")]
    assert centre[str(PM.theme)] == [ox.NamedNode(ID_BASE + "theme/genomics")]  # shared
    (lat,) = centre["http://www.w3.org/2003/01/geo/wgs84_pos#lat"]
    assert re.fullmatch(r"51\.\d{3}", lat.value) and abs(float(lat.value) - 51.481) <= 0.05
    values = {by_subject[s][str(PM.value)][0].value for s in by_subject if "patients" in s}
    assert len(values) > 3 and all(re.fullmatch(r"\d+", v) for v in values)
    rors = [o.value for s in by_subject.values() for o in s.get(str(PM.ror), [])]
    assert len(set(rors)) == len(rors) > 3
    assert all(re.fullmatch(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}", r) for r in rors)
    assert sum(1 for s in by_subject if s.endswith("/genomics")) == 1  # written once


def pmgraph(*argv: object, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pmgraph", *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_synthetic_graph_validates_with_no_violation_and_the_same_findings_on_both_engines(
    tmp_path,
):
    run = pmgraph("synth", "--triples", "3k", "--out", tmp_path / "synth" / "s.nt", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "sources in synth/sources/" in run.stdout
    reports = {}
    for engine in ("sparql", "pyshacl"):
        run = pmgraph("validate", "--data", "synth", "--engine", engine, "--format", "json",
                      cwd=tmp_path)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr
        reports[engine] = json.loads(run.stdout)
    assert reports["sparql"] == reports["pyshacl"]
    assert reports["sparql"]["conforms"] is True
    assert [f for f in reports["sparql"]["findings"] if f["severity"] == "VIOLATION"] == []


def test_a_larger_turtle_graph_validates_with_no_violation(tmp_path):
    run = pmgraph("synth", "--triples", "12k", "--out", tmp_path / "s.ttl", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = pmgraph("validate", "--data", "s.ttl", "--engine", "sparql", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "(0 violations," in run.stdout


@pytest.fixture(scope="module")
def synth_10k(tmp_path_factory) -> tuple[SynthStats, Layers]:
    stats = write_synthetic(tmp_path_factory.mktemp("synth") / "s.ttl", 10_000, seed=4)
    return stats, layers(stats.path)


def source_texts(folder: Path, found: Layers) -> dict[str, str]:
    """Source IRI -> its repaired, white-space-folded text, read from ``folder``."""
    from pmgraph.graph.text import repair

    texts = {}
    for t in found.direct:
        if t.predicate.value == "http://purl.org/dc/terms/identifier" and (
                t.subject.value.startswith(ID_BASE + "source/")):
            raw = (folder / t.object.value).read_text(encoding="utf-8")
            texts[t.subject.value] = " ".join(repair(raw).split())
    return texts


def test_every_statement_has_a_source_and_a_quote_that_occurs_in_it(synth_10k):
    stats, found = synth_10k
    texts = source_texts(stats.sources, found)
    assert len(texts) == 3
    missing = []
    for reifier, statement in found.reified.items():
        notes = dict(found.notes[reifier])
        assert set(notes) == {str(PM.source), str(PM.quote)}, statement
        quote = " ".join(notes[str(PM.quote)].value.split())
        assert len(quote) >= 20, statement
        if quote not in texts[notes[str(PM.source)].value]:
            missing.append((statement, quote))
    assert missing == []
    # every link between two entities and every dated or numeric literal is a statement
    stated = set(found.reified.values())
    unstated = [t for t in found.direct
                if t.predicate.value not in (RDF_TYPE, str(PM.source))
                and t.subject.value.startswith(ID_BASE) and isinstance(t.object, ox.NamedNode)
                and t.object.value.startswith(ID_BASE)
                and t not in stated]
    assert unstated == []


def proportions(found: Layers, subjects) -> dict[str, float]:
    """Statements per direct triple, annotation triples per statement and the share of
    statements about a literal, for the statements and triples of ``subjects``."""
    direct = [t for t in found.direct if subjects(t.subject.value)]
    reifiers = [r for r, t in found.reified.items() if subjects(t.subject.value)]
    statements = [found.reified[r] for r in reifiers]
    return {
        "statements per triple": len(statements) / len(direct),
        "annotation triples per statement": sum(
            1 + len(found.notes.get(r, ())) for r in reifiers) / len(reifiers),
        "literal statements": sum(isinstance(t.object, ox.Literal) for t in statements)
        / len(statements),
    }


def test_provenance_comes_in_the_real_graphs_proportion(synth_10k):
    _, found = synth_10k
    real = layers(DATA_FILES)
    copied = {COPY.sub("", t.subject.value) for t in found.direct if COPY.search(t.subject.value)}
    ours = proportions(found, lambda s: bool(COPY.search(s)))
    theirs = proportions(real, lambda s: s in copied)
    # Cross-copy links are statements too, with one quote each: a few more of them, nothing
    # else differs.
    for key in ("annotation triples per statement", "statements per triple",
                "literal statements"):
        assert abs(ours[key] / theirs[key] - 1) < 0.05, (key, ours[key], theirs[key])
    # The shared vocabulary (concepts, nations, sources), written once, keeps its own.
    whole, real_whole = proportions(found, bool), proportions(real, bool)
    assert abs(whole["annotation triples per statement"] / real_whole[
        "annotation triples per statement"] - 1) < 0.05


def test_a_copys_quotes_show_its_own_numbers_identifiers_and_label(synth_10k):
    _, found = synth_10k
    quotes = {t: dict(found.notes[r])[str(PM.quote)].value for r, t in found.reified.items()}
    lat = next(t for t in quotes if t.subject.value == ID_BASE + "place/glasgow-s3"
               and t.predicate.value.endswith("#lat"))
    assert lat.object.value != "55.864"
    assert quotes[lat].startswith("Glasgow (copy 3),city,Scotland,,") and lat.object.value in (
        quotes[lat])
    grid = next(t for t in quotes if t.subject.value == ID_BASE + "org/university-of-glasgow-s2"
                and t.predicate.value == str(PM.gridId))
    assert grid.object.value != "grid.8756.c" and grid.object.value in quotes[grid]
    cross = [t for t in quotes if COPY.search(t.subject.value) and isinstance(
        t.object, ox.NamedNode) and COPY.search(t.object.value) and COPY.search(
        t.subject.value).group(1) != COPY.search(t.object.value).group(1)]
    assert cross and all(quotes[t].startswith("In this synthetic copy, ") for t in cross)


def test_a_sources_folder_synth_did_not_write_is_refused_untouched(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "notes.txt").write_text("mine")
    run = pmgraph("synth", "--triples", "5k", "--out", tmp_path / "s.ttl", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("pmgraph: error: ") and "sources folder synth did not write" in (
        run.stderr)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes.txt", "sources"]


# --- bad input ---------------------------------------------------------------------------


def test_unknown_output_format_is_refused(tmp_path):
    with pytest.raises(OutputError, match=r"\.nt or \.ttl"):
        write_synthetic(tmp_path / "synth.json", 10_000)


def test_too_few_triples_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="too few"):
        write_synthetic(tmp_path / "synth.ttl", 10)


def test_unwritable_output_is_reported(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        write_synthetic(tmp_path / "a-file" / "synth.ttl", 10_000)


@pytest.mark.parametrize(("text", "count"), [("2500", 2500), ("10k", 10_000), ("1M", 1_000_000),
                                             ("1.5k", 1500)])
def test_sizes_are_read_with_k_and_m(text, count):
    assert parse_size(text) == count


def test_a_size_that_is_not_a_count_is_refused():
    with pytest.raises(ParameterError, match="10k"):
        parse_size("lots")


# --- the benchmark script ------------------------------------------------------------------


def test_the_benchmark_runs_end_to_end_on_a_tiny_graph(tmp_path):
    out = tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "2k", "--repeat", "1",
         "--no-browser", "--nodes", "100", "--queries", "centres,entity-evidence",
         "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "| target | measured | holds |" in text
    for target in ("Load 1M triples", "Every library query", "Validate 1M triples",
                   "HTML view", "`pmgraph build`"):
        assert target in text
    load = next(line for line in text.splitlines() if line.startswith("| load |"))
    assert re.search(r"\d+(\.\d+)? (ms|s) \|", load), load
    assert "== targets ==" in run.stdout


@pytest.mark.browser
def test_the_benchmark_measures_the_first_draw_and_the_controls_in_chromium(tmp_path):
    if os.environ.get("PMGRAPH_SKIP_BROWSER") == "1":
        pytest.skip("PMGRAPH_SKIP_BROWSER=1")
    out = tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "2k", "--repeat", "1",
         "--nodes", "100", "--queries", "centres", "--browser-timeout", "20",
         "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    row = next(line for line in out.read_text(encoding="utf-8").splitlines()
               if line.startswith("| 100 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert re.fullmatch(r"\d+(\.\d+)? (ms|s)", cells[4]), f"pmgraph view not drawn: {row}"
    assert cells[6] == "works / works / works", row
