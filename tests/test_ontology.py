"""The ontology: a registry-ready header, documented terms, mappings that hold, and consistency
with the data and with the axioms of the vocabularies it reuses (tests/vocab/), under OWL-RL
(owlrl) and OWL 2 DL (HermiT, through owlready2)."""

from __future__ import annotations

from pathlib import Path

import owlready2
import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from pmgraph.graph.evidence import read_plain
from pmgraph.graph.namespaces import ONTOLOGY_IRI, PM

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "pm.ttl"
DATA = sorted((ROOT / "data").glob("*.ttl"))
VOCAB = ROOT / "tests" / "vocab"
VOCABULARIES = sorted(VOCAB.glob("*.ttl"))
PROV = Namespace("http://www.w3.org/ns/prov#")
SDO = Namespace("https://schema.org/")
OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
STANDARD_VOCABULARIES = (
    "http://www.w3.org/ns/org#",
    "https://schema.org/",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/dcat#",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "http://vivoweb.org/ontology/core#",
)
SKOS_MAPPINGS = (SKOS.closeMatch, SKOS.exactMatch, SKOS.broadMatch, SKOS.narrowMatch,
                 SKOS.relatedMatch)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def data() -> Graph:
    """data/ as plain triples: the annotations' statement records and quotes are added by the
    loader (rdflib's own Turtle parser cannot read RDF 1.2 annotations)."""
    assert DATA, "data/ holds no Turtle files"
    return read_plain(*DATA, into=Graph())


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    assert {p.name for p in VOCABULARIES} >= {"prov-o.ttl", "org.ttl", "skos.ttl", "schema.ttl",
                                               "vivo.ttl"}
    graph = Graph()
    for path in VOCABULARIES:
        graph.parse(path)
    return graph


def merged(*graphs: Graph) -> Graph:
    out = Graph()
    for graph in graphs:
        out += graph
    return out


def pm_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(PM))}


def owl_terms(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if s in pm_terms(graph)}


# ---------------------------------------------------------------------------
# Header and documentation
# ---------------------------------------------------------------------------


def test_header_has_what_a_registry_asks_for(ontology):
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                 DCTERMS.publisher, DCTERMS.created, DCTERMS.modified, OWL.versionIRI,
                 OWL.versionInfo, OWL.priorVersion):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, f"ontology header lacks {prop}"
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.creator, DCTERMS.publisher):
        agent = ontology.value(ONTOLOGY_IRI, prop)
        assert isinstance(agent, URIRef), f"{prop} is a literal, not an agent IRI"
        assert ontology.value(agent, RDFS.label) is not None, f"{agent} has no label"


def test_every_term_has_label_definition_and_is_defined_by(ontology):
    missing = []
    for term in sorted(pm_terms(ontology)):
        for prop in (RDFS.label, SKOS.definition, RDFS.isDefinedBy):
            if ontology.value(term, prop) is None:
                missing.append(f"{term} lacks {prop}")
    assert not missing, "\n".join(missing)


def test_python_namespace_lists_exactly_the_ontology_terms(ontology):
    declared = {PM[name] for name in PM.__annotations__}
    assert declared == pm_terms(ontology)


def test_ontology_has_no_blank_node_terms(ontology):
    # Only the disjointness axiom and its RDF list may be blank nodes.
    blank_subjects = {s for s in ontology.subjects() if isinstance(s, BNode)}
    kinds = {ontology.value(b, RDF.type) for b in blank_subjects} - {None}
    assert kinds <= {OWL.AllDisjointClasses}


# ---------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------


def test_every_class_reaches_a_standard_vocabulary_by_sub_classing(ontology):
    classes = [c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)]
    unmapped = [
        c for c in classes
        if not any(str(s).startswith(STANDARD_VOCABULARIES)
                   for s in ontology.transitive_objects(c, RDFS.subClassOf))
    ]
    assert classes and not unmapped, f"classes with no standard super-class: {unmapped}"


