"""The SHACL shapes: valid examples conform, each invalid one is caught, the real data passes.

Examples live in ``tests/shapes/valid`` and ``tests/shapes/invalid``. An invalid example holds
one defect and starts with ``# expect: <focus IRI> <ConstraintComponent>``: the report must
name that focus node and constraint component, and an invalid example that validates cleanly
fails the build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH

from pmgraph.load import load_graph
from pmgraph.namespaces import GEO, PM, PMSH, SHAPES_IRI
from pmgraph.validate import Finding, ValidationReport, validate

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "pm.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
EXAMPLES = ROOT / "tests" / "shapes"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))
DATA = sorted((ROOT / "data").glob("*.ttl"))
EXPECT = re.compile(
    r"^# expect: <?(?P<focus>https?://\S+?)>? (?P<component>\w+ConstraintComponent)$"
)
CONSTRAINT_LIST_KEYS = (SH["or"], SH["and"], SH.xone)
CONSTRAINT_SHAPE_KEYS = (SH.node, SH["not"], SH.qualifiedValueShape)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def check(path: Path) -> ValidationReport:
    return validate(load_graph(path, include_project_data=False))


def listing(findings: tuple[Finding, ...] | list[Finding]) -> str:
    return "\n".join(
        f"  [{f.severity.name}] {f.focus} {f.constraint} {f.path or ''}: {f.message} ({f.origin})"
        for f in findings
    )


def expectation(path: Path) -> tuple[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: <focus IRI> <Component>'"
    return match["focus"], match["component"]


# ---------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------


def test_there_are_examples_of_both_kinds():
    assert len(VALID) >= 3
    assert len(INVALID) >= 15


def readme_prefix_block() -> str:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    return readme.split("```turtle\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_uses_the_data_prefix_block(path):
    assert readme_prefix_block() in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms_without_findings(path):
    report = check(path)
    assert report.conforms, f"{path.name} has violations:\n{listing(report.violations)}"
    assert not report.findings, f"{path.name} has findings:\n{listing(report.findings)}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_is_rejected_for_its_defect(path):
    focus, component = expectation(path)
    report = check(path)
    assert not report.conforms, f"{path.name} validated cleanly"
    named = [
        f for f in report.violations
        if f.focus == focus and f.constraint == component and f.origin == "shacl"
    ]
    assert named, (
        f"{path.name}: no {component} violation on {focus}; found:\n{listing(report.findings)}"
    )
    assert all(len(f.message) > 40 for f in named), listing(named)


# Each case edits one valid example so that it breaks one recommendation: the graph still
# conforms and the report carries a warning on the expected resource.
WARNING_CASES = [
    ("glasgow-centre.ttl", "centre-outside-the-network",
     [("    pm:memberOf orgn:pm-coe-network ;\n", "")],
     "centre/glasgow", "MinCountConstraintComponent"),
    ("glasgow-centre.ttl", "centre-without-assets-or-themes",
     [("    pm:hasAsset fac:queen-elizabeth-university-hospital ;\n    pm:theme theme:imaging ;\n",
       "")],
     "centre/glasgow", "OrConstraintComponent"),
    ("glasgow-centre.ttl", "facility-linked-to-nothing",
     [("    pm:hasAsset fac:queen-elizabeth-university-hospital ;\n", ""),
      ("    pm:hostedBy orgn:nhs-greater-glasgow-and-clyde ;\n", "")],
     "facility/queen-elizabeth-university-hospital", "MinCountConstraintComponent"),
    ("glasgow-centre.ttl", "city-without-coordinates",
     [("    geo:lat 55.864 ;\n    geo:long -4.252 ;\n", "")],
     "place/glasgow", "MinCountConstraintComponent"),
    ("glasgow-centre.ttl", "district-not-in-a-city",
     [("    pm:containedIn place:glasgow ;\n", "")],
     "place/govan", "MinCountConstraintComponent"),
    ("glasgow-centre.ttl", "amount-with-a-unit",
     [('    pm:currency "GBP" ;\n', '    pm:currency "GBP" ;\n    pm:unit "pounds" ;\n')],
     "quantity/qeuh-value", "MaxCountConstraintComponent"),
    ("glasgow-centre.ttl", "source-document-undated",
     [('    pm:publicationDate "2019-12-06"^^xsd:date ;\n', "")],
     "source/iuk-precision-medicine-2019", "MinCountConstraintComponent"),
    ("glasgow-centre.ttl", "region-without-nation",
     [("# --- concepts",
       "place:west-of-scotland a pm:Region ;\n"
       '    rdfs:label "West of Scotland"@en ;\n'
       "    pm:source src:iuk-precision-medicine-2019 ;\n"
       '    pm:evidence "Glasgow" .\n\n# --- concepts')],
     "place/west-of-scotland", "MinCountConstraintComponent"),
    ("event-and-session.ttl", "role-held-by-nobody",
     [("    pm:heldBy per:alison-cave ;\n", "")],
     "role/iscf-director-accelerating-detection-of-disease", "MinCountConstraintComponent"),
    ("event-and-session.ttl", "session-without-organiser",
     [("    pm:organiser orgn:university-of-glasgow ;\n", "")],
     "event/connecting-industries-2020-glasgow", "MinCountConstraintComponent"),
    ("funding-and-policy.ttl", "policy-without-publisher",
     [("    pm:publisher orgn:welsh-government ;\n", "")],
     "document/wg-written-statement-precision-medicine", "MinCountConstraintComponent"),
    ("event-and-session.ttl", "event-undated",
     [('    pm:startDate "2020-01-30"^^xsd:date ;\n', "")],
     "event/connecting-industries-2020", "OrConstraintComponent"),
]


@pytest.mark.parametrize(
    ("example", "edits", "focus", "component"),
    [pytest.param(c[0], *c[2:], id=c[1]) for c in WARNING_CASES],
)
def test_recommendation_gives_a_warning_not_a_violation(
    example, edits, focus, component, tmp_path
):
    text = (EXAMPLES / "valid" / example).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"the edit no longer applies to {example}: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / example
    path.write_text(text, encoding="utf-8")
    report = check(path)
    assert report.conforms, listing(report.violations)
    iri = "https://w3id.org/pmgraph/id/" + focus
    warned = [f for f in report.warnings if f.focus == iri and f.constraint == component]
    assert warned, f"no {component} warning on {iri}; found:\n{listing(report.findings)}"


# ---------------------------------------------------------------------------
# The project's data
# ---------------------------------------------------------------------------


@pytest.mark.skipif(not DATA, reason="data/ has no Turtle files yet")
def test_project_data_has_no_violations():
    report = validate(load_graph(*DATA, include_project_data=False))
    assert not report.violations, (
        f"{len(report.violations)} violations in data/:\n{listing(report.violations)}"
    )


# ---------------------------------------------------------------------------
# The shapes graph itself
# ---------------------------------------------------------------------------


def all_shapes(shapes: Graph) -> set:
    """Every shape: declared, targeted, attached with sh:property, or used by another shape."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property))
    for key in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
        found |= set(shapes.subjects(key, None))
    for key in CONSTRAINT_SHAPE_KEYS:
        found |= set(shapes.objects(None, key))
    for key in CONSTRAINT_LIST_KEYS:
        for head in shapes.objects(None, key):
            found |= set(Collection(shapes, head))
    return found


