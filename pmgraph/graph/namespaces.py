"""The project's namespaces and the prefixes it binds on every graph it makes.

``PM`` is a closed namespace: a misspelt term raises ``AttributeError`` instead of
minting a new IRI. ``tests/test_ontology.py`` checks it lists exactly the ontology's terms.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/pmgraph/ontology")
SHAPES_IRI = URIRef("https://w3id.org/pmgraph/shapes")
ID_BASE = "https://w3id.org/pmgraph/id/"


class PM(DefinedNamespace):
    """Terms of the pmgraph ontology (``ontology/pm.ttl``)."""

    _NS = Namespace("https://w3id.org/pmgraph/ontology#")
    _fail = True

    Active: URIRef
    Biobank: URIRef
    CapabilityThemes: URIRef
    CentreNetwork: URIRef
    CentreOfExcellence: URIRef
    ChangeEvent: URIRef
    Charity: URIRef
    City: URIRef
    ClinicalFacility: URIRef
    Company: URIRef
    ComputingFacility: URIRef
    Country: URIRef
    DataInfrastructure: URIRef
    DiseaseAreas: URIRef
    District: URIRef
    Document: URIRef
    Event: URIRef
    Facility: URIRef
    FundingProgramme: URIRef
    GovernmentBody: URIRef
    GovernmentStatement: URIRef
    Hospital: URIRef
    ImagingFacility: URIRef
    Institute: URIRef
    Investment: URIRef
    Laboratory: URIRef
    Membership: URIRef
    MonetaryAmount: URIRef
    NHSBody: URIRef
    Nation: URIRef
    Organisation: URIRef
    Partnership: URIRef
    Person: URIRef
    Place: URIRef
    Planned: URIRef
    Policy: URIRef
    Programme: URIRef
    Quantity: URIRef
    QuantityKinds: URIRef
    Ranking: URIRef
    ReferenceDataset: URIRef
    Region: URIRef
    Report: URIRef
    Role: URIRef
    Service: URIRef
    Session: URIRef
    Source: URIRef
    SourceDocument: URIRef
    Status: URIRef
    Strategy: URIRef
    University: URIRef
    Venue: URIRef
    abbreviation: URIRef
    alignsWith: URIRef
    announces: URIRef
    assetOf: URIRef
    channel: URIRef
    cohort: URIRef
    containedIn: URIRef
    currency: URIRef
    developedBy: URIRef
    diseaseArea: URIRef
    establishedBy: URIRef
    evidence: URIRef
    evidenceQuote: URIRef
    foundingDate: URIRef
    fundedBy: URIRef
    fundingAmount: URIRef
    funds: URIRef
    gridId: URIRef
    hasAsset: URIRef
    hasFacility: URIRef
    hasPartnerOrganisation: URIRef
    hasProgramme: URIRef
    hasQuantity: URIRef
    heldBy: URIRef
    hostedBy: URIRef
    hosts: URIRef
    investor: URIRef
    isoCode: URIRef
    keynoteSpeaker: URIRef
    liaisedWith: URIRef
    location: URIRef
    memberOf: URIRef
    nation: URIRef
    organiser: URIRef
    partOf: URIRef
    partnerOf: URIRef
    precededBy: URIRef
    presents: URIRef
    publicationDate: URIRef
    publisher: URIRef
    qualifier: URIRef
    quantityKind: URIRef
    quote: URIRef
    rankedBy: URIRef
    rankingSubject: URIRef
    recipient: URIRef
    referenceDate: URIRef
    ringgoldId: URIRef
    roleIn: URIRef
    ror: URIRef
    source: URIRef
    speaker: URIRef
    startDate: URIRef
    status: URIRef
    subEventOf: URIRef
    succeededBy: URIRef
    supportedBy: URIRef
    theme: URIRef
    unit: URIRef
    unitOfMeasure: URIRef
    usesDataFrom: URIRef
    value: URIRef


PMSH = Namespace("https://w3id.org/pmgraph/shapes#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open namespace: rdflib's lacks dcat:version

#: Prefixes for instance IRIs: ``https://w3id.org/pmgraph/id/<kind>/<slug>``.
ID_KINDS = {
    "ctr": "centre",
    "orgn": "org",
    "fac": "facility",
    "prog": "programme",
    "doc": "document",
    "src": "source",
    "evt": "event",
    "per": "person",
    "role": "role",
    "place": "place",
    "qty": "quantity",
    "theme": "theme",
    "disease": "disease",
    "qk": "quantity-kind",
}
ID = {prefix: Namespace(f"{ID_BASE}{kind}/") for prefix, kind in ID_KINDS.items()}

PREFIXES: dict[str, str] = {
    "pm": str(PM),
    "pmsh": str(PMSH),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": str(DCAT),
    "void": str(VOID),
    "org": "http://www.w3.org/ns/org#",
    "schema": str(SCHEMA),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": str(GEO),
    "sh": "http://www.w3.org/ns/shacl#",
    "oa": "http://www.w3.org/ns/oa#",
    **{prefix: str(ns) for prefix, ns in ID.items()},
    # statement provenance records (pmgraph.graph.evidence)
    "stm": "https://w3id.org/pmgraph/statement/",
}


def expand_name(name: str) -> str:
    """``name`` as a full IRI when it is a prefixed name of the project's prefixes
    (``ctr:leeds``), or an IRI in angle brackets; else unchanged."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, sep, rest = name.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return name


_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact_name(iri: str) -> str:
    """``iri`` as a prefixed name when a project prefix covers it (``pm:hostedBy``), the
    longest namespace first; else unchanged. The inverse of :func:`expand_name`."""
    for prefix, namespace in _LONGEST_FIRST:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
