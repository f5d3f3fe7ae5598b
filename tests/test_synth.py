"""The synthetic-ecosystem generator and the benchmark script that uses it."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
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


def triples(path: Path) -> list[ox.Triple]:
    fmt = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
    return [q.triple for q in ox.parse(path=str(path), format=fmt)]


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def real_triples() -> list[ox.Triple]:
    """The real data's own triples: the annotations' reifiers (statement provenance, which
    synth does not generate) left out."""
    return [
        t for path in DATA_FILES for t in triples(path)
        if isinstance(t.subject, ox.NamedNode) and t.predicate.value != RDF + "reifies"
    ]


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


@pytest.mark.parametrize("asked", [10_000, 25_000, 100_000])
def test_the_file_holds_the_requested_number_of_triples(tmp_path, asked):
    stats = write_synthetic(tmp_path / "synth.ttl", asked)
    found = triples(stats.path)
    assert len(set(found)) == len(found) == stats.triples, "duplicate triples in the output"
    assert abs(stats.triples - asked) <= asked * 0.01
    assert stats.entities == len({t.subject for t in found})


def test_turtle_and_ntriples_hold_the_same_graph(tmp_path):
    turtle = write_synthetic(tmp_path / "s.ttl", 10_000, seed=3)
    ntriples = write_synthetic(tmp_path / "s.nt", 10_000, seed=3)
    assert set(triples(turtle.path)) == set(triples(ntriples.path))


def test_a_million_triples_are_written_without_holding_them(tmp_path):
    stats = write_synthetic(tmp_path / "synth-1m.nt", 1_000_000)
    assert abs(stats.triples - 1_000_000) <= 10_000
    with open(stats.path, encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == stats.triples


# --- shape of the graph --------------------------------------------------------------------


def test_no_blank_nodes(synth_100k):
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


def test_the_synthetic_graph_validates_like_the_real_one(tmp_path):
    validate = pytest.importorskip("pmgraph.validation.validate")
    load = pytest.importorskip("pmgraph.graph.load")
    if not (ROOT / "ontology" / "shapes.ttl").exists():
        pytest.skip("ontology/shapes.ttl is not written yet")
    stats = write_synthetic(tmp_path / "synth-10k.ttl", 10_000)
    report = validate.validate(load.load_graph(stats.path))
    assert [f"{f.focus}: {f.message}" for f in report.violations] == []


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
