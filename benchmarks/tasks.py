"""One measurement, run in a fresh process by ``benchmarks/run.py``.

    python benchmarks/tasks.py TASK RESULT.json '{"file": ..., ...}'

Setup (loading the data a step needs) is not timed; the step itself is, with
``time.perf_counter``. The result file gets ``{"seconds": ..., "info": {...}}``, or
``{"skip": "why"}`` when a module the step needs is not there yet. Imports happen inside the
tasks so that a baseline process loads only what it uses.

Tasks of several steps (``STEPPED``) write JSON lines instead, one ``{"begin": step}`` before
and one ``{"done": step, "seconds": ..., "rss_mb": ..., "info": ...}`` (or ``{"error": step,
"message": ...}``) after each step, so that the caller can tell which step a process it had
to stop was in, and keep what the steps before it measured. ``rss_mb`` is the process's peak
resident memory when the step ended.
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_REIFIES = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"
CHROMIUM = "/usr/bin/chromium"

#: Records the first "afterDrawing" of any vis-network Network on the page (ms since
#: navigation start): vis.Network.prototype.setData is wrapped as soon as the library has
#: run, i.e. before the page's own script builds its network.
FIRST_DRAW_HOOK = """
(() => {
  const mark = () => {
    if (window.__benchFirstDraw === undefined) window.__benchFirstDraw = performance.now();
  };
  const patch = (vis) => {
    const proto = vis && vis.Network && vis.Network.prototype;
    if (!proto || proto.__benchPatched) return;
    proto.__benchPatched = true;
    const setData = proto.setData;
    proto.setData = function (...args) {
      if (!this.__benchHooked) { this.__benchHooked = true; this.once("afterDrawing", mark); }
      return setData.apply(this, args);
    };
  };
  let current;
  Object.defineProperty(window, "vis", {
    configurable: true,
    get() { return current; },
    set(value) { current = value; patch(value); queueMicrotask(() => patch(value)); },
  });
})();
"""


class Skip(Exception):
    """The step cannot be measured yet: a module it needs is missing."""


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Skip(f"{module} is not available ({exc})") from None


def _rdf_format(path: str):
    import pyoxigraph as ox

    return ox.RdfFormat.N_TRIPLES if path.endswith(".nt") else ox.RdfFormat.TURTLE


def _ox_store(file: str, ontology: str | None):
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=file, format=_rdf_format(file))
    if ontology:
        store.load(path=ontology, format=ox.RdfFormat.TURTLE)
    return store


def _ox_term(kind: str, value: str):
    import pyoxigraph as ox

    if kind == "iri":
        return ox.NamedNode(value)
    datatype = {"integer": "integer", "decimal": "decimal", "date": "date"}.get(kind)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(value)


def _with_values(text: str, params: dict[str, list[str]]) -> str:
    """``text`` with ``VALUES ?name { term }`` at the start of its first group."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            if i < 0:
                break
        elif c == "<":
            i = text.find(">", i)
        elif c in "\"'":
            i = text.find(c, i + 1)
        elif c == "{":
            block = "".join(
                f" VALUES ?{name} {{ {_ox_term(kind, value)} }}"
                for name, (kind, value) in sorted(params.items())
            )
            return text[: i + 1] + block + text[i + 1 :]
        i += 1
    raise ValueError("no group in the query")


def _ox_rows(store, text: str, params: dict[str, list[str]]) -> list[tuple]:
    """Rows of ``text`` with ``params`` substituted (SEP-0007), or as VALUES where the
    variable is not projected and Oxigraph refuses to substitute it."""
    import pyoxigraph as ox

    substitutions = {
        ox.Variable(name): _ox_term(kind, value) for name, (kind, value) in params.items()
    }
    try:
        result = store.query(text, substitutions=substitutions)
    except RuntimeError as exc:
        if "projection" not in str(exc):
            raise
        result = store.query(_with_values(text, params))
    if isinstance(result, ox.QueryBoolean):
        return [(bool(result),)]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return [tuple(None if s[n] is None else s[n].value for n in names) for s in result]
    return [(t.subject.value, t.predicate.value, t.object.value) for t in result]