def test_shapes_graph_has_a_header(shapes):
    assert (SHAPES_IRI, RDF.type, OWL.Ontology) in shapes
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionInfo,
                 OWL.versionIRI):
        assert shapes.value(SHAPES_IRI, prop) is not None, f"shapes header lacks {prop}"


def test_every_shape_has_a_name_a_message_and_a_severity(shapes):
    lacking = []
    for shape in all_shapes(shapes):
        for prop in (SH.name, SH.message, SH.severity):
            if shapes.value(shape, prop) is None:
                name = shapes.value(shape, SH.name) or shapes.value(shape, SH.path) or shape
                lacking.append(f"{name} lacks {prop}")
    assert not lacking, "\n".join(sorted(lacking))


def test_node_shapes_are_named_in_the_shapes_namespace(shapes):
    node_shapes = {s for s in all_shapes(shapes) if shapes.value(s, SH.path) is None}
    assert len(node_shapes) > 30
    stray = [s for s in node_shapes if isinstance(s, BNode) or not str(s).startswith(str(PMSH))]
    assert not stray, f"node shapes without a pmsh: IRI: {stray}"


def test_shapes_used_by_other_shapes_are_violations(shapes):
    # With allow_warnings, pyshacl counts a failing sh:Warning shape inside sh:or as passing,
    # so a helper must be sh:Violation; the using shape sets the finding's severity.
    used = set()
    for key in CONSTRAINT_SHAPE_KEYS:
        used |= set(shapes.objects(None, key))
    for key in CONSTRAINT_LIST_KEYS:
        for head in shapes.objects(None, key):
            used |= set(Collection(shapes, head))
    for helper in list(used):
        used |= set(shapes.objects(helper, SH.property))
    assert used
    warnings = sorted(str(shapes.value(s, SH.name)) for s in used
                      if shapes.value(s, SH.severity) != SH.Violation)
    assert not warnings, f"helper shapes that are not sh:Violation: {warnings}"