def test_owl_terms_carry_no_skos_mappings(ontology):
    # A SKOS mapping property has domain and range skos:Concept: on an OWL class it would make
    # the class a concept. Mappings are rdfs:subClassOf / rdfs:subPropertyOf, and only where
    # they hold.
    mapped = sorted(f"{s} {p}" for s in owl_terms(ontology) for p in SKOS_MAPPINGS
                    if ontology.value(s, p) is not None)
    assert not mapped, "\n".join(mapped)


def test_no_owl_term_becomes_a_skos_concept_under_the_skos_axioms(ontology):
    graph = merged(ontology, Graph().parse(VOCAB / "skos.ttl"))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    concepts = sorted(t for t in owl_terms(ontology) if (t, RDF.type, SKOS.Concept) in graph)
    assert not concepts, f"OWL terms that SKOS makes concepts: {concepts}"


def test_no_data_property_is_a_sub_property_of_an_annotation_property(ontology, vocabularies):
    # OWL 2 DL keeps data and annotation properties apart (pm:abbreviation was ⊑ skos:altLabel).
    both = merged(ontology, vocabularies)
    annotation = set(both.subjects(RDF.type, OWL.AnnotationProperty))
    wrong = sorted(
        f"{p} ⊑ {q}" for p in ontology.subjects(RDF.type, OWL.DatatypeProperty)
        for q in ontology.objects(p, RDFS.subPropertyOf) if q in annotation
    )
    assert not wrong, wrong


def test_data_uses_every_property_within_its_domain_and_range(ontology, data):
    """rdfs:domain / schema:domainIncludes and rdfs:range / schema:rangeIncludes hold for every
    triple of data/ (the SHACL link shapes check the same on any graph)."""

    def classes(node) -> set:
        return {s for t in data.objects(node, RDF.type)
                for s in ontology.transitive_objects(t, RDFS.subClassOf)}

    wrong = []
    for prop in owl_terms(ontology):
        domain = set(ontology.objects(prop, RDFS.domain)) | set(
            ontology.objects(prop, SDO.domainIncludes))
        range_ = set(ontology.objects(prop, RDFS.range)) | set(
            ontology.objects(prop, SDO.rangeIncludes))
        range_ = {c for c in range_ if c in pm_terms(ontology)}
        for s, o in data.subject_objects(prop):
            if domain and not classes(s) & domain:
                wrong.append(f"{s} {prop}: subject outside {sorted(domain)}")
            # The statuses (pm:Planned, pm:Active) are terms of the ontology without a type
            # (so they are no entities of the data); pmsh:StatusValue lists them.
            if range_ and not isinstance(o, Literal) and o not in pm_terms(ontology) and (
                    not classes(o) & range_):
                wrong.append(f"{prop} {o}: object outside {sorted(range_)}")
    assert not wrong, "\n".join(wrong)


def test_data_meets_the_expected_types_of_reused_schema_org_properties(ontology, data,
                                                                       vocabularies):
    """schema.org states domainIncludes / rangeIncludes rather than formal domains: the subject
    (object) of a sub-property of a schema.org property is one of the classes it expects."""
    both = merged(ontology, vocabularies)

    def classes(node) -> set:
        return {s for t in data.objects(node, RDF.type)
                for s in both.transitive_objects(t, RDFS.subClassOf)}

    checked, wrong = 0, []
    for s, p, o in data:
        for q in both.transitive_objects(p, RDFS.subPropertyOf):
            if not q.startswith(str(SDO)):
                continue
            checked += 1
            domain = set(both.objects(q, SDO.domainIncludes))
            range_ = set(both.objects(q, SDO.rangeIncludes))
            if domain and not classes(s) & domain:
                wrong.append(f"{s} {p} (⊑ {q}): subject not one of {sorted(domain)}")
            if range_ and data.value(o, RDF.type) is not None and not classes(o) & range_:
                wrong.append(f"{o} as {p} (⊑ {q}): object not one of {sorted(range_)}")
    assert checked > 50
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------
# Consistency with the reused vocabularies
# ---------------------------------------------------------------------------


