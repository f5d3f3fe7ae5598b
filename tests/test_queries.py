"""The query library (queries/*.rq) on the project's real data.

Expected rows are written down from reading data/*.ttl and the source text, then compared
with what each query returns, as sets.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import pytest
from rdflib import URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.sparql import prepareQuery

from pmgraph.errors import ParameterError
from pmgraph.graph.load import load_graph
from pmgraph.graph.text import source_text
from pmgraph.paths import queries_dir, sources_dir
from pmgraph.query.library import list_queries, run_query

ID = "https://w3id.org/pmgraph/id/"
PM = "https://w3id.org/pmgraph/ontology#"


def iri(short: str) -> str:
    """``"centre/cardiff"`` -> ``"https://w3id.org/pmgraph/id/centre/cardiff"``."""
    return ID + short


def short(value: str | None) -> str | None:
    return value[len(ID) :] if value and value.startswith(ID) else value


@pytest.fixture(scope="session")
def graph():
    return load_graph()


def records(graph, name, **params):
    return run_query(name, graph, params=params).to_records()


def rows(graph, name, columns, **params):
    """The set of ``columns`` of every row, IRIs shortened to ``kind/slug``."""
    return {tuple(short(record[c]) for c in columns) for record in records(graph, name, **params)}


# --- What the data says about the centres' capability themes -----------------------------
# A centre covers a theme when it carries pm:theme or lists an asset that does (read from
# the pm:theme lines of ctr:<city> and of the assets in data/<city>.ttl).
COVERAGE = {
    "theme/genomics": {"centre/belfast", "centre/cardiff", "centre/glasgow", "centre/oxford"},
    "theme/digital-pathology": {"centre/belfast", "centre/cardiff", "centre/glasgow"},
    "theme/clinical-research": {"centre/belfast", "centre/glasgow"},
    "theme/imaging": {"centre/cardiff", "centre/glasgow", "centre/oxford"},
    "theme/integrated-diagnostics": {"centre/cardiff"},
    "theme/data-ai": {"centre/cardiff", "centre/glasgow", "centre/manchester", "centre/oxford"},
    "theme/interventions": {"centre/cardiff"},
    "theme/research-base": {"centre/cardiff"},
    "theme/collaboration": {"centre/cardiff", "centre/leeds", "centre/manchester"},
    "theme/policy-alignment": {"centre/cardiff"},
    "theme/prevention": {"centre/leeds", "centre/manchester"},
    "theme/digital-health": {"centre/manchester", "centre/oxford"},
}
NATION = {
    "centre/belfast": "place/northern-ireland",
    "centre/cardiff": "place/wales",
    "centre/glasgow": "place/scotland",
    "centre/leeds": "place/england",
    "centre/manchester": "place/england",
    "centre/oxford": "place/england",
}

# A value for each required parameter, so that every query can run.
EXAMPLE_PARAMS = {
    "entity-evidence": {"entity": iri("centre/glasgow")},
    "link-evidence": {
        "entity": iri("org/university-of-glasgow"),
        "other": iri("org/nhs-greater-glasgow-and-clyde"),
    },
    "neighbourhood": {"entity": iri("org/innovate-uk")},
    "shortest-chain": {"from": iri("person/alison-cave"), "to": iri("centre/cardiff")},
    "find-entity": {"text": "glasgow"},
    "similar-centres": {"centre": iri("centre/leeds")},
}

QUERIES = list_queries()
QUERY_IDS = [q.name for q in QUERIES]


# --- The library as a whole ---------------------------------------------------------------


def test_library_has_at_least_twenty_numbered_queries():
    files = sorted(queries_dir().glob("*.rq"))
    assert len(files) >= 20
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+\.rq", f.name) for f in files), files
    assert len({q.name for q in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("info", QUERIES, ids=QUERY_IDS)
def test_header_is_complete(info):
    assert info.title and info.title != info.name
    assert len(info.description) > 40
    assert info.view in ("table", "network", "map")
    text = info.path.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    for param in info.params:
        assert re.search(rf"\?{param.name}\b", body), f"?{param.name} is not used"
        assert param.description
    assert "ORDER BY" in body


@pytest.mark.parametrize("info", QUERIES, ids=QUERY_IDS)
def test_query_parses_with_rdflib_too(info):
    prepareQuery(info.path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("info", QUERIES, ids=QUERY_IDS)
def test_query_runs_and_puts_a_label_next_to_every_iri(graph, info):
    result = run_query(info.name, graph, params=EXAMPLE_PARAMS.get(info.name))
    assert result.rows, f"{info.name} returned no rows on the project's data"
    for record in result.rows_as_dicts():
        for column, value in record.items():
            if isinstance(value, URIRef):
                assert f"{column}Label" in result.vars, f"{info.name}: ?{column} has no label"


@pytest.mark.parametrize("info", [q for q in QUERIES if q.params], ids=lambda q: q.name)
def test_bad_parameters_are_rejected(graph, info):
    with pytest.raises(ParameterError):
        run_query(info.name, graph, params={**EXAMPLE_PARAMS.get(info.name, {}), "nope": "x"})
    for param in info.params:
        if param.kind == "iri":
            given = {**EXAMPLE_PARAMS.get(info.name, {}), param.name: "not an iri"}
            with pytest.raises(ParameterError, match=param.name):
                run_query(info.name, graph, params=given)
        if param.required:
            given = {k: v for k, v in EXAMPLE_PARAMS[info.name].items() if k != param.name}
            with pytest.raises(ParameterError, match=param.name):
                run_query(info.name, graph, params=given)


def test_params_are_bound_as_terms_not_pasted(graph):
    # A value that would break out of a pasted string literal is just text to match.
    assert records(graph, "find-entity", text='x")) } SELECT * WHERE { ?s ?p ?o } #') == []


# --- Centres and their assets -----------------------------------------------------------


def test_centres(graph):
    got = rows(graph, "centres", ("centre", "host", "city", "nation"))
    assert got == {
        (
            "centre/belfast",
            "org/queens-university-belfast",
            "place/belfast",
            NATION["centre/belfast"],
        ),
        ("centre/cardiff", None, "place/cardiff", "place/wales"),
        ("centre/glasgow", None, "place/glasgow", "place/scotland"),
        ("centre/leeds", None, "place/leeds", "place/england"),
        # The source says Manchester's capabilities "coalesce through Health Innovation
        # Manchester", not that it hosts the centre.
        ("centre/manchester", None, "place/manchester", "place/england"),
        ("centre/oxford", None, "place/oxford", "place/england"),
    }


def test_centres_are_ordered_by_nation_then_name(graph):
    got = [(r["nationLabel"], r["centreLabel"]) for r in records(graph, "centres")]
    assert got == sorted(got)


def test_centres_of_one_nation(graph):
    got = rows(graph, "centres", ("centre",), nation=iri("place/england"))
    assert got == {("centre/leeds",), ("centre/manchester",), ("centre/oxford",)}
    assert rows(graph, "centres", ("centre",), nation="place:wales") == {("centre/cardiff",)}


def test_centre_coordinates_come_from_places_csv(graph):
    with open(sources_dir() / "reference" / "places.csv", encoding="utf-8") as handle:
        table = {row["name"]: row for row in csv.DictReader(handle)}
    for record in records(graph, "centres"):
        place = table[record["cityLabel"]]
        assert Decimal(record["lat"]) == Decimal(place["latitude"])
        assert Decimal(record["long"]) == Decimal(place["longitude"])


def test_assets_of_oxford_by_theme(graph):
    got = rows(graph, "centre-assets", ("asset", "theme"), centre=iri("centre/oxford"))
    assert got == {
        # Oxford AHSN, the University and UK Biobank are not called Oxford's assets by the
        # source; the imaging programmes analyse UK Biobank's MRI data (pm:usesDataFrom).
        ("org/wellcome-trust-centre-for-human-genetics", "theme/genomics"),
        ("org/big-data-institute", "theme/data-ai"),
        ("programme/oxford-epidemiology-cohorts-and-patient-records", None),
        ("programme/oxford-7t-fmri", "theme/imaging"),
        ("programme/oxford-cardiac-mri", "theme/imaging"),
    }


def test_assets_of_cardiff(graph):
    got = rows(graph, "centre-assets", ("asset", "theme"), centre=iri("centre/cardiff"))
    # The source's eight lists hold 49 entries; the NHS Wales Informatics Service is in two,
    # and the four Welsh Government policy documents are linked by pm:alignsWith instead.
    assert len({asset for asset, _ in got}) == 44
    # "Interventions: Advanced Therapy Treatment Centre; Clinical Research Facility;
    # Medicines Discovery Institute; Velindre Cancer Centre; Welsh Wound Innovation Centre"
    assert {a for a, t in got if t == "theme/interventions"} == {
        "facility/advanced-therapy-treatment-centre",
        "facility/cardiff-clinical-research-facility",
        "org/medicines-discovery-institute",
        "facility/velindre-cancer-centre",
        "org/welsh-wound-innovation-centre",
    }
    assert ("org/nhs-wales-informatics-service", "theme/integrated-diagnostics") in got
    assert ("org/nhs-wales-informatics-service", "theme/data-ai") in got
    every = rows(graph, "centre-assets", ("centre",))
    # Manchester's profile names no asset: the Person-centred Health Service is an aim.
    # Glasgow's lists none: the partnership developed the QEUH, and the workshop presents STAR.
    assert every == {(c,) for c in NATION if c not in ("centre/manchester", "centre/glasgow")}


def test_assets_by_kind(graph):
    got = rows(graph, "assets-by-kind", ("kind", "assets"), centre=iri("centre/glasgow"))
    # Glasgow's profile lists no assets: the university and the health board, the QEUH (which
    # their partnership developed) and STAR (which the workshop presents) are not the
    # centre's, and the Living Laboratory is a planned vision (pm:status pm:Planned).
    assert got == set()
    oxford = rows(graph, "assets-by-kind", ("kind", "assets"), centre=iri("centre/oxford"))
    # three programmes (7T FMRI, cardiac MRI, the cohorts and records) and two institutes
    assert oxford == {(PM + "Programme", "3"), (PM + "Institute", "2")}
    cardiff = rows(graph, "assets-by-kind", ("kind", "assets"), centre=iri("centre/cardiff"))
    assert (PM + "ImagingFacility", "7") in cardiff
    assert sum(int(n) for _, n in cardiff) == 44


# --- Capability themes: sharing, gaps, coverage ----------------------------------------


def test_shared_themes(graph):
    got = rows(graph, "shared-themes", ("theme", "centre", "centreCount"))
    assert got == {
        (theme, centre, str(len(centres)))
        for theme, centres in COVERAGE.items()
        if len(centres) > 1
        for centre in centres
    }


def test_shared_themes_of_one_theme(graph):
    got = rows(graph, "shared-themes", ("centre",), theme=iri("theme/imaging"))
    assert got == {(c,) for c in COVERAGE["theme/imaging"]}
    assert rows(graph, "shared-themes", ("centre",), theme=iri("theme/research-base")) == set()


def test_single_centre_themes(graph):
    expected = {
        (theme, next(iter(centres)), NATION[next(iter(centres))])
        for theme, centres in COVERAGE.items()
        if len(centres) == 1
    }
    assert rows(graph, "single-centre-themes", ("theme", "centre", "nation")) == expected
    assert rows(graph, "single-centre-themes", ("theme",), nation=iri("place/wales")) == {
        (t,) for t, _, _ in expected
    }
    assert rows(graph, "single-centre-themes", ("theme",), nation=iri("place/england")) == set()


def test_theme_gaps_by_nation(graph):
    expected = set()
    for nation in set(NATION.values()):
        for theme, centres in COVERAGE.items():
            if not any(NATION[c] == nation for c in centres):
                expected |= {(nation, theme, c) for c in centres}
    assert rows(graph, "nation-theme-gaps", ("nation", "theme", "centre")) == expected
    wales = rows(graph, "nation-theme-gaps", ("theme", "centre"), nation=iri("place/wales"))
    assert wales == {
        ("theme/clinical-research", "centre/belfast"),
        ("theme/clinical-research", "centre/glasgow"),
        ("theme/digital-health", "centre/manchester"),
        ("theme/digital-health", "centre/oxford"),
        ("theme/prevention", "centre/leeds"),
        ("theme/prevention", "centre/manchester"),
    }


def test_theme_coverage(graph):
    got = rows(graph, "theme-coverage", ("theme", "centreCount"))
    assert got == {(theme, str(len(centres))) for theme, centres in COVERAGE.items()}
    assets = {r["theme"]: int(r["assetCount"]) for r in records(graph, "theme-coverage")}
    # Cardiff's nine imaging entries and Oxford's 7T FMRI and cardiac MRI programmes.
    assert assets[iri("theme/imaging")] == 11
    assert assets[iri("theme/clinical-research")] == 0


def test_centre_pairs(graph):
    centres = sorted(NATION)
    expected = set()
    for i, one in enumerate(centres):
        for other in centres[i + 1 :]:
            shared = {t for t, cs in COVERAGE.items() if one in cs and other in cs}
            if shared:
                expected.add((one, other, len(shared), frozenset(shared)))
    labels = {r["theme"]: r["themeLabel"] for r in records(graph, "theme-coverage")}
    got = {
        (
            short(r["centre"]),
            short(r["other"]),
            int(r["sharedThemes"]),
            frozenset(short(t) for t, label in labels.items() if label in r["themes"].split("; ")),
        )
        for r in records(graph, "centre-pairs")
    }
    assert got == expected


# --- Imaging, funding, policy --------------------------------------------------------------


def test_imaging(graph):
    got = {
        (short(r["asset"]), r["modality"], r["fieldStrength"] and Decimal(r["fieldStrength"]))
        for r in records(graph, "imaging")
    }
    assert got == {
        ("facility/cardiff-3t-mri", "MRI", Decimal(3)),
        ("facility/cardiff-7t-mri", "MRI", Decimal(7)),
        ("facility/national-microstructure-imaging-facility", "other imaging", None),
        ("facility/cardiff-preclinical-pet-scanners", "PET", None),
        ("facility/cardiff-clinical-pet-scanners", "PET", None),
        ("facility/cardiff-cyclotron-gmp-tracer-production", "PET", None),
        ("org/national-imaging-academy", "radiology", None),
        ("programme/all-wales-digital-pathology-roll-out", "digital pathology", None),
        ("facility/cardiff-ultrasound-simulation-ai", "ultrasound", None),
        ("programme/oxford-7t-fmri", "MRI", Decimal(7)),
        ("programme/oxford-cardiac-mri", "MRI", None),
    }
    oxford = rows(graph, "imaging", ("asset", "place"), centre=iri("centre/oxford"))
    assert oxford == {
        ("programme/oxford-7t-fmri", "place/oxford"),
        ("programme/oxford-cardiac-mri", "place/oxford"),
    }


def test_funding_chain(graph):
    got = rows(
        graph, "funding-chain", ("funder", "programme", "value", "currency", "serves", "servesHow")
    )
    assert got == {
        (
            None,
            "programme/cardiff-city-region-deal",
            None,
            None,
            "centre/cardiff",
            "lists it as an asset",
        ),
        (
            None,
            "programme/iscf",
            None,
            None,
            "programme/data-to-early-diagnosis-challenge",
            "funded by it",
        ),
        (
            "programme/iscf",
            "programme/data-to-early-diagnosis-challenge",
            "210000000",
            "GBP",
            None,
            None,
        ),
        (
            "org/technology-strategy-board",
            "org/stratified-medicine-innovation-platform-programme-coordination-group",
            None,
            None,
            None,
            None,
        ),
        # "the Technology Strategy Board, and a consortium of Governmental bodies and
        # charities funded the Stratified Medicine Innovation Platform Programme Coordination
        # Group"
        (
            "org/smip-co-funding-consortium",
            "org/stratified-medicine-innovation-platform-programme-coordination-group",
            None,
            None,
            None,
            None,
        ),
        (
            "org/ukri",
            "programme/ukri-strength-in-places-fund",
            None,
            None,
            "centre/cardiff",
            "lists it as an asset",
        ),
    }
    one = rows(
        graph,
        "funding-chain",
        ("funder", "value"),
        programme=iri("programme/data-to-early-diagnosis-challenge"),
    )
    assert one == {("programme/iscf", "210000000")}


def test_policy_alignment(graph):
    got = rows(graph, "policy-alignment", ("entity", "via", "policy", "publisher"))
    assert got == {
        (
            "centre/cardiff",
            None,
            "document/genomics-for-precision-medicine-strategy",
            None,  # the heading "Welsh Government (WG) Policy alignment ..." names no publisher
        ),
        (
            "centre/cardiff",
            None,
            "document/wg-written-statement-on-precision-medicine",
            "org/welsh-government",
        ),
        (
            "centre/cardiff",
            None,
            "document/wg-statement-of-intent-for-pathology",
            "org/welsh-government",
        ),
        (
            "centre/cardiff",
            None,
            "document/wg-statement-of-intent-for-imaging",
            "org/welsh-government",
        ),
        # "the recent Welsh Government Written Statement on Precision Medicine that aligns
        # with the UK Government's Industrial Strategy"
        (
            "document/wg-written-statement-on-precision-medicine",
            None,
            "document/uk-industrial-strategy",
            "org/uk-government",
        ),
        (
            "centre/cardiff",
            "document/wg-written-statement-on-precision-medicine",
            "document/uk-industrial-strategy",
            "org/uk-government",
        ),
    }
    national = rows(
        graph, "policy-alignment", ("entity",), policy=iri("document/uk-industrial-strategy")
    )
    assert national == {
        ("centre/cardiff",),
        ("document/wg-written-statement-on-precision-medicine",),
    }


def test_documents(graph):
    got = rows(graph, "documents", ("document", "kindLabel", "publisher"))
    assert (
        "source/iuk-precision-medicine-2019",
        "Source document",
        "org/knowledge-transfer-network",
    ) in got
    assert ("document/technology-roadmap", "Report", None) in got
    assert {d for d, _, _ in got} == {
        "document/technology-roadmap",
        "document/uk-industrial-strategy",
        "document/genomics-for-precision-medicine-strategy",
        "document/wg-written-statement-on-precision-medicine",
        "document/wg-statement-of-intent-for-pathology",
        "document/wg-statement-of-intent-for-imaging",
        "document/precision-medicine-innovation-in-scotland",
        "document/thes-2019-global-rankings",
        "source/iuk-precision-medicine-2019",
    }


# --- Organisations, people, events ----------------------------------------------------


def test_organisation_history(graph):
    # "the precursor to Innovate UK, the Technology Strategy Board"
    assert rows(graph, "organisation-history", ("organisation", "relation", "other")) == {
        ("org/innovate-uk", "preceded by", "org/technology-strategy-board"),
        ("org/technology-strategy-board", "succeeded by", "org/innovate-uk"),
    }
    tsb = rows(
        graph,
        "organisation-history",
        ("relation", "other"),
        organisation=iri("org/technology-strategy-board"),
    )
    assert tsb == {("succeeded by", "org/innovate-uk")}


def test_partnerships(graph):
    glasgow = rows(
        graph,
        "partnerships",
        ("relation", "partner"),
        organisation=iri("org/university-of-glasgow"),
    )
    assert glasgow == {
        ("partner of", "org/nhs-greater-glasgow-and-clyde"),
        ("member of", "org/university-of-glasgow-nhs-ggc-partnership"),
    }
    leeds = rows(graph, "partnerships", ("relation", "partner"), organisation=iri("centre/leeds"))
    assert leeds == {
        ("established by", "org/leeds-academic-health-partnership"),
        ("member of", "org/pm-coe-network"),
    }
    network = rows(
        graph, "partnerships", ("relation", "partner"), organisation=iri("org/pm-coe-network")
    )
    assert network == {("has member", c) for c in NATION}


def test_people_and_roles(graph):
    got = rows(graph, "people-roles", ("person", "role", "organisation", "event", "part"))
    assert got == {
        (
            "person/alison-cave",
            "role/iscf-director-accelerating-detection-of-disease",
            "org/innovate-uk",
            "event/connecting-industries-2020",
            "keynote speaker",
        ),
    }
    # A person the graph does not hold is a misspelling, not an empty answer.
    with pytest.raises(ParameterError, match=r"no entity per:nobody in the graph"):
        rows(graph, "people-roles", ("person",), person=iri("person/nobody"))


def test_events(graph):
    got = rows(graph, "events", ("event", "organiser"))
    session = "event/connecting-industries-2020-"
    assert got == {
        ("event/connecting-industries-2020", "org/innovate-uk"),
        ("event/connecting-industries-2020", "org/knowledge-transfer-network"),
        ("event/connecting-industries-2020", "org/pm-coe-network"),
        (session + "belfast", "centre/belfast"),
        (session + "cardiff", "centre/cardiff"),
        (session + "glasgow", "centre/glasgow"),
        (session + "glasgow", "org/university-of-glasgow"),
        (session + "leeds", "centre/leeds"),
        (session + "manchester", "centre/manchester"),
        (session + "manchester", "org/health-innovation-manchester"),
        (session + "oxford", "centre/oxford"),
    }
    # "On the 30th of January 2020 ... an event at Stamford Bridge in London"
    assert rows(graph, "events", ("date", "place", "cityLabel")) == {
        ("2020-01-30", "place/stamford-bridge", "London")
    }


# --- Evidence, identifiers, neighbourhood, chains -------------------------------------


def test_entity_evidence(graph):
    got = rows(
        graph, "entity-evidence", ("source", "quote"), entity=iri("org/university-of-glasgow")
    )
    assert ("source/ror-ids", None) in got
    quotes = {q for s, q in got if s == "source/iuk-precision-medicine-2019"}
    assert quotes and all("University of Glasgow" in q for q in quotes)
    cave = rows(graph, "entity-evidence", ("source", "quote"), entity=iri("person/alison-cave"))
    assert cave == {
        (
            "source/iuk-precision-medicine-2019",
            "Alison Cave (ISCF Director: Accelerating Detection of Disease at Innovate UK) "
            "will be providing the keynote speech.",
        )
    }


def test_link_evidence(graph):
    got = records(graph, "link-evidence", **EXAMPLE_PARAMS["link-evidence"])
    # One statement between the two, the partnership, with its own quote only.
    assert {(r["linkLabel"], r["direction"]) for r in got} == {("partner of", "entity -> other")}
    (row,) = got
    assert short(row["statement"]) == (
        "https://w3id.org/pmgraph/statement/"
        "org-university-of-glasgow--partnerOf--org-nhs-greater-glasgow-and-clyde"
    )
    assert "long-term strategic partnership with NHS Greater Glasgow and Clyde" in row["quote"]
    assert short(row["source"]) == "source/iuk-precision-medicine-2019"
    # The quote sits in the repaired source between its prefix and suffix.
    text = source_text(sources_dir() / "000_0787654218a80374.txt")
    assert row["prefix"] + row["quote"] + row["suffix"] in text
    # Only the statement's own quote, not every quote of either end.
    leeds = records(graph, "link-evidence", entity=iri("centre/leeds"),
                    other=iri("org/leeds-academic-health-partnership"))
    assert [r["quote"] for r in leeds] == [
        "The Leeds Centre for Personalised Medicine and Health (LCPMH), established in 2016 by "
        "the Leeds Academic Health Partnership"
    ]
    assert (
        records(
            graph,
            "link-evidence",
            entity=iri("org/university-of-glasgow"),
            other=iri("centre/leeds"),
        )
        == []
    )


def test_external_identifiers(graph):
    got = rows(graph, "external-identifiers", ("entity", "scheme", "identifier", "dataset"))
    with open(sources_dir() / "reference" / "ror-ids.csv", encoding="utf-8") as handle:
        ror = {row["name"].replace("'", "’"): row for row in csv.DictReader(handle)}
    universities = {
        "org/queens-university-belfast": "Queen’s University Belfast",
        "org/cardiff-university": "Cardiff University",
        "org/university-of-glasgow": "University of Glasgow",
        "org/university-of-oxford": "University of Oxford",
    }
    expected = set()
    for org, name in universities.items():
        expected |= {
            (org, PM + "ror", ror[name]["ror"], "source/ror-ids"),
            (org, PM + "gridId", ror[name]["grid"], "source/ror-ids"),
            (org, PM + "ringgoldId", ror[name]["ringgold"], "source/ror-ids"),
        }
    for nation, code in [
        ("england", "GB-ENG"),
        ("scotland", "GB-SCT"),
        ("wales", "GB-WLS"),
        ("northern-ireland", "GB-NIR"),
    ]:
        expected.add((f"place/{nation}", PM + "isoCode", code, "source/places"))
    assert got == expected


def test_neighbourhood(graph):
    got = rows(
        graph, "neighbourhood", ("direction", "link", "neighbour"), entity=iri("org/innovate-uk")
    )
    assert got == {
        ("out", PM + "precededBy", "org/technology-strategy-board"),
        ("in", PM + "succeededBy", "org/technology-strategy-board"),
        ("in", PM + "organiser", "event/connecting-industries-2020"),
        ("in", PM + "roleIn", "role/iscf-director-accelerating-detection-of-disease"),
        # "It has historically liaised with six Centres of Excellence in Precision Medicine"
        *{("out", PM + "liaisedWith", c) for c in NATION},
    }
    cave = rows(
        graph, "neighbourhood", ("direction", "neighbour"), entity=iri("person/alison-cave")
    )
    assert cave == {
        ("in", "event/connecting-industries-2020"),
        ("in", "role/iscf-director-accelerating-detection-of-disease"),
    }


def test_shortest_chain_of_one_link(graph):
    ends = {
        "from": iri("org/university-of-glasgow"),
        "to": iri("org/nhs-greater-glasgow-and-clyde"),
    }
    got = rows(graph, "shortest-chain", ("length", "chain"), **ends)
    assert got == {("1", "University of Glasgow -[partner of]-> NHS Greater Glasgow and Clyde")}


def test_shortest_chain_of_two_links_between_centres(graph):
    got = rows(
        graph,
        "shortest-chain",
        ("length", "via1"),
        **{"from": iri("centre/belfast"), "to": iri("centre/cardiff")},
    )
    # Both tagged genomics and digital pathology; both members of the network; Innovate UK
    # liaised with both.
    assert got == {
        ("2", "theme/genomics"),
        ("2", "theme/digital-pathology"),
        ("2", "org/pm-coe-network"),
        ("2", "org/innovate-uk"),
    }


def test_shortest_chain_of_three_links(graph):
    got = rows(
        graph,
        "shortest-chain",
        ("length", "via1", "via2", "chain"),
        **EXAMPLE_PARAMS["shortest-chain"],
    )
    assert got == {
        (
            "3",
            "event/connecting-industries-2020",
            "org/pm-coe-network",
            "Alison Cave <-[keynote speaker]- "
            "Precision Medicine: Connecting Industries to UK Excellence -[organiser]-> "
            "Precision Medicines Centres of Excellence Network <-[member of]- "
            "Cardiff Centre of Excellence for Precision Medicine",
        ),
        (
            "3",
            "event/connecting-industries-2020",
            "event/connecting-industries-2020-cardiff",
            "Alison Cave <-[keynote speaker]- "
            "Precision Medicine: Connecting Industries to UK Excellence <-[sub-event of]- "
            "Cardiff Centre of Excellence session at Connecting Industries to UK Excellence "
            "-[organiser]-> Cardiff Centre of Excellence for Precision Medicine",
        ),
        (
            "3",
            "event/connecting-industries-2020",
            "org/innovate-uk",
            "Alison Cave <-[keynote speaker]- "
            "Precision Medicine: Connecting Industries to UK Excellence -[organiser]-> "
            "Innovate UK -[liaised with]-> Cardiff Centre of Excellence for Precision Medicine",
        ),
        (
            "3",
            "role/iscf-director-accelerating-detection-of-disease",
            "org/innovate-uk",
            "Alison Cave <-[held by]- ISCF Director: Accelerating Detection of Disease "
            "-[role in]-> Innovate UK -[liaised with]-> "
            "Cardiff Centre of Excellence for Precision Medicine",
        ),
    }


def test_shortest_chain_longer_than_three_links_is_not_found(graph):
    # The nearest chain is four links long: the consortium, the coordination group it
    # co-funded with the Technology Strategy Board, the Board, Innovate UK, Belfast.
    got = records(
        graph,
        "shortest-chain",
        **{"from": iri("org/smip-co-funding-consortium"), "to": iri("centre/belfast")},
    )
    assert got == []


# --- Diseases, quantities, dashboard, places, search ---------------------------------


OXFORD_DISEASES = {
    "oncology",
    "dementia",
    "neuroscience",
    "mental-health",
    "inflammation",
    "immunology",
    "microbiology",
    "infection",
    "cardiac",
    "metabolic",
    "respiratory",
    "rare-disease",
}


def test_disease_areas(graph):
    got = rows(graph, "disease-areas", ("centre", "disease", "via"))
    expected = {("centre/oxford", f"disease/{d}", None) for d in OXFORD_DISEASES} | {
        ("centre/oxford", "disease/cardiac", "programme/oxford-cardiac-mri"),
        ("centre/cardiff", "disease/oncology", "org/cancer-imaging-and-data-analytics-group"),
        ("centre/cardiff", "disease/oncology", "facility/velindre-cancer-centre"),
        ("centre/cardiff", "disease/oncology", "org/wales-cancer-research-centre"),
        (
            "centre/cardiff",
            "disease/neuroscience",
            "org/neuroscience-and-mental-health-research-institute",
        ),
        (
            "centre/cardiff",
            "disease/mental-health",
            "org/neuroscience-and-mental-health-research-institute",
        ),
        ("centre/cardiff", "disease/immunology", "org/systems-immunity-research-institute"),
        ("centre/cardiff", "disease/dementia", "org/dementia-research-institute"),
        ("centre/leeds", "disease/oncology", "programme/arresting-cancer"),
        ("centre/leeds", "disease/frailty", "programme/preventing-frailty"),
    }
    assert got == expected
    frailty = rows(graph, "disease-areas", ("centre",), disease=iri("disease/frailty"))
    assert frailty == {("centre/leeds",)}


def test_quantities(graph):
    got = {
        (
            short(r["subject"]),
            short(r["kind"]),
            r["qualifier"],
            Decimal(r["value"]),
            r["unit"] or r["currency"],
        )
        for r in records(graph, "quantities")
    }
    assert got == {
        # the £210m twice: as the challenge's amount and as the amount of the investment
        (
            "investment/iscf-data-to-early-diagnosis",
            "quantity-kind/investment",
            None,
            Decimal(210000000),
            "GBP",
        ),
        (
            "org/nhs-greater-glasgow-and-clyde",
            "quantity-kind/hospital-sites",
            None,
            Decimal(8),
            "hospital sites",
        ),
        (
            "org/nhs-greater-glasgow-and-clyde",
            "quantity-kind/patients-served",
            "over",
            Decimal(1300000),
            "patients",
        ),
        ("org/university-of-glasgow", "quantity-kind/ranking", None, Decimal(51), None),
        ("facility/uk-biobank", "quantity-kind/cohort-size", None, Decimal(100000), "individuals"),
        ("facility/cardiff-3t-mri", "quantity-kind/field-strength", None, Decimal(3), "tesla"),
        ("facility/cardiff-7t-mri", "quantity-kind/field-strength", None, Decimal(7), "tesla"),
        ("programme/oxford-7t-fmri", "quantity-kind/field-strength", None, Decimal(7), "tesla"),
        (
            "programme/data-to-early-diagnosis-challenge",
            "quantity-kind/investment",
            None,
            Decimal(210000000),
            "GBP",
        ),
        (
            "facility/queen-elizabeth-university-hospital",
            "quantity-kind/value",
            None,
            Decimal(1000000000),
            "GBP",
        ),
    }
    patients = rows(graph, "quantities", ("subject",), kind=iri("quantity-kind/patients-served"))
    assert patients == {("org/nhs-greater-glasgow-and-clyde",)}


def test_dashboard(graph):
    counts = {
        short(r["class"]).replace(PM, ""): int(r["count"]) for r in records(graph, "dashboard")
    }
    assert counts["CentreOfExcellence"] == 6
    assert counts["Nation"] == 4
    assert counts["Session"] == 6
    assert counts["Event"] == 1
    assert counts["Person"] == 1
    assert counts["CentreNetwork"] == 1
    assert counts["CapabilityThemes"] == 12
    assert counts["DiseaseAreas"] == 13
    assert counts["QuantityKinds"] == 7
    got = [int(r["count"]) for r in records(graph, "dashboard")]
    assert got == sorted(got, reverse=True)


def test_places(graph):
    with open(sources_dir() / "reference" / "places.csv", encoding="utf-8") as handle:
        table = {row["name"]: row for row in csv.DictReader(handle)}
    got = {r["placeLabel"]: r for r in records(graph, "places")}
    for name, row in table.items():
        assert got[name]["nationLabel"] == row["nation"], name
        if row["latitude"]:
            assert Decimal(got[name]["lat"]) == Decimal(row["latitude"]), name
            assert Decimal(got[name]["long"]) == Decimal(row["longitude"]), name
    assert int(got["Stamford Bridge"]["entityCount"]) == 1  # the January 2020 event


def test_find_entity(graph):
    got = rows(graph, "find-entity", ("entity",), text="glasgow")
    # every resource whose label or abbreviation contains the text, read from the triples
    named = {
        (short(str(s)),) for s, p, o in graph
        if p in (RDFS.label, URIRef(PM + "abbreviation")) and str(s).startswith(ID)
        and "glasgow" in str(o).lower()
    }
    assert got == named
    assert {("place/glasgow",), ("centre/glasgow",), ("org/university-of-glasgow",),
            ("event/connecting-industries-2020-glasgow",)} <= got
    # An abbreviation is matched too: QEUH is the hospital's; the Living Laboratory's label has it.
    qeuh = rows(graph, "find-entity", ("entity", "matched"), text="qeuh")
    assert qeuh == {
        ("facility/queen-elizabeth-university-hospital", "QEUH"),
        ("programme/qeuh-living-laboratory", "QEUH Living Laboratory"),
    }
    labels = [r["entityLabel"] for r in records(graph, "find-entity", text="centre")]
    assert labels == sorted(labels)
