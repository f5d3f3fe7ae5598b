"""The queries written for large graphs answer what their descriptions say.

Each query's rows are compared with the same answer computed in plain Python from the graph's
triples, on the project's data and on a synthetic graph of 10,000 triples (many centres, assets
and events copied from the real ones, so joins meet many matches).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from pmgraph.graph.exact import as_written
from pmgraph.graph.load import load_graph, plain_literal
from pmgraph.graph.synth import write_synthetic
from pmgraph.query.library import run_query

PM = "https://w3id.org/pmgraph/ontology#"
ID = "https://w3id.org/pmgraph/id/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"


def pm(name: str) -> URIRef:
    return URIRef(PM + name)


@pytest.fixture(scope="module")
def real() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Graph:
    path = tmp_path_factory.mktemp("synth") / "synth-10k.ttl"
    write_synthetic(path, 10_000, 0)
    return load_graph(path)


@pytest.fixture(params=["real", "synthetic"])
def graph(request) -> Graph:
    return request.getfixturevalue(request.param)


# --- the answers in plain Python ----------------------------------------------------------


def objects(graph: Graph, subject, predicate) -> list:
    # as query results show them: the literals as written (the store holds "-5.930" as "-5.93")
    return sorted({plain_literal(as_written(graph, o)) for o in graph.objects(subject, predicate)})


def labels(graph: Graph, node) -> list:
    return objects(graph, node, RDFS.label)


def centres(graph: Graph) -> list[URIRef]:
    return sorted(set(graph.subjects(RDF.type, pm("CentreOfExcellence"))))


#: pm:hasAsset and its sub-properties (ontology/pm.ttl)
HAS_ASSET = ("hasAsset", "hasFacility", "hasProgramme", "hasPartnerOrganisation")


def assets(graph: Graph, centre) -> set:
    listed = {a for p in HAS_ASSET for a in graph.objects(centre, pm(p))}
    return listed | set(graph.subjects(pm("assetOf"), centre))


def covered_themes(graph: Graph, centre) -> set:
    """The capability themes a centre is tagged with or lists an asset tagged with."""
    themes = set(graph.objects(centre, pm("theme")))
    for asset in assets(graph, centre):
        themes |= set(graph.objects(asset, pm("theme")))
    return {t for t in themes if (t, SKOS.inScheme, pm("CapabilityThemes")) in graph}


def nations(graph: Graph, centre) -> set:
    return {
        nation
        for place in graph.objects(centre, pm("location"))
        for nation in graph.objects(place, pm("nation"))
    }


def expected_theme_gaps(graph: Graph, nation: URIRef | None = None) -> Counter:
    covers = {c: covered_themes(graph, c) for c in centres(graph)}
    where = {c: nations(graph, c) for c in covers}
    with_centre = set().union(*where.values())
    rows: Counter = Counter()
    for near in sorted(with_centre if nation is None else with_centre & {nation}):
        covered_here = set().union(*(covers[c] for c in covers if near in where[c]))
        for centre, themes in covers.items():
            for theme in themes - covered_here:
                for far in where[centre] - {near}:
                    for row in product(
                        [near], labels(graph, near), [theme], labels(graph, theme),
                        [centre], labels(graph, centre), labels(graph, far),
                    ):
                        rows[row] += 1
    return rows


def expected_centre_pairs(graph: Graph) -> Counter:
    labelled = {c: covered_themes(graph, c) for c in centres(graph)}
    rows: Counter = Counter()
    for centre, mine in labelled.items():
        for other, theirs in labelled.items():
            shared = {t for t in mine & theirs if labels(graph, t)}
            if str(centre) >= str(other) or not shared:
                continue
            names = frozenset(str(label) for t in shared for label in labels(graph, t))
            for centre_label, other_label in product(labels(graph, centre), labels(graph, other)):
                rows[(centre, centre_label, other, other_label, len(shared), names)] += 1
    return rows


def expected_disease_areas(graph: Graph, disease: URIRef | None = None) -> Counter:
    rows = set()
    for centre in centres(graph):
        stated = [(d, None, None) for d in objects(graph, centre, pm("diseaseArea"))]
        for asset in assets(graph, centre):
            for d in objects(graph, asset, pm("diseaseArea")):
                stated += [(d, asset, label) for label in labels(graph, asset)]
        for d, via, via_label in stated:
            if disease is not None and d != disease:
                continue
            for centre_label, d_label in product(labels(graph, centre), labels(graph, d)):
                rows.add((centre, centre_label, d, d_label, via, via_label))
    return Counter(rows)


def event_classes(graph: Graph) -> set:
    found, todo = set(), [pm("Event")]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(graph.subjects(RDFS.subClassOf, cls))
    return found


def cities_of(graph: Graph, place) -> list:
    reachable, todo = set(), [place]
    while todo:
        node = todo.pop()
        if node not in reachable:
            reachable.add(node)
            todo.extend(graph.objects(node, pm("containedIn")))
    return sorted(
        label
        for city in reachable
        if (city, RDF.type, pm("City")) in graph
        for label in labels(graph, city)
    )


def expected_events(graph: Graph) -> Counter:
    classes = event_classes(graph)
    rows: Counter = Counter()
    for event in sorted({s for cls in classes for s in graph.subjects(RDF.type, cls)}):
        parents = objects(graph, event, pm("subEventOf"))
        part_of = [(p, pl) for p in parents for pl in labels(graph, p)] or [(None, None)]
        own = objects(graph, event, pm("startDate")) or [None]
        inherited = [d for p in parents for d in objects(graph, p, pm("startDate"))] or [None]
        dates = [o if o is not None else i for o in own for i in inherited]
        places = objects(graph, event, pm("location")) or sorted(
            {pl for p in parents for pl in objects(graph, p, pm("location"))}
        )
        held = [
            (place, place_label, city, lat, long)
            for place in places
            for place_label in labels(graph, place)
            for city in (cities_of(graph, place) or [None])
            for lat, long in (
                product(objects(graph, place, URIRef(GEO + "lat")),
                        objects(graph, place, URIRef(GEO + "long")))
                or [(None, None)]
            )
        ] or [(None,) * 5]
        organisers = [
            (o, ol) for o in objects(graph, event, pm("organiser")) for ol in labels(graph, o)
        ] or [(None, None)]
        for label in labels(graph, event):
            for date, (p, pl), (place, plabel, city, lat, long), (o, ol) in product(
                dates, part_of, held, organisers
            ):
                rows[(event, label, date, p, pl, place, plabel, city, lat, long, o, ol)] += 1
    return rows


def expected_link_evidence(graph: Graph, entity: URIRef, other: URIRef) -> Counter:
    """Each statement between the two with its own quotes (statement records,
    pmgraph.graph.evidence)."""
    oa = "http://www.w3.org/ns/oa#"

    def some(values: list) -> list:
        return values or [None]

    rows = set()
    for s, o, direction in ((entity, other, "entity -> other"), (other, entity, "other -> entity")):
        for link in set(graph.predicates(s, o)):
            link_labels = [Literal(str(x)) for x in labels(graph, link)] or [Literal(str(link))]
            quoted = [
                (st, selector)
                for st in graph.subjects(RDF.subject, s)
                if (st, RDF.predicate, link) in graph and (st, RDF.object, o) in graph
                for selector in graph.objects(st, pm("evidenceQuote"))
            ] or [(None, None)]
            for st, selector in quoted:
                def of(name: str, node=selector) -> list:
                    return some(objects(graph, node, URIRef(oa + name)) if node else [])

                sources = some(objects(graph, selector, URIRef("http://purl.org/dc/terms/source"))
                               if selector else [])
                for source in sources:
                    source_labels = some(labels(graph, source) if source else [])
                    for e_label, link_label, o_label in product(
                        labels(graph, entity), link_labels, labels(graph, other)
                    ):
                        first, second = (
                            (e_label, o_label) if s == entity else (o_label, e_label)
                        )
                        st_label = Literal(f"{first} {link_label} {second}") if st else None
                        for row in product(
                            [entity], [e_label], [link], [link_label], [Literal(direction)],
                            [other], [o_label], [st], [st_label], of("exact"), [source],
                            source_labels, of("prefix"), of("suffix"),
                        ):
                            rows.add(row)
    return Counter(rows)


def expected_shared_themes(graph: Graph, theme: URIRef | None = None) -> Counter:
    covers = {c: covered_themes(graph, c) for c in centres(graph)}
    by_theme: dict = {}
    for centre, themes in covers.items():
        for t in themes:
            by_theme.setdefault(t, set()).add(centre)
    rows: Counter = Counter()
    for t, holders in by_theme.items():
        if len(holders) < 2 or (theme is not None and t != theme):
            continue
        for centre in holders:
            for t_label, c_label in product(labels(graph, t), labels(graph, centre)):
                rows[(t, t_label, centre, c_label, Literal(len(holders)))] += 1
    return rows


def product(*columns: Iterable) -> list[tuple]:
    rows: list[tuple] = [()]
    for column in columns:
        rows = [row + (value,) for row in rows for value in column]
    return rows


def rows_of(graph: Graph, name: str, **params) -> Counter:
    return Counter(run_query(name, graph, params=params or None).rows)


# --- the queries against them -------------------------------------------------------------


def test_theme_gaps_match_the_themes_no_centre_of_the_nation_covers(graph):
    expected = expected_theme_gaps(graph)
    assert expected, "the graph should have theme gaps to compare"
    assert rows_of(graph, "nation-theme-gaps") == expected


@pytest.mark.parametrize("nation", ["wales", "northern-ireland", "england"])
def test_theme_gaps_for_one_nation(graph, nation):
    iri = URIRef(ID + "place/" + nation)
    expected = expected_theme_gaps(graph, iri)
    assert expected
    assert rows_of(graph, "nation-theme-gaps", nation=iri) == expected


def test_centre_pairs_match_the_shared_theme_sets(graph):
    result = run_query("centre-pairs", graph)
    got = Counter(
        (c, cl, o, ol, n.toPython(), frozenset(str(themes).split("; ")))
        for c, cl, o, ol, n, themes in result.rows
    )
    expected = expected_centre_pairs(graph)
    assert len(expected) > 5
    assert got == expected
    counts = [row[4].toPython() for row in result.rows]
    assert counts == sorted(counts, reverse=True), "most alike pairs come first"


def test_disease_areas_match_centres_and_their_assets(graph):
    expected = expected_disease_areas(graph)
    assert any(row[4] is not None for row in expected), "some areas should come via assets"
    assert rows_of(graph, "disease-areas") == expected


@pytest.mark.parametrize("disease", ["oncology", "dementia"])
def test_disease_areas_for_one_disease(graph, disease):
    iri = URIRef(ID + "disease/" + disease)
    expected = expected_disease_areas(graph, iri)
    assert expected
    assert rows_of(graph, "disease-areas", disease=iri) == expected


def test_events_match_their_own_or_their_parent_event_place_and_date(graph):
    expected = expected_events(graph)
    assert any(row[3] is not None and row[5] is not None for row in expected), (
        "some session should take its place from its event"
    )
    assert rows_of(graph, "events") == expected


@pytest.mark.parametrize(
    ("entity", "other"),
    [
        ("org/university-of-glasgow", "org/nhs-greater-glasgow-and-clyde"),
        ("facility/queen-elizabeth-university-hospital",
         "org/university-of-glasgow-nhs-ggc-partnership"),
        ("event/connecting-industries-2020-glasgow", "centre/glasgow"),
    ],
)
def test_link_evidence_matches_each_statements_quotes(graph, entity, other):
    entity_iri, other_iri = URIRef(ID + entity), URIRef(ID + other)
    expected = expected_link_evidence(graph, entity_iri, other_iri)
    assert expected
    assert rows_of(graph, "link-evidence", entity=entity_iri, other=other_iri) == expected


def test_link_evidence_in_a_synthetic_copy(synthetic):
    entity = URIRef(ID + "facility/queen-elizabeth-university-hospital-s1")
    other = URIRef(ID + "org/university-of-glasgow-nhs-ggc-partnership-s1")
    expected = expected_link_evidence(synthetic, entity, other)
    assert expected
    assert rows_of(synthetic, "link-evidence", entity=entity, other=other) == expected


@pytest.mark.parametrize("theme", [None, "genomics", "imaging"])
def test_shared_themes_match_centres_covering_each_theme(graph, theme):
    iri = URIRef(ID + "theme/" + theme) if theme else None
    expected = expected_shared_themes(graph, iri)
    assert expected
    params = {"theme": iri} if iri else {}
    assert rows_of(graph, "shared-themes", **params) == expected


def test_link_evidence_gives_each_statement_its_own_quotes_only(real):
    centre = URIRef(ID + "centre/cardiff")
    government = URIRef(ID + "org/welsh-government")
    records = run_query(
        "link-evidence", real, params={"entity": centre, "other": government}
    ).to_records()
    own = {
        str(q)
        for st in real.subjects(RDF.subject, centre)
        if (st, RDF.object, government) in real
        for sel in real.objects(st, URIRef(PM + "evidenceQuote"))
        for q in real.objects(sel, URIRef("http://www.w3.org/ns/oa#exact"))
    }
    assert own and {r["quote"] for r in records} == own
    # Cardiff has twelve entity quotes; none of them is returned unless it is the statement's.
    entity_quotes = {str(q) for q in real.objects(centre, URIRef(PM + "evidence"))}
    assert len(entity_quotes - own) > 5
    assert not ({r["quote"] for r in records} & (entity_quotes - own))


@pytest.mark.parametrize("centre", ["leeds", "glasgow"])
def test_similar_centres_are_centre_pairs_seen_from_one_centre(graph, centre):
    iri = URIRef(ID + "centre/" + centre)
    result = run_query("similar-centres", graph, params={"centre": iri})
    got = Counter(
        (c, o, n.toPython(), frozenset(str(themes).split("; ")))
        for c, _, o, _, n, themes in result.rows
    )
    expected = Counter()
    for (c, _, o, _, n, themes), count in expected_centre_pairs(graph).items():
        if iri in (c, o):
            expected[(iri, o if c == iri else c, n, themes)] += count
    assert expected
    assert got == expected
    counts = [row[4].toPython() for row in result.rows]
    assert counts == sorted(counts, reverse=True), "most alike centres come first"