def test_both_severities_are_used(shapes):
    used = set(shapes.objects(None, SH.severity))
    assert used == {SH.Violation, SH.Warning}


def test_shapes_use_shacl_core_only(shapes):
    sparql = {SH.sparql, SH.select, SH.ask, SH.SPARQLConstraint, SH.SPARQLTarget, SH.js}
    used = {t for triple in shapes for t in triple if t in sparql}
    assert not used, f"SHACL-SPARQL used: {used}"


def superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


def test_every_class_of_the_ontology_is_targeted(shapes, ontology):
    targets = set(shapes.objects(None, SH.targetClass))
    untargeted = [
        cls for cls in ontology.subjects(RDF.type, OWL.Class)
        if not superclasses(ontology, cls) & targets
    ]
    assert not untargeted, f"classes no shape targets: {sorted(untargeted)}"
    assert SKOS.Concept in targets


def test_every_property_of_the_ontology_is_constrained(shapes, ontology):
    paths = set(shapes.objects(None, SH.path))
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    properties |= set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    assert len(properties) == 51
    unconstrained = sorted(p for p in properties if p not in paths)
    assert not unconstrained, f"properties no shape constrains: {unconstrained}"


def test_type_list_is_exactly_the_classes_of_the_ontology(shapes, ontology):
    listed = set(Collection(shapes, shapes.value(PMSH.ClassOfTheModel, SH["in"])))
    assert listed == set(ontology.subjects(RDF.type, OWL.Class)) | {SKOS.Concept}


def test_resource_shape_reaches_every_described_resource(shapes, ontology):
    # A resource with a misspelt class matches no sh:targetClass; it is still the subject of
    # the model's predicates, which pmsh:ResourceShape targets.
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    properties |= set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    for shape in (PMSH.ResourceShape, PMSH.ClassOfTheModel):
        targeted = set(shapes.objects(shape, SH.targetSubjectsOf))
        # the provenance properties describe statement records, not resources
        assert targeted == properties - {PM.quote, PM.evidenceQuote} | {GEO.lat, GEO.long}, shape


def test_misspelt_class_is_caught_by_the_type_list(write_ttl):
    path = write_ttl("""
        orgn:oxford-university a pm:Univeristy ;
            rdfs:label "University of Oxford"@en ;
            pm:source src:iuk-precision-medicine-2019 ;
            pm:evidence "The Oxford community provides national leadership" .
        src:iuk-precision-medicine-2019 a pm:SourceDocument ;
            rdfs:label "IUK Precision Medicine"@en ;
            pm:publicationDate "2019-12-06"^^xsd:date .
    """)
    report = check(path)
    assert [
        (f.focus, f.constraint) for f in report.violations if f.origin == "shacl"
    ] == [("https://w3id.org/pmgraph/id/org/oxford-university", "InConstraintComponent")]
