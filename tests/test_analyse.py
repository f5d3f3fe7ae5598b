"""Network analyses: centrality, communities, unique holdings, chains, neighbourhoods."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest
from rdflib import Graph, URIRef

from pmgraph.analysis import analyse
from pmgraph.analysis.network import to_networkx
from pmgraph.errors import ParameterError
from pmgraph.graph.load import load_graph
from pmgraph.graph.namespaces import ID_BASE, PM

CTR, ORG, FAC = ID_BASE + "centre/", ID_BASE + "org/", ID_BASE + "facility/"

#: A star with a tail: hub -> a, b, c; c -> d. Undirected, 5 nodes, 6 pairs not involving
#: a given node: hub lies on a-b, a-c, b-c, a-d, b-d (5/6); c on hub-d, a-d, b-d (3/6).
STAR = """
ctr:hub a pm:CentreOfExcellence ; rdfs:label "Hub"@en ;
    pm:hasAsset fac:a , fac:b , fac:c .
fac:a a pm:Facility ; rdfs:label "A"@en .
fac:b a pm:Facility ; rdfs:label "B"@en .
fac:c a pm:Facility ; rdfs:label "C"@en ; pm:hostedBy orgn:d .
orgn:d a pm:University ; rdfs:label "D"@en .
orgn:loner a pm:University ; rdfs:label "Loner"@en .
"""

#: Two triangles of partners joined by one link.
TRIANGLES = """
orgn:a1 a pm:Organisation ; rdfs:label "a1"@en ; pm:partnerOf orgn:a2 , orgn:a3 , orgn:b1 .
orgn:a2 a pm:Organisation ; rdfs:label "a2"@en ; pm:partnerOf orgn:a3 .
orgn:a3 a pm:Organisation ; rdfs:label "a3"@en .
orgn:b1 a pm:Organisation ; rdfs:label "b1"@en ; pm:partnerOf orgn:b2 , orgn:b3 .
orgn:b2 a pm:Organisation ; rdfs:label "b2"@en ; pm:partnerOf orgn:b3 .
orgn:b3 a pm:Organisation ; rdfs:label "b3"@en .
"""

#: Two centres: a shared university, an asset each (one stated with pm:assetOf), themes
#: held directly and through assets.
HOLDINGS = """
@prefix theme: <https://w3id.org/pmgraph/id/theme/> .
ctr:alpha a pm:CentreOfExcellence ; rdfs:label "Alpha"@en ;
    pm:hasAsset fac:scanner , orgn:uni ; pm:theme theme:imaging .
ctr:beta a pm:CentreOfExcellence ; rdfs:label "Beta"@en ;
    pm:hasAsset orgn:uni ; pm:theme theme:imaging , theme:genomics .