def owlrl_errors(graph: Graph) -> list[str]:
    closure = merged(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return sorted(str(o) for o in closure.objects(None, OWLRL_ERROR))


def hermit_consistent(graph: Graph, tmp_path: Path) -> bool:
    """Whether HermiT finds ``graph`` consistent. Dates and years are kept out of the check:
    HermiT rejects xsd:date and xsd:gYear values unless told to ignore unsupported datatypes."""
    path = tmp_path / "merged.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                       ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    finally:
        world.close()
    return True


def with_source_as_derivation(graph: Graph) -> Graph:
    """``graph`` with the axiom pm.ttl once had: pm:source ⊑ prov:wasDerivedFrom."""
    clash = merged(graph)
    clash.add((PM.source, RDFS.subPropertyOf, PROV.wasDerivedFrom))
    return clash


def test_ontology_data_and_reused_vocabularies_are_consistent_under_owl_rl(
        ontology, data, vocabularies):
    assert owlrl_errors(merged(ontology, data, vocabularies)) == []


def test_ontology_data_and_reused_vocabularies_are_consistent_for_hermit(
        ontology, data, vocabularies, tmp_path):
    assert hermit_consistent(merged(ontology, data, vocabularies), tmp_path)


def test_owl_rl_finds_the_prov_clash_of_source_as_derivation(ontology, data):
    """Regression: with pm:source ⊑ prov:wasDerivedFrom (domain prov:Entity), every programme
    and event with a source is both a prov:Activity and a prov:Entity, which PROV-O declares
    disjoint."""
    prov = Graph().parse(VOCAB / "prov-o.ttl")
    activities = {s for s in data.subjects(PM.source, None)
                  if {PM.Programme, PM.FundingProgramme, PM.Event, PM.Session}
                  & set(data.objects(s, RDF.type))}
    errors = owlrl_errors(with_source_as_derivation(merged(ontology, data, prov)))
    disjoint = [e for e in errors if "isjoint" in e]
    assert len(disjoint) == len(activities) > 20, errors


def test_hermit_finds_the_prov_clash_of_source_as_derivation(ontology, data, vocabularies,
                                                             tmp_path):
    clash = with_source_as_derivation(merged(ontology, data, vocabularies))
    assert not hermit_consistent(clash, tmp_path)


# Each probe links a subject of the wrong kind: a formal domain or range then gives it a second
# kind, which the disjointness axiom forbids.
PROBES = [
    (PM.City, PM.hostedBy, PM.Facility, "object"),          # rdfs:range pm:Organisation
    (PM.Facility, PM.hasAsset, PM.Facility, "subject"),     # rdfs:domain pm:CentreOfExcellence
    (PM.Place, PM.keynoteSpeaker, PM.Person, "subject"),    # rdfs:domain pm:Event
    (PM.Organisation, PM.heldBy, PM.Person, "subject"),     # rdfs:domain pm:Role
    (PM.Person, PM.subEventOf, PM.Event, "subject"),        # rdfs:domain pm:Event
    (PM.Quantity, PM.memberOf, PM.Organisation, "subject"),  # rdfs:domain pm:Organisation
]


def test_formal_domains_and_ranges_make_a_misused_link_inconsistent(ontology):
    graph = merged(ontology)
    expected = []
    for n, (subject_class, prop, object_class, wrong_end) in enumerate(PROBES):
        s = URIRef(f"https://w3id.org/pmgraph/id/probe/subject-{n}")
        o = URIRef(f"https://w3id.org/pmgraph/id/probe/object-{n}")
        graph.add((s, RDF.type, subject_class))
        graph.add((o, RDF.type, object_class))
        graph.add((s, prop, o))
        expected.append(s if wrong_end == "subject" else o)
    errors = [e for e in owlrl_errors(graph) if "isjoint" in e]
    missed = [str(x) for x in expected if not any(str(x) in e for e in errors)]
    assert not missed, f"no disjointness error for {missed}:\n" + "\n".join(errors)