def _timed(step):
    start = time.perf_counter()
    value = step()
    return time.perf_counter() - start, value


def _cpu() -> float:
    """CPU seconds (user and system, every thread) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Progress:
    """The JSON-lines record of a stepped task (see the module's docstring)."""

    def __init__(self, path: str) -> None:
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the run

    def write(self, record: dict) -> None:
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()

    def step(self, name: str, run, info=None):
        """Time ``run()`` as the step ``name``; ``info(value)`` describes its result."""
        self.write({"begin": name})
        seconds, value = _timed(run)
        self.write({"done": name, "seconds": seconds, "rss_mb": _peak_mb(),
                    "info": info(value) if info else {}})
        return value


# --- tasks --------------------------------------------------------------------------------


_RECORDS = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX oa: <http://www.w3.org/ns/oa#> "
    "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?st) AS ?statements) WHERE { "
    # each quote selector once, however many statements share it
    "{ ?st a rdf:Statement ; ?p ?o } UNION { ?q a oa:TextQuoteSelector ; ?p ?o } }"
)
_ANNOTATIONS = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?r) AS ?statements) "
    "WHERE { ?r rdf:reifies ?t ; ?p ?o }"
)


def _counts(store, query: str, **kwargs) -> tuple[int, int]:
    row = next(iter(store.query(query, **kwargs)))
    return int(row["n"].value), int(row["statements"].value)


def task_load(args: dict) -> tuple[float, dict]:
    """Load the file; then, untimed, count its statement provenance: the annotation triples
    (a reifier's ``rdf:reifies`` and its pairs) as pyoxigraph loads the file, the triples of
    statement records and quote selectors in pmgraph's store."""
    file, impl = args["file"], args["impl"]
    if impl == "pmgraph":
        load = _need("pmgraph.graph.load")
        cpu = _cpu()
        seconds, graph = _timed(lambda: load.load_graph(file))
        cpu = _cpu() - cpu
        from pmgraph.query.engine import oxigraph_target

        store, name = oxigraph_target(graph)
        records, statements = _counts(store, _RECORDS, default_graph=name)
        return seconds, {"triples": len(store), "store_records": records,
                         "store_statements": statements, "cpu": cpu}
    if impl == "oxigraph":
        cpu = _cpu()
        seconds, store = _timed(lambda: _ox_store(file, None))
        cpu = _cpu() - cpu
        annotations, statements = _counts(store, _ANNOTATIONS)
        return seconds, {"triples": len(store), "annotation_triples": annotations,
                         "statements": statements, "cpu": cpu}
    from rdflib import Graph

    fmt = "nt" if file.endswith(".nt") else "turtle"
    seconds, graph = _timed(lambda: Graph().parse(file, format=fmt))
    return seconds, {"triples": len(graph)}


def task_query(args: dict) -> tuple[float, dict]:
    file, impl, name, params = args["file"], args["impl"], args["query"], args["params"]
    if impl == "pmgraph":
        load = _need("pmgraph.graph.load")
        queries = _need("pmgraph.query.library")
        graph = load.load_graph(file)
        values = {key: value for key, (_, value) in params.items()}
        seconds, result = _timed(lambda: queries.run_query(name, graph, params=values))
        return seconds, {"rows": len(result)}
    store = _ox_store(file, args["ontology"])
    text = Path(args["path"]).read_text(encoding="utf-8")
    seconds, rows = _timed(lambda: _ox_rows(store, text, params))
    return seconds, {"rows": len(rows)}


def task_process_query(args: dict) -> tuple[float, dict]:
    """The whole-process baseline: load the file into pyoxigraph, run the query, print rows."""
    store = _ox_store(args["file"], args["ontology"])
    text = Path(args["path"]).read_text(encoding="utf-8")
    rows = _ox_rows(store, text, args["params"])
    out = sys.stdout
    for row in rows:
        out.write("\t".join("" if v is None else str(v) for v in row) + "\n")
    return 0.0, {"rows": len(rows)}


def _is_iri(path: str | None) -> bool:
    """True for a predicate path (an IRI), false for an inverse, sequence or alternative."""
    return (bool(path) and path.startswith("http") and "/http" not in path
            and not any(c in path for c in "^|*+?() "))


