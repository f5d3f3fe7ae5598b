"""validate(): findings as data, warnings allowed, the caller's graph untouched, checks run."""

from __future__ import annotations

import sys

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SH

from pmgraph import validate as validate_fn
from pmgraph.errors import ParameterError
from pmgraph.graph.load import load_graph, plain_copy
from pmgraph.validation.validate import Severity, ValidationReport, report_graph, validate

ORG = "https://w3id.org/pmgraph/id/org/"
PM_NS = "https://w3id.org/pmgraph/ontology#"

SHAPES = """
pmsh:Organisation a sh:NodeShape ;
    sh:targetClass pm:Organisation ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "needs a label" ] ;
    sh:property [ sh:path pm:abbreviation ; sh:in ( "QEUH" "NHS" ) ;
                  sh:severity sh:Warning ; sh:message "unknown abbreviation" ] ;
    sh:property [ sh:path pm:hostedBy ; sh:class pm:Organisation ;
                  sh:message "the host must be an organisation" ] .
"""

DATA = """
orgn:alpha a pm:University ; rdfs:label "Alpha"@en ; pm:abbreviation "QEUH" ; pm:hostedBy orgn:nhs .
orgn:nhs a pm:NHSBody ; rdfs:label "Beta NHS"@en ; pm:abbreviation "NHS" .
"""


@pytest.fixture
def shapes(write_ttl):
    return write_ttl(SHAPES, "shapes.ttl")


def test_api_name_is_the_function():
    assert validate_fn is validate


def test_clean_data_conforms(write_ttl, shapes):
    report = validate(load_graph(write_ttl(DATA)), shapes=shapes, checks=False)
    assert isinstance(report, ValidationReport)
    assert report.conforms and report.findings == ()


def test_subclass_satisfies_sh_class_and_plain_strings_satisfy_sh_in(write_ttl, shapes):
    # pm:NHSBody is an Organisation only through the ontology; "QEUH" comes back from
    # Oxigraph typed xsd:string, which must still match the plain "QEUH" of sh:in.
    report = validate(load_graph(write_ttl(DATA)), shapes=shapes, checks=False)
    assert not [f for f in report.findings if f.constraint == "ClassConstraintComponent"]
    assert not [f for f in report.findings if f.constraint == "InConstraintComponent"]


def test_violation_is_reported_with_focus_label_path_and_message(write_ttl, shapes):
    data = DATA + 'orgn:gamma a pm:Company ; rdfs:label "Gamma"@en ; pm:hostedBy place:leeds .\n'
    data += "place:leeds a pm:City .\n"
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False)
    assert not report.conforms
    (finding,) = report.violations
    assert finding.focus == ORG + "gamma"
    assert finding.focus_label == "Gamma"
    assert finding.path == "https://w3id.org/pmgraph/ontology#hostedBy"
    assert finding.message == "the host must be an organisation"
    assert finding.constraint == "ClassConstraintComponent"
    assert finding.value == "https://w3id.org/pmgraph/id/place/leeds"
    assert finding.origin == "shacl"


def test_warnings_alone_conform(write_ttl, shapes):
    data = DATA + 'orgn:delta a pm:Charity ; rdfs:label "Delta"@en ; pm:abbreviation "DX" .\n'
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False)
    assert report.conforms
    (warning,) = report.warnings
    assert warning.severity is Severity.WARNING and warning.value == "DX"
    assert report.violations == ()


def test_most_severe_first_then_by_label(write_ttl, shapes):
    data = DATA + """
orgn:zed a pm:Charity ; rdfs:label "Zed"@en ; pm:abbreviation "Z" .
orgn:ann a pm:Charity ; rdfs:label "Ann"@en ; pm:abbreviation "A" .
orgn:mid a pm:Charity ; pm:abbreviation "NHS" .
orgn:bob a pm:Charity ; rdfs:label "Bob"@en ; pm:hostedBy orgn:nowhere .
"""
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False)
    severities = [f.severity for f in report.findings]
    assert severities == sorted(severities, key=lambda s: s.rank)
    assert [f.focus_label or f.focus for f in report.warnings] == ["Ann", "Zed"]
    assert {f.focus for f in report.violations} == {ORG + "bob", ORG + "mid"}
    assert [f.focus_label for f in report.violations][0] == "Bob"


def test_callers_graph_is_not_changed(write_ttl, shapes):
    graph = load_graph(write_ttl(DATA + "orgn:x a pm:Company .\n"))
    before = plain_copy(graph)
    validate(graph, shapes=shapes)
    assert len(graph) == len(before)
    assert isomorphic(plain_copy(graph), before)


