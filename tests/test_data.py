"""The instance data: faithful to its sources, traceable, and free of anonymous nodes."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from pmgraph.graph.namespaces import GEO, ID_BASE, PM
from pmgraph.graph.text import quote_occurs

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
SOURCES = ROOT / "sources"
REFERENCE = SOURCES / "reference"
SOURCE_DOCUMENT = URIRef(ID_BASE + "source/iuk-precision-medicine-2019")
ROR_SOURCE = URIRef(ID_BASE + "source/ror-ids")
PLACES_SOURCE = URIRef(ID_BASE + "source/places")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "pm.ttl")


@pytest.fixture(scope="module")
def data() -> Graph:
    from pmgraph.graph.evidence import read_plain

    return read_plain(*DATA_FILES)


def read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def label(graph: Graph, node) -> str:
    return str(graph.value(node, RDFS.label))


def same_name(name: str) -> str:
    """Names as the reference files spell them: the source's curly apostrophes made straight."""
    return name.replace("\u2019", "'")


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_data_file_has_no_blank_nodes(path):
    from pmgraph.graph.evidence import read_plain

    graph = read_plain(path)
    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    assert not blanks, f"{path.name} has {len(blanks)} blank nodes: give them IRIs"


def test_every_quote_occurs_verbatim_in_its_source(data):
    files = {
        s: SOURCES / str(data.value(s, DCTERMS.identifier))
        for s in data.subjects(RDF.type, PM.SourceDocument)
    }
    assert SOURCE_DOCUMENT in files
    missing = []
    checked = 0
    for subject, quote in data.subject_objects(PM.evidence):
        texts = [files[s] for s in data.objects(subject, PM.source) if s in files]
        assert texts, f"{subject} has evidence but cites no source document"
        checked += 1
        if not any(quote_occurs(str(quote), path) for path in texts):
            missing.append(f"{subject}: {str(quote)[:80]!r}")
    assert checked > 100
    assert not missing, "quotes not found in the source:\n" + "\n".join(missing)


def test_every_entity_cites_a_source_and_a_quote(data):
    subjects = {s for s in data.subjects(RDF.type, None) if str(s).startswith(ID_BASE)}
    sources = set(data.subjects(RDF.type, PM.ReferenceDataset))
    lacking = sorted(
        str(s) for s in subjects - sources
        if data.value(s, PM.source) is None or data.value(s, PM.evidence) is None
    )
    assert not lacking, "entities without pm:source or pm:evidence:\n" + "\n".join(lacking)


def test_every_linked_entity_is_defined(data):
    defined = set(data.subjects(RDF.type, None))
    dangling = sorted(
        f"{s} -> {o}" for s, _, o in data
        if isinstance(o, URIRef) and str(o).startswith(ID_BASE) and o not in defined
    )
    assert not dangling, "links to undefined resources:\n" + "\n".join(dangling)


def test_data_uses_only_terms_the_ontology_defines(data, ontology):
    defined = {s for s in ontology.subjects() if isinstance(s, URIRef)}
    used = {t for triple in data for t in triple
            if isinstance(t, URIRef) and t.startswith(str(PM))}
    assert used - defined == set()


def test_ror_identifiers_come_from_the_reference_file(data):
    rows = {row["name"]: row for row in read_csv("ror-ids.csv")}
    universities = list(data.subjects(PM.ror, None))
    assert universities, "no organisation carries a ROR identifier"
    for org in universities:
        row = rows[same_name(label(data, org))]
        assert data.value(org, PM.ror) == URIRef(row["ror"])
        assert str(data.value(org, PM.gridId)) == row["grid"]
        assert str(data.value(org, PM.ringgoldId)) == row["ringgold"]
        assert (org, PM.source, ROR_SOURCE) in data


def test_universities_the_source_names_have_their_ror(data):
    """Every university in the reference file that the data models carries its identifier."""
    names = {row["name"] for row in read_csv("ror-ids.csv")}
    for uni in data.subjects(RDF.type, PM.University):
        if same_name(label(data, uni)) in names:
            assert data.value(uni, PM.ror) is not None, f"{uni} lacks pm:ror"


def test_place_coordinates_and_nations_come_from_the_reference_file(data):
    by_label = {label(data, p): p for p in data.subjects(PM.source, PLACES_SOURCE)}
    rows = read_csv("places.csv")
    for row in rows:
        place = by_label.get(row["name"])
        assert place is not None, f"{row['name']} from places.csv is not in data/places.ttl"
        if row["latitude"]:
            assert data.value(place, GEO.lat).toPython() == Decimal(row["latitude"])
            assert data.value(place, GEO.long).toPython() == Decimal(row["longitude"])
        if row["iso_3166_2"]:
            assert data.value(place, PM.isoCode) == Literal(row["iso_3166_2"])
        elif row["kind"] != "nation":
            nation = data.value(place, PM.nation)
            assert nation is not None and label(data, nation) == row["nation"]


def test_the_six_centres_sit_in_the_cities_the_source_lists(data):
    cities = {}
    for centre in data.subjects(RDF.type, PM.CentreOfExcellence):
        city = data.value(centre, PM.location)
        cities[label(data, city)] = centre
        assert (centre, PM.memberOf, URIRef(ID_BASE + "org/pm-coe-network")) in data
    assert set(cities) == {"Belfast", "Cardiff", "Glasgow", "Leeds", "Manchester", "Oxford"}


def test_the_challenge_fund_amount_is_a_typed_decimal_in_pounds(data):
    amounts = [
        a for a in data.subjects(PM.currency, Literal("GBP"))
        if data.value(a, PM.value) == Literal(Decimal("210000000"))
    ]
    assert len(amounts) == 1
    assert data.value(amounts[0], PM.value).datatype == URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal")
