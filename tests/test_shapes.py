"""The SHACL shapes: valid examples conform, each invalid one is caught, the real data passes.

Examples live in ``tests/shapes/valid`` and ``tests/shapes/invalid``. An invalid example holds
one defect and starts with ``# expect: <focus IRI> <ConstraintComponent> [pmsh:<Shape>]``: the
report of each engine (pyshacl and the SPARQL engine) must name that focus node, constraint
component and shape, and an invalid example that validates cleanly fails the build. Shape
coverage: every constraint of every Violation-level shape fires on some invalid example, and
every Warning and Info one in some case of WARNING_CASES, with both engines.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH

from pmgraph.graph.load import load_graph
from pmgraph.graph.namespaces import GEO, PM, PMSH, SHAPES_IRI
from pmgraph.validation.validate import Finding, ValidationReport, validate

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "pm.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
EXAMPLES = ROOT / "tests" / "shapes"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))
DATA = sorted((ROOT / "data").glob("*.ttl"))
EXPECT = re.compile(
    r"^# expect: <?(?P<focus>https?://\S+?)>? (?P<component>\w+ConstraintComponent)"
    r"(?: pmsh:(?P<shape>\w+))?$"
)
ENGINES = ("pyshacl", "sparql")
SDO = Namespace("https://schema.org/")
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
# The constraint component each parameter of a shape reports.
COMPONENTS = {
    SH["class"]: "ClassConstraintComponent", SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent", SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent", SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent", SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent", SH.uniqueLang: "UniqueLangConstraintComponent",
    SH["in"]: "InConstraintComponent", SH.hasValue: "HasValueConstraintComponent",
    SH["or"]: "OrConstraintComponent", SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent", SH.node: "NodeConstraintComponent",
    SH.closed: "ClosedConstraintComponent",
}
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


def expectation(path: Path) -> tuple[str, str, str | None]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: <focus IRI> <Component>'"
    return match["focus"], match["component"], match["shape"]


@functools.cache
def engine_report(path: Path, engine: str) -> ValidationReport:
    """The shapes' findings (no check queries) of one engine on one example, computed once."""
    return validate(load_graph(path, include_project_data=False), checks=False, engine=engine)


def fired(report: ValidationReport) -> set[tuple[str, str, str]]:
    """(shape, component, severity) of every finding that names its shape."""
    return {(f.shape, f.constraint, f.severity.value) for f in report.findings if f.shape}


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


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_is_rejected_for_its_defect(path, engine):
    focus, component, shape = expectation(path)
    report = engine_report(path, engine)
    assert not report.conforms, f"{path.name} validated cleanly"
    named = [
        f for f in report.violations
        if f.focus == focus and f.constraint == component and f.origin == "shacl"
        and (shape is None or f.shape == str(PMSH[shape]))
    ]
    assert named, (
        f"{path.name}: no {component} violation of {shape} on {focus}; found:\n"
        f"{listing(report.findings)}"
    )
    assert all(len(f.message) > 40 for f in named), listing(named)


def test_validate_with_checks_rejects_an_invalid_example():
    # The default engine and the check queries, as `pmgraph validate` runs them.
    path = EXAMPLES / "invalid" / "probe-misspelt-rdfs-label.ttl"
    report = check(path)
    assert [(f.focus, f.constraint, f.path) for f in report.violations] == [
        ("https://w3id.org/pmgraph/id/org/university-of-glasgow", "ClosedConstraintComponent",
         "http://www.w3.org/2000/01/rdf-schema#lable")]