fac:lab a pm:Laboratory ; rdfs:label "Lab"@en ; pm:assetOf ctr:beta ; pm:theme theme:genomics .
fac:scanner a pm:ImagingFacility ; rdfs:label "Scanner"@en ; pm:theme theme:pathology .
orgn:uni a pm:University ; rdfs:label "Uni"@en .
theme:imaging a skos:Concept ; skos:inScheme pm:CapabilityThemes ; rdfs:label "Imaging"@en .
theme:genomics a skos:Concept ; skos:inScheme pm:CapabilityThemes ; rdfs:label "Genomics"@en .
theme:pathology a skos:Concept ; skos:inScheme pm:CapabilityThemes ; rdfs:label "Pathology"@en .
"""


@pytest.fixture
def star(write_ttl) -> nx.MultiDiGraph:
    return to_networkx(load_graph(write_ttl(STAR)))


def by_iri(records) -> dict:
    return {r.iri: r for r in records}


def test_centrality_on_a_hand_checked_star(star):
    rows = by_iri(analyse.centrality(star))
    hub, c, a, loner = rows[CTR + "hub"], rows[FAC + "c"], rows[FAC + "a"], rows[ORG + "loner"]
    # 6 nodes (the loner included): normalisation over (n-1)(n-2)/2 = 10 pairs.
    assert hub.betweenness == pytest.approx(5 / 10)
    assert c.betweenness == pytest.approx(3 / 10)
    assert a.betweenness == 0 and loner.betweenness == 0
    assert (hub.degree, hub.neighbours, hub.degree_centrality) == (3, 3, pytest.approx(3 / 5))
    assert (c.degree, c.neighbours) == (2, 2)
    assert loner.degree == 0
    ordered = [r.iri for r in analyse.centrality(star)]
    assert ordered[:2] == [CTR + "hub", FAC + "c"]


def test_sampled_betweenness_with_every_source_equals_exact(star):
    exact = by_iri(analyse.centrality(star))
    sampled = by_iri(analyse.centrality(star, exact_limit=2, samples=star.number_of_nodes()))
    for iri, row in exact.items():
        assert sampled[iri].betweenness == pytest.approx(row.betweenness)


def test_sampled_betweenness_is_close_on_a_larger_network():
    graph = nx.barabasi_albert_graph(600, 2, seed=3)
    net = nx.MultiDiGraph()
    net.add_edges_from((str(u), str(v), {"predicate": "p"}) for u, v in graph.edges())
    exact = by_iri(analyse.centrality(net))
    sampled = by_iri(analyse.centrality(net, exact_limit=100, samples=300, seed=1))
    top = sorted(exact, key=lambda n: -exact[n].betweenness)[:5]
    for node in top:
        assert sampled[node].betweenness == pytest.approx(exact[node].betweenness, rel=0.35)


def test_communities_split_two_triangles(write_ttl):
    net = to_networkx(load_graph(write_ttl(TRIANGLES)))
    found = analyse.communities(net, seed=7)
    assert {frozenset(c.labels) for c in found} == {
        frozenset({"a1", "a2", "a3"}),
        frozenset({"b1", "b2", "b3"}),
    }
    assert [c.size for c in found] == [3, 3]
    assert analyse.communities(net, seed=7) == found


def test_unique_assets_and_themes(write_ttl):
    net = to_networkx(load_graph(write_ttl(HOLDINGS)))
    found = {(r.kind, r.label, r.centre_label) for r in analyse.unique_holdings(net)}
    assert found == {
        ("asset", "Scanner", "Alpha"),
        ("asset", "Lab", "Beta"),  # stated as fac:lab pm:assetOf ctr:beta
        ("theme", "Pathology", "Alpha"),  # through its scanner
        ("theme", "Genomics", "Beta"),
    }


def test_unique_themes_count_even_when_themes_are_not_nodes(write_ttl):
    net = to_networkx(load_graph(write_ttl(HOLDINGS)), concepts=False)
    themes = {r.label for r in analyse.unique_holdings(net) if r.kind == "theme"}
    assert themes == {"Pathology", "Genomics"}


def test_shortest_chain_names_each_relationship(star):
    chain = analyse.shortest_chain(star, "A", "orgn:d")
    assert chain.describe() == "A <-has asset- Hub -has asset-> C -hosted by-> D"
    assert [s.forward for s in chain] == [False, True, True]
    # each step as the data states it, subject first: the first is walked against its arrow
    assert [s.stated for s in chain] == ["Hub has asset A", "Hub has asset C", "C hosted by D"]
    assert chain.nodes() == [FAC + "a", CTR + "hub", FAC + "c", ORG + "d"]
    assert analyse.shortest_chain(star, "A", "Loner") is None
    with pytest.raises(ParameterError, match="no entity named 'Nowhere'"):
        analyse.shortest_chain(star, "A", "Nowhere")


def test_neighbourhood_by_depth(star):
    assert set(analyse.neighbourhood(star, "Hub", 0)) == {CTR + "hub"}
    one = analyse.neighbourhood(star, "Hub", 1)
    assert set(one) == {CTR + "hub", FAC + "a", FAC + "b", FAC + "c"}
    assert one.number_of_edges() == 3 and one.graph["focus"] == CTR + "hub"
    assert ORG + "d" in analyse.neighbourhood(star, "Hub", 2)
    assert set(analyse.neighbourhood(star, "D", 1)) == {ORG + "d", FAC + "c"}  # any direction
    with pytest.raises(ParameterError, match="--depth"):
        analyse.neighbourhood(star, "Hub", -1)


def test_records_export_as_csv_and_json(star):
    rows = analyse.centrality(star)
    parsed = list(csv.DictReader(io.StringIO(rows.to_csv())))
    assert len(parsed) == len(rows) == star.number_of_nodes()
    assert parsed[0]["iri"] == CTR + "hub" and float(parsed[0]["betweenness"]) == 0.5
    assert json.loads(rows.to_json())[0]["label"] == "Hub"
    chain = analyse.shortest_chain(star, "A", "D")
    assert [r["relationship"] for r in json.loads(chain.to_json())] == [
        "has asset", "has asset", "hosted by",
    ]
    communities = list(csv.DictReader(io.StringIO(analyse.communities(star).to_csv())))
    assert "; " in communities[0]["members"]


# --- the project's graph --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(project_graph: Graph) -> nx.MultiDiGraph:
    return to_networkx(project_graph)


def test_real_centrality_covers_every_entity(real):
    rows = analyse.centrality(real)
    assert len(rows) == real.number_of_nodes()
    values = [r.betweenness for r in rows]
    assert values == sorted(values, reverse=True)
    assert all(0 <= v <= 1 for v in values) and values[0] > 0


def test_real_communities_partition_the_network(real):
    found = analyse.communities(real)
    members = [m for c in found for m in c.members]
    assert sorted(members) == sorted(real.nodes)
    assert len(found) > 1


def test_real_unique_assets_agree_with_sparql(project_graph, real):
    rows = project_graph.query(
        """
        PREFIX pm: <https://w3id.org/pmgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?asset WHERE {
            { ?centre ?has ?asset . ?has rdfs:subPropertyOf* pm:hasAsset }
            UNION { ?asset pm:assetOf ?centre }
            ?centre a pm:CentreOfExcellence .
        } GROUP BY ?asset HAVING (COUNT(DISTINCT ?centre) = 1)"""
    )
    expected = {str(row[0]) for row in rows}
    assert expected, "no centre lists an asset of its own"
    found = {r.iri for r in analyse.unique_holdings(real) if r.kind == "asset"}
    assert found == expected


def test_real_chain_between_two_centres_follows_stated_links(project_graph, real):
    centres = sorted(n for n, c in real.nodes(data="class") if c == "CentreOfExcellence")
    chain = analyse.shortest_chain(real, centres[0], centres[-1])
    assert chain is not None and len(chain) >= 1
    assert chain.nodes()[0] == centres[0] and chain.nodes()[-1] == centres[-1]
    for step in chain:
        s, o = (step.from_iri, step.to_iri) if step.forward else (step.to_iri, step.from_iri)
        assert (URIRef(s), URIRef(step.predicate), URIRef(o)) in project_graph


def test_real_neighbourhood_is_what_the_centre_links_to(project_graph, real):
    centre = sorted(n for n, c in real.nodes(data="class") if c == "CentreOfExcellence")[0]
    subject = URIRef(centre)
    # pm:source links go to the source document, an attribute rather than a neighbour.
    linked = {str(o) for p, o in project_graph.predicate_objects(subject) if p != PM.source}
    linked |= {str(s) for s, p in project_graph.subject_predicates(subject) if p != PM.source}
    expected = (linked & set(real.nodes)) | {centre}
    assert set(analyse.neighbourhood(real, centre, 1)) == expected
