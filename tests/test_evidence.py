"""Statement provenance: every link and factual literal carries quotes that support it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from evidence_refs import EXEMPT_PREDICATES, refers_to
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from pmgraph.graph.evidence import (
    FACTUAL_LITERALS,
    ID,
    MIN_QUOTE_CHARS,
    NOT_STATEMENTS,
    STATEMENT,
    anchor,
    evidence_findings,
)
from pmgraph.graph.load import load_graph
from pmgraph.graph.namespaces import PM
from pmgraph.paths import data_files, sources_dir

ROOT = Path(__file__).resolve().parent.parent
OA = "http://www.w3.org/ns/oa#"
DCTERMS_SOURCE = URIRef("http://purl.org/dc/terms/source")


@pytest.fixture(scope="module")
def graph():
    return load_graph()


#: What a resource of the data says of itself, in its own words, which its pm:evidence
#: quotes cover: every other triple from a resource of the data is a statement of a source.
OWN_WORDS = frozenset(str(p) for p in (
    RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.description,
    DCTERMS.title, DCTERMS.identifier, PM.abbreviation, PM.evidence,
))


def statements_needing_evidence(graph) -> set[tuple]:
    """Every triple from a resource of the data but its kind, its concept scheme, its
    provenance and its own words, counted from the triples (not from the validator's rule)."""
    skip = OWN_WORDS | {str(RDF.type), str(SKOS.inScheme), str(PM.source),
                        str(PM.evidenceQuote)}
    return {(s, p, o) for s, p, o in graph if str(s).startswith(ID) and str(p) not in skip}


def test_the_validators_rule_covers_every_statement(graph):
    """The validator's rule (a link to any IRI, or a factual literal) picks out the same
    triples as the count above: a new kind of fact cannot go unchecked."""
    ruled = {(s, p, o) for s, p, o in graph
             if str(s).startswith(ID) and str(p) not in NOT_STATEMENTS
             and (isinstance(o, URIRef) or str(p) in FACTUAL_LITERALS)}
    assert ruled == statements_needing_evidence(graph)


def records(graph) -> dict[tuple, list[URIRef]]:
    """(s, p, o) -> the quote selectors of its statement record."""
    out: dict[tuple, list[URIRef]] = {}
    for st in graph.subjects(RDF.type, RDF.Statement):
        key = (graph.value(st, RDF.subject), graph.value(st, RDF.predicate),
               graph.value(st, RDF.object))
        out.setdefault(key, []).extend(graph.objects(st, PM.evidenceQuote))
    return out


# --- the real data --------------------------------------------------------------------


def test_every_link_and_factual_literal_has_evidence(graph):
    needed = statements_needing_evidence(graph)
    have = {k for k, quotes in records(graph).items() if quotes}
    assert len(needed) >= 300, len(needed)
    assert needed - have == set()
    assert evidence_findings(graph) == []


def test_every_statement_record_names_a_statement_of_the_graph(graph):
    for s, p, o in records(graph):
        assert (s, p, o) in graph, (s, p, o)


def test_every_quote_occurs_in_its_repaired_source_and_is_anchored(graph):
    quotes = list(graph.subjects(RDF.type, URIRef(OA + "TextQuoteSelector")))
    assert len(quotes) >= 100
    for q in quotes:
        exact = str(graph.value(q, URIRef(OA + "exact")))
        source = graph.value(q, DCTERMS_SOURCE)
        identifier = graph.value(source, URIRef("http://purl.org/dc/terms/identifier"))
        path = sources_dir() / str(identifier)
        where = anchor(exact, path)
        assert where.found, (q, exact)
        assert len(exact) >= MIN_QUOTE_CHARS, exact
        # prefix and suffix are the source's own text around the quote
        assert str(graph.value(q, URIRef(OA + "prefix"))) == where.prefix
        assert str(graph.value(q, URIRef(OA + "suffix"))) == where.suffix
        if where.start > 0:
            assert where.prefix


def test_one_passage_of_a_source_is_one_selector_shared_by_its_statements(graph):
    selectors = list(graph.subjects(RDF.type, URIRef(OA + "TextQuoteSelector")))
    passages = {(graph.value(q, DCTERMS_SOURCE), str(graph.value(q, URIRef(OA + "exact"))))
                for q in selectors}
    assert len(passages) == len(selectors)
    uses = {q: len(set(graph.subjects(PM.evidenceQuote, q))) for q in selectors}
    # the data quotes many passages for more than one statement
    assert sum(1 for n in uses.values() if n > 1) >= 20
    assert sum(uses.values()) > len(selectors)


def test_every_quote_names_or_refers_to_both_ends(graph):
    missing = []
    for (s, p, o), quotes in records(graph).items():
        for q in quotes:
            exact = str(graph.value(q, URIRef(OA + "exact")))
            if not refers_to(graph, exact, s) or (
                str(p) not in EXEMPT_PREDICATES and not refers_to(graph, exact, o)
            ):
                missing.append((s.n3(graph.namespace_manager), p.n3(graph.namespace_manager),
                                o.n3(graph.namespace_manager), exact[:60]))
    assert missing == []


def test_statement_identifiers_are_readable(graph):
    ids = {str(st) for st in graph.subjects(RDF.type, RDF.Statement)}
    assert STATEMENT + "centre-leeds--establishedBy--org-leeds-academic-health-partnership" in ids
    assert STATEMENT + "centre-leeds--foundingDate--2016" in ids


def test_reference_identifiers_cite_their_table_row(graph):
    st = URIRef(STATEMENT + "org-university-of-glasgow--gridId--grid-8756-c")
    (quote,) = graph.objects(st, PM.evidenceQuote)
    assert str(graph.value(quote, DCTERMS_SOURCE)) == ID + "source/ror-ids"
    assert str(graph.value(quote, URIRef(OA + "exact"))) == (
        "University of Glasgow,https://ror.org/00vtgdb53,grid.8756.c,3526"
    )


def test_planned_things_have_a_status_with_evidence(graph):
    living_lab = URIRef(ID + "programme/qeuh-living-laboratory")
    assert (living_lab, PM.status, PM.Planned) in graph
    (quote,) = records(graph)[(living_lab, PM.status, PM.Planned)]
    assert "vision to create" in str(graph.value(quote, URIRef(OA + "exact")))


# --- pmgraph validate on broken copies of the data --------------------------------------


def copy_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in data_files():
        shutil.copy(path, folder / path.name)
    return folder


def validate(folder: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pmgraph", "validate", str(folder), *options],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def findings_of(run: subprocess.CompletedProcess) -> list[str]:
    lines = (line.strip() for line in run.stdout.splitlines())
    return [line for line in lines if line.startswith("VIOLATION")]


LEEDS_EST = (
    "    pm:establishedBy orgn:leeds-academic-health-partnership {| pm:source "
    "src:iuk-precision-medicine-2019 ;\n            pm:quote \"The Leeds Centre for "
    "Personalised Medicine and Health (LCPMH), established in 2016 by the Leeds Academic "
    "Health Partnership\" |} ;"
)
LEEDS_BARE = "    pm:establishedBy orgn:leeds-academic-health-partnership ;"
LEEDS_LINK = "ctr:leeds pm:establishedBy orgn:leeds-academic-health-partnership"


def test_unchanged_copy_validates(tmp_path):
    run = validate(copy_data(tmp_path))
    assert run.returncode == 0, run.stdout[-2000:]


def test_link_without_evidence_is_reported(tmp_path):
    folder = copy_data(tmp_path)
    edit(folder / "leeds.ttl", LEEDS_EST, LEEDS_BARE)
    run = validate(folder)
    assert run.returncode == 1
    (line,) = findings_of(run)
    assert f"{LEEDS_LINK} has no evidence" in line
    assert "leeds.ttl:" in line


OXFORD_ROR = (
    "    pm:ror <https://ror.org/052gg0110> {| pm:source src:ror-ids ;\n"
    "            pm:quote \"University of Oxford,https://ror.org/052gg0110,grid.4991.5,6396\" |} ;"
)


def test_identifier_without_evidence_is_reported(tmp_path):
    """A link to an IRI outside the data (a ROR identifier) is a statement too."""
    folder = copy_data(tmp_path)
    edit(folder / "oxford.ttl", OXFORD_ROR, "    pm:ror <https://ror.org/052gg0110> ;")
    run = validate(folder)
    assert run.returncode == 1
    (line,) = findings_of(run)
    assert "orgn:university-of-oxford pm:ror <https://ror.org/052gg0110> has no evidence" in line
    assert "oxford.ttl:" in line


def test_a_data_file_left_out_is_named_first(tmp_path):
    """Without sources.ttl every statement's source is undefined: hundreds of findings, and a
    first line that names the resource they come from."""
    folder = copy_data(tmp_path)
    (folder / "sources.ttl").unlink()
    run = validate(folder)
    assert run.returncode == 1
    first = run.stdout.splitlines()[0]
    assert first.startswith("Start here: src:iuk-precision-medicine-2019 (")
    assert first.endswith("a data file may be missing from those given.")
    assert len(findings_of(run)) > 100
    # an unchanged copy has no such line
    (tmp_path / "whole").mkdir()
    assert not validate(copy_data(tmp_path / "whole")).stdout.startswith("Start here")


def test_altered_quote_is_reported(tmp_path):
    folder = copy_data(tmp_path)
    altered = LEEDS_EST.replace("established in 2016", "founded in 2016")
    edit(folder / "leeds.ttl", LEEDS_EST, altered)
    run = validate(folder)
    assert run.returncode == 1
    (line,) = findings_of(run)
    assert "does not occur in sources/000_0787654218a80374.txt" in line
    assert LEEDS_LINK in line


def test_altered_entity_passage_is_reported(tmp_path):
    """An entity's own pm:evidence passage must be in one of its sources too."""
    folder = copy_data(tmp_path)
    text = (folder / "leeds.ttl").read_text(encoding="utf-8")
    passage = next(p for p in re.findall(r'pm:evidence "([^"]{40,})"', text)
                   if text.count(f'pm:evidence "{p}"') == 1)
    edit(folder / "leeds.ttl", f'pm:evidence "{passage}"',
         f'pm:evidence "{passage.replace(" ", " not ", 1)}"')
    run = validate(folder)
    assert run.returncode == 1
    (line,) = findings_of(run)
    assert "pm:evidence" in line and "does not occur in sources/" in line, line
    assert "leeds.ttl:" in line, line


def test_too_short_quote_is_reported(tmp_path):
    folder = copy_data(tmp_path)
    full = ("The Leeds Centre for Personalised Medicine and Health (LCPMH), established in 2016 "
            "by the Leeds Academic Health Partnership")
    edit(folder / "leeds.ttl", LEEDS_EST, LEEDS_EST.replace(full, "established in 2016"))
    run = validate(folder)
    assert run.returncode == 1
    lines = findings_of(run)
    assert any(f"shorter than {MIN_QUOTE_CHARS} characters" in line for line in lines), lines
    # pmgraph.graph.evidence names the statement; the quote shape (minLength) names the quote record
    assert all("pm:establishedBy" in line or "at least 20 characters" in line for line in lines)
    assert len(lines) == 2, lines


def test_evidence_for_a_missing_statement_is_reported(tmp_path):
    folder = copy_data(tmp_path)
    (folder / "extra.ttl").write_text(
        (folder / "leeds.ttl").read_text(encoding="utf-8").split("# ----")[0]
        + "<< ctr:leeds pm:partnerOf orgn:yorkshire-and-humber-ahsn >>\n"
        "    pm:source src:iuk-precision-medicine-2019 ;\n"
        '    pm:quote "brings together the city’s NHS providers and commissioners" .\n',
        encoding="utf-8",
    )
    run = validate(folder, "--format", "json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    (finding,) = [f for f in report["findings"] if f["severity"] == "VIOLATION"]
    assert finding["focus"] == (
        STATEMENT + "centre-leeds--partnerOf--org-yorkshire-and-humber-ahsn"
    )
    assert "has evidence but is not in the graph" in finding["message"]


def test_json_findings_carry_the_statement_and_its_line(tmp_path):
    folder = copy_data(tmp_path)
    edit(folder / "leeds.ttl", LEEDS_EST, LEEDS_BARE)
    run = validate(folder, "--format", "json")
    (finding,) = [f for f in json.loads(run.stdout)["findings"] if f["severity"] == "VIOLATION"]
    assert finding["focus"] == (
        STATEMENT + "centre-leeds--establishedBy--org-leeds-academic-health-partnership"
    )
    line_no = int(finding["message"].split(":", 2)[1])
    line = (folder / "leeds.ttl").read_text(encoding="utf-8").splitlines()[line_no - 1]
    assert "pm:establishedBy orgn:leeds-academic-health-partnership" in line


def test_literal_value_is_a_statement_too(graph):
    year = Literal("2016", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    assert (URIRef(ID + "centre/leeds"), PM.foundingDate, year) in records(graph)


# --- evidence along chains --------------------------------------------------------------


def own_quotes(graph, s, p, o) -> set[str]:
    return {str(graph.value(q, URIRef(OA + "exact"))) for q in records(graph).get((s, p, o), [])}


@pytest.mark.parametrize("start, end", [("person/alison-cave", "centre/cardiff"),
                                        ("centre/leeds", "centre/belfast")])
def test_shortest_chain_query_gives_each_steps_own_quote(graph, start, end):
    """Each step of a chain has its own statement's quote, and a chain of fewer than three
    steps has no quote for the steps it does not have (one row per combination of quotes)."""
    from pmgraph.query.library import run_query

    first, last = URIRef(ID + start), URIRef(ID + end)
    rows = run_query("shortest-chain", graph, params={"from": first, "to": last}).to_records()
    assert rows
    combinations = 0
    for chain in {row["chain"] for row in rows}:
        row = next(r for r in rows if r["chain"] == chain)
        nodes = [first] + [URIRef(row[v]) for v in ("via1", "via2") if row.get(v)] + [last]
        count = 1
        for a, b in zip(nodes, nodes[1:], strict=False):
            stated = {(a, p, b) for p in graph.predicates(a, b)}
            stated |= {(b, p, a) for p in graph.predicates(b, a)}
            count *= len(set().union(*(own_quotes(graph, *t) for t in stated)))
        combinations += count
    assert len(rows) <= combinations, (len(rows), combinations)
    for row in rows:
        nodes = [first] + [URIRef(row[v]) for v in ("via1", "via2") if row.get(v)] + [last]
        for step, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False), start=1):
            stated = {(a, p, b) for p in graph.predicates(a, b)}
            stated |= {(b, p, a) for p in graph.predicates(b, a)}
            quotes = set().union(*(own_quotes(graph, *t) for t in stated))
            assert row[f"evidence{step}"] in quotes, (step, row["chain"])
        for step in range(len(nodes), 4):
            assert not row.get(f"evidence{step}"), (step, row["chain"])


def test_analyse_chain_gives_each_steps_statement_and_quotes(graph):
    from pmgraph.analysis.analyse import shortest_chain
    from pmgraph.analysis.network import to_networkx

    chain = shortest_chain(to_networkx(graph), "per:alison-cave", "ctr:cardiff")
    assert chain is not None and len(chain.items) == 3
    for step in chain.items:
        a, b = URIRef(step.from_iri), URIRef(step.to_iri)
        s, o = (a, b) if step.forward else (b, a)
        assert set(step.evidence) == own_quotes(graph, s, URIRef(step.predicate), o) != set()
        assert (URIRef(step.statement), RDF.subject, s) in graph