def _signature(items: list[tuple]) -> dict:
    counted = sorted(Counter(items).items())
    digest = hashlib.sha256(repr(counted).encode()).hexdigest()[:16]
    return {"findings": len(items), "signature": digest}


class CpuLimitReached(BaseException):
    """The process used the CPU time it was given (SIGXCPU). A BaseException, so that no
    ``except Exception`` in the code being measured swallows it."""


def _cpu() -> float:
    """CPU seconds this process has used (every thread, user and system)."""
    return time.process_time()


_cpu_limited = False


def _unlimit_cpu() -> None:
    """No more SIGXCPU: ignored, and the soft limit raised to the hard one, so that the
    process ends normally (the kernel sends SIGXCPU every second past the soft limit, and
    Python restores its default action, which kills, while it shuts down)."""
    import signal

    if not _cpu_limited:
        return
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def _limit_cpu(seconds: float) -> float:
    """From now on, stop this process after ``seconds`` more CPU seconds: SIGXCPU raises
    :class:`CpuLimitReached` (RLIMIT_CPU, whole seconds; SIGKILL 10 minutes later if that
    does not end it). Returns the CPU time used so far."""
    import math
    import signal

    def reached(signum, frame):
        raise CpuLimitReached()

    used = _cpu()
    signal.signal(signal.SIGXCPU, reached)
    global _cpu_limited
    _cpu_limited = True
    soft = math.ceil(used + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 600))
    return used


def _findings_info(found: list[tuple]) -> dict:
    """The SHACL findings as (severity, focus, component, path) tuples: their count, a digest
    of the multiset, and the multiset itself in a file beside the result when asked for."""
    info = _signature(found)
    info["violations"] = sum(1 for f in found if f[0] == "Violation")
    return info


def _save_findings(args: dict, found: list[tuple]) -> None:
    if args.get("findings_out"):
        Path(args["findings_out"]).write_text(
            json.dumps(sorted(found, key=lambda f: tuple(x or "" for x in f))), encoding="utf-8")


def task_validate(args: dict) -> tuple[float, dict]:
    """One validation call, timed by the clock (``seconds``) and by the process's CPU time
    (``info["cpu"]``, which another job on the machine does not inflate as much)."""
    file, impl = args["file"], args["impl"]
    if impl == "pmgraph":
        load = _need("pmgraph.graph.load")
        validate = _need("pmgraph.validation.validate")
        graph = load.load_graph(file)
        cpu = _cpu()
        seconds, report = _timed(lambda: validate.validate(graph))
        cpu = _cpu() - cpu
        shacl = [
            (f.severity.value, f.focus, f.constraint, f.path if _is_iri(f.path) else None)
            for f in report.findings if f.origin == "shacl"
        ]
        info = _findings_info(shacl)
        info["violations"] = len(report.violations)
        info["checks"] = sum(1 for f in report.findings if f.origin != "shacl")
        info["cpu"] = cpu
        _save_findings(args, shacl)
        return seconds, info
    return _pyshacl(args, None)