def test_shapes_can_be_a_graph(write_ttl, shapes):
    shapes_graph = Graph().parse(shapes)
    data = write_ttl("orgn:x a pm:Company .\n")
    report = validate(load_graph(data), shapes=shapes_graph, checks=False)
    assert [f.message for f in report.violations] == ["needs a label"]


def test_check_queries_turn_rows_into_violations(write_ttl, shapes, tmp_path, monkeypatch):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "01-no-self-hosting-violation.rq").write_text(
        "PREFIX pm: <https://w3id.org/pmgraph/ontology#>\n"
        "SELECT ?focus ?message WHERE { ?focus pm:hostedBy ?focus "
        'BIND("hosts itself" AS ?message) }\n'
    )
    (checks / "notes.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n")  # not a check
    monkeypatch.setattr(sys.modules["pmgraph.validation.validate"], "checks_dir", lambda: checks)
    data = DATA + 'orgn:loop a pm:Company ; rdfs:label "Loop"@en ; pm:hostedBy orgn:loop .\n'
    report = validate(load_graph(write_ttl(data)), shapes=shapes)
    (finding,) = report.violations
    assert finding.focus == ORG + "loop" and finding.focus_label == "Loop"
    assert finding.message == "hosts itself"
    assert finding.constraint == "check:01-no-self-hosting-violation"
    assert finding.shape == "https://w3id.org/pmgraph/shapes#check-01-no-self-hosting-violation"
    assert finding.origin == "01-no-self-hosting-violation.rq"
    shacl = report_graph(report)
    (result,) = shacl.objects(None, SH.result)
    assert shacl.value(result, SH.sourceShape) == URIRef(finding.shape)
    assert not validate(load_graph(write_ttl(data)), shapes=shapes, checks=False).violations


def test_report_graph_is_a_shacl_report(write_ttl, shapes):
    graph = load_graph(write_ttl("orgn:x a pm:Company .\n"))
    report = validate(graph, shapes=shapes, checks=False)
    shacl = report_graph(report)
    (root,) = shacl.subjects(RDF.type, SH.ValidationReport)
    assert shacl.value(root, SH.conforms).toPython() is False
    results = list(shacl.objects(root, SH.result))
    assert len(results) == len(report.findings) == 1
    assert shacl.value(results[0], SH.focusNode) == URIRef(ORG + "x")


def test_records_are_plain_data(write_ttl, shapes):
    graph = load_graph(write_ttl("orgn:x a pm:Company .\n"))
    (record,) = validate(graph, shapes=shapes, checks=False).to_records()
    assert record["severity"] == "VIOLATION" and record["focus"] == ORG + "x"


def test_project_checks_run_on_inline_data(write_ttl, shapes):
    # The project's own checks flag an entity with no evidence quote.
    report = validate(load_graph(write_ttl('orgn:x a pm:Company ; rdfs:label "X"@en .\n')),
                      shapes=shapes)
    origins = {f.origin for f in report.violations}
    assert any(origin.endswith("-violation.rq") for origin in origins)


def test_project_data_conforms_to_project_shapes(project_graph):
    report = validate(project_graph)
    listed = "\n".join(f"{f.focus} {f.path}: {f.message}" for f in report.violations)
    assert report.conforms, f"the project's data has violations:\n{listed}"


def test_each_invalid_example_is_rejected_by_the_project_shapes():
    from pathlib import Path

    folder = Path(__file__).parent / "shapes" / "invalid"
    examples = sorted(folder.glob("*.ttl"))
    if not examples:
        pytest.skip("no invalid examples")
    accepted = [p.name for p in examples if validate(load_graph(p)).conforms]
    assert not accepted, f"validated cleanly: {accepted}"


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_a_plain_rdflib_graph_of_the_data_validates_like_the_loaded_one(engine):
    """Notebook users may parse data/ themselves: the ontology is added, not reported missing."""

    from pmgraph.graph.evidence import read_plain
    from pmgraph.graph.load import load_graph
    from pmgraph.paths import data_files

    plain = read_plain(*data_files())
    before = len(plain)
    report = validate(plain, engine=engine)
    loaded = validate(load_graph(), engine=engine)
    assert report.conforms and not report.violations
    assert [f.focus for f in report.findings] == [f.focus for f in loaded.findings]
    assert len(plain) == before


