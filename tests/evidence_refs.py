"""Does a quote mention, or clearly refer to, both ends of the statement it supports?

A heuristic for the test of the real data (tests/test_evidence.py): an end is mentioned when
the quote contains one of its names. The rules below, each with its reason, widen "names" where
the source refers to a thing without its full label; they are the reviewed exceptions.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from pmgraph.graph.namespaces import PM
from pmgraph.graph.text import fold_whitespace, source_text

ID = "https://w3id.org/pmgraph/id/"
SOURCE = Path(__file__).resolve().parent.parent / "sources" / "000_0787654218a80374.txt"

#: Each centre's profile in the source, from its first words to the next profile's: the
#: profile speaks of the centre (and its city) throughout, as "the Centre", "It", "Our", "GM".
PROFILES = {
    "centre/belfast": ("The Queen’s University Belfast Precision", "The Cardiff Centre of"),
    "centre/cardiff": ("The Cardiff Centre of", "The University of Glasgow is"),
    "centre/glasgow": ("The University of Glasgow is", "The Leeds Centre for"),
    "centre/leeds": ("The Leeds Centre for", "Greater Manchester (GM) has"),
    "centre/manchester": ("Greater Manchester (GM) has", "The Oxford community provides"),
    "centre/oxford": ("The Oxford community provides", "Share this article"),
}

#: Names the source uses for a resource besides its label and abbreviation (reason each).
ALIASES: dict[str, tuple[str, ...]] = {
    # the list of six centres calls the network "the emerging network"
    "org/pm-coe-network": ("network", "Precision Medicine Centres of Excellence"),
    # the page says of itself that it is "content from the previous KTN website", and its
    # first sentence, in its own voice, is its announcement: "... will be hosting an event"
    "source/iuk-precision-medicine-2019": ("content from the previous KTN website",
                                           "will be hosting an event"),
    # the page announces "the event"; sessions are "running sessions at the event"
    # ...and its paragraph ends "... will be providing the keynote speech"
    "event/connecting-industries-2020": ("the event", "an event", "This event", "keynote speech"),
    # "the six Centres of Excellence" of line 13 are the six centres listed on lines 25-32
    **{f"centre/{c}": ("six Centres of Excellence",) for c in
       ("belfast", "cardiff", "glasgow", "leeds", "manchester", "oxford")},
    # a centre's membership of the network is its place in "the initial cohort of the
    # emerging network"
    **{f"membership/{c}-in-pm-coe-network": ("initial cohort",) for c in
       ("belfast", "cardiff", "glasgow", "leeds", "manchester", "oxford")},
    # Cardiff's profile opens "The Cardiff Centre ..., through its Clinical Innovation
    # Partnership"; its list names the "Cardiff Clinical Innovation Partnership"
    "org/cardiff-clinical-innovation-partnership": ("Clinical Innovation Partnership",),
    # the Glasgow session is "This workshop, led by the University of Glasgow"
    "event/connecting-industries-2020-glasgow": ("workshop",),
    # the source writes "the UK Government’s Industrial Strategy" and "Industrial Strategy"
    "document/uk-industrial-strategy": ("Industrial Strategy",),
    # Oxford's profile says "the University" for the University of Oxford
    "org/university-of-oxford": ("the University",),
    # the imaging programmes are "the 7T magnet ... programme and a ... programme in cardiac MRI"
    "programme/oxford-cardiac-mri": ("programme in cardiac MRI",),
    "programme/oxford-7t-fmri": ("7T magnet",),
    "programme/oxford-epidemiology-cohorts-and-patient-records": (
        "programme in large-scale epidemiology cohorts",),
    # "MRI (3T, 7T, ...)" lists the two scanners by field strength
    "facility/cardiff-3t-mri": ("3T",),
    "facility/cardiff-7t-mri": ("7T",),
    # the QUDT unit tesla (pm:unitOfMeasure): the source writes field strengths as "3T", "7T"
    "http://qudt.org/vocab/unit/T": ("3T", "7T"),
    # "PET: Pre-clinical and clinical scanners"
    "facility/cardiff-preclinical-pet-scanners": ("Pre-clinical and clinical scanners",),
    "facility/cardiff-clinical-pet-scanners": ("Pre-clinical and clinical scanners",),
    # "Welsh" is the source's adjective for Wales ("Welsh Wound Innovation Centre")
    "place/wales": ("Welsh",),
    # the Manchester profile calls Greater Manchester "GM" and "the city region"
    "place/greater-manchester": ("city region",),
    # the University of Glasgow's "long-term strategic partnership with NHS Greater Glasgow and
    # Clyde", then "The partnership has developed ... QEUH"
    "org/university-of-glasgow-nhs-ggc-partnership": ("long-term strategic partnership",
                                                      "The partnership"),
    # "the Industrial Strategy Challenge Fund invested £210 million to the sector via ..."
    "investment/iscf-data-to-early-diagnosis": ("invested £210 million",),
    # the workshop will outline "the ambitious vision to create ... ‘Living Laboratory’"
    "programme/qeuh-living-laboratory": ("Living Laboratory",),
    # planned things: the source states them as a vision or aim
    "Planned": ("vision to create", "to create and lead"),
    # disease areas and capability themes, by the words the source uses for them
    "disease/oncology": ("cancer",),
    "disease/immunology": ("immunity",),
    "theme/imaging": ("MRI", "PET", "radiology", "imaging"),
    "theme/genomics": ("genomic", "genetics", "genetic", "transcriptomics", "pharmacogenomics"),
    "theme/data-ai": ("data", "AI", "machine learning", "analytics"),
    "theme/clinical-research": ("clinical research", "clinical trials"),
    "theme/collaboration": ("collaboration", "collaborations", "co-production"),
    "theme/research-base": ("Research and innovation base",),
    "theme/interventions": ("Interventions", "Advanced Therapies", "Advanced Therapy"),
    "theme/policy-alignment": ("Policy alignment",),
    "theme/digital-pathology": ("Digital Cellular Pathology",),
    "theme/digital-health": ("digital health", "digital capability"),
}

#: Numbers and dates as the source writes them. 2011 is the Technology Roadmap's year, which
#: its quote gives as "This journey started in 2010 ... followed a year later".
VALUE_FORMS = {
    "210000000": ("£210 million",), "1000000000": ("£1bn",), "134000000000": ("$134bn",),
    "1300000": ("1.3M",), "100000": ("100,000",), "8": ("8 hospital sites",), "51": ("51st",),
    "7": ("7T",), "3": ("3T",), "GBP": ("£",), "USD": ("$",), "tesla": ("3T", "7T"),
    "2011": ("a year later",), "2019-12-06": ("06/12/2019",),
    "2020-01-30": ("30th of January 2020",),
}


def _key(node: URIRef) -> str:
    text = str(node)
    return text[len(ID):] if text.startswith(ID) else text.rsplit("#", 1)[-1]


def names(graph: Graph, node: object) -> set[str]:
    """The words that name ``node`` in the source."""
    if isinstance(node, Literal):
        return {str(node), *VALUE_FORMS.get(str(node), ())}
    found = set(ALIASES.get(_key(node), ()))
    if isinstance(node, URIRef) and not str(node).startswith(ID):
        found.add(str(node))  # an identifier (ROR) is named by its own IRI in its table row
    for prop in (RDFS.label, PM.abbreviation, SKOS.prefLabel, SKOS.altLabel):
        for value in graph.objects(node, prop):
            found.add(str(value))
            # "Welsh Government Statement of Intent" is "WG Statement of Intent" in the list
            found.add(str(value).replace("Welsh Government", "WG"))
            # the reference tables write the apostrophe straight: "Queen's University Belfast"
            found.add(str(value).replace("\u2019", "'"))
    if (node, RDF.type, PM.CentreOfExcellence) in graph:
        for place in graph.objects(node, PM.location):
            found |= {str(v) for v in graph.objects(place, RDFS.label)}
    if (node, RDF.type, PM.Session) in graph:
        # "will be running sessions at the event"; "The Health Innovation Manchester session"
        found.add("sessions")
        found |= {str(v).split(" at ")[0] for v in graph.objects(node, RDFS.label)}
    return {n for n in found if n}


def in_profile(quote: str, centre_key: str) -> bool:
    """True when ``quote`` lies in the profile of the centre ``centre_key`` (centre/<city>)."""
    text = source_text(SOURCE)
    start, end = (text.find(mark) for mark in PROFILES[centre_key])
    at = text.find(fold_whitespace(quote))
    return start <= at < end


def _bounded(name: str) -> str:
    """``name`` as a pattern that matches whole words only (a symbol such as "£" anywhere)."""
    pattern = re.escape(name)
    if name[:1].isalnum():
        pattern = r"(?<![a-z0-9])" + pattern
    if name[-1:].isalnum():
        pattern += r"(?![a-z0-9])"
    return pattern


def refers_to(graph: Graph, quote: str, node: object) -> bool:
    """Does ``quote`` mention or clearly refer to ``node``?"""
    low = quote.lower()
    if isinstance(node, Literal) and node.datatype == XSD.decimal:
        # a store writes decimals canonically ("-5.93" for the table's "-5.930")
        numbers = {Decimal(n) for n in re.findall(r"-?\d+(?:\.\d+)?", quote)}
        if Decimal(str(node)) in numbers:
            return True
    if any(re.search(_bounded(n.lower()), low) for n in names(graph, node)):
        return True
    if isinstance(node, URIRef) and str(node).startswith(ID + "quantity/"):
        return any(refers_to(graph, quote, v) for v in graph.objects(node, PM.value))
    key = _key(node) if isinstance(node, URIRef) else ""
    return key in PROFILES and in_profile(quote, key)


#: Links exempt from naming both ends, with the reason.
EXEMPT_PREDICATES = {
    # a quantity's kind classifies the number its quote gives, as rdf:type classifies a thing
    str(PM.quantityKind),
}