def _pyshacl(args: dict, progress: Progress | None) -> tuple[float, dict]:
    """Plain pyshacl on the file; with ``progress``, its rdflib parse is a step of its own
    (``rdflib-load``, the same ``Graph().parse`` as the rdflib load baseline), taken before
    pyshacl is imported so that its peak memory is that of a parse alone."""
    from rdflib import Graph

    file = args["file"]
    fmt = "nt" if file.endswith(".nt") else "turtle"
    if progress is None:
        data = Graph().parse(file, format=fmt)
    else:
        data = progress.step("rdflib-load", lambda: Graph().parse(file, format=fmt),
                             lambda graph: {"triples": len(graph)})
    import pyshacl
    from rdflib import URIRef
    from rdflib.namespace import RDF, SH

    ontology = Graph().parse(args["ontology"], format="turtle")
    shapes = Graph().parse(args["shapes"], format="turtle")

    def run():
        return pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference="none",
            allow_warnings=True, advanced=True,
        )

    def describe(outcome) -> dict:
        _, report, _ = outcome
        found = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            path = report.value(result, SH.resultPath)
            found.append((
                str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                str(path) if isinstance(path, URIRef) else None,
            ))
        _save_findings(args, found)
        return _findings_info(found)

    if progress is not None:
        progress.step("validate", run, describe)
        return 0.0, {}
    # With a CPU-time limit (the lower-bound run), the call is stopped once it has used that
    # much CPU time; the parse before it is not counted.
    limit = args.get("cpu_limit")
    cpu = _limit_cpu(limit) if limit else _cpu()
    start = time.perf_counter()
    try:
        outcome = run()
    except CpuLimitReached:
        _unlimit_cpu()
        return -1.0, {"cpu_limit": limit, "cpu": _cpu() - cpu,
                      "wall": time.perf_counter() - start, "triples": len(data)}
    seconds = time.perf_counter() - start
    cpu = _cpu() - cpu
    _unlimit_cpu()  # finished: no SIGXCPU while the report is read
    info = describe(outcome)
    info["cpu"] = cpu
    info["triples"] = len(data)
    return seconds, info


def task_network(args: dict) -> tuple[float, dict]:
    load = _need("pmgraph.graph.load")
    network = _need("pmgraph.analysis.network")
    graph = load.load_graph(args["file"])
    seconds, net = _timed(lambda: network.to_networkx(graph))
    return seconds, {"nodes": net.number_of_nodes(), "edges": net.number_of_edges()}


def _sub_network(file: str, nodes: int):
    """The first ``nodes`` entities reached breadth-first from the best-linked one (all of
    them when ``nodes`` is None)."""
    load = _need("pmgraph.graph.load")
    network = _need("pmgraph.analysis.network")
    net = network.to_networkx(load.load_graph(file))
    if nodes is None:
        return net
    undirected = net.to_undirected(as_view=True)
    start = max(sorted(net.nodes), key=undirected.degree)
    keep: list[str] = []
    seen = {start}
    queue = [start]
    while queue and len(keep) < nodes:
        node = queue.pop(0)
        keep.append(node)
        for other in sorted(undirected.neighbors(node)):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return net.subgraph(keep).copy()


def _layout_function():
    layout = _need("pmgraph.view.layout")
    for name in ("compute_layout", "layout_positions", "positions", "force_layout", "layout"):
        function = getattr(layout, name, None)
        if callable(function):
            return function
    raise Skip("pmgraph.view.layout has no layout function the benchmark knows")


def task_layout(args: dict) -> tuple[float, dict]:
    function = _layout_function()
    sub = _sub_network(args["file"], args["nodes"])
    seconds, positions = _timed(lambda: function(sub))
    return seconds, {"nodes": sub.number_of_nodes(), "positioned": len(positions or ())}


def task_html(args: dict) -> tuple[float, dict]:
    sub = _sub_network(args["file"], args.get("nodes"))
    out = Path(args["out"])
    if args["impl"] == "pmgraph":
        viz = _need("pmgraph.view.viz")
        seconds, _ = _timed(lambda: viz.write_html(sub, out))
    else:
        from pyvis.network import Network

        def draw() -> None:
            net = Network(cdn_resources=args.get("cdn", "local"))
            for node, data in sub.nodes(data=True):
                net.add_node(node, label=str(data.get("label") or node))
            for u, v in sub.edges():
                net.add_edge(u, v)
            net.write_html(str(out))

        seconds, _ = _timed(draw)
    info = {"nodes": sub.number_of_nodes(), "bytes": out.stat().st_size}
    if args.get("discard"):
        out.unlink()
    return seconds, info


