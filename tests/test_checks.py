"""The check queries (queries/checks/*-violation.rq): silent on the project's data, and each
one finds the mistake it is written for in a small broken graph."""

from __future__ import annotations

import pytest

from pmgraph.graph.load import load_graph
from pmgraph.paths import checks_dir
from pmgraph.query.library import read_query, run_query
from pmgraph.validation.validate import validate

ID = "https://w3id.org/pmgraph/id/"
CHECKS = sorted(checks_dir().glob("*-violation.rq"))

PREFIXES = """
@prefix pm:      <https://w3id.org/pmgraph/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix ctr:     <https://w3id.org/pmgraph/id/centre/> .
@prefix orgn:    <https://w3id.org/pmgraph/id/org/> .
@prefix fac:     <https://w3id.org/pmgraph/id/facility/> .
@prefix prog:    <https://w3id.org/pmgraph/id/programme/> .
@prefix src:     <https://w3id.org/pmgraph/id/source/> .
@prefix place:   <https://w3id.org/pmgraph/id/place/> .
@prefix qty:     <https://w3id.org/pmgraph/id/quantity/> .
@prefix qk:      <https://w3id.org/pmgraph/id/quantity-kind/> .
"""

# A small graph that breaks none of the checks: every broken fixture below adds to it.
CLEAN = """
src:doc a pm:SourceDocument ; rdfs:label "A source"@en ; pm:source src:doc .
place:wales a pm:Nation ; rdfs:label "Wales"@en ; pm:isoCode "GB-WLS" ;
    pm:source src:doc ; pm:evidence "Wales" .
place:cardiff a pm:City ; rdfs:label "Cardiff"@en ; pm:nation place:wales ;
    pm:containedIn place:wales ; pm:source src:doc ; pm:evidence "Cardiff" .
ctr:cardiff a pm:CentreOfExcellence ; rdfs:label "Cardiff centre"@en ;
    pm:location place:cardiff ; pm:hasAsset fac:scanner ; pm:source src:doc ;
    pm:evidence "The Cardiff Centre" .
fac:scanner a pm:ImagingFacility ; rdfs:label "Scanner"@en ; pm:source src:doc ;
    pm:evidence "MRI" .
orgn:new a pm:GovernmentBody ; rdfs:label "New body"@en ; pm:precededBy orgn:old ;
    pm:ror <https://ror.org/03kk7td41> ; pm:source src:doc ; pm:evidence "new" .
orgn:old a pm:GovernmentBody ; rdfs:label "Old body"@en ; pm:succeededBy orgn:new ;
    pm:source src:doc ; pm:evidence "old" .
prog:fund a pm:FundingProgramme ; rdfs:label "A fund"@en ; pm:fundingAmount qty:money ;
    pm:source src:doc ; pm:evidence "fund" .
qty:money a pm:MonetaryAmount ; rdfs:label "Money"@en ; pm:value "5"^^xsd:decimal ;
    pm:currency "GBP" ; pm:quantityKind qk:investment ; pm:source src:doc ;
    pm:evidence "£5" .
qk:investment a <http://www.w3.org/2004/02/skos/core#Concept> ; rdfs:label "Investment"@en ;
    pm:source src:doc ; pm:evidence "invested" .
"""

