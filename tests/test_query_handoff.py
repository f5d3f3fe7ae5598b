"""What a query run in process leaves behind: the calling thread's CPUs as they were, a
worker free to move, and answers that follow the graph from one call to the next.

A query is handed to a worker thread (so that Ctrl-C and a time limit can stop it). To keep
that hand-off cheap, the caller keeps to its CPU while it waits and the worker wakes there;
a user's own choice of CPUs must come back whole, whatever the query did.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from pmgraph.errors import QueryError, QueryTimeoutError
from pmgraph.graph.load import load_graph
from pmgraph.query import bounded
from pmgraph.query.library import run_query, run_text

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's"
)

SMALL_DATA = "orgn:x a pm:University ; rdfs:label \"X\" .\n"
#: Streams billions of rows: stopped only by the time limit.
ALL_ROWS = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }\n"


@pytest.fixture
def graph(write_ttl):
    return load_graph(write_ttl(SMALL_DATA))


@pytest.fixture
def own_cpus():
    """The calling thread's CPUs, given back after the test whatever it did to them."""
    before = os.sched_getaffinity(0)
    yield before
    os.sched_setaffinity(0, before)


def _idle_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == bounded.IDLE]


def test_the_callers_cpus_come_back_after_a_query(graph, own_cpus):
    assert len(run_query("find-entity", graph, params={"text": "X"})) == 1
    assert os.sched_getaffinity(0) == own_cpus


def test_a_users_own_choice_of_cpu_is_kept(graph, own_cpus):
    chosen = {max(own_cpus)}
    os.sched_setaffinity(0, chosen)
    rows = run_query("find-entity", graph, params={"text": "X"}).rows
    assert [str(row[0]) for row in rows] == ["https://w3id.org/pmgraph/id/org/x"]
    assert os.sched_getaffinity(0) == chosen


def test_the_callers_cpus_come_back_after_a_failed_query(graph, own_cpus):
    with pytest.raises(QueryError, match=r"^bad: not valid SPARQL"):
        run_text("SELECT ?x WHERE { ?x ?y }", graph, {}, name="bad")
    assert os.sched_getaffinity(0) == own_cpus


def test_the_callers_cpus_come_back_at_the_time_limit(graph, own_cpus, tmp_path):
    (tmp_path / "rows.rq").write_text(ALL_ROWS)
    with pytest.raises(QueryTimeoutError):
        run_query(tmp_path / "rows.rq", graph, timeout=0.3)
    assert os.sched_getaffinity(0) == own_cpus


def test_a_waiting_worker_is_not_tied_to_one_cpu(graph, own_cpus):
    for _ in range(3):
        run_query("find-entity", graph, params={"text": "X"})
    workers = _idle_workers()
    assert workers
    for worker in workers:
        assert os.sched_getaffinity(worker.native_id) == own_cpus


def test_the_caller_waits_on_its_cpu_and_the_worker_starts_there(own_cpus):
    """The point of the arrangement: Linux otherwise wakes each of the two threads on the
    CPU the other is not on, which costs more than a short query (docs/benchmarks.md)."""
    here = bounded._CPUS.current
    assert here is not None
    caller = threading.get_native_id()
    seen = []
    for _ in range(20):
        cpu = here()
        seen.append((cpu, *bounded.run_stoppable(
            lambda stop: (os.sched_getaffinity(caller), here()),
            timeout=None, on_timeout=RuntimeError,
        )))
    # while the worker runs, the caller may run only on the CPU it was on
    assert all(waiting == {cpu} for cpu, waiting, _ in seen)
    # the worker is woken there (it may move afterwards, so not always at its first step)
    assert sum(worker == cpu for cpu, _, worker in seen) >= 15
    assert os.sched_getaffinity(0) == own_cpus


def test_a_literal_answer_follows_a_change_of_the_graph(tmp_path):
    """Converted literals are kept from one call to the next: a change of the graph between
    two calls must show in the second answer."""
    path = tmp_path / "n.ttl"
    path.write_text(
        '<http://example.org/a> <http://example.org/n> "01"^^'
        "<http://www.w3.org/2001/XMLSchema#integer> .\n",
        encoding="utf-8",
    )
    graph = load_graph(path)
    query = "SELECT ?o WHERE { ?s <http://example.org/n> ?o }"
    assert [str(row[0]) for row in run_text(query, graph, {}).rows] == ["01"]
    # the same value written as the store holds it: "01" is no longer the one written form
    graph.add((URIRef("http://example.org/b"), URIRef("http://example.org/n"),
               Literal("1", datatype=XSD.integer)))
    assert sorted(str(row[0]) for row in run_text(query, graph, {}).rows) == ["1", "1"]


def test_a_query_file_changed_between_calls_is_read_again(graph, tmp_path):
    query = Path(tmp_path / "q.rq")
    query.write_text("SELECT ?x WHERE { ?x a <https://w3id.org/pmgraph/ontology#University> }\n")
    assert len(run_query(query, graph)) == 1
    query.write_text("SELECT ?x WHERE { ?x a <https://w3id.org/pmgraph/ontology#Nothing> }\n")
    assert len(run_query(query, graph)) == 0
