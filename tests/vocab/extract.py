"""Write vivo.ttl and schema.ttl: the axioms of the VIVO and schema.org terms pm.ttl reuses.

Run from the project root with a copy of each source file (see README.md in this folder):
``python tests/vocab/extract.py VIVO_OWL VIVO_COMMIT SCHEMA_TTL SCHEMA_COMMIT``. The terms
are those ontology/pm.ttl names, followed up their super-classes and super-properties.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

SDO = Namespace("https://schema.org/")
VIVO = Namespace("http://vivoweb.org/ontology/core#")
HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE.parents[1] / "ontology" / "pm.ttl"

VIVO_HEADER = """\
# VIVO ontology: the axioms of the VIVO terms that ontology/pm.ttl reuses, and of their
# super-terms (types, rdfs:subClassOf, rdfs:subPropertyOf, owl:inverseOf, domains, ranges,
# disjointness), namespace http://vivoweb.org/ontology/core#.
# Source: https://github.com/vivo-project/VIVO, home/src/main/resources/rdf/tbox/filegraph/vivo.owl
# at commit {commit}; extracted by tests/vocab/extract.py.
# Licence: BSD 3-Clause, Copyright (c) Lyrasis (the VIVO project's LICENSE). Used only as axioms
# for the consistency tests.

"""
SCHEMA_HEADER = """\
# schema.org: the axioms of the schema.org terms that ontology/pm.ttl reuses, and of their
# super-classes and super-properties (rdf:type, rdfs:subClassOf, rdfs:subPropertyOf,
# schema:domainIncludes, schema:rangeIncludes, equivalences, schema:inverseOf).
# schema.org states no owl:disjointWith and no formal domains: its domainIncludes/rangeIncludes
# are checked by tests/test_ontology.py as "one of these classes" over the data.
# Source: https://github.com/schemaorg/schemaorg, data/releases/30.0/schemaorg-current-https.ttl
# at commit {commit}; extracted by tests/vocab/extract.py.
# Licence: Creative Commons Attribution-ShareAlike 3.0, https://creativecommons.org/licenses/by-sa/3.0/
# (schema.org terms of use, https://schema.org/docs/terms.html). Used only as axioms for the tests.

"""


def extract(source: Graph, namespace: Namespace, keys: tuple, follow: tuple) -> Graph:
    """The ``keys`` triples of every term of ``namespace`` that pm.ttl uses, and of the terms
    reached from them through ``follow``."""
    pm = Graph().parse(ONTOLOGY)
    todo = {t for t in pm.all_nodes() if isinstance(t, URIRef) and t.startswith(str(namespace))}
    todo -= {SDO.domainIncludes, SDO.rangeIncludes}
    out, seen = Graph(), set()
    out.bind(namespace.split("/")[2].split(".")[0], namespace)
    while todo:
        term = todo.pop()
        seen.add(term)
        for prop, obj in source.predicate_objects(term):
            if prop in keys and isinstance(obj, URIRef):
                out.add((term, prop, obj))
                if prop in follow and obj.startswith(str(namespace)) and obj not in seen:
                    todo.add(obj)
    return out


def main(vivo_owl: str, vivo_commit: str, schema_ttl: str, schema_commit: str) -> None:
    keys = (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, RDFS.domain,
            RDFS.range, OWL.disjointWith)
    vivo = extract(Graph().parse(vivo_owl, format="xml"), VIVO, keys, keys[1:])
    (HERE / "vivo.ttl").write_text(
        VIVO_HEADER.format(commit=vivo_commit) + vivo.serialize(format="turtle"))
    keys = (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, SDO.domainIncludes,
            SDO.rangeIncludes, OWL.equivalentClass, OWL.equivalentProperty, SDO.inverseOf)
    schema = extract(Graph().parse(schema_ttl), SDO, keys, (RDFS.subClassOf, RDFS.subPropertyOf))
    (HERE / "schema.ttl").write_text(
        SCHEMA_HEADER.format(commit=schema_commit) + schema.serialize(format="turtle"))


if __name__ == "__main__":
    main(*sys.argv[1:])
