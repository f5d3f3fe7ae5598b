"""The hand-off of a query to a worker thread, pushed where it could go wrong: several threads
at once, a query stopped by Ctrl-C or its time limit while the caller keeps to its CPU, a fork,
literals kept from one call to the next over graphs that change, and query files found from
cached paths.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import in_forked_child
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from pmgraph import paths
from pmgraph.errors import QueryError, QueryNotFoundError, QueryTimeoutError
from pmgraph.graph.load import load_graph
from pmgraph.query import bounded
from pmgraph.query.library import find_query, run_query, run_text

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's"
)

EX = "http://example.org/"
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
#: Subjects of the small graph, each with its own integer written with leading zeros.
SUBJECTS = 12
#: The numbers' triples taken five at a time: long enough (milliseconds) to outlast the time
#: the caller and the worker keep to one CPU.
PAIRS = ("SELECT (COUNT(*) AS ?n) WHERE "
         f"{{ ?a <{EX}n> ?b . ?c <{EX}n> ?d . ?e <{EX}n> ?f . ?g <{EX}n> ?h . ?i <{EX}n> ?j }}")
#: Streams billions of rows on the project's ontology: stopped only by the time limit.
ALL_ROWS = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


def _numbers_file(path: Path, form: str = "0{}") -> Path:
    lines = [f'<{EX}s{i}> <{EX}n> "{form.format(i)}"^^<{INTEGER}> .' for i in range(SUBJECTS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def own_cpus():
    """The calling thread's CPUs, given back after the test whatever it did to them."""
    before = os.sched_getaffinity(0)
    yield before
    os.sched_setaffinity(0, before)


def _number_of(graph, i: int) -> list[str]:
    query = f"SELECT ?o WHERE {{ <{EX}s{i}> <{EX}n> ?o }}"
    return [str(row[0]) for row in run_text(query, graph, {}).rows]


def _idle_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == bounded.IDLE]


# ------------------------------------------------------------------ several threads at once


def _run_threads(graph, pinned: set[int] | None) -> dict[int, tuple[set[int], set[int]]]:
    """Four threads, 50 queries each (every tenth one of milliseconds), thread 3 kept to
    ``pinned`` CPUs by its own choice when given: each thread's CPUs before and after."""
    failures: list[str] = []
    ends: dict[int, tuple[set[int], set[int]]] = {}
    start = threading.Barrier(4)

    def caller(k: int) -> None:
        if k == 3 and pinned:
            os.sched_setaffinity(0, pinned)
        before = os.sched_getaffinity(0)
        start.wait()
        try:
            for j in range(50):
                i = (k * 7 + j) % SUBJECTS
                if j % 10 == 9:  # milliseconds: the caller frees both threads while it waits
                    got = run_text(PAIRS, graph, {}).rows[0][0]
                    if int(got) != SUBJECTS ** 5:
                        failures.append(f"thread {k}: count {got}")
                else:
                    got = _number_of(graph, i)
                    if got != [f"0{i}"]:
                        failures.append(f"thread {k} s{i}: {got}")
                if os.sched_getaffinity(0) != before:
                    failures.append(f"thread {k} query {j}: CPUs {os.sched_getaffinity(0)}")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(f"thread {k}: {exc!r}")
        ends[k] = (before, os.sched_getaffinity(0))

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a query hung"
    assert failures == []
    assert all(before == after for before, after in ends.values())
    return ends


def test_four_threads_at_once_get_their_own_rows_and_leave_no_thread_on_one_cpu(
        graph_small, own_cpus):
    ends = _run_threads(graph_small, None)
    assert all(before == own_cpus for before, _ in ends.values())
    for i in range(3):  # short ones, each over before the caller frees the worker
        assert _number_of(graph_small, i) == [f"0{i}"]
    workers = _idle_workers()
    assert 1 <= len(workers) <= bounded._Worker.KEEP
    for worker in workers:
        assert os.sched_getaffinity(worker.native_id) == own_cpus


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to choose one")
def test_a_thread_kept_to_one_cpu_among_others_keeps_its_choice(graph_small, own_cpus):
    mine = {max(own_cpus)}
    ends = _run_threads(graph_small, mine)
    assert ends[3] == (mine, mine)
    assert all(ends[k] == (own_cpus, own_cpus) for k in range(3))
    # each query sets its worker's CPUs first: one this thread gives runs on all of them
    seen = [bounded.run_stoppable(lambda stop: (time.sleep(0.01), os.sched_getaffinity(0))[1],
                                  timeout=None, on_timeout=RuntimeError)
            for _ in range(bounded._Worker.KEEP + 1)]
    assert seen == [own_cpus] * len(seen)


# ------------------------------------------------------------------ Ctrl-C and the time limit