# Each case edits one valid example so that it breaks one recommendation: the graph still
# conforms and the report carries a warning (or, for the last, an info) on the expected resource.
RANKING = (
    "qty:university-of-glasgow-thes-2019-ranking a pm:Ranking ;\n"
    '    rdfs:label "51st in the THES 2019 global rankings"@en ;\n'
    '    pm:value "51"^^xsd:decimal ;\n'
    "    pm:quantityKind qk:value ;\n"
    "    pm:source src:iuk-precision-medicine-2019 ;\n"
    '    pm:evidence "THES 2019 global rankings: 51st for clinical, pre-clinical and health'
    ' research" .\n\n'
)
WARNING_CASES = [
    ("glasgow-centre.ttl", "centre-without-assets-or-themes",
     [("    pm:hasFacility fac:queen-elizabeth-university-hospital ;\n"
       "    pm:hasProgramme prog:qeuh-living-laboratory ;\n    pm:theme theme:imaging ;\n", "")],
     "centre/glasgow", "OrConstraintComponent", "CentreContentShape"),
    ("glasgow-centre.ttl", "facility-linked-to-nothing",
     [("    pm:hasFacility fac:queen-elizabeth-university-hospital ;\n", ""),
      ("    pm:developedBy orgn:university-of-glasgow-nhs-ggc-partnership ;\n", "")],
     "facility/queen-elizabeth-university-hospital", "MinCountConstraintComponent",
     "FacilityBelongs"),
    ("glasgow-centre.ttl", "city-without-coordinates",
     [("    geo:lat 55.864 ;\n    geo:long -4.252 ;\n", "")],
     "place/glasgow", "MinCountConstraintComponent", "LocalPlaceLatitude"),
    ("glasgow-centre.ttl", "city-without-longitude",
     [("    geo:long -4.252 ;\n", "")],
     "place/glasgow", "MinCountConstraintComponent", "LocalPlaceLongitude"),
    ("glasgow-centre.ttl", "district-not-in-a-city",
     [("    pm:containedIn place:glasgow ;\n", "")],
     "place/govan", "MinCountConstraintComponent", "DistrictVenueInCity"),
    ("glasgow-centre.ttl", "district-in-a-nation-not-a-city",
     [("    pm:containedIn place:glasgow ;\n", "    pm:containedIn place:scotland ;\n")],
     "place/govan", "ClassConstraintComponent", "DistrictVenueCity"),
    ("glasgow-centre.ttl", "amount-with-a-unit",
     [('    pm:currency "GBP" ;\n', '    pm:currency "GBP" ;\n    pm:unit "pounds" ;\n')],
     "quantity/qeuh-value", "MaxCountConstraintComponent", "AmountHasNoUnit"),
    ("glasgow-centre.ttl", "source-document-undated",
     [('    pm:publicationDate "2019-12-06"^^xsd:date ;\n', "")],
     "source/iuk-precision-medicine-2019", "MinCountConstraintComponent", "SourceDocumentDated"),
    ("glasgow-centre.ttl", "region-without-nation",
     [("# --- concepts",
       "place:west-of-scotland a pm:Region ;\n"
       '    rdfs:label "West of Scotland"@en ;\n'
       "    pm:source src:iuk-precision-medicine-2019 ;\n"
       '    pm:evidence "Glasgow is a leading location" .\n\n# --- concepts')],
     "place/west-of-scotland", "MinCountConstraintComponent", "RegionNation"),
    ("glasgow-centre.ttl", "network-without-members",
     [("# --- concepts",
       "orgn:other-network a pm:CentreNetwork ;\n"
       '    rdfs:label "Another network of centres"@en ;\n'
       "    pm:source src:iuk-precision-medicine-2019 ;\n"
       '    pm:evidence "the Precision Medicines Centres of Excellence Network" .\n\n'
       "# --- concepts")],
     "org/other-network", "MinCountConstraintComponent", "NetworkHasMembers"),
    ("glasgow-centre.ttl", "ranking-without-table",
     [("# --- concepts", RANKING + "# --- concepts"),
      ("    pm:ringgoldId \"3526\" ;\n",
       "    pm:ringgoldId \"3526\" ;\n"
       "    pm:hasQuantity qty:university-of-glasgow-thes-2019-ranking ;\n")],
     "quantity/university-of-glasgow-thes-2019-ranking", "MinCountConstraintComponent",
     "RankingTable"),
    ("event-and-session.ttl", "role-held-by-nobody",
     [("    pm:heldBy per:alison-cave ;\n", "")],
     "role/iscf-director-accelerating-detection-of-disease", "MinCountConstraintComponent",
     "RoleHeld"),
    ("event-and-session.ttl", "session-without-organiser",
     [("    pm:organiser orgn:university-of-glasgow ;\n", "")],
     "event/connecting-industries-2020-glasgow", "MinCountConstraintComponent",
     "EventOrganiser"),
    ("event-and-session.ttl", "event-undated",
     [('    pm:startDate "2020-01-30"^^xsd:date ;\n', "")],
     "event/connecting-industries-2020", "OrConstraintComponent", "EventDateShape"),
    ("event-and-session.ttl", "event-without-place",
     [("    pm:location place:stamford-bridge ;\n", "")],
     "event/connecting-industries-2020", "OrConstraintComponent", "EventPlaceShape"),
    ("event-and-session.ttl", "quote-of-one-word",
     [("per:alison-cave a pm:Person ;\n",
       "per:alison-cave a pm:Person ;\n    pm:evidence \"Alison\" ;\n")],
     "person/alison-cave", "MinLengthConstraintComponent", "EvidenceLength"),
    ("funding-and-policy.ttl", "policy-without-publisher",
     [("    pm:publisher orgn:welsh-government ;\n", "")],
     "document/wg-written-statement-precision-medicine", "MinCountConstraintComponent",
     "PolicyPublisher"),
    ("glasgow-centre.ttl", "resource-with-a-redundant-class",
     [("a pm:Hospital ;", "a pm:Hospital, pm:ClinicalFacility ;")],
     "facility/queen-elizabeth-university-hospital", "MaxCountConstraintComponent", "OneType"),
]