CUSTOM_SHAPES = SHAPES + """
pmsh:Review a sh:NodeShape ; sh:targetClass pm:Charity ;
    sh:property [ sh:path pm:abbreviation ; sh:minCount 1 ;
                  sh:severity <https://example.org/severity#Review> ;
                  sh:message "no abbreviation" ] .
"""


def test_custom_severity_is_kept_as_its_iri_in_every_format(write_ttl):
    from pmgraph.query.render import report_json, report_text

    shapes = write_ttl(CUSTOM_SHAPES, "shapes.ttl")
    data = DATA + 'orgn:zed a pm:Charity ; rdfs:label "Zed"@en .\n'
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False)
    (finding,) = report.findings
    iri = "https://example.org/severity#Review"
    assert finding.custom_severity == iri == finding.severity_iri
    assert not report.conforms  # an unknown severity is not taken for a warning
    text = report_text(report)
    assert f"{iri} (1):\n  {iri} Zed ({ORG}zed) pm:abbreviation: no abbreviation" in text
    assert text.rstrip().endswith("0 infos, 1 of a custom severity.")
    (record,) = __import__("json").loads(report_json(report))["findings"]
    assert record["severity"] == record["severity_iri"] == iri
    shacl = report_graph(report)
    assert list(shacl.objects(None, SH.resultSeverity)) == [URIRef(iri)]


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_every_result_names_its_shape(write_ttl, shapes, engine):
    data = DATA + 'orgn:x a pm:Company ; pm:abbreviation "X" .\n'
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False, engine=engine)
    blank_shape = "https://w3id.org/pmgraph/shapes#Organisation [sh:path {}]"
    assert sorted((f.constraint, f.shape) for f in report.findings) == [
        ("InConstraintComponent", blank_shape.format(PM_NS + "abbreviation")),
        ("MinCountConstraintComponent", blank_shape.format(str(RDFS.label))),
    ]
    shacl = report_graph(report)
    results = list(shacl.objects(None, SH.result))
    assert len(results) == 2
    for result in results:
        shape = shacl.value(result, SH.sourceShape)
        assert shape is not None
        assert shacl.value(shape, SH.path) == shacl.value(result, SH.resultPath)
        assert shacl.value(None, SH.property, shape) == URIRef(
            "https://w3id.org/pmgraph/shapes#Organisation")


def test_literals_a_store_would_rewrite_are_refused_by_sparql_and_checked_by_auto(monkeypatch):
    import rdflib

    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S sh:targetNode ex:a ; sh:path ex:n ; sh:datatype xsd:int .""", format="turtle")
    data = Graph().parse(data="""
        @prefix ex: <http://ex/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:n "5"^^xsd:int, "x"^^xsd:int .""", format="turtle")
    with pytest.raises(ParameterError, match="store holds in another form"):
        validate(data, shapes=shapes, checks=False, engine="sparql", ontology=False)
    for engine in ("auto", "pyshacl"):
        report = validate(data, shapes=shapes, checks=False, engine=engine, ontology=False)
        assert [f.value for f in report.findings] == ["x"]  # "5"^^xsd:int is well formed


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_a_shape_that_is_an_owl_class_targets_its_instances(write_ttl, engine):
    shapes = write_ttl("""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
pm:Charity a owl:Class, sh:NodeShape ;
    sh:property [ sh:path pm:abbreviation ; sh:minCount 1 ; sh:message "no abbreviation" ] .
""", "shapes.ttl")
    data = DATA + 'orgn:zed a pm:Charity ; rdfs:label "Zed"@en .\n'
    report = validate(load_graph(write_ttl(data)), shapes=shapes, checks=False, engine=engine)
    assert [(f.focus, f.message) for f in report.findings] == [(ORG + "zed", "no abbreviation")]


def test_findings_stay_the_same_after_other_shapes_files_were_used(write_ttl, tmp_path):
    """A long session (a notebook) that validates with other shapes files in between gets the
    same findings, paths included, as at first."""
    from pmgraph.paths import shapes_file

    graph = load_graph(write_ttl(
        'qty:odd a pm:MonetaryAmount ; rdfs:label "Odd amount"@en ; pm:value 5 ;'
        ' pm:currency "XYZ" .\n'))
    first = [f.to_record() for f in validate(graph).findings]
    assert any(f["path"] and f["path"].startswith("^<") for f in first), first
    for n in range(4):  # read, not compiled: pyshacl
        other = tmp_path / f"shapes-{n}.ttl"
        other.write_bytes(shapes_file().read_bytes())
        validate(graph, shapes=other, engine="pyshacl")
    assert [f.to_record() for f in validate(graph).findings] == first