# check file stem -> (Turtle added to CLEAN, the focus IRIs the check must report)
BROKEN = {
    "01-entity-without-evidence-violation": (
        'orgn:quiet a pm:Charity ; rdfs:label "Quiet"@en ; pm:source src:doc .',
        {ID + "org/quiet"},
    ),
    "02-centre-without-nation-violation": (
        """ctr:lost a pm:CentreOfExcellence ; rdfs:label "Lost"@en ; pm:location place:nowhere ;
               pm:source src:doc ; pm:evidence "lost" .
           place:nowhere a pm:City ; rdfs:label "Nowhere"@en ; pm:source src:doc ;
               pm:evidence "nowhere" .
           ctr:homeless a pm:CentreOfExcellence ; rdfs:label "Homeless"@en ;
               pm:source src:doc ; pm:evidence "homeless" .""",
        {ID + "centre/lost", ID + "centre/homeless"},
    ),
    "03-amount-without-currency-violation": (
        """qty:pounds a pm:MonetaryAmount ; rdfs:label "Pounds"@en ; pm:value "1"^^xsd:decimal ;
               pm:quantityKind qk:investment ; pm:source src:doc ; pm:evidence "£1" .
           prog:other a pm:FundingProgramme ; rdfs:label "Other"@en ;
               pm:fundingAmount qty:plain ; pm:source src:doc ; pm:evidence "other" .
           qty:plain a pm:Quantity ; rdfs:label "Plain"@en ; pm:value "2"^^xsd:decimal ;
               pm:quantityKind qk:investment ; pm:source src:doc ; pm:evidence "2" .""",
        {ID + "quantity/pounds", ID + "quantity/plain"},
    ),
    "04-undefined-link-target-violation": (
        "ctr:cardiff pm:hostedBy orgn:cardiff-univeristy .",
        {ID + "centre/cardiff"},
    ),
    "05-undefined-ontology-term-violation": (
        """ctr:cardiff pm:hostedby orgn:new .
           fac:other a pm:ImagingFacilty ; rdfs:label "Other"@en ; pm:source src:doc ;
               pm:evidence "other" .""",
        {ID + "centre/cardiff", ID + "facility/other"},
    ),
    "06-asset-of-non-centre-violation": (
        """orgn:new pm:hasAsset fac:scanner .
           fac:scanner pm:assetOf orgn:old .""",
        {ID + "org/new", ID + "org/old"},
    ),
    "07-duplicate-label-violation": (
        'fac:scanner-again a pm:ImagingFacility ; rdfs:label "SCANNER"@en ; '
        'pm:source src:doc ; pm:evidence "MRI" .',
        {ID + "facility/scanner", ID + "facility/scanner-again"},
    ),
    "08-succession-contradiction-violation": (
        """orgn:new pm:succeededBy orgn:old .
           prog:a a pm:Programme ; rdfs:label "A"@en ; pm:precededBy prog:b ;
               pm:source src:doc ; pm:evidence "a" .
           prog:b a pm:Programme ; rdfs:label "B"@en ; pm:precededBy prog:a ;
               pm:source src:doc ; pm:evidence "b" .""",
        {ID + "org/new", ID + "org/old", ID + "programme/a", ID + "programme/b"},
    ),
    "09-self-link-violation": (
        "orgn:new pm:partnerOf orgn:new .",
        {ID + "org/new"},
    ),
    "10-nation-mismatch-violation": (
        """place:england a pm:Nation ; rdfs:label "England"@en ; pm:isoCode "GB-ENG" ;
               pm:source src:doc ; pm:evidence "England" .
           place:cardiff pm:containedIn place:england .""",
        {ID + "place/cardiff"},
    ),
    "11-shared-identifier-violation": (
        "orgn:old pm:ror <https://ror.org/03kk7td41> .",
        {ID + "org/new", ID + "org/old"},
    ),
}


def graph_of(tmp_path, turtle: str):
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES + CLEAN + turtle, encoding="utf-8")
    return load_graph(path)


def focuses(check, graph) -> set[str]:
    return {str(row["focus"]) for row in run_query(check, graph).rows_as_dicts()}


@pytest.fixture(scope="module")
def project_graph():
    return load_graph()


def test_every_check_has_a_broken_example():
    assert {path.stem for path in CHECKS} == set(BROKEN)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_selects_focus_and_message(check):
    info, text = read_query(check)
    assert info.title and info.description
    select = text.split("SELECT", 1)[1].split("WHERE", 1)[0]
    assert "?focus" in select and "?message" in select


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_finds_nothing_in_the_project_data(project_graph, check):
    found = run_query(check, project_graph).to_records()
    assert found == [], f"{check.name} reports: {found[:5]}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_finds_nothing_in_the_clean_example(tmp_path, check):
    assert focuses(check, graph_of(tmp_path, "")) == set()


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_finds_its_broken_example(tmp_path, check):
    turtle, expected = BROKEN[check.stem]
    result = run_query(check, graph_of(tmp_path, turtle))
    assert {str(row["focus"]) for row in result.rows_as_dicts()} == expected
    for record in result.to_records():
        assert record["message"] and len(record["message"]) > 20


def test_checks_name_the_wrong_term(tmp_path):
    graph = graph_of(tmp_path, BROKEN["05-undefined-ontology-term-violation"][0])
    messages = {r["message"] for r in run_query(CHECKS[4], graph).to_records()}
    assert any("pm:hostedby" in m for m in messages)
    assert any("pm:ImagingFacilty" in m for m in messages)
    graph = graph_of(tmp_path, BROKEN["04-undefined-link-target-violation"][0])
    (record,) = run_query(CHECKS[3], graph).to_records()
    assert record["value"] == ID + "org/cardiff-univeristy"


def test_validate_reports_check_rows_as_violations(tmp_path):
    graph = graph_of(tmp_path, BROKEN["09-self-link-violation"][0])
    report = validate(graph)
    found = [f for f in report.findings if f.constraint == "check:09-self-link-violation"]
    assert [f.focus for f in found] == [ID + "org/new"]
    assert not report.conforms
