"""``pmgraph push`` to real stores (Oxigraph, Virtuoso 7), then queries and validation there."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from test_remote import comparable

from pmgraph.errors import EndpointError
from pmgraph.graph.load import load_graph
from pmgraph.publishing.publish import DEFAULT_GRAPH, push, resolve_target
from pmgraph.query.library import bind_params, find_query, list_queries, run_query
from pmgraph.query.remote import run_remote

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.server


def count(server, graph: str = DEFAULT_GRAPH) -> int:
    result = run_remote(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                        server.query_url, {})
    return int(result.rows[0][0])


#: Virtuoso's own features (its digest-auth endpoints, ResultSetMaxRows): the Oxigraph server
#: has neither, so these tests run against the Virtuoso server only.
VIRTUOSO_ONLY = pytest.mark.parametrize("store_server", ["virtuoso"], indirect=True)


@pytest.fixture(scope="module")
def pushed(store_server, project_graph):
    """The project's graph pushed once to the module's store."""
    push(project_graph, resolve_target(store_server.query_url))
    return store_server


def test_push_twice_leaves_one_copy_and_the_description_beside_it(pushed, cli, project_graph):
    before = count(pushed)
    run = cli("push", "--endpoint", pushed.query_url)
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.startswith(f"Pushed {len(project_graph)} triples into graph <{DEFAULT_GRAPH}>")
    assert count(pushed) == before == len(project_graph)
    # Virtuoso cannot promise an invisible, crash-safe swap: the push says so, and only there.
    assert ("Note: Virtuoso 7 shows readers a partly replaced graph" in run.out) == (
        pushed.name == "virtuoso")
    assert count(pushed, DEFAULT_GRAPH + "/description") > 0
    assert count(pushed, DEFAULT_GRAPH + "-pmgraph-staging") == 0


#: Data breaking shapes and checks of many kinds: a missing label, a value outside sh:in, a
#: link to a place where an organisation is due, a centre with no nation, a succession cycle,
#: entities without evidence, two resources with one name and one ROR identifier.
BROKEN = """
orgn:nameless a pm:University ; pm:abbreviation "NL" .
orgn:twin-a a pm:GovernmentBody ; rdfs:label "Twin Agency"@en ;
    pm:ror <https://ror.org/02wn5qz54> .
orgn:twin-b a pm:GovernmentBody ; rdfs:label "TWIN AGENCY"@en ;
    pm:ror <https://ror.org/02wn5qz54> .
orgn:loop-a a pm:GovernmentBody ; rdfs:label "Loop A"@en ; pm:precededBy orgn:loop-b .
orgn:loop-b a pm:GovernmentBody ; rdfs:label "Loop B"@en ; pm:precededBy orgn:loop-a .
ctr:floating a pm:CentreOfExcellence ; rdfs:label "Floating centre"@en ;
    pm:hostedBy place:scotland .
