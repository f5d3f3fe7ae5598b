"""The typed network: one node per entity, literals and plumbing as attributes, filters."""

from __future__ import annotations

import networkx as nx
import pytest
from rdflib import Graph, URIRef

from pmgraph.analysis.network import filter_network, resolve_node, to_networkx
from pmgraph.errors import ParameterError
from pmgraph.graph.load import load_graph, plain_copy
from pmgraph.graph.namespaces import ID_BASE, PM

CTR, ORG, FAC, PLACE = (ID_BASE + k for k in ("centre/", "org/", "facility/", "place/"))
THEME, QTY, SRC = ID_BASE + "theme/", ID_BASE + "quantity/", ID_BASE + "source/"

#: A small ecosystem: two centres sharing a university, two cities in two nations, themes.
ECOSYSTEM = """
@prefix theme: <https://w3id.org/pmgraph/id/theme/> .
@prefix qk:    <https://w3id.org/pmgraph/id/quantity-kind/> .

src:doc a pm:SourceDocument ; rdfs:label "The announcement"@en ;
    pm:source src:doc ; pm:evidence "The announcement" .
ctr:alpha a pm:CentreOfExcellence ;
    rdfs:label "Alpha Centre"@en ;
    dcterms:description "A centre in Glasgow."@en ;
    pm:abbreviation "AC" ;
    pm:location place:glasgow ;
    pm:hasAsset fac:scanner , orgn:uni-a ;
    pm:hasQuantity qty:alpha-patients ;
    pm:theme theme:imaging ;
    pm:source src:doc ;
    pm:evidence "Alpha has a scanner." , "Alpha works with University A." .
ctr:beta a pm:CentreOfExcellence ;
    rdfs:label "Beta Centre"@en ;
    pm:location place:cardiff ;
    pm:hasAsset orgn:uni-a , fac:biobank ;
    pm:theme theme:imaging , theme:genomics ;
    pm:source src:doc ; pm:evidence "Beta has a biobank." .
orgn:uni-a a pm:University ;
    rdfs:label "University A"@en ;
    pm:location place:glasgow ;
    pm:ror <https://ror.org/00vtgdb53> ; pm:gridId "grid.8756.c" ;
    pm:source src:doc ; pm:evidence "University A" .
fac:scanner a pm:ImagingFacility ; rdfs:label "Scanner"@en ; pm:hostedBy orgn:uni-a ;
    pm:source src:doc ; pm:evidence "a scanner" .
fac:biobank a pm:Biobank ; rdfs:label "Biobank"@en ; pm:theme theme:genomics ;
    pm:source src:doc ; pm:evidence "a biobank" .
qty:alpha-patients a pm:Quantity ; rdfs:label "Alpha: 100 patients"@en ;
    pm:value "100"^^xsd:decimal ; pm:unit "patients" ; pm:quantityKind qk:patients ;
    pm:source src:doc ; pm:evidence "100 patients" .
place:glasgow a pm:City ; rdfs:label "Glasgow"@en ; pm:nation place:scotland ;
    geo:lat "55.864"^^xsd:decimal ; geo:long "-4.252"^^xsd:decimal ;
    pm:source src:doc ; pm:evidence "Glasgow" .
place:cardiff a pm:City ; rdfs:label "Cardiff"@en ; pm:containedIn place:wales ;
    pm:source src:doc ; pm:evidence "Cardiff" .
place:scotland a pm:Nation ; rdfs:label "Scotland"@en ; pm:source src:doc ; pm:evidence "S" .
place:wales a pm:Nation ; rdfs:label "Wales"@en ; pm:source src:doc ; pm:evidence "W" .
theme:imaging a skos:Concept ; skos:inScheme pm:CapabilityThemes ;
    skos:prefLabel "Imaging"@en ; rdfs:label "Imaging"@en ; pm:source src:doc ; pm:evidence "I" .
theme:genomics a skos:Concept ; skos:inScheme pm:CapabilityThemes ;
    skos:prefLabel "Genomics"@en ; rdfs:label "Genomics"@en ; pm:source src:doc ; pm:evidence "G" .
qk:patients a skos:Concept ; skos:inScheme pm:QuantityKinds ;
    skos:prefLabel "Patients served"@en ; rdfs:label "Patients served"@en ;
    pm:source src:doc ; pm:evidence "P" .
"""

