"""sh:xone and sh:or of shapes that only test a node's classes: the SPARQL engine reads each
node's types once (not one EXISTS a member) and finds exactly what pyshacl finds."""

from __future__ import annotations

from rdflib import Graph

from pmgraph.graph.load import load_graph
from pmgraph.validation.validate import validate

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
ex:OneKind a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
  sh:xone ( ex:IsA ex:IsBOrC ex:IsD ) .
ex:AOrD a sh:NodeShape ; sh:targetSubjectsOf ex:q ; sh:or ( ex:IsA ex:IsD ) .
ex:IsA a sh:NodeShape ; sh:class ex:A .
ex:IsBOrC a sh:NodeShape ; sh:or ( ex:IsB ex:IsC ) .
ex:IsB a sh:NodeShape ; sh:class ex:B .
ex:IsC a sh:NodeShape ; sh:class ex:C .
ex:IsD a sh:NodeShape ; sh:class ex:D .
"""

DATA = """
@prefix ex: <http://ex/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:SubB rdfs:subClassOf ex:B . ex:SubSubA rdfs:subClassOf ex:SubA . ex:SubA rdfs:subClassOf ex:A .
ex:untyped ex:p 1 .
ex:a a ex:A ; ex:p 1 ; ex:q 1 .
ex:deep a ex:SubSubA ; ex:p 1 ; ex:q 1 .
ex:a-and-b a ex:A, ex:B ; ex:p 1 .
ex:sub-b a ex:SubB ; ex:p 1 ; ex:q 1 .
ex:b-and-c a ex:B, ex:C ; ex:p 1 .
ex:sub-b-and-c a ex:SubB, ex:C ; ex:p 1 .
ex:a-and-d a ex:A, ex:D ; ex:p 1 ; ex:q 1 .
ex:other a ex:E ; ex:p 1 ; ex:q 1 .
"""


def _found(tmp_path, engine: str) -> set[tuple[str, str, str]]:
    (tmp_path / "data.ttl").write_text(DATA, encoding="utf-8")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    report = validate(load_graph(tmp_path / "data.ttl"), shapes=shapes, engine=engine,
                      checks=False, ontology=False)
    return {(f.focus.rsplit("/", 1)[-1], f.constraint, f.shape.rsplit("/", 1)[-1])
            for f in report.findings}


def test_xone_and_or_of_class_shapes_find_what_pyshacl_finds(tmp_path):
    expected = {
        # no member: no type of the model, or one of another class
        ("untyped", "XoneConstraintComponent", "OneKind"),
        ("other", "XoneConstraintComponent", "OneKind"),
        ("other", "OrConstraintComponent", "AOrD"),
        # two members (B and C are one member: its own sh:or)
        ("a-and-b", "XoneConstraintComponent", "OneKind"),
        ("a-and-d", "XoneConstraintComponent", "OneKind"),
        # neither A nor D, through a subclass of B
        ("sub-b", "OrConstraintComponent", "AOrD"),
    }
    assert _found(tmp_path, "sparql") == expected
    assert _found(tmp_path, "pyshacl") == expected