def task_first_draw(args: dict) -> tuple[float, dict]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise Skip(f"playwright is not installed ({exc})") from None
    if not Path(CHROMIUM).exists():
        raise Skip(f"{CHROMIUM} is not installed")
    page_file = Path(args["html"]).resolve()
    timeout_ms = int(args["timeout"] * 1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        blocked: list[str] = []

        def route(request_route) -> None:
            url = request_route.request.url
            if url.startswith(("file:", "data:", "blob:")):
                request_route.continue_()
            else:
                blocked.append(url)
                request_route.abort()

        page.route("**/*", route)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        page.add_init_script(FIRST_DRAW_HOOK)
        page.goto(page_file.as_uri(), wait_until="commit")
        own = args.get("flag_script")  # the page's own record of its first draw, if any
        condition = "window.__benchFirstDraw !== undefined"
        if own:
            condition = f"({own}) !== undefined || {condition}"
        # Polled from here: Playwright's wait_for_function, set up right after the commit,
        # sometimes watches a context the page has left and never sees the flag.
        deadline = time.perf_counter() + timeout_ms / 1000
        while not page.evaluate(condition):
            if time.perf_counter() > deadline:
                browser.close()
                return -1.0, {"drawn": False, "blocked": len(blocked), "errors": errors[:3]}
            time.sleep(0.01)
        milliseconds = page.evaluate(
            f"({own}) !== undefined ? ({own}) : window.__benchFirstDraw" if own
            else "window.__benchFirstDraw"
        )
        checks = {}
        for name, script in (args.get("checks") or {}).items():
            try:
                checks[name] = bool(page.evaluate(script))
            except Error as exc:
                checks[name] = False
                errors.append(f"{name}: {str(exc)[:160]}")
        browser.close()
    return milliseconds / 1000, {"drawn": True, "blocked": len(blocked), "checks": checks,
                                 "errors": errors[:3]}


# --- stepped tasks (JSON lines, see the module's docstring) ---------------------------------


def stepped_pyshacl(args: dict, progress: Progress) -> None:
    _pyshacl(args, progress)


def stepped_query_batch(args: dict, progress: Progress) -> None:
    """Load the file once (the step ``load``), then time each query of ``queries`` alone,
    ``runs`` times one after the other.

    An untimed ``ASK`` first, so that no query pays for the imports and caches of the first
    call. A query that raises is recorded as an error and the next one runs.
    """
    file, impl = args["file"], args["impl"]
    if impl == "pmgraph":
        load = _need("pmgraph.graph.load")
        graph = progress.step("load", lambda: load.load_graph(file))
        queries = _need("pmgraph.query.library")
        try:
            queries.run_query(args["warm_up"], graph)
        except Exception:  # noqa: BLE001 - a warm-up only; the real queries report errors
            pass

        def run(query: dict):
            values = {key: value for key, (_, value) in query["params"].items()}
            return queries.run_query(query["name"], graph, params=values)

        def count(result) -> dict:
            return {"rows": len(result)}
    else:
        import pyoxigraph as ox

        # The same store contents as pmgraph's when given (statement records, written out)
        file = args.get("baseline_file") or file
        store = ox.Store()
        progress.step("load", lambda: store.load(path=file, format=_rdf_format(file)),
                      lambda _: {"triples": len(store)})
        store.load(path=args["ontology"], format=ox.RdfFormat.TURTLE)
        store.query("ASK { ?s ?p ?o }")

        def run(query: dict):
            text = Path(query["path"]).read_text(encoding="utf-8")
            return _ox_rows(store, text, query["params"])

        def count(rows) -> dict:
            return {"rows": len(rows)}

    for query in args["queries"]:
        try:
            for _ in range(args.get("runs", 1)):
                progress.step(query["name"], lambda q=query: run(q), count)
        except Exception as exc:  # noqa: BLE001 - one failing query must not hide the rest
            progress.write({"error": query["name"],
                            "message": f"{type(exc).__name__}: {str(exc)[:160]}"})


def stepped_view(args: dict, progress: Progress) -> None:
    """The whole graph's network, its layout and its HTML page, each step timed once.

    ``write_html`` computes its own layout, as it does for a user; the page is deleted once
    measured (it is large at 1M triples).
    """
    load = _need("pmgraph.graph.load")
    network = _need("pmgraph.analysis.network")
    steps = args["steps"]
    graph = load.load_graph(args["file"])
    net = progress.step("to_networkx", lambda: network.to_networkx(graph),
                        lambda n: {"nodes": n.number_of_nodes(), "edges": n.number_of_edges()})
    if "layout" in steps:
        function = _layout_function()
        progress.step("layout", lambda: function(net),
                      lambda positions: {"positioned": len(positions or ())})
    if "write_html" in steps:
        viz = _need("pmgraph.view.viz")
        out = Path(args["out"])

        def size(_) -> dict:
            info = {"bytes": out.stat().st_size}
            out.unlink()
            return info

        progress.step("write_html", lambda: viz.write_html(net, out), size)


def _unfinished(call):
    """``call()``, a module of pmgraph it imports that is not written yet being a skip."""
    try:
        return call()
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("pmgraph"):
            raise Skip(f"{exc.name} is not available yet") from None
        raise


def _store_dir(args: dict) -> Path:
    folder = Path(args["store"])
    if args.get("fresh"):
        shutil.rmtree(folder, ignore_errors=True)
    return folder


def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def task_store_build(args: dict) -> tuple[float, dict]:
    """The file loaded into a new on-disk Oxigraph store."""
    import inspect

    file, folder = args["file"], _store_dir({**args, "fresh": True})
    if args["impl"] == "pmgraph":
        load = _need("pmgraph.graph.load")
        if "store" not in inspect.signature(load.load_graph).parameters:
            raise Skip("pmgraph.graph.load.load_graph has no store= option yet")
        seconds, _ = _timed(lambda: _unfinished(lambda: load.load_graph(file, store=folder)))
    else:
        import pyoxigraph as ox

        def build():
            store = ox.Store(str(folder))
            store.bulk_load(path=file, format=_rdf_format(file))
            store.flush()
            return store

        seconds, store = _timed(build)
        del store
    return seconds, {"disk_bytes": _disk_bytes(folder)}


def task_store_open(args: dict) -> tuple[float, dict]:
    """An on-disk store written by ``store-build`` opened again, in a new process."""
    folder = Path(args["store"])
    if not folder.is_dir():
        raise Skip(f"no store at {folder}")
    if args["impl"] == "pmgraph":
        load = _need("pmgraph.graph.load")
        if not hasattr(load, "open_store"):
            raise Skip("pmgraph.graph.load has no open_store yet")
        seconds, _ = _timed(lambda: _unfinished(lambda: load.open_store(folder)))
    else:
        import pyoxigraph as ox

        seconds, _ = _timed(lambda: ox.Store(str(folder)))
    return seconds, {}




def task_synth(args: dict) -> tuple[float, dict]:
    synth = _need("pmgraph.graph.synth")
    seconds, stats = _timed(
        lambda: synth.write_synthetic(args["out"], args["triples"], args["seed"])
    )
    return seconds, {"triples": stats.triples, "entities": stats.entities}


def task_provenance(args: dict) -> tuple[float, dict]:
    """What statement provenance adds, counted from the file and from pmgraph's store: the
    file's direct triples, statements and annotation triples (a reifier's ``rdf:reifies``
    and its pairs), and the store's triples of statement records and their quotes."""
    import pyoxigraph as ox

    load = _need("pmgraph.graph.load")
    file = args["file"]
    reifies = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"
    quads = ox.parse(path=file, format=_rdf_format(file))
    reifiers: set = set()
    direct = annotation = literal_statements = 0
    held: dict = {}
    for quad in quads:
        if quad.predicate.value == reifies:
            reifiers.add(quad.subject)
            annotation += 1
            literal_statements += isinstance(quad.object.object, ox.Literal)
        elif type(quad.subject) is ox.BlankNode:
            held[quad.subject] = held.get(quad.subject, 0) + 1
        else:
            direct += 1
    annotation += sum(n for node, n in held.items() if node in reifiers)
    direct += sum(n for node, n in held.items() if node not in reifiers)
    graph = load.load_graph(file)
    from pmgraph.query.engine import oxigraph_target

    store, name = oxigraph_target(graph)
    count = next(iter(store.query(
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
        "PREFIX pm: <https://w3id.org/pmgraph/ontology#> "
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?st) AS ?statements) WHERE { "
        "?st a rdf:Statement . { ?st ?p ?o } UNION { ?st pm:evidenceQuote ?q . ?q ?p ?o } }",
        default_graph=name)))
    records = int(count["n"].value)
    statements = len(reifiers)
    return 0.0, {
        "direct_triples": direct, "statements": statements,
        "literal_statements": literal_statements, "annotation_triples": annotation,
        "store_records": records, "store_statements": int(count["statements"].value),
        "store_triples": len(store), "file_per_statement": annotation / max(statements, 1),
        "store_per_statement": records / max(statements, 1),
    }