ENTITIES = {
    SRC + "doc", CTR + "alpha", CTR + "beta", ORG + "uni-a", FAC + "scanner", FAC + "biobank",
    QTY + "alpha-patients", PLACE + "glasgow", PLACE + "cardiff", PLACE + "scotland",
    PLACE + "wales", THEME + "imaging", THEME + "genomics",
}
EDGES = {
    (CTR + "alpha", "location", PLACE + "glasgow"),
    (CTR + "alpha", "hasAsset", FAC + "scanner"),
    (CTR + "alpha", "hasAsset", ORG + "uni-a"),
    (CTR + "alpha", "hasQuantity", QTY + "alpha-patients"),
    (CTR + "alpha", "theme", THEME + "imaging"),
    (CTR + "beta", "location", PLACE + "cardiff"),
    (CTR + "beta", "hasAsset", ORG + "uni-a"),
    (CTR + "beta", "hasAsset", FAC + "biobank"),
    (CTR + "beta", "theme", THEME + "imaging"),
    (CTR + "beta", "theme", THEME + "genomics"),
    (ORG + "uni-a", "location", PLACE + "glasgow"),
    (FAC + "scanner", "hostedBy", ORG + "uni-a"),
    (FAC + "biobank", "theme", THEME + "genomics"),
    (PLACE + "glasgow", "nation", PLACE + "scotland"),
    (PLACE + "cardiff", "containedIn", PLACE + "wales"),
}


@pytest.fixture
def ecosystem(write_ttl) -> Graph:
    return load_graph(write_ttl(ECOSYSTEM))


@pytest.fixture
def net(ecosystem: Graph) -> nx.MultiDiGraph:
    return to_networkx(ecosystem)


def edge_set(net: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(u, d["name"], v) for u, v, d in net.edges(data=True)}


# --- small fixture --------------------------------------------------------------------------


def test_one_node_per_entity_and_one_edge_per_relationship(net):
    assert set(net.nodes) == ENTITIES
    assert edge_set(net) == EDGES
    assert net.number_of_edges() == len(EDGES)


def test_literals_are_attributes_not_nodes(net):
    alpha = net.nodes[CTR + "alpha"]
    assert alpha["label"] == "Alpha Centre"
    assert alpha["description"] == "A centre in Glasgow."
    assert alpha["abbreviation"] == "AC"
    assert alpha["evidence"] == ("Alpha has a scanner.", "Alpha works with University A.")
    assert alpha["source"] == (SRC + "doc",)
    quantity = net.nodes[QTY + "alpha-patients"]["properties"]
    assert quantity == {
        "value": ("100",), "unit": ("patients",), "quantityKind": ("Patients served",),
    }
    assert not any(n.startswith(("Alpha", "100", "A centre")) for n in net)


def test_plumbing_is_not_a_hub(net):
    predicates = {d["predicate"] for _, _, d in net.edges(data=True)}
    assert str(PM.source) not in predicates and str(PM.ror) not in predicates
    assert net.degree(SRC + "doc") == 0
    assert not any(n.startswith(str(PM)) for n in net), "ontology terms became nodes"
    assert ID_BASE + "quantity-kind/patients" not in net


def test_classes_nations_identifiers_and_coordinates(net):
    alpha, beta, uni = net.nodes[CTR + "alpha"], net.nodes[CTR + "beta"], net.nodes[ORG + "uni-a"]
    assert (alpha["class"], alpha["class_label"]) == ("CentreOfExcellence", "Centre of excellence")
    assert uni["class"] == "University"
    assert net.nodes[THEME + "imaging"]["class_label"] == "Capability theme"
    assert alpha["nation_label"] == "Scotland"  # location -> city -> pm:nation
    assert beta["nation"] == PLACE + "wales"  # location -> city -> pm:containedIn
    assert net.nodes[PLACE + "scotland"]["nation"] == PLACE + "scotland"
    assert net.nodes[FAC + "scanner"]["nation"] is None
    assert uni["identifiers"] == {"ror": "https://ror.org/00vtgdb53", "gridId": "grid.8756.c"}
    assert net.nodes[PLACE + "glasgow"]["lat"] == pytest.approx(55.864)
    assert alpha["lat"] is None and alpha["coordinates"] == pytest.approx((55.864, -4.252))
    assert beta["coordinates"] is None
    assert beta["themes"] == (THEME + "genomics", THEME + "imaging")


def test_edge_labels_come_from_the_ontology(net):
    labels = {d["name"]: d["label"] for _, _, d in net.edges(data=True)}
    assert labels["hasAsset"] == "has asset"
    assert labels["theme"] == "capability theme"
    assert labels["hostedBy"] == "hosted by"
    assert all(d["predicate"] == k for _, _, k, d in net.edges(keys=True, data=True))


def test_concepts_can_be_attributes_only(ecosystem):
    net = to_networkx(ecosystem, concepts=False)
    assert set(net.nodes) == ENTITIES - {THEME + "imaging", THEME + "genomics"}
    assert net.nodes[CTR + "beta"]["themes"] == (THEME + "genomics", THEME + "imaging")
    assert not any(d["name"] == "theme" for _, _, d in net.edges(data=True))