qty:odd a pm:MonetaryAmount ; rdfs:label "Odd amount"@en ; pm:value 5 ; pm:currency "XYZ" .
"""


def test_remote_validation_of_broken_data_equals_local(pushed, cli, write_ttl):
    bad = write_ttl(BROKEN)
    graph = "https://example.org/broken"
    push(load_graph(bad), resolve_target(pushed.query_url, graph))
    local = cli("validate", "--format", "json", "--data", bad)
    remote = cli("validate", "--format", "json", "--endpoint", pushed.query_url,
                 "--graph", graph)
    assert local.code == remote.code == 1, remote.err
    components = {finding["constraint"] for finding in json.loads(local.out)["findings"]}
    assert {"ClassConstraintComponent", "InConstraintComponent", "MinCountConstraintComponent",
            "check:02-centre-without-nation-violation",
            "check:07-duplicate-label-violation",
            "check:08-succession-contradiction-violation",
            "check:11-shared-identifier-violation"} <= components
    assert remote.out == local.out


@pytest.mark.parametrize("info", list_queries(), ids=lambda q: q.name)
def test_every_library_query_gives_the_local_rows(pushed, info, project_graph, example_params):
    params = example_params(info)
    local = run_query(info.name, project_graph, params=params)
    remote = run_remote(find_query(info.name)[1], pushed.query_url,
                        bind_params(info, params),
                        name=info.name, graph=DEFAULT_GRAPH)
    assert remote.vars == local.vars
    assert comparable(remote) == comparable(local)


#: Queries that Virtuoso 7.2 once answered wrongly, on parameters other than their examples:
#: entities of several kinds, a linked pair, organisations with many links.
OTHER_PARAMETERS = [
    ("neighbourhood", {"entity": "disease:oncology"}),
    ("neighbourhood", {"entity": "theme:imaging"}),
    ("neighbourhood", {"entity": "ctr:oxford"}),
    ("neighbourhood", {"entity": "place:leeds"}),
    ("link-evidence", {"entity": "ctr:leeds", "other": "orgn:pm-coe-network"}),
    ("link-evidence", {"entity": "orgn:pm-coe-network", "other": "ctr:cardiff"}),
    ("partnerships", {"organisation": "orgn:pm-coe-network"}),
    ("partnerships", {"organisation": "orgn:university-of-glasgow-nhs-ggc-partnership"}),
]


@pytest.mark.parametrize(("name", "params"), OTHER_PARAMETERS,
                         ids=[f"{n}-{next(iter(p.values()))}" for n, p in OTHER_PARAMETERS])
def test_queries_on_other_parameters_give_the_local_rows(pushed, project_graph, name, params):
    info, text = find_query(name)
    local = run_query(name, project_graph, params=params)
    remote = run_remote(text, pushed.query_url, bind_params(info, params), name=name,
                        graph=DEFAULT_GRAPH)
    assert local.rows, f"{name} {params} finds nothing here"
    assert comparable(remote) == comparable(local)


def test_a_theme_no_centre_covers_counts_zero_there_too(pushed):
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS, SKOS

    graph = "https://example.org/uncovered"
    theme = URIRef("https://w3id.org/pmgraph/id/theme/uncovered")
    # a small graph (themes and two centres) is enough
    data = load_graph(ROOT / "data" / "concepts.ttl", ROOT / "data" / "leeds.ttl",
                      ROOT / "data" / "cardiff.ttl")
    data.add((theme, SKOS.inScheme, URIRef("https://w3id.org/pmgraph/ontology#CapabilityThemes")))
    data.add((theme, RDFS.label, Literal("Uncovered", lang="en")))
    push(data, resolve_target(pushed.query_url, graph))
    local = run_query("theme-coverage", data)
    remote = run_remote(find_query("theme-coverage")[1], pushed.query_url, {},
                        name="theme-coverage", graph=graph)
    assert comparable(remote) == comparable(local)
    assert [row[2:] for row in local.rows if row[0] == theme] == [(Literal(0), Literal(0))]


def csv_by_value(text: str) -> list[tuple]:
    """CSV rows, sorted, numbers compared by value: a server answers -5.93 where the data
    (and a local query) keep -5.930 as written."""
    import csv
    import io
    from decimal import Decimal, InvalidOperation

    def cell(value: str) -> object:
        try:
            return Decimal(value)
        except InvalidOperation:
            return value

    rows = list(csv.reader(io.StringIO(text)))
    return [rows[0], *sorted((tuple(map(cell, row)) for row in rows[1:]), key=str)]


def test_query_cli_with_graph_matches_local_output(pushed, cli):
    local = cli("query", "centres", "--format", "csv")
    remote = cli("query", "centres", "--format", "csv", "--endpoint", pushed.query_url,
                 "--graph", DEFAULT_GRAPH)
    assert remote.code == local.code == 0
    assert csv_by_value(remote.out) == csv_by_value(local.out)


def test_remote_validation_equals_local(pushed, project_graph, cli):
    local = cli("validate", "--format", "json")
    remote = cli("validate", "--format", "json", "--endpoint", pushed.query_url,
                 "--graph", DEFAULT_GRAPH)
    assert remote.code == local.code
    assert remote.out == local.out


def test_remote_validation_of_a_synthetic_graph_equals_local(pushed, cli, tmp_path):
    # 10k synthetic triples: Virtuoso refused the earlier duplicate-label check (07) by its
    # cost estimate from this size up ("estimated execution time 2315 (sec)")
    data = tmp_path / "synth.ttl"
    assert cli("synth", "--triples", "10k", "--out", data).code == 0
    graph = "https://example.org/synth-10k"
    pushed_run = cli("push", "--endpoint", pushed.query_url, "--graph", graph, "--data", data)
    assert pushed_run.code == 0, pushed_run.err
    local = cli("validate", "--format", "json", "--data", data)
    remote = cli("validate", "--format", "json", "--endpoint", pushed.query_url,
                 "--graph", graph)
    assert remote.code == local.code == 0, remote.err
    assert json.loads(local.out)["findings"]  # warnings: the two reports have rows to compare
    assert remote.out == local.out


def test_dry_run_sends_nothing(pushed, cli):
    graph = "https://example.org/dry"
    run = cli("push", "--endpoint", pushed.query_url, "--graph", graph, "--dry-run")
    assert run.code == 0, run.err
    assert run.out.startswith("Would push ") and "nothing sent" in run.out
    assert count(pushed, graph) == 0


def test_data_with_violations_is_not_pushed(pushed, cli, write_ttl):
    bad = write_ttl('orgn:nameless a pm:University ; pm:abbreviation "NL" .\n')
    graph = "https://example.org/bad"
    run = cli("push", "--endpoint", pushed.query_url, "--graph", graph, "--data", bad)
    assert run.code == 1
    assert run.err.startswith("pmgraph: error: the data has ") and "nothing pushed" in run.err
    assert count(pushed, graph) == 0


def test_a_store_without_the_graph_store_protocol_is_one_line(pushed, cli):
    base = pushed.query_url.rsplit("/", 1)[0]
    run = cli("push", "--endpoint", pushed.query_url, "--store-url", f"{base}/no-such-store",
              "--graph", "https://example.org/x")
    assert run.code == 3
    assert run.err.count("\n") == 1
    assert "does not speak the SPARQL 1.1 Graph Store Protocol" in run.err


def test_a_changed_build_replaces_the_old_triples(pushed, cli, tmp_path):
    import shutil

    graph = "https://example.org/changing"
    assert cli("push", "--endpoint", pushed.query_url, "--graph", graph).code == 0
    changed = tmp_path / "data"
    shutil.copytree(ROOT / "data", changed)
    leeds = changed / "leeds.ttl"
    old_name = "Leeds Centre for Personalised Medicine and Health"
    assert old_name in leeds.read_text()
    # the label only: the quotes must stay verbatim from the source
    old_label = f'rdfs:label "{old_name}"@en'
    assert old_label in leeds.read_text()
    leeds.write_text(leeds.read_text().replace(old_label, 'rdfs:label "Leeds Centre, renamed"@en'))
    label = (f"SELECT ?l WHERE {{ GRAPH <{graph}> {{ ?c <http://www.w3.org/2000/01/rdf-schema#"
             "label> ?l FILTER(STRSTARTS(STR(?l), 'Leeds Centre')) } }")
    assert {str(r[0]) for r in run_remote(label, pushed.query_url, {}).rows} == {old_name}
    run = cli("push", "--endpoint", pushed.query_url, "--graph", graph, "--data", changed)
    assert run.code == 0, run.err
    labels = {str(r[0]) for r in run_remote(label, pushed.query_url, {}).rows}
    assert labels == {"Leeds Centre, renamed"}
    assert count(pushed, graph) == len(load_graph(changed))


@VIRTUOSO_ONLY
def test_a_push_with_a_digest_login(pushed, cli, monkeypatch):
    base = pushed.query_url.rsplit("/", 1)[0]
    graph = "https://example.org/digest"
    options = ("push", "--endpoint", pushed.query_url, "--graph", graph, "--store-url",
               f"{base}/sparql-graph-crud-auth", "--update-url", pushed.query_url,
               "--user", "dba", "--password-env", "PMGRAPH_TEST_PASSWORD")
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", "not-the-password")
    refused = cli(*options)
    assert refused.code == 3 and refused.err.count("\n") == 1
    # a 401, or (the body cut off mid-upload) the connection closed after the digest login
    assert ("refused the upload (HTTP 401 Unauthorized)" in refused.err
            or "the login was most likely refused" in refused.err)
    assert "not-the-password" not in refused.err
    assert count(pushed, graph) == 0
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", "dba")  # the test server's own login
    run = cli(*options)
    assert run.code == 0, run.err
    assert count(pushed, graph) > 0
    assert "Note: Virtuoso 7 shows readers" in run.out


@VIRTUOSO_ONLY
def test_a_query_with_a_digest_login(pushed, cli, monkeypatch):
    base = pushed.query_url.rsplit("/", 1)[0]
    options = ("query", "theme-coverage", "--endpoint", f"{base}/sparql-auth", "--graph",
               DEFAULT_GRAPH, "--user", "dba", "--password-env", "PMGRAPH_TEST_PASSWORD",
               "--format", "csv")
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", "not-the-password")
    refused = cli(*options)
    assert refused.code == 3 and refused.err.count("\n") == 1
    assert "refused the login (HTTP 401" in refused.err
    assert "not-the-password" not in refused.err
    monkeypatch.setenv("PMGRAPH_TEST_PASSWORD", "dba")  # the test server's own login
    run = cli(*options)
    local = cli("query", "theme-coverage", "--format", "csv")
    assert run.code == 0, run.err
    assert csv_by_value(run.out) == csv_by_value(local.out)


@VIRTUOSO_ONLY
def test_a_cut_answer_is_an_error_not_a_result(pushed, tmp_path, cli):
    query = tmp_path / "many.rq"
    query.write_text("SELECT ?a ?b WHERE { ?a a ?x . ?b a ?y }\n")
    run = cli("query", query, "--endpoint", pushed.query_url, "--graph", DEFAULT_GRAPH)
    assert run.code == 3 and run.out == ""
    assert "cut the answer to many at 10000 rows (X-SPARQL-MaxRows)" in run.err


def checkpoint(server) -> None:
    """Make what a Virtuoso server acknowledged durable, as docs/sharing.md tells its users:
    killed before a checkpoint, Virtuoso 7.2 came back with part of an acknowledged swap."""
    if server.name == "virtuoso":
        import subprocess

        subprocess.run(["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", "dba",
                        "exec=checkpoint;"], check=True, capture_output=True, timeout=120)


def test_a_server_killed_mid_push_keeps_the_previous_version(pushed, project_graph, tmp_path):
    graph = "https://example.org/crash"
    small = load_graph(ROOT / "data" / "places.ttl")
    target = resolve_target(pushed.query_url, graph)
    push(small, target)
    checkpoint(pushed)
    from pmgraph.graph.synth import write_synthetic

    big_file = tmp_path / "big.nt"
    write_synthetic(big_file, 150_000, seed=3)
    big = load_graph(big_file)
    timer = None

    def kill_soon(line: str) -> None:
        nonlocal timer
        if line.startswith("uploading") and timer is None:
            timer = threading.Timer(0.3, pushed.kill)
            timer.start()

    with pytest.raises(EndpointError) as failed:
        push(big, target, say=kill_soon)
    timer.join()
    message = str(failed.value)
    assert "\n" not in message and ("broke off" in message or "cannot reach" in message)
    pushed.start()
    assert count(pushed, graph) == len(small)
    # and the graph the module pushed first, untouched by this push, is whole
    assert count(pushed) == len(project_graph)


def test_the_endpoint_from_the_environment_or_pmgraph_toml(pushed, cli, monkeypatch, tmp_path):
    local = cli("query", "centres", "--format", "csv")
    monkeypatch.setenv("PMGRAPH_ENDPOINT", pushed.query_url)
    from_env = cli("query", "centres", "--format", "csv", "--graph", DEFAULT_GRAPH)
    assert from_env.code == 0 and csv_by_value(from_env.out) == csv_by_value(local.out)
    monkeypatch.delenv("PMGRAPH_ENDPOINT")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pmgraph.toml").write_text(
        f'endpoint = "{pushed.query_url}"\ngraph = "{DEFAULT_GRAPH}"\n')
    from_file = cli("query", "centres", "--format", "csv")
    assert from_file.code == 0 and from_file.out == from_env.out
    (tmp_path / "pmgraph.toml").write_text("endpoint = \n")
    broken = cli("query", "centres")
    assert broken.code == 2
    assert broken.err.startswith("pmgraph: error: pmgraph.toml: not valid TOML")


def test_graph_without_an_endpoint_is_one_line(cli, monkeypatch):
    monkeypatch.delenv("PMGRAPH_ENDPOINT", raising=False)
    run = cli("query", "centres", "--graph", DEFAULT_GRAPH, "--data", ROOT / "data")
    assert run.code == 2
    assert run.err == ("pmgraph: error: --graph applies only with --endpoint URL (or "
                       "$PMGRAPH_ENDPOINT, or endpoint = in pmgraph.toml)\n")


def test_a_swap_larger_than_virtuosos_transaction_limit_says_what_to_raise():
    # Virtuoso's answer to a MOVE of 2.8 million triples with its default settings
    from pmgraph.publishing.publish import _refused
    from pmgraph.query.remote import Response

    target = resolve_target("http://127.0.0.1:8890/sparql")
    body = (b"Virtuoso 40005 Error SR325: Transaction aborted because it's log after image "
            b"size went above the limit\n\nSPARQL query:\nMOVE <a> TO <b>")
    message = str(_refused(Response(500, {}, body), target, "the swap (MOVE staging TO graph)",
                           target.update_url))
    assert "\n" not in message
    assert message.startswith("http://127.0.0.1:8890/sparql refused the swap")
    assert "SR325" in message
    assert "raise it and push again; nothing was replaced" in message
    assert "TransactionAfterImageLimit" in message


def test_a_swap_past_the_time_limit_says_the_store_may_still_replace_the_graph(
        pushed, project_graph, monkeypatch):
    # A store goes on with an update its client stopped waiting for (the Oxigraph server's
    # swap of the 1M synthetic graph took 614 s): the error must not say nothing was replaced.
    from pmgraph.errors import QueryTimeoutError
    from pmgraph.publishing import publish

    real = publish._update

    def swap_out_of_time(target, text, what, credentials, timeout):  # noqa: ANN001
        if what.startswith("the swap"):
            raise QueryTimeoutError(f"{target.update_url} was reached but did not answer")
        return real(target, text, what, credentials, timeout)

    monkeypatch.setattr(publish, "_update", swap_out_of_time)
    graph = "https://example.org/slow-swap"
    with pytest.raises(QueryTimeoutError) as caught:
        push(project_graph, resolve_target(pushed.query_url, graph), timeout=120)
    message = str(caught.value)
    assert "did not finish the swap within 120 s (--timeout)" in message
    assert f"it may still be replacing <{graph}>" in message
    assert "nothing was replaced" not in message and "\n" not in message


def test_a_graph_larger_than_one_request_goes_in_parts_with_its_blank_nodes_whole(
        pushed, project_graph, monkeypatch):
    from rdflib import BNode

    from pmgraph.publishing import publish

    requests = []
    real_send = publish.send

    def counted(method, url, **kwargs):  # noqa: ANN001, ANN003
        if url == resolve_target(pushed.query_url).store_url and method in ("PUT", "POST"):
            requests.append((method, kwargs["params"]["graph"]))
        return real_send(method, url, **kwargs)

    monkeypatch.setattr(publish, "send", counted)
    monkeypatch.setattr(publish, "PART_BYTES", 100_000)
    graph = "https://example.org/in-parts"
    push(project_graph, resolve_target(pushed.query_url, graph))
    staged = [method for method, into in requests if into == graph + "-pmgraph-staging"]
    assert staged[0] == "PUT" and staged.count("PUT") == 1 and staged.count("POST") >= 5
    assert count(pushed, graph) == len(project_graph)
    # a blank node split across two requests would become two nodes there
    query = (f"SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ GRAPH <{graph}> {{ "
             "{ ?b ?p ?o } UNION { ?s ?p ?b } FILTER(isBlank(?b)) } }")
    there = int(run_remote(query, pushed.query_url, {}).rows[0][0])
    here = {t for triple in project_graph for t in (triple[0], triple[2]) if isinstance(t, BNode)}
    assert there == len(here) > 0