def edited(example: str, edits: list, tmp_path: Path) -> Path:
    text = (EXAMPLES / "valid" / example).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"the edit no longer applies to {example}: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / example
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("example", "edits", "focus", "component", "shape"),
    [pytest.param(c[0], *c[2:], id=c[1]) for c in WARNING_CASES],
)
def test_recommendation_gives_a_warning_not_a_violation(
    example, edits, focus, component, shape, engine, tmp_path
):
    report = validate(load_graph(edited(example, edits, tmp_path), include_project_data=False),
                      engine=engine)
    assert report.conforms, listing(report.violations)
    iri = "https://w3id.org/pmgraph/id/" + focus
    found = [f for f in report.warnings + report.infos
             if f.focus == iri and f.constraint == component and f.shape == str(PMSH[shape])]
    assert found, f"no {component} of {shape} on {iri}; found:\n{listing(report.findings)}"


# ---------------------------------------------------------------------------
# Shape coverage
# ---------------------------------------------------------------------------


def constraints_of(shapes: Graph) -> set[tuple[str, str, str]]:
    """(shape, component, severity) of every constraint of every targeted shape."""
    out = set()
    for shape in {s for key in TARGETS for s in shapes.subjects(key, None)}:
        severity = str(shapes.value(shape, SH.severity)).rsplit("#", 1)[1]
        for param, component in COMPONENTS.items():
            value = shapes.value(shape, param)
            if value is None or (param == SH.closed and value != Literal(True)):
                continue
            out.add((str(shape), component, severity))
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_every_constraint_fires_on_some_example(shapes, engine, tmp_path):
    """Coverage: each Violation constraint is broken by an invalid example, each Warning and
    Info constraint by a case of WARNING_CASES, and the engine reports it."""
    expected = constraints_of(shapes)
    hit = set()
    for path in INVALID:
        hit |= {f for f in fired(engine_report(path, engine)) if f[2] == "Violation"}
    for n, case in enumerate(WARNING_CASES):
        folder = tmp_path / str(n)
        folder.mkdir()
        report = validate(load_graph(edited(case[0], case[2], folder),
                                     include_project_data=False), checks=False, engine=engine)
        hit |= {f for f in fired(report) if f[2] != "Violation"}
    missed = sorted(expected - hit)
    assert len(expected) > 200
    assert not missed, f"{len(missed)} of {len(expected)} constraints never fire:\n" + "\n".join(
        f"  {s.rsplit('#', 1)[1]} {c} ({sev})" for s, c, sev in missed)


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


def targeted(shapes: Graph) -> set:
    return {s for key in TARGETS for s in shapes.subjects(key, None)}


def test_every_shape_has_a_name_a_message_and_a_severity(shapes):
    lacking = []
    for shape in targeted(shapes):
        for prop in (SH.name, SH.message, SH.severity):
            if shapes.value(shape, prop) is None:
                lacking.append(f"{shapes.value(shape, SH.name) or shape} lacks {prop}")
    for shape in all_shapes(shapes):
        for prop in (SH.name, SH.severity):
            if shapes.value(shape, prop) is None:
                name = shapes.value(shape, SH.name) or shapes.value(shape, SH.path) or shape
                lacking.append(f"{name} lacks {prop}")
    assert not lacking, "\n".join(sorted(lacking))


def test_no_shape_carries_a_message_that_cannot_be_reported(shapes):
    # A helper's findings carry the message of the shape using it, and a node shape whose only
    # constraints are sh:property children reports through those children.
    helpers = all_shapes(shapes) - targeted(shapes)
    dead = [str(shapes.value(s, SH.name)) for s in helpers if shapes.value(s, SH.message)]
    constraints = set(COMPONENTS) - {SH.closed}
    for shape in targeted(shapes):
        own = {p for p in shapes.predicates(shape, None) if p in constraints}
        if shapes.value(shape, SH.path) is None and not own and (
                shapes.value(shape, SH.closed) != Literal(True)):
            dead.append(str(shapes.value(shape, SH.name)))
    assert not dead, f"messages never reported: {sorted(dead)}"


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


