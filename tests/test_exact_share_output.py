"""Terms as written in query output (``--format json`` and ``sparql-json``), and a value
written in two forms in one graph, as each command shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: predicate -> (object as written in Turtle, its SPARQL JSON binding).
LITERALS = {
    "int": ('"01"^^xsd:integer', {"datatype": XSD + "integer", "value": "01"}),
    "plus": ('"+7"^^xsd:integer', {"datatype": XSD + "integer", "value": "+7"}),
    "dec": ('"1.50"^^xsd:decimal', {"datatype": XSD + "decimal", "value": "1.50"}),
    "xint": ('"5"^^xsd:int', {"datatype": XSD + "int", "value": "5"}),
    "dbl": ('"1E0"^^xsd:double', {"datatype": XSD + "double", "value": "1E0"}),
    "flag": ('"0"^^xsd:boolean', {"datatype": XSD + "boolean", "value": "0"}),
    "yes": ('"true"^^xsd:boolean', {"datatype": XSD + "boolean", "value": "true"}),
    "dt": ('"2020-01-01T00:00:00.000Z"^^xsd:dateTime',
           {"datatype": XSD + "dateTime", "value": "2020-01-01T00:00:00.000Z"}),
    "lang": ('"x"@en-GB', {"xml:lang": "en-GB", "value": "x"}),
    "text": ('"plain"', {"value": "plain"}),
}
PREFIXES = f"@prefix ex: <{EX}> .\n@prefix xsd: <{XSD}> .\n"
QUERY = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }} ORDER BY ?p\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "literals.ttl"
    path.write_text(PREFIXES + "".join(f"ex:a ex:{name} {term} .\n"
                                       for name, (term, _) in LITERALS.items()),
                    encoding="utf-8")
    return path


@pytest.fixture
def query(tmp_path: Path) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(QUERY, encoding="utf-8")
    return path


def by_name(rows: list[dict]) -> dict[str, object]:
    return {row["p"][len(EX):]: row["o"] for row in rows}


def test_json_writes_each_number_as_written_or_as_text(cli, data, query):
    run = cli("query", query, "--data", data, "--format", "json")
    assert run.code == 0, run.err
    # the bytes keep each lexical form: a JSON number where its text is the lexical form
    for name, text in [("dec", "1.50"), ("dbl", "1E0"), ("xint", "5"), ("yes", "true")]:
        assert re.search(rf'"o": {re.escape(text)}\n', run.out), (name, run.out)
    values = by_name(json.loads(run.out))
    assert values["int"] == "01" and values["plus"] == "+7"  # no JSON number is written so
    assert values["flag"] == "0" and values["yes"] is True
    assert values["dec"] == 1.5 and values["dbl"] == 1.0 and values["xint"] == 5
    assert values["dt"] == "2020-01-01T00:00:00.000Z" and values["lang"] == "x"


def test_sparql_json_gives_every_term_with_its_datatype_and_tag(cli, data, query):
    run = cli("query", query, "--data", data, "--format", "sparql-json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["head"]["vars"] == ["p", "o"]
    bindings = {row["p"]["value"][len(EX):]: row["o"]
                for row in document["results"]["bindings"]}
    assert bindings == {name: {"type": "literal", **binding}
                        for name, (_, binding) in LITERALS.items()}


def test_sparql_json_of_a_value_comparison_and_of_ask(cli, data, tmp_path):
    equal = tmp_path / "equal.rq"
    equal.write_text(f"SELECT ?o WHERE {{ <{EX}a> ?p ?o FILTER(?o = 1) }}\n", encoding="utf-8")
    run = cli("query", equal, "--data", data, "--format", "sparql-json")
    found = {row["o"]["value"] for row in json.loads(run.out)["results"]["bindings"]}
    assert found == {"01", "1E0"}  # by value, shown as written
    ask = tmp_path / "ask.rq"
    ask.write_text(f'ASK {{ <{EX}a> <{EX}dec> 1.5 }}\n', encoding="utf-8")
    run = cli("query", ask, "--data", data, "--format", "sparql-json")
    assert json.loads(run.out) == {"head": {}, "boolean": True}


@pytest.fixture
def two_forms(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first.ttl", tmp_path / "second.ttl"
    first.write_text(PREFIXES + 'ex:a ex:v "1"^^xsd:integer .\n', encoding="utf-8")
    second.write_text(PREFIXES + 'ex:b ex:v "01"^^xsd:integer .\n', encoding="utf-8")
    return first, second


def test_a_value_in_two_forms_is_named_once_with_each_file(cli, two_forms, tmp_path):
    first, second = two_forms
    rq = tmp_path / "v.rq"
    rq.write_text(f"SELECT ?s ?v WHERE {{ ?s <{EX}v> ?v }} ORDER BY ?s\n", encoding="utf-8")
    run = cli("query", rq, "--data", first, "--data", second, "--format", "sparql-json")
    assert run.code == 0
    warnings = [line for line in run.err.splitlines() if "several forms" in line]
    assert warnings == [
        f'pmgraph: the data: a value is written in several forms: "01"^^xsd:integer '
        f'({second}) and "1"^^xsd:integer ({first}); the store keeps one ("1"^^xsd:integer), '
        "which query results show for each; exports, validation and rdflib's API keep each "
        "form as written"]
    # query rows: the store's one form, as the warning says
    rows = json.loads(run.out)["results"]["bindings"]
    assert [row["v"]["value"] for row in rows] == ["1", "1"]
    # the export: each statement with its own form
    out = tmp_path / "out.nt"
    assert cli("export", "--data", first, "--data", second, "--out", out).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f'<{EX}a> <{EX}v> "1"^^<{XSD}integer> .' in lines
    assert f'<{EX}b> <{EX}v> "01"^^<{XSD}integer> .' in lines


def test_two_forms_in_one_file_are_named_with_it(cli, tmp_path):
    path = tmp_path / "both.ttl"
    path.write_text(PREFIXES + 'ex:a ex:v "1.50"^^xsd:decimal .\nex:b ex:v 1.5 .\n',
                    encoding="utf-8")
    run = cli("stats", "--data", path)
    warnings = [line for line in run.err.splitlines() if "several forms" in line]
    assert len(warnings) == 1 and warnings[0].startswith(
        f'pmgraph: the data: a value is written in several forms: "1.5"^^xsd:decimal ({path}) '
        f'and "1.50"^^xsd:decimal ({path}); the store keeps one ("1.5"^^xsd:decimal)')
