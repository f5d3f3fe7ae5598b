"""Every query can be stopped, is bounded, and sends no request nobody asked for.

Ctrl-C and ``--timeout`` end a query Oxigraph is still evaluating; ``--max-rows`` bounds the
rows kept; texts that would crash the SPARQL parser are refused before it sees them; a query
that calls ``SERVICE`` is refused unless the user allows the endpoint.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import in_forked_child

from pmgraph.errors import QueryError, QueryTimeoutError
from pmgraph.graph.load import load_graph
from pmgraph.query.library import list_queries, read_query, run_query
from pmgraph.query.sparql import MAX_QUERY_NESTING, check_query_limits, service_calls

ROOT = Path(__file__).resolve().parents[1]

#: Counts the rows of a 4-way cartesian product of the graph (ontology included): it runs
#: for hours, and Oxigraph returns nothing until it has counted them all.
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }\n"
#: Streams the rows of a 3-way cartesian product: billions of them.
ALL_ROWS = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }\n"
SMALL_DATA = "orgn:x a pm:University ; rdfs:label \"X\" .\n"


def _pmgraph(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "pmgraph", *map(str, args)], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.fixture
def small(write_ttl) -> Path:
    return write_ttl(SMALL_DATA, "small.ttl")


def test_ctrl_c_stops_a_query_oxigraph_is_evaluating(tmp_path, small):
    (tmp_path / "cart.rq").write_text(COUNT_ALL)
    proc = _pmgraph("query", "./cart.rq", "--timeout", "0", "--data", small, "-v", cwd=tmp_path)
    assert proc.stderr is not None
    for line in proc.stderr:  # -v logs this line just before the query starts
        if line.startswith("pmgraph: running cart"):
            break
    time.sleep(1)
    assert proc.poll() is None, "the query ended before it was interrupted"
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("Ctrl-C did not stop the query")
    assert proc.returncode == 130
    assert err.splitlines()[0] == "pmgraph: interrupted; nothing half-written was kept"


def test_timeout_ends_a_runaway_query_with_exit_4(tmp_path, small):
    (tmp_path / "cart.rq").write_text(COUNT_ALL)
    proc = _pmgraph("query", "./cart.rq", "--timeout", "1", "--data", small, cwd=tmp_path)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("--timeout 1 did not stop the query")
    assert proc.returncode == 4
    assert out == ""
    assert err.splitlines() == [
        "pmgraph: error: cart: stopped after 1 s, its time limit; give it more time "
        "(--timeout SECONDS, 0 for no limit) or narrow the query"
    ]


def test_api_timeout_raises_and_the_worker_stops(tmp_path, write_ttl):
    graph = load_graph(write_ttl(SMALL_DATA))
    (tmp_path / "rows.rq").write_text(ALL_ROWS)
    with pytest.raises(QueryTimeoutError, match=r"^rows: stopped after 0.5 s"):
        run_query(tmp_path / "rows.rq", graph, timeout=0.5)
    for _ in range(100):  # the worker notices at its next row, and waits for the next query
        if not any(t.name == "pmgraph-query" for t in threading.enumerate()):
            break
        time.sleep(0.05)
    assert not any(t.name == "pmgraph-query" for t in threading.enumerate())
    assert any(t.name == "pmgraph-query-idle" for t in threading.enumerate())


def test_queries_one_after_another_share_a_worker(write_ttl):
    """A new thread per query cost more than a millisecond query: finished workers wait for
    the next one, and the answers stay each query's own."""
    graph = load_graph(write_ttl(SMALL_DATA))
    started = threading.Thread.start
    made = []

    def counted(thread: threading.Thread) -> None:
        made.append(thread.name)
        started(thread)

    threading.Thread.start = counted
    try:
        answers = [len(run_query("centres", graph)) for _ in range(3)] + [
            len(run_query("find-entity", graph, params={"text": "X"})) for _ in range(20)]
    finally:
        threading.Thread.start = started
    assert answers == [0] * 3 + [1] * 20
    assert len([name for name in made if name.startswith("pmgraph-query")]) <= 1


def test_negative_timeout_is_refused(cli, tmp_path):
    run = cli("query", "centres", "--timeout", "-1")
    assert run.code == 2
    assert run.err.splitlines()[0] == (
        "pmgraph: error: --timeout -1: give seconds, or 0 for no limit"
    )