def task_expand(args: dict) -> tuple[float, dict]:
    """The graph pmgraph validates (data, statement records, ontology), every term as
    written, as N-Triples for the baselines (rdflib's parser cannot read RDF 1.2
    annotations)."""
    load = _need("pmgraph.graph.load")
    from rdflib import Graph

    from pmgraph.graph.exact import exact_triples

    graph = load.load_graph(args["file"])
    plain = Graph()
    for triple in exact_triples(graph):
        plain.add(triple)
    plain.serialize(args["out"], format="nt", encoding="utf-8")
    return 0.0, {"triples": len(plain)}


def task_strip(args: dict) -> tuple[float, dict]:
    """The file without its statement provenance: every RDF 1.2 annotation (a reifier's
    ``rdf:reifies`` and the reifier's own triples) left out, the rest written as Turtle with
    the file's prefixes."""
    import pyoxigraph as ox

    file, reifies = args["file"], ox.NamedNode(RDF_REIFIES)
    # One parse: each parse gives an annotation's reifier a new blank node label.
    quads = list(ox.parse(path=file, format=_rdf_format(file)))
    reifiers = {quad.subject for quad in quads if quad.predicate == reifies}
    kept = (quad for quad in quads if quad.subject not in reifiers)
    prefixes = dict(re.findall(r"^@prefix ([\w-]*): <([^>]*)> \.$",
                               Path(file).read_text(encoding="utf-8")[:20_000], re.M))
    ox.serialize(kept, args["out"], format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return 0.0, {"statements": len(reifiers)}


def task_export(args: dict) -> tuple[float, dict]:
    """``pmgraph.publishing.export.serialize`` of a loaded file (loading not timed)."""
    load = _need("pmgraph.graph.load")
    export = _need("pmgraph.publishing.export")
    graph = load.load_graph(args["file"], include_project_data=False)
    seconds, data = _timed(lambda: export.serialize(graph, args["format"]))
    return seconds, {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def task_canonical(args: dict) -> tuple[float, dict]:
    """rdflib's ``to_canonical_graph`` over the blank-node triples, as export used it."""
    from rdflib import BNode, Graph
    from rdflib.compare import to_canonical_graph

    load = _need("pmgraph.graph.load")
    graph = load.load_graph(args["file"], include_project_data=False)
    anonymous = Graph()
    for s, p, o in graph:
        if isinstance(s, BNode) or isinstance(o, BNode):
            anonymous.add((s, p, o))
    seconds, canonical = _timed(lambda: to_canonical_graph(anonymous))
    return seconds, {"triples": len(canonical)}


TASKS = {
    "export": task_export,
    "provenance": task_provenance,
    "expand": task_expand,
    "strip": task_strip,
    "canonical": task_canonical,
    "synth": task_synth,
    "load": task_load,
    "query": task_query,
    "process-query": task_process_query,
    "validate": task_validate,
    "network": task_network,
    "layout": task_layout,
    "html": task_html,
    "first-draw": task_first_draw,
    "store-build": task_store_build,
    "store-open": task_store_open,
}

#: Tasks that write JSON lines to their result file as they go.
STEPPED = {
    "query-batch": stepped_query_batch,
    "view": stepped_view,
    "pyshacl": stepped_pyshacl,
}


def main(argv: list[str]) -> int:
    task, result_file, raw = argv
    if task in STEPPED:
        progress = Progress(result_file)
        try:
            STEPPED[task](json.loads(raw), progress)
        except Skip as exc:
            progress.write({"skip": str(exc)})
        return 0
    try:
        seconds, info = TASKS[task](json.loads(raw))
        result = {"seconds": seconds, "info": info}
    except Skip as exc:
        result = {"skip": str(exc)}
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