def test_class_filter_keeps_subclasses(ecosystem):
    net = to_networkx(ecosystem, classes=["pm:Organisation"])
    assert set(net.nodes) == {CTR + "alpha", CTR + "beta", ORG + "uni-a"}
    assert edge_set(net) == {
        (CTR + "alpha", "hasAsset", ORG + "uni-a"),
        (CTR + "beta", "hasAsset", ORG + "uni-a"),
    }
    themes = to_networkx(ecosystem, classes=["CapabilityThemes", "Biobank"])
    assert set(themes.nodes) == {THEME + "imaging", THEME + "genomics", FAC + "biobank"}


def test_predicate_filter(ecosystem):
    net = to_networkx(ecosystem, predicates=["has asset"], isolated=False)
    assert set(net.nodes) == {CTR + "alpha", CTR + "beta", ORG + "uni-a", FAC + "scanner",
                              FAC + "biobank"}
    assert {d["name"] for _, _, d in net.edges(data=True)} == {"hasAsset"}
    kept = to_networkx(ecosystem, predicates=[str(PM.hasAsset), "pm:hostedBy"])
    assert set(kept.nodes) == ENTITIES
    assert kept.number_of_edges() == 5


@pytest.mark.parametrize(
    ("option", "name", "hint"),
    [("classes", "Universty", "University"), ("predicates", "hasAset", "hasAsset")],
)
def test_unknown_filter_names_say_what_was_meant(net, option, name, hint):
    with pytest.raises(ParameterError, match=hint):
        filter_network(net, **{option: [name]})


def test_the_graph_is_not_changed(ecosystem):
    before = set(plain_copy(ecosystem))
    to_networkx(ecosystem, classes=["Organisation"], concepts=False)
    assert set(plain_copy(ecosystem)) == before


def test_rdflib_and_oxigraph_stores_give_the_same_network(ecosystem, net):
    plain = to_networkx(plain_copy(ecosystem))
    assert dict(plain.nodes(data=True)) == dict(net.nodes(data=True))
    assert edge_set(plain) == edge_set(net)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (CTR + "alpha", CTR + "alpha"),
        ("ctr:alpha", CTR + "alpha"),
        ("alpha centre", CTR + "alpha"),
        ("AC", CTR + "alpha"),
        ("uni-a", ORG + "uni-a"),
    ],
)
def test_resolve_node(net, name, expected):
    assert resolve_node(net, name) == expected


def test_resolve_node_suggests_close_names(net):
    with pytest.raises(ParameterError, match="Alpha Centre"):
        resolve_node(net, "Alpha Centr")


# --- the project's graph --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(project_graph: Graph) -> nx.MultiDiGraph:
    return to_networkx(project_graph)


def test_real_graph_has_a_node_per_described_entity(project_graph, real):
    rows = project_graph.query(
        """
        PREFIX pm: <https://w3id.org/pmgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?s WHERE {
            ?s a ?type .
            FILTER(STRSTARTS(STR(?s), "https://w3id.org/pmgraph/id/"))
            FILTER NOT EXISTS { ?s skos:inScheme pm:QuantityKinds }
        }"""
    )
    expected = {str(row[0]) for row in rows}
    assert len(expected) > 100, "the project's data looks incomplete"
    assert set(real.nodes) == expected


def test_real_graph_relationships_match_the_triples(project_graph, real):
    for u, v, d in real.edges(data=True):
        assert (URIRef(u), URIRef(d["predicate"]), URIRef(v)) in project_graph
        assert d["label"] and not d["label"].startswith("http")
    sources = sum(1 for _ in project_graph.triples((None, PM.source, None)))
    assert sources > real.number_of_nodes() / 2
    assert str(PM.source) not in {d["predicate"] for _, _, d in real.edges(data=True)}


def test_real_centres_have_nations_and_evidence(real):
    centres = [d for _, d in real.nodes(data=True) if d["class"] == "CentreOfExcellence"]
    assert len(centres) == 6
    nations = {"England", "Scotland", "Wales", "Northern Ireland"}
    for centre in centres:
        assert centre["nation_label"] in nations, centre["label"]
        assert centre["evidence"] and centre["source"] and centre["themes"]
        assert centre["coordinates"] is not None


def test_real_universities_carry_ror_links(real):
    with_ror = [d for _, d in real.nodes(data=True) if "ror" in d["identifiers"]]
    assert with_ror
    assert all(d["identifiers"]["ror"].startswith("https://ror.org/") for d in with_ror)
