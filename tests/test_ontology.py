"""The ontology: a registry-ready header, documented terms, mappings, and OWL consistency."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from pmgraph.namespaces import ONTOLOGY_IRI, PM

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "pm.ttl"
DATA = sorted((ROOT / "data").glob("*.ttl"))
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
)
MAPPINGS = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.closeMatch, SKOS.exactMatch,
            SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, OWL.equivalentClass)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def pm_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(PM))}


def test_header_has_what_a_registry_asks_for(ontology):
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                 DCTERMS.created, DCTERMS.modified, OWL.versionIRI, OWL.versionInfo):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, f"ontology header lacks {prop}"
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology


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


def test_every_class_maps_to_a_standard_vocabulary(ontology):
    """Each pm: class reaches a standard term through its own mappings or a superclass's."""

    def reaches_standard(cls: URIRef, seen: frozenset = frozenset()) -> bool:
        for prop in MAPPINGS:
            for target in ontology.objects(cls, prop):
                if str(target).startswith(STANDARD_VOCABULARIES):
                    return True
                if target in pm_terms(ontology) and target not in seen:
                    if reaches_standard(target, seen | {cls}):
                        return True
        return False

    classes = [c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)]
    unmapped = [c for c in classes if not reaches_standard(c)]
    assert classes and not unmapped, f"classes with no standard mapping: {unmapped}"


def _owlrl_errors(graph: Graph) -> list[str]:
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return sorted(str(o) for o in closure.objects(None, OWLRL_ERROR))


def test_ontology_and_data_are_consistent_under_owl_rl(ontology):
    merged = Graph()
    merged += ontology
    from pmgraph.evidence import read_plain

    read_plain(*DATA, into=merged)
    assert DATA, "data/ holds no Turtle files"
    assert _owlrl_errors(merged) == []


def test_reasoner_reports_an_entity_of_two_disjoint_kinds(ontology):
    """The consistency test above can fail: a place linked as a host becomes an organisation."""
    graph = Graph()
    graph += ontology
    x = URIRef("https://w3id.org/pmgraph/id/place/somewhere")
    graph.add((x, RDF.type, PM.City))
    graph.add((x, RDFS.label, Literal("Somewhere", lang="en")))
    graph.add((URIRef("https://w3id.org/pmgraph/id/centre/c"), PM.hostedBy, x))
    errors = _owlrl_errors(graph)
    assert any("Disjoint" in e or "disjoint" in e for e in errors), errors


def test_ontology_has_no_blank_node_terms(ontology):
    # Only the disjointness axiom and its RDF list may be blank nodes.
    blank_subjects = {s for s in ontology.subjects() if isinstance(s, BNode)}
    kinds = {ontology.value(b, RDF.type) for b in blank_subjects} - {None}
    assert kinds <= {OWL.AllDisjointClasses}