def _interrupted(seconds_after: float) -> dict:
    """A job that sends SIGINT to the calling (main) thread ``seconds_after`` into it, then
    runs on until told to stop (or 3 s); what it saw, once it ended."""
    caller = threading.main_thread().ident
    seen: dict = {}
    ended = threading.Event()

    def job(stop: threading.Event) -> None:
        time.sleep(seconds_after)
        signal.pthread_kill(caller, signal.SIGINT)
        stop.wait(3)
        time.sleep(0.05)  # a step Oxigraph finishes in one go after it was told to stop
        seen["cpus"] = os.sched_getaffinity(0)
        ended.set()

    with pytest.raises(KeyboardInterrupt):
        bounded.run_stoppable(job, timeout=None, on_timeout=RuntimeError)
    seen["caller"] = os.sched_getaffinity(0)
    assert ended.wait(5)
    return seen


def test_ctrl_c_after_the_shared_time_gives_back_every_cpu(graph_small, own_cpus):
    seen = _interrupted(0.05)
    assert seen["caller"] == own_cpus
    assert seen["cpus"] == own_cpus  # the query finishing in the background may move
    assert _number_of(graph_small, 3) == ["03"]
    assert os.sched_getaffinity(0) == own_cpus


def test_ctrl_c_in_the_shared_time_gives_back_every_cpu(graph_small, own_cpus):
    seen = _interrupted(0)
    assert seen["caller"] == own_cpus
    assert seen["cpus"] == own_cpus  # the query left running is not kept to one CPU
    assert _number_of(graph_small, 4) == ["04"]
    assert os.sched_getaffinity(0) == own_cpus


def test_a_time_limit_shorter_than_the_shared_time(graph_small, own_cpus, tmp_path):
    graph = load_graph()  # ontology and data: ALL_ROWS runs for hours
    (tmp_path / "rows.rq").write_text(ALL_ROWS)
    for limit in (0.0005, 0.05):
        with pytest.raises(QueryTimeoutError, match=f"stopped after {limit:g} s"):
            run_query(tmp_path / "rows.rq", graph, timeout=limit)
        assert os.sched_getaffinity(0) == own_cpus
    assert _number_of(graph_small, 5) == ["05"]
    # the given-up query's worker is let go of its caller's CPU at once
    time.sleep(0.2)  # it stops at its next row
    for worker in _idle_workers():
        assert os.sched_getaffinity(worker.native_id) == own_cpus


def test_errors_in_the_worker_reach_the_caller_whole(graph_small, own_cpus):
    with pytest.raises(QueryError, match=r"^bad: not valid SPARQL"):
        run_text("SELECT ?x WHERE { ?x ?y }", graph_small, {}, name="bad")

    class Mine(Exception):
        pass

    def fails_late(stop: threading.Event) -> None:
        time.sleep(0.01)  # after the caller freed both threads
        raise Mine("late")

    for job, message in ((fails_late, "late"),
                         (lambda stop: (_ for _ in ()).throw(Mine("early")), "early")):
        with pytest.raises(Mine, match=message):
            bounded.run_stoppable(job, timeout=5, on_timeout=RuntimeError)
        assert os.sched_getaffinity(0) == own_cpus
    assert _number_of(graph_small, 6) == ["06"]


@pytest.fixture
def graph_small(tmp_path):
    return load_graph(_numbers_file(tmp_path / "small.ttl"))


# ------------------------------------------------------------------ fork


def test_a_forked_child_has_its_parents_cpus_and_its_queries_work(graph_small, own_cpus):
    run_text(PAIRS, graph_small, {})  # past the shared time
    assert _number_of(graph_small, 2) == ["02"]

    def child() -> tuple:
        before = os.sched_getaffinity(0)
        rows = [_number_of(graph_small, i)[0] for i in range(3)]
        count = int(run_text(PAIRS, graph_small, {}, timeout=20).rows[0][0])
        return sorted(before), rows, count, sorted(os.sched_getaffinity(0))

    answer = in_forked_child(child)
    cpus = sorted(own_cpus)
    assert answer == repr((cpus, ["00", "01", "02"], SUBJECTS ** 5, cpus))


def test_a_fork_while_another_thread_starts_a_worker(graph_small):
    holding, release = threading.Event(), threading.Event()

    def starting_a_worker() -> None:  # the state of a thread inside _Worker() at the fork
        with bounded._stack_lock:
            holding.set()
            release.wait(10)

    other = threading.Thread(target=starting_a_worker)
    other.start()
    assert holding.wait(10)
    try:
        answer = in_forked_child(lambda: _number_of(graph_small, 1), seconds=3)
    finally:
        release.set()
        other.join()
    assert answer == repr(["01"])


# ------------------------------------------------------------------ literals kept between calls


def test_two_graphs_asked_in_turn_each_give_their_own_form(tmp_path):
    padded = load_graph(_numbers_file(tmp_path / "a.ttl", "0{}"))
    plain = load_graph(_numbers_file(tmp_path / "b.ttl", "{}"))
    for _ in range(3):
        assert _number_of(padded, 1) == ["01"]
        assert _number_of(plain, 1) == ["1"]