def test_all_three_severities_are_used(shapes):
    used = set(shapes.objects(None, SH.severity))
    assert used == {SH.Violation, SH.Warning, SH.Info}


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
    assert len(properties) > 50
    unconstrained = sorted(p for p in properties if p not in paths)
    assert not unconstrained, f"properties no shape constrains: {unconstrained}"


def helper_classes(shapes: Graph, helper) -> set:
    """The classes a helper shape such as pmsh:IsOrganisation accepts."""
    found = set(shapes.objects(helper, SH["class"]))
    for head in shapes.objects(helper, SH["or"]):
        for member in Collection(shapes, head):
            found |= helper_classes(shapes, member)
    return found


def test_every_class_of_the_ontology_is_exactly_one_kind(shapes, ontology):
    kinds = [helper_classes(shapes, h)
             for h in Collection(shapes, shapes.value(PMSH.ClassOfTheModel, SH.xone))]
    classes = set(ontology.subjects(RDF.type, OWL.Class)) - {PM.Status}
    wrong = {}
    for cls in classes | {SKOS.Concept}:
        matching = [k for k in kinds if superclasses(ontology, cls) & k]
        if len(matching) != 1:
            wrong[cls] = matching
    assert not wrong, wrong


def domain(ontology: Graph, prop) -> set:
    return set(ontology.objects(prop, RDFS.domain)) | set(
        ontology.objects(prop, SDO.domainIncludes))


def test_subject_shapes_are_the_domains_of_the_ontology(shapes, ontology):
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    properties |= set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    wrong = []
    for prop in sorted(properties):
        expected = domain(ontology, prop)
        if not expected or prop in (PM.precededBy, PM.succeededBy):
            continue
        local = prop.split("#")[1]
        shape = PMSH[local[0].upper() + local[1:] + "Subject"]
        if shapes.value(shape, SH.targetSubjectsOf) != prop:
            wrong.append(f"{shape} does not target the subjects of {prop}")
        elif helper_classes(shapes, shape) != expected:
            wrong.append(f"{shape} accepts {helper_classes(shapes, shape)}, not {expected}")
    assert not wrong, "\n".join(wrong)


def test_closed_shapes_allow_what_the_ontology_allows(shapes, ontology):
    """Each property is allowed on every class family its domain reaches."""
    closed = {shapes.value(s, SH.targetClass): set(Collection(shapes, shapes.value(
        s, SH.ignoredProperties))) for s in shapes.subjects(SH.closed, Literal(True))}
    assert len(closed) >= 14
    wrong = []
    for prop in set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
            ontology.subjects(RDF.type, OWL.DatatypeProperty)):
        for cls in domain(ontology, prop):
            families = [f for f in closed if f in superclasses(ontology, cls)]
            assert families, f"no closed shape for {cls}"
            wrong += [f"{prop} on {f}" for f in families if prop not in closed[f]]
    assert not wrong, "\n".join(sorted(wrong))


def test_resource_shape_reaches_every_described_resource(shapes, ontology):
    # A resource with a misspelt class matches no sh:targetClass; it is still the subject of
    # the model's predicates, which pmsh:ResourceShape targets.
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    properties |= set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    # pm:quote lives in annotations and pm:evidenceQuote on the statement records made from
    # them: neither describes a resource, but a statement record is one kind of the model.
    resources = properties - {PM.quote, PM.evidenceQuote} | {GEO.lat, GEO.long}
    assert set(shapes.objects(PMSH.ResourceShape, SH.targetSubjectsOf)) == resources
    assert set(shapes.objects(PMSH.ClassOfTheModel, SH.targetSubjectsOf)) == resources | {
        PM.evidenceQuote}


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
    ] == [("https://w3id.org/pmgraph/id/org/oxford-university", "XoneConstraintComponent")]


def test_a_standard_engine_needs_the_ontology_beside_the_data():
    """Portability: pyshacl given ontology/pm.ttl as its ontology graph reports the misspelt
    predicate of a pm:University through the closed shape of pm:Organisation; given the data
    alone it cannot know that a university is an organisation, and misses it."""
    import pyshacl

    path = EXAMPLES / "invalid" / "probe-misspelt-rdfs-label.ttl"

    def reporting_shapes(**kwargs) -> set:
        _, report, _ = pyshacl.validate(Graph().parse(path), shacl_graph=Graph().parse(SHAPES),
                                        allow_warnings=True, **kwargs)
        return set(report.objects(None, SH.sourceShape))

    assert PMSH.OrganisationPredicates in reporting_shapes(ont_graph=Graph().parse(ONTOLOGY))
    assert PMSH.OrganisationPredicates not in reporting_shapes()