# ------------------------------------------------------------------ rows


#: ``pmgraph ARGS``, then the process's own peak memory (VmHWM, kB) into ``peak.txt``. The
#: rusage of a child counts the memory of the process that forked it (the test run's, which
#: grows with the suite), so the child reads its own after exec.
_MEASURED = """
import sys
from pmgraph.cli import main
code = main(sys.argv[1:])
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
open("peak.txt", "w").write(peak)
sys.exit(code)
"""


def _run_measured(*args: str | Path, cwd: Path) -> tuple[int, str, str, int]:
    """Exit code, stdout, stderr and peak memory (MiB) of ``pmgraph ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(cwd / "out.txt", "w") as out, open(cwd / "err.txt", "w") as err:
        code = subprocess.run([sys.executable, "-c", _MEASURED, *map(str, args)], cwd=cwd,
                              env=env, stdout=out, stderr=err).returncode
    return (code, (cwd / "out.txt").read_text(), (cwd / "err.txt").read_text(),
            int((cwd / "peak.txt").read_text()) // 1024)


def test_max_rows_cuts_the_rows_and_says_so(tmp_path, small):
    """Billions of rows (SELECT * over a cartesian product): 1,000 kept, in bounded memory."""
    (tmp_path / "rows.rq").write_text(ALL_ROWS)
    code, out, err, peak_mib = _run_measured("query", "./rows.rq", "--max-rows", "1000",
                                             "--format", "csv", "--data", small, cwd=tmp_path)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["a", "b", "c", "d", "e", "f", "p", "q", "r"]  # SELECT * sorts them
    assert len(rows) == 1 + 1000
    assert err.splitlines() == [
        "pmgraph: warning: rows: the result has more than 1,000 rows; showing the first ones "
        "(give --max-rows 0 for all, or narrow the query)"
    ]
    assert peak_mib < 400, f"peak memory {peak_mib} MiB"


def test_default_row_cap(cli):
    from pmgraph.cli import DEFAULT_MAX_ROWS, build_parser

    assert build_parser().parse_args(["query", "centres"]).max_rows == DEFAULT_MAX_ROWS
    assert DEFAULT_MAX_ROWS == 100_000


def test_api_max_rows(tmp_path, write_ttl):
    graph = load_graph(write_ttl(SMALL_DATA))
    (tmp_path / "rows.rq").write_text(ALL_ROWS)
    cut = run_query(tmp_path / "rows.rq", graph, max_rows=10)
    assert (len(cut), cut.truncated) == (10, True)
    whole = run_query("centres", graph)
    assert whole.truncated is False
    (tmp_path / "triples.rq").write_text("CONSTRUCT WHERE { ?s ?p ?o }\n")
    triples = run_query(tmp_path / "triples.rq", graph, max_rows=5)
    assert (len(triples), triples.truncated) == (5, True)


# ------------------------------------------------------------------ texts the parser cannot take


def _nested(opening: str, closing: str, depth: int) -> str:
    return "SELECT * WHERE { FILTER(" + opening * depth + "1" + closing * depth + ") }"


TOO_LONG = "over pmgraph's limit of 65,536; shorten it (e.g. move a long VALUES list into the data)"
TOO_DEEP = "over pmgraph's limit of 128; flatten the query"
CRASH_TEXTS = {  # each crashed pyoxigraph's parser (exit 139) when it reached it
    "50k-braces": ("SELECT * WHERE " + "{" * 50_000 + "?s ?p ?o" + "}" * 50_000, TOO_LONG),
    "50k-parens": (_nested("(", ")", 50_000), TOO_LONG),
    "20k-patterns": ("SELECT * WHERE { " + "?a?b?c." * 20_000 + " }", TOO_LONG),
    "10k-union": ("SELECT * WHERE { " + "UNION".join(["{}"] * 10_000) + " }", TOO_LONG),
    "3k-braces": ("SELECT * WHERE " + "{" * 3_000 + "?s ?p ?o" + "}" * 3_000, TOO_DEEP),
    "5k-parens": (_nested("(", ")", 5_000), TOO_DEEP),
}


@pytest.mark.parametrize("case", sorted(CRASH_TEXTS))
def test_crash_texts_are_refused_before_the_parser(cli, tmp_path, case):
    text, limit = CRASH_TEXTS[case]
    (tmp_path / "big.rq").write_text(text)
    run = cli("query", tmp_path / "big.rq")
    assert run.code == 2
    first = run.err.splitlines()[0]
    assert first.startswith("pmgraph: error: ")
    assert first.endswith(limit)
    if limit is TOO_LONG:
        assert f"big.rq: the query text has {len(text):,} characters, " in first
    else:
        assert "big.rq: the query nests {, ( or [ " in first
    # the remote path refuses the same text before sending it (port 9: nothing listens)
    remote = cli("query", tmp_path / "big.rq", "--endpoint", "http://127.0.0.1:9/query")
    assert (remote.code, remote.err.splitlines()[0]) == (2, first)


def test_library_queries_pass_the_limits():
    paths = [info.path for info in list_queries()] + sorted((ROOT / "queries").rglob("*.rq"))
    assert len(paths) > 27
    for path in paths:
        check_query_limits(read_query(path)[1])


def test_nesting_at_the_limit_still_runs(cli, tmp_path):
    depth = MAX_QUERY_NESTING - 1
    text = "SELECT ?x WHERE " + "{" * depth + " BIND(1 AS ?x) " + "}" * depth
    (tmp_path / "deep.rq").write_text(text)
    run = cli("query", tmp_path / "deep.rq", "--format", "csv")
    assert (run.code, run.out) == (0, "x\n1\n")


# ------------------------------------------------------------------ SERVICE


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer()

    def do_GET(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        body = json.dumps({
            "head": {"vars": ["s"]},
            "results": {"bindings": [{"s": {"type": "uri", "value": "http://remote.example/x"}}]},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server on a free port that records each request and answers one row."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


SERVICE_QUERIES = {
    "upper": "SELECT ?s WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "silent-lower": (
        "# a comment with SERVICE <http://elsewhere.example/> in it\n"
        "PREFIX ex: <http://example.org/>\n"
        "select ?s where { service silent <{url}> { ?s ?p ?o } }"
    ),
    "prefixed": "PREFIX r: <{base}>\nSELECT ?s WHERE { SERVICE r:sparql { ?s ?p ?o } }",
}


@pytest.mark.parametrize("kind", sorted(SERVICE_QUERIES))
def test_service_is_refused_without_allow(cli, tmp_path, recorder, small, kind):
    url, requests = recorder
    text = SERVICE_QUERIES[kind].replace("{url}", url).replace("{base}", url[: -len("sparql")])
    (tmp_path / "svc.rq").write_text(text)
    run = cli("query", tmp_path / "svc.rq", "--data", small)
    assert run.code == 2
    first = run.err.splitlines()[0]
    assert first.startswith("pmgraph: error: ")
    assert first.endswith(
        f"svc.rq: SERVICE <{url}>: the query would send a request to another host, which "
        f"pmgraph does only when asked; add --allow-service {url} (or --allow-service for any "
        "http(s) endpoint)"
    )
    assert requests == []


def test_service_runs_when_its_endpoint_is_allowed(cli, tmp_path, recorder, small):
    url, requests = recorder
    (tmp_path / "svc.rq").write_text(SERVICE_QUERIES["upper"].replace("{url}", url))
    run = cli("query", tmp_path / "svc.rq", "--data", small, "--allow-service", url,
              "--format", "csv")
    assert (run.code, run.out) == (0, "s\nhttp://remote.example/x\n")
    assert len(requests) == 1
    other = cli("query", tmp_path / "svc.rq", "--data", small,
                "--allow-service", "http://127.0.0.1:1/other")
    assert other.code == 2
    assert f"SERVICE <{url}>: this endpoint is not among those allowed" in other.err
    assert len(requests) == 1
    anywhere = cli("query", tmp_path / "svc.rq", "--data", small, "--allow-service")
    assert anywhere.code == 0
    assert len(requests) == 2


def test_service_api_keyword(tmp_path, recorder, write_ttl):
    url, requests = recorder
    graph = load_graph(write_ttl(SMALL_DATA))
    (tmp_path / "svc.rq").write_text(SERVICE_QUERIES["upper"].replace("{url}", url))
    with pytest.raises(QueryError, match="would send a request to another host"):
        run_query(tmp_path / "svc.rq", graph)
    assert requests == []
    rows = run_query(tmp_path / "svc.rq", graph, allow_service=[url]).to_records()
    assert rows == [{"s": "http://remote.example/x"}]
    assert len(requests) == 1


@pytest.mark.parametrize(
    "target", ["<file:///etc/passwd>", "?endpoint"], ids=["file", "variable"]
)
def test_service_files_and_variables_stay_refused_when_allowed(cli, tmp_path, small, target):
    (tmp_path / "svc.rq").write_text(f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}")
    run = cli("query", tmp_path / "svc.rq", "--data", small, "--allow-service")
    assert run.code == 2
    assert f"SERVICE {target}: pmgraph calls only http(s) endpoints written in the query " \
        "as IRIs" in run.err.splitlines()[0]


def test_words_that_are_not_a_service_call_do_not_count(cli, tmp_path, small):
    text = (
        '# SERVICE <http://127.0.0.1:1/> in a comment\n'
        'PREFIX schema: <https://schema.org/>\n'
        'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/>" AS ?x) '
        'OPTIONAL { ?x a schema:Service } }'
    )
    assert service_calls(text) == []
    (tmp_path / "words.rq").write_text(text)
    run = cli("query", tmp_path / "words.rq", "--data", small, "--format", "csv")
    assert (run.code, run.out) == (0, "x\nSERVICE <http://127.0.0.1:1/>\n")


# ------------------------------------------------------------------ names


def test_find_entity_matches_a_straight_apostrophe(cli):
    run = cli("query", "find-entity", "--param", "text=Queen's", "--format", "csv")
    assert run.code == 0
    assert "Queen\u2019s University Belfast" in run.out.splitlines()[1]


def test_focus_name_with_straight_apostrophe_resolves_and_is_reported(cli, tmp_path):
    """A straight apostrophe typed for the data's curly one matches as the search matches:
    the centre whose name holds the words first, the university next."""
    run = cli("-v", "viz", "--focus", "Queen's University Belfast", "--out", tmp_path / "v.html")
    assert run.code == 0
    assert ('pmgraph: --focus "Queen\'s University Belfast": picked Queen\u2019s University '
            "Belfast Precision Medicine Centre of Excellence (Centre of excellence, "
            "https://w3id.org/pmgraph/id/centre/belfast); 3 other matches, first "
            "https://w3id.org/pmgraph/id/org/queens-university-belfast; give an IRI to focus on "
            "another") in run.err.splitlines()


def test_chain_reports_what_names_resolved_to(cli):
    run = cli("-v", "analyse", "chain", "--from", "Cardiff", "--to", "Leeds")
    assert run.code == 0
    assert any(line.startswith("pmgraph: --from 'Cardiff': picked Cardiff Centre of Excellence "
                               "for Precision Medicine (Centre of excellence, ")
               for line in run.err.splitlines()), run.err


def test_param_on_a_query_without_header_shows_how_to_declare_one(cli, tmp_path):
    (tmp_path / "mine.rq").write_text("SELECT ?s WHERE { ?s a ?c } LIMIT 1\n")
    run = cli("query", tmp_path / "mine.rq", "--param", "c=pm:University")
    assert run.code == 2
    first = run.err.splitlines()[0]
    assert first.startswith("pmgraph: error: query mine declares no parameters, so it cannot "
                            "take 'c'; declare one in a header line at the top of ")
    assert first.endswith("'# param: c (iri|string|integer|decimal|date[, optional]) "
                          "description', and use ?c in the query")


def test_a_child_made_by_fork_runs_queries_with_workers_of_its_own(write_ttl):
    """The parent's waiting workers have no thread in a forked child: the child's query must
    not wait for them."""
    graph = load_graph(write_ttl(SMALL_DATA))
    assert len(run_query("find-entity", graph, params={"text": "X"})) == 1  # a worker waits
    answer = in_forked_child(
        lambda: len(run_query("find-entity", graph, params={"text": "X"}, timeout=20)))
    assert answer == "1"