def test_a_removed_triple_changes_the_next_answer(tmp_path):
    graph = load_graph(_numbers_file(tmp_path / "n.ttl"))
    query = f"SELECT ?o WHERE {{ ?s <{EX}n> ?o }}"
    assert sorted(str(row[0]) for row in run_text(query, graph, {}).rows) == sorted(
        f"0{i}" for i in range(SUBJECTS))
    for i in range(1, SUBJECTS):
        graph.remove((URIRef(f"{EX}s{i}"), None, None))
    assert [str(row[0]) for row in run_text(query, graph, {}).rows] == ["00"]
    graph.remove((URIRef(EX + "s0"), None, None))
    assert list(run_text(query, graph, {}).rows) == []
    graph.add((URIRef(EX + "b"), URIRef(EX + "n"), Literal("1", datatype=XSD.integer)))
    assert [str(row[0]) for row in run_text(query, graph, {}).rows] == ["1"]
    graph.remove((URIRef(EX + "b"), None, None))


def test_a_value_added_after_its_other_form_was_removed(tmp_path):
    graph = load_graph(_numbers_file(tmp_path / "n.ttl"))
    query = f"SELECT ?o WHERE {{ ?s <{EX}n> ?o }}"
    assert sorted(str(row[0]) for row in run_text(query, graph, {}).rows)[:2] == ["00", "01"]
    graph.remove((None, URIRef(EX + "n"), None))
    assert list(run_text(query, graph, {}).rows) == []
    graph.add((URIRef(EX + "c"), URIRef(EX + "n"),
               Literal("007", datatype=XSD.integer, normalize=False)))
    assert [str(row[0]) for row in run_text(query, graph, {}).rows] == ["007"]


def test_language_tags_with_capitals_across_graphs(tmp_path):
    cased = tmp_path / "cased.ttl"
    cased.write_text(f'<{EX}a> <{EX}name> "Leeds"@en-GB .\n', encoding="utf-8")
    lower = tmp_path / "lower.ttl"
    lower.write_text(f'<{EX}a> <{EX}name> "Leeds"@en-gb .\n', encoding="utf-8")
    first, second = load_graph(cased), load_graph(lower)
    query = f"SELECT ?o WHERE {{ ?s <{EX}name> ?o }}"
    for _ in range(2):
        assert [row[0].language for row in run_text(query, first, {}).rows] == ["en-GB"]
        assert [row[0].language for row in run_text(query, second, {}).rows] == ["en-gb"]


# ------------------------------------------------------------------ query files found from caches


UNIVERSITIES = "SELECT ?x WHERE { ?x a <https://w3id.org/pmgraph/ontology#University> }\n"
NOTHING_ONE = "SELECT ?x WHERE { ?x a <https://w3id.org/pmgraph/ontology#Nothing000> }\n"
assert len(UNIVERSITIES) == len(NOTHING_ONE)


@pytest.fixture
def university(write_ttl):
    return load_graph(write_ttl("orgn:x a pm:University ; rdfs:label \"X\" .\n"))


def test_a_file_rewritten_with_the_same_size_and_time(university, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text(UNIVERSITIES)
    stamp = os.stat(query).st_mtime_ns
    assert len(run_query(query, university)) == 1
    query.write_text(NOTHING_ONE)
    os.utime(query, ns=(stamp, stamp))
    assert len(run_query(query, university)) == 0


def test_a_relative_path_in_another_working_folder(university, tmp_path, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "q.rq").write_text(UNIVERSITIES)
    (two / "q.rq").write_text(NOTHING_ONE)
    stamp = os.stat(one / "q.rq").st_mtime_ns
    os.utime(two / "q.rq", ns=(stamp, stamp))  # two copies made together (an archive, cp -p)
    monkeypatch.chdir(one)
    assert len(run_query("q.rq", university)) == 1
    monkeypatch.chdir(two)
    assert len(run_query("q.rq", university)) == 0


def test_a_query_added_to_the_library_is_found_at_once(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / "queries").mkdir(parents=True)
    (root / "pmgraph").mkdir()
    monkeypatch.setattr(paths, "_PACKAGE_DIR", root / "pmgraph")
    (root / "queries" / "02-things.rq").write_text("# Things, second.\nSELECT * WHERE {}\n")
    assert find_query("things")[0].path.name == "02-things.rq"
    with pytest.raises(QueryNotFoundError, match="no query named 'others'"):
        find_query("others")
    # a file added right after: the same name now means the lower-numbered file
    (root / "queries" / "01-things.rq").write_text("# Things, first.\nSELECT * WHERE {}\n")
    (root / "queries" / "03-others.rq").write_text("# Others.\nSELECT * WHERE {}\n")
    assert find_query("things")[0].path.name == "01-things.rq"
    assert find_query("others")[0].path.name == "03-others.rq"
    (root / "queries" / "01-things.rq").unlink()
    assert find_query("things")[0].path.name == "02-things.rq"


def test_a_time_limit_too_long_for_a_lock_is_no_limit(graph_small, own_cpus):
    """A lock cannot wait for ``inf`` seconds; a query given that (or any limit past what it
    can wait for) runs as with no limit, past the 2 ms the caller keeps to its CPU."""
    for limit in (float("inf"), threading.TIMEOUT_MAX * 2):
        rows = run_text(PAIRS, graph_small, {}, timeout=limit).rows
        assert [int(row[0]) for row in rows] == [SUBJECTS ** 5]
    assert os.sched_getaffinity(0) == own_cpus
