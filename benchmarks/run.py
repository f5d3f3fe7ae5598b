"""Measure pmgraph against the libraries it is built on, side by side, and say which targets hold.

    python benchmarks/run.py                      # 10k and 100k triples
    python benchmarks/run.py --full               # and 1M, with every baseline
    python benchmarks/run.py --sizes 2k --repeat 1 --no-browser
    python benchmarks/run.py --from-results /tmp/pmgraph-bench/results.json   # report again
    python benchmarks/run.py --only blank-nodes   # export/build on blank nodes (also in --full)

Every measurement runs in a fresh Python process (``benchmarks/tasks.py``); the figure kept
is the median of ``--repeat`` runs, for wall time and for peak resident memory (the child's
``ru_maxrss``). The data are synthetic graphs made by ``pmgraph.graph.synth`` from the real one.
The script prints the ratios as it goes and writes ``docs/benchmarks.md``. It reports; it
does not assert: a missed target is a row in the table, and the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASKS = Path(__file__).resolve().parent / "tasks.py"
sys.path.insert(0, str(ROOT))

from pmgraph.graph.synth import parse_size  # noqa: E402

ONTOLOGY = ROOT / "ontology" / "pm.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
#: An untimed query run before the timed ones in each process (see ``run_queries``).
WARM_UP = "# title: Warm-up\n# description: Any triple at all.\n# view: table\nASK { ?s ?p ?o }\n"
ID_BASE = "https://w3id.org/pmgraph/id/"
MB = 1024  # ru_maxrss is in KiB on Linux
ONE_MILLION = 1_000_000

#: Browser checks run on the pmgraph view after its first draw: each returns true when the
#: control does what a user expects (see pmgraph/view/assets/view.js).
VIEW_CHECKS = {
    "search": """(() => {
        const box = document.getElementById("search");
        const node = window.pmgraph.nodes.get()[0];
        box.value = String(node.label).slice(0, 8);
        box.dispatchEvent(new Event("input", {bubbles: true}));
        const found = document.querySelectorAll("#search-results li").length > 0;
        box.value = ""; box.dispatchEvent(new Event("input", {bubbles: true}));
        return found; })()""",
    "filters": """(() => {
        const select = document.getElementById("nation-filter");
        if (!select || select.options.length < 2) return false;
        const all = document.getElementById("show-all");  // the view opens on an overview
        if (all) all.click();
        const before = window.pmgraph.nodeView.length;
        select.value = select.options[1].value;
        select.dispatchEvent(new Event("change"));
        const after = window.pmgraph.nodeView.length;
        select.value = ""; select.dispatchEvent(new Event("change"));
        return after < before && window.pmgraph.nodeView.length === before; })()""",
    "legend": """(() => {
        const box = document.querySelector("#legend input[type=checkbox]");
        if (!box) return false;
        const before = window.pmgraph.nodeView.length;
        box.checked = false; box.dispatchEvent(new Event("change"));
        const after = window.pmgraph.nodeView.length;
        box.checked = true; box.dispatchEvent(new Event("change"));
        return after < before && window.pmgraph.nodeView.length === before; })()""",
}
VIEW_FLAG_SCRIPT = (
    "window.pmgraph && window.pmgraph.firstDrawMs ? window.pmgraph.firstDrawMs : undefined"
)


# --- running a measurement ----------------------------------------------------------------


@dataclass
class Measure:
    """The median of some runs of one step, or why it was not measured."""

    seconds: float | None = None
    rss_mb: float | None = None
    info: dict = field(default_factory=dict)
    note: str | None = None
    runs: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.seconds is not None

    def text(self) -> str:
        return fmt_seconds(self.seconds) if self.ok else (self.note or "not measured")

    def as_dict(self) -> dict:
        return {"seconds": self.seconds, "rss_mb": self.rss_mb, "info": self.info,
                "note": self.note, "runs": self.runs}


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def fmt_mb(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MB"


def ratio(a: Measure, b: Measure) -> float | None:
    if a.ok and b.ok and b.seconds:
        return a.seconds / b.seconds
    return None


def fmt_ratio(value: float | None) -> str:
    if value == float("inf"):
        return "timed out"
    return "–" if value is None else f"{value:.2f}x"


def timed_out(m: Measure) -> bool:
    return not m.ok and bool(m.note) and "took over" in m.note


def step_ratio(ours: Measure, base: Measure) -> float | None:
    """``ratio``, with a step of ours that timed out where the baseline finished as infinite,
    and one that finished where the baseline timed out as 0."""
    if timed_out(ours) and base.ok:
        return float("inf")
    if ours.ok and timed_out(base):
        return 0.0
    return ratio(ours, base)


def step_ratio_text(ours: Measure, base: Measure) -> str:
    value = step_ratio(ours, base)
    return "baseline timed out" if value == 0.0 and not base.ok else fmt_ratio(value)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_process(
    command: list[str], *, cwd: Path, timeout: float
) -> tuple[float, float, int | None, str]:
    """Run ``command``; return (wall seconds, peak RSS in MB, exit code or None, stderr tail)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env=child_env(), stdout=out, stderr=err, start_new_session=True
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    code = None if killed.is_set() else proc.returncode
    return wall, usage.ru_maxrss / MB, code, tail[0][:200]


def measure(
    label: str,
    task: str | None,
    args: dict | None = None,
    *,
    command: list[str] | None = None,
    repeat: int,
    timeout: float,
    workdir: Path,
) -> Measure:
    """Median of ``repeat`` fresh runs of a task (its own timing) or a whole command (wall)."""
    times: list[float] = []
    rss: list[float] = []
    info: dict = {}
    for _ in range(repeat):
        result_file = workdir / "result.json"
        result_file.unlink(missing_ok=True)
        if task is not None:
            argv = [sys.executable, str(TASKS), task, str(result_file), json.dumps(args or {})]
        else:
            argv = list(command or [])
        wall, peak, code, tail = run_process(argv, cwd=workdir, timeout=timeout)
        if code is None:
            note = f"not measured: took over {timeout:.0f} s"
            print(f"  {label}: {note}", flush=True)
            return Measure(note=note, rss_mb=peak)
        if code != 0:
            note = f"failed: exit {code}: {tail}"
            print(f"  {label}: {note}", flush=True)
            return Measure(note=note)
        if task is not None:
            result = json.loads(result_file.read_text(encoding="utf-8"))
            if "skip" in result:
                note = f"not measured: {result['skip']}"
                print(f"  {label}: {note}", flush=True)
                return Measure(note=note)
            info = result.get("info", {})
            if result["seconds"] < 0:
                note = "not measured: " + describe_failure(info)
                print(f"  {label}: {note}", flush=True)
                return Measure(note=note, info=info)
            times.append(result["seconds"])
        else:
            times.append(wall)
        rss.append(peak)
    found = Measure(
        seconds=statistics.median(times), rss_mb=statistics.median(rss), info=info, runs=times
    )
    print(f"  {label}: {fmt_seconds(found.seconds)}, peak {fmt_mb(found.rss_mb)}", flush=True)
    return found


@dataclass
class Stepped:
    """What one process of a stepped task did (see ``benchmarks/tasks.py``)."""

    records: list[dict]
    stuck: str | None  # the step it was stopped in ("" before its first step), or None
    code: int | None
    tail: str
    skip: str | None = None


def run_stepped(task: str, args: dict, *, workdir: Path, budget) -> Stepped:
    """Run a stepped task in a fresh process, stopping it when a step (or the setup before its
    first step, or between two steps) takes more than ``budget(step)`` seconds
    (``budget(None)`` for setup)."""
    progress = workdir / "steps.jsonl"
    progress.unlink(missing_ok=True)
    progress.touch()
    argv = [sys.executable, str(TASKS), task, str(progress), json.dumps(args)]
    records: list[dict] = []
    with tempfile.TemporaryFile() as err, open(progress, encoding="utf-8") as lines:
        proc = subprocess.Popen(argv, cwd=workdir, env=child_env(), stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
        current: str | None = None
        since = time.perf_counter()
        stuck: str | None = None
        buffer = ""

        def read() -> None:
            nonlocal buffer, current, since
            buffer += lines.read()
            *complete, buffer = buffer.split("\n")
            for line in complete:
                record = json.loads(line)
                records.append(record)
                current = record.get("begin")
                since = time.perf_counter()

        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            read()
            if pid:
                break
            if time.perf_counter() - since > budget(current):
                stuck = current or ""
                try:
                    os.killpg(proc.pid, 9)
                except ProcessLookupError:
                    pass
                _, status, _ = os.wait4(proc.pid, 0)
                read()
                break
            time.sleep(0.05)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    code = None if stuck is not None else os.waitstatus_to_exitcode(status)
    skip = next((r["skip"] for r in records if "skip" in r), None)
    return Stepped(records, stuck, code, tail[0][:200], skip)


def median_measure(label: str, samples: list[dict]) -> Measure:
    """The median of the ``done`` records of one step (one per fresh process)."""
    times = [r["seconds"] for r in samples]
    found = Measure(seconds=statistics.median(times),
                    rss_mb=statistics.median(r["rss_mb"] for r in samples),
                    info=samples[-1].get("info", {}), runs=times)
    print(f"  {label}: {fmt_seconds(found.seconds)}, peak {fmt_mb(found.rss_mb)}", flush=True)
    return found


def measure_steps(
    label: str, task: str, args: dict, steps: list[str], *, repeat: int, workdir: Path, budget
) -> dict[str, Measure]:
    """Medians of ``repeat`` fresh runs of a task whose ``steps`` run in this order, each
    needing the ones before it. A step that fails or runs over its budget is not run again,
    nor are the steps after it; the steps before it are still repeated."""
    samples: dict[str, list[dict]] = {step: [] for step in steps}
    notes: dict[str, str] = {}
    todo = list(steps)
    for _ in range(repeat):
        if not todo:
            break
        done = run_stepped(task, {**args, "steps": todo}, workdir=workdir, budget=budget)
        if done.skip:
            return {step: say_note(f"{label} {step}", f"not measured: {done.skip}")
                    for step in steps}
        for record in done.records:
            if "done" in record and record["done"] in samples:
                samples[record["done"]].append(record)
            elif "error" in record:
                notes[record["error"]] = f"failed: {record['message']}"
        if done.stuck is not None or done.code:
            finished = {r.get("done", r.get("error")) for r in done.records}
            failed = next((step for step in todo if step not in finished), None)
            if failed is None:  # every step had finished: the exit does not matter
                todo = [step for step in todo if step not in notes]
                continue
            if done.stuck is not None:
                why = f"not measured: took over {budget(done.stuck or None):.0f} s"
            else:
                why = f"failed: exit {done.code}: {done.tail}"
            notes.setdefault(failed, why)
            for step in steps[steps.index(failed) + 1:]:
                notes.setdefault(step, f"not measured: {failed} {why.split(': ', 1)[1]}")
        todo = [step for step in todo if step not in notes]
    found = {}
    for step in steps:
        if step in notes:
            found[step] = say_note(f"{label} {step}", notes[step])
        elif samples[step]:
            found[step] = median_measure(f"{label} {step}", samples[step])
        else:
            found[step] = say_note(f"{label} {step}", "not measured: no result")
    return found


def say_note(label: str, note: str, **fields) -> Measure:
    print(f"  {label}: {note}", flush=True)
    return Measure(note=note, **fields)


def describe_failure(info: dict) -> str:
    if info.get("cpu_limit"):
        return f"not finished after {info['cpu']:.0f} CPU s (its limit: {info['cpu_limit']:.0f})"
    if info.get("drawn") is False:
        why = "never drawn within the time limit"
        if info.get("blocked"):
            why += f" ({info['blocked']} network requests blocked"
            why += f"; page errors: {info['errors'][0]})" if info.get("errors") else ")"
        return why
    return "no result"


# --- choosing query parameters from the synthetic data ----------------------------------------


EXAMPLE = re.compile(r"e\.g\.\s+(\S+?)[;,.)]*(?:\s|$)")


def pick_params_apart(queries: list, data: Path) -> dict[str, dict | str]:
    """:func:`pick_params` in a process of its own.

    Its store would otherwise stay in this process's memory, and on Linux a child process's
    peak memory (``ru_maxrss``) starts from its parent's resident size at fork: every
    measurement after it would report at least that much.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(pick_params, (queries, data))


def pick_params(queries: list, data: Path) -> dict[str, dict | str]:
    """For each query, {param: (kind, value)} taken from the synthetic data, or why none fits.

    An IRI parameter takes the example of the query header moved into a copy in the middle of
    the synthetic graph (``<example>-s<k>``), or the example itself when it is shared.
    """
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(data), format=ox.RdfFormat.TURTLE)

    def exists(iri: str) -> bool:
        return next(iter(store.quads_for_pattern(ox.NamedNode(iri), None, None)), None) is not None

    examples = {}
    for info in queries:
        for param in info.params:
            match = EXAMPLE.search(param.description)
            if match:
                examples[(info.name, param.name)] = match.group(1)
    copies = 0
    for value in examples.values():
        if value.startswith(ID_BASE) and exists(value + "-s1"):
            while exists(f"{value}-s{copies + 1}"):
                copies += 1
            break
    middle = copies // 2
    chosen: dict[str, dict | str] = {}
    for info in queries:
        params: dict[str, tuple[str, str]] = {}
        reason = None
        for param in info.params:
            example = examples.get((info.name, param.name))
            value = None
            if example and param.kind == "iri":
                for candidate in ([f"{example}-s{middle}"] if middle else []) + [example]:
                    if exists(candidate):
                        value = candidate
                        break
            elif example:
                value = example.strip("\"'")
            if value is not None:
                params[param.name] = (param.kind, value)
            elif param.required:
                reason = f"no value in the data for the required parameter {param.name}"
        chosen[info.name] = reason or params
    return chosen


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Settings:
    sizes: list[tuple[str, int]]
    full: bool
    repeat: int
    browser: bool
    nodes: list[int]
    workdir: Path
    out: Path
    seed: int
    timeout: float
    browser_timeout: float
    queries: list[str]
    query_timeout: float
    #: (implementation, step) -> the size at which it ran over its time limit.
    timed_out: dict = field(default_factory=dict)
    #: In-process runs of each query per round (the median of all is kept).
    query_runs: int = 1
    only: str | None = None
    validate_sizes: list = field(default_factory=list)
    pyshacl_timeout: float = 1800
    validate_repeat: int = 3
    pyshacl_cpu_factor: float = 0.0
    #: --only scale: the files loaded side by side (annotated, records, plain).
    load_forms: tuple = ("annotated",)
    validate_large: bool = True


def size_label(count: int) -> str:
    if count % ONE_MILLION == 0:
        return f"{count // ONE_MILLION}M"
    if count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


def synth_file(s: Settings, count: int, results: dict) -> Path | None:
    path = s.workdir / f"synth-{size_label(count)}-seed{s.seed}.ttl"
    step = measure(
        f"generate {size_label(count)}", "synth",
        {"out": str(path), "triples": count, "seed": s.seed},
        repeat=1, timeout=s.timeout, workdir=s.workdir,
    )
    results.setdefault("generate", {})[size_label(count)] = step
    return path if step.ok else None


def run_size(s: Settings, label: str, count: int, results: dict) -> None:
    print(f"\n== {label} triples ==", flush=True)
    data = synth_file(s, count, results)
    row: dict = {"triples": count}
    results["sizes"][label] = row
    if data is None:
        row["error"] = results["generate"][label].note
        return
    row["generated"] = results["generate"][label].info
    common = {"repeat": s.repeat, "timeout": s.timeout, "workdir": s.workdir}
    big = count >= ONE_MILLION
    slow_ok = s.full or not big

    def m(name: str, task: str, **args) -> Measure:
        return measure(f"{label} {name}", task, {"file": str(data), **args}, **common)

    # The load rows of pmgraph and pyoxigraph come from the processes that time the queries.
    loads, row["queries"] = run_queries(s, label, data)
    row["load"] = {**loads}

    # rdflib cannot read RDF 1.2 annotations: its rows (and pyshacl) read the graph pmgraph
    # validates (data, statement records, ontology) written out as N-Triples.
    expanded = s.workdir / f"expanded-{label}.nt"
    if slow_ok:
        measure(f"{label} expanded N-Triples", "expand", {"file": str(data), "out": str(expanded)},
                repeat=1, timeout=s.timeout, workdir=s.workdir)
    if SHAPES.exists():
        row["validate"] = {"pmgraph": m("validate pmgraph", "validate", impl="pmgraph")}
        if slow_ok:
            # Its rdflib parse is the rdflib load row: the same Graph().parse, not run twice.
            found = measure_steps(
                f"{label} pyshacl", "pyshacl",
                {"file": str(expanded), "ontology": str(ONTOLOGY), "shapes": str(SHAPES)},
                ["rdflib-load", "validate"], repeat=s.repeat, workdir=s.workdir,
                budget=lambda step: s.timeout)
            row["load"]["rdflib"] = found["rdflib-load"]
            row["validate"]["pyshacl"] = found["validate"]
        else:
            row["validate"]["pyshacl"] = Measure(
                note="not measured: plain pyshacl takes ~3 min and 2.3 GB at 1M; use --full")
        say_ratio(f"{label} validate pyshacl / pmgraph", row["validate"]["pyshacl"],
                  row["validate"]["pmgraph"])
    else:
        why = Measure(note="not measured: ontology/shapes.ttl is not written yet")
        row["validate"] = {"pmgraph": why, "pyshacl": why}
    if "rdflib" not in row["load"]:
        row["load"]["rdflib"] = measure(
            f"{label} load rdflib", "load", {"file": str(expanded), "impl": "rdflib"}, **common
        ) if slow_ok else Measure(
            note="not measured: rdflib's default store takes ~35 s and 1.4 GB at 1M; use --full")
    say_ratio(f"{label} load pmgraph / pyoxigraph", row["load"]["pmgraph"],
              row["load"]["pyoxigraph"])

    row["store"] = run_store(s, label, data)

    # One process per run: to_networkx, then the layout and the page of its result.
    view = measure_steps(
        f"{label}", "view",
        {"file": str(data), "out": str(s.workdir / f"full-{label}.html")},
        ["to_networkx", "layout", "write_html"], repeat=s.repeat, workdir=s.workdir,
        budget=lambda step: s.timeout)
    row["network"], row["layout"] = view["to_networkx"], view["layout"]
    row["html"] = {"pmgraph": view["write_html"], "pyvis": pyvis_page(s, label, data, slow_ok)}
    say_ratio(f"{label} write_html pyvis / pmgraph", row["html"]["pyvis"],
              row["html"]["pmgraph"])


def pyvis_page(s: Settings, label: str, data: Path, slow_ok: bool) -> Measure:
    """pyvis with its defaults on the whole network; its ``add_edge`` checks every edge added
    before, so it is given the query time limit and not tried again at a larger size."""
    earlier = s.timed_out.get(("pyvis", "write_html"))
    if earlier:
        return say_note(f"{label} write_html pyvis",
                        f"not measured: took over {s.query_timeout:.0f} s at {earlier}")
    if not slow_ok:
        return Measure(note="not measured at 1M without --full")
    found = measure(f"{label} write_html pyvis", "html",
                    {"file": str(data), "impl": "pyvis", "nodes": None, "discard": True,
                     "out": str(s.workdir / f"full-pyvis-{label}.html")},
                    repeat=s.repeat, timeout=s.query_timeout + setup_allowance(data),
                    workdir=s.workdir)
    if found.note and "took over" in found.note:
        s.timed_out[("pyvis", "write_html")] = label
    return found


def setup_allowance(data: Path) -> float:
    """Seconds allowed for loading ``data`` and converting it to a network before a step that
    has a time limit of its own: generous, about 60 s per million triples' worth of Turtle."""
    return 30 + data.stat().st_size / 75e6 * 60


def run_store(s: Settings, label: str, data: Path) -> dict:
    """The on-disk store: built from the file, then opened again in a new process."""
    common = {"repeat": s.repeat, "timeout": s.timeout, "workdir": s.workdir}
    found: dict = {"build": {}, "open": {}}
    for impl, who in (("pmgraph", "pmgraph"), ("oxigraph", "pyoxigraph")):
        folder = str(s.workdir / f"store-{label}-{impl}")
        args = {"file": str(data), "impl": impl, "store": folder}
        build = measure(f"{label} on-disk store {who}", "store-build", args, **common)
        found["build"][who] = build
        found["open"][who] = (
            measure(f"{label} open on-disk store {who}", "store-open", args, **common)
            if build.ok else Measure(note="not measured: no store was built"))
    say_ratio(f"{label} on-disk store pmgraph / pyoxigraph", found["build"]["pmgraph"],
              found["build"]["pyoxigraph"])
    return found


@dataclass
class Batch:
    """The in-process query runs of one implementation at one size."""

    impl: str
    who: str
    names: list[str]
    loads: list[dict] = field(default_factory=list)
    samples: dict[str, list[dict]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    load_note: str | None = None
    #: The file the baseline loads instead of the data (the same store contents).
    baseline: Path | None = None


def run_batch(s: Settings, label: str, data: Path, batch: Batch, specs: dict) -> None:
    """One fresh process (more if a query has to be stopped) that loads the file and times
    every query not yet given up, each alone."""
    if batch.load_note:
        return

    def budget(step: str | None) -> float:
        return s.timeout if step in (None, "load") else s.query_timeout

    todo = [n for n in batch.names if n not in batch.notes]
    first = True
    while first or todo:
        done = run_stepped(
            "query-batch",
            {"file": str(data), "impl": batch.impl, "ontology": str(ONTOLOGY),
             "baseline_file": str(batch.baseline) if batch.baseline else None,
             "warm_up": str(s.workdir / "warm-up.rq"), "queries": [specs[n] for n in todo],
             "runs": s.query_runs},
            workdir=s.workdir, budget=budget)
        finished = set()
        for record in done.records:
            if "done" in record:
                finished.add(record["done"])
                if record["done"] == "load":
                    if first:
                        batch.loads.append(record)
                else:
                    batch.samples.setdefault(record["done"], []).append(record)
            elif "error" in record:
                finished.add(record["error"])
                batch.notes[record["error"]] = say_note(
                    f"{label} query {record['error']} {batch.who}",
                    f"failed: {record['message']}").note
        if done.skip:
            batch.load_note = f"not measured: {done.skip}"
            return
        first = False
        if done.stuck is not None or done.code:
            failed = next((n for n in ["load", *todo] if n not in finished), None)
            if failed is not None:
                if done.stuck is not None:
                    why = f"not measured: took over {budget(done.stuck or None):.0f} s"
                else:
                    why = f"failed: exit {done.code}: {done.tail}"
                if failed == "load":
                    batch.load_note = say_note(f"{label} load {batch.who}", why).note
                    return
                batch.notes[failed] = say_note(f"{label} query {failed} {batch.who}", why).note
                if done.stuck is not None:
                    s.timed_out[(batch.impl, failed)] = label
        todo = [n for n in todo if n not in finished and n not in batch.notes]


def run_queries(s: Settings, label: str, data: Path, whole: bool = True,
                baseline: Path | None = None) -> tuple[dict, dict]:
    """The load rows of pmgraph and pyoxigraph, and every library query: in process and as a
    whole process.

    In process: each of ``--repeat`` rounds starts one fresh process per implementation that
    loads the file (its load row), runs an untimed warm-up query, then times each query alone.
    A query over the time limit is stopped with its process, recorded, and not tried again
    (at this size or a larger one); the queries after it go on in a new process. Whole
    process: one fresh process per query and run, as a user runs it.
    """
    loads: dict = {}
    try:
        from pmgraph.query.library import list_queries

        queries = list_queries()
        error = None
    except Exception as exc:  # a module not written yet, or a broken query header
        queries, error = [], f"not measured: the query library is not available ({exc})"
    if s.queries:
        queries = [q for q in queries if q.name in s.queries]
    chosen = pick_params_apart(queries, data) if queries else {}
    out: dict = {"error": error} if error else {}
    specs = {}
    for info in queries:
        params = chosen[info.name]
        if isinstance(params, str):
            out[info.name] = {"note": f"not measured: {params}"}
        else:
            specs[info.name] = {"name": info.name, "path": str(info.path), "params": params}
    batches = [Batch("pmgraph", "pmgraph", list(specs)),
               Batch("oxigraph", "pyoxigraph", list(specs), baseline=baseline)]
    for batch in batches:
        for name in specs:
            earlier = s.timed_out.get((batch.impl, name))
            if earlier:
                batch.notes[name] = say_note(
                    f"{label} query {name} {batch.who}",
                    f"not measured: took over {s.query_timeout:.0f} s at {earlier}").note
    # Rounds alternate between the implementations, so that a slow spell of the machine
    # does not fall on one side only.
    for _ in range(s.repeat):
        for batch in batches:
            run_batch(s, label, data, batch, specs)
    measured: dict[str, dict[str, Measure]] = {}
    for batch in batches:
        loads[batch.who] = (Measure(note=batch.load_note) if batch.load_note
                            else median_measure(f"{label} load {batch.who}", batch.loads))
        measured[batch.who] = {
            name: Measure(note=batch.load_note or batch.notes.get(name)) if (
                batch.load_note or name in batch.notes)
            else median_measure(f"{label} query {name} {batch.who}", batch.samples[name])
            for name in specs
        }
    common = {"repeat": s.repeat, "timeout": s.query_timeout, "workdir": s.workdir}
    for name, spec in specs.items():
        params = spec["params"]
        entry = {"params": {k: v for k, (_, v) in params.items()},
                 "pmgraph": measured["pmgraph"][name],
                 "pyoxigraph": measured["pyoxigraph"][name]}
        cli = [sys.executable, "-m", "pmgraph", "query", name, "--data", str(data)]
        for key, (_, value) in params.items():
            cli += ["--param", f"{key}={value}"]
        baseline = [sys.executable, str(TASKS), "process-query", os.devnull,
                    json.dumps({**spec, "file": str(data), "ontology": str(ONTOLOGY)})]
        # A query that ran over the limit in process would only do so again with the load
        # in front of it.
        for key, who, command in (("cli", "pmgraph", cli),
                                  ("cli_baseline", "pyoxigraph", baseline)):
            inner, earlier = entry[who], s.timed_out.get((key, name))
            if not whole:
                entry[key] = Measure(note="not measured in this stage")
            elif timed_out(inner):
                entry[key] = Measure(note="not measured: the query alone " + inner.note.split(
                    "not measured: ", 1)[1] + " in process")
            elif earlier:
                entry[key] = say_note(f"{label} process {who} {name}", "not measured: took "
                                      f"over {s.query_timeout:.0f} s at {earlier}")
            else:
                entry[key] = measure(f"{label} process {who} {name}", None, command=command,
                                     **common)
                if timed_out(entry[key]):
                    s.timed_out[(key, name)] = label
        say_ratio(f"{label} query {name} pmgraph / pyoxigraph", entry["pmgraph"],
                  entry["pyoxigraph"])
        say_ratio(f"{label} process {name} pmgraph / pyoxigraph", entry["cli"],
                  entry["cli_baseline"])
        out[name] = entry
    return loads, out


def run_views(s: Settings, results: dict) -> None:
    print("\n== HTML view ==", flush=True)
    # About one entity per 8 triples: a graph big enough for the largest view.
    count = max(10_000, 12 * max(s.nodes))
    data = synth_file(s, count, results)
    views: dict = {"triples": count, "rows": {}}
    results["views"] = views
    if data is None:
        views["error"] = results["generate"][size_label(count)].note
        return
    common = {"repeat": s.repeat, "timeout": s.timeout, "workdir": s.workdir}
    pyvis_gave_up: str | None = None
    for nodes in s.nodes:
        row: dict = {}
        views["rows"][nodes] = row
        args = {"file": str(data), "nodes": nodes}
        row["layout"] = measure(f"{nodes} nodes layout", "layout", args, **common)
        page = s.workdir / f"view-{nodes}.html"
        row["html"] = measure(f"{nodes} nodes write_html pmgraph", "html",
                              {**args, "impl": "pmgraph", "out": str(page)}, **common)
        pyvis_page = s.workdir / f"pyvis-{nodes}.html"
        row["pyvis"] = measure(f"{nodes} nodes write_html pyvis", "html",
                               {**args, "impl": "pyvis", "out": str(pyvis_page)}, **common)
        say_ratio(f"{nodes} nodes HTML write pyvis / pmgraph", row["pyvis"], row["html"])
        if not s.browser:
            row["draw"] = row["draw_pyvis"] = Measure(note="not measured: --no-browser")
            continue
        browser = {"repeat": s.repeat, "timeout": s.browser_timeout + 60, "workdir": s.workdir}
        row["draw"] = (
            measure(f"{nodes} nodes first draw pmgraph", "first-draw",
                    {"html": str(page), "timeout": s.browser_timeout,
                     "flag_script": VIEW_FLAG_SCRIPT, "checks": VIEW_CHECKS}, **browser)
            if row["html"].ok else Measure(note="not measured: no page was written")
        )
        if pyvis_gave_up:
            row["draw_pyvis"] = Measure(note=f"not measured: {pyvis_gave_up}")
        elif row["pyvis"].ok:
            row["draw_pyvis"] = measure(f"{nodes} nodes first draw pyvis", "first-draw",
                                        {"html": str(pyvis_page), "timeout": s.browser_timeout},
                                        **{**browser, "repeat": 1})
            if not row["draw_pyvis"].ok:
                pyvis_gave_up = f"not drawn at {nodes:,} nodes either"
        else:
            row["draw_pyvis"] = Measure(note="not measured: no page was written")


#: Blank-node data for the export stage: name -> (blank nodes, Turtle body writer).
BLANK_NODE_DATA = {
    "1k blank nodes": 1_000,
    "5k blank nodes": 5_000,
    "20k blank nodes": 20_000,
    "20k-item list": 20_000,
    "200k nested blank nodes": 200_000,
}
EXPORT_FORMATS = ("turtle", "nt", "jsonld")
BLANK_PREFIXES = (
    "@prefix ex: <http://example.org/> .\n"
    "@prefix pm: <https://w3id.org/pmgraph/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix ctr: <https://w3id.org/pmgraph/id/centre/> .\n"
)


def blank_node_file(workdir: Path, name: str, count: int) -> Path:
    """A Turtle file of ``count`` blank nodes: one ``[ ... ]`` per subject, one RDF list, or
    one chain nested ``count`` deep. Its subjects are outside the project's IRIs, so that the
    file passes validation and ``build`` writes every file."""
    path = workdir / ("blank-" + name.replace(" ", "-") + ".ttl")
    with path.open("w", encoding="utf-8") as out:
        out.write(BLANK_PREFIXES)
        if "list" in name:
            out.write("ex:s ex:items (" + " ".join(f'"item {i}"' for i in range(count))
                      + ") .\n")
        elif "nested" in name:
            out.write("ex:s ex:p " + "[ ex:q " * count + '"end"' + " ]" * count + " .\n")
        else:
            for i in range(count):
                out.write(f'ex:s{i} ex:p [ ex:q "value {i % 10}" ; ex:r {i % 7} ] .\n')
    return path


def run_blank_nodes(s: Settings, results: dict) -> None:
    """Export (Turtle, N-Triples, JSON-LD) and whole ``pmgraph build`` on blank-node data."""
    print("\n== blank nodes: export and build ==", flush=True)
    common = {"repeat": s.repeat, "timeout": s.timeout, "workdir": s.workdir}
    rows: dict = {}
    results["blank_nodes"] = rows
    for name, count in BLANK_NODE_DATA.items():
        path = blank_node_file(s.workdir, name, count)
        if count >= 100_000:  # minutes a run: once is enough to see the growth
            common = {**common, "repeat": 1}
        row: dict = {"blank_nodes": count}
        rows[name] = row
        for fmt in EXPORT_FORMATS:
            row[fmt] = measure(f"{name} export {fmt}", "export",
                               {"file": str(path), "format": fmt}, **common)
        out = s.workdir / "blank-build"
        shutil.rmtree(out, ignore_errors=True)
        row["build"] = measure(f"{name} pmgraph build", None, command=[
            sys.executable, "-m", "pmgraph", "build", "--data", str(path), "--out", str(out)],
            **common)
        if name == "1k blank nodes":
            row["canonical"] = measure(f"{name} rdflib to_canonical_graph", "canonical",
                                       {"file": str(path)},
                                       **{**common, "repeat": 1, "timeout": 300})


def blank_node_section(results: dict) -> list[str]:
    rows = results.get("blank_nodes")
    if not rows:
        return []
    lines = [
        "## Blank nodes: export and build", "",
        "Export writes blank nodes with labels computed from their content and place "
        "(`pmgraph/publishing/bnodes.py`: a bottom-up hash, then a top-down one), so that the "
        "same data "
        "gives the same bytes. Data: *N blank nodes* is N lines `ex:sI ex:p [ ex:q \"value "
        "I mod 10\" ; ex:r I mod 7 ]`; the list is one RDF list `( \"item 0\" … )` of 20,000 "
        "items (20,000 blank nodes); *nested* is one chain `[ ex:q [ ex:q … ] ]` 200,000 deep. "
        "Export rows time `pmgraph.publishing.export.serialize` alone (the ontology is loaded too, "
        "untimed); the 200k row is one run. The build row is the whole "
        "`pmgraph build --data FILE` process (load, "
        "validate, Turtle, N-Triples, JSON-LD, GraphML, HTML view, VoID). µs/bn: Turtle export "
        "time per blank node, which stays flat when time grows linearly.",
        "",
        "| data | blank nodes | Turtle | N-Triples | JSON-LD | µs/bn (Turtle) | build | "
        "build peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        turtle = row["turtle"]
        per = (f"{turtle.seconds / row['blank_nodes'] * 1e6:,.0f}" if turtle.ok else "–")
        lines.append(
            f"| {name} | {row['blank_nodes']:,} | {cell(turtle)} | {cell(row['nt'])} | "
            f"{cell(row['jsonld'])} | {per} | {cell(row['build'])} | "
            f"{fmt_mb(row['build'].rss_mb)} |"
        )
    canonical = next((row["canonical"] for row in rows.values() if "canonical" in row), None)
    if canonical is not None:
        lines += ["", "Before: the export named blank nodes with rdflib's "
                  "`rdflib.compare.to_canonical_graph`; on the 1k file that step alone took "
                  f"{cell(canonical)} (one run)."]
    return lines


def splice_section(text: str, section: list[str]) -> str:
    """``text`` (a Markdown report) with its section of the same heading replaced by
    ``section``, or ``section`` added at the end."""
    heading = section[0]
    lines = text.rstrip("\n").split("\n")
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines[start:end] = [*section, ""] if end < len(lines) else section
    else:
        lines += ["", *section]
    return "\n".join(lines) + "\n"


def load_now() -> float:
    return os.getloadavg()[0]


def interleaved(label: str, sides: list[tuple[str, str, dict]], s: Settings,
                timeout: float | None = None) -> dict[str, Measure]:
    """Each side (name, task, args) run ``--repeat`` times, alternating A B A B so that a slow
    spell of a shared machine falls on both; each run a fresh process. The median of each
    side, with the 1-minute load average before each run in ``info["load"]``."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in sides}
    loads: dict[str, list[float]] = {name: [] for name, _, _ in sides}
    peaks: dict[str, list[float]] = {name: [] for name, _, _ in sides}
    infos: dict[str, dict] = {}
    notes: dict[str, str] = {}
    for _ in range(s.repeat):
        for name, task, args in sides:
            if name in notes:
                continue
            before = load_now()
            found = measure(f"{label} {name}", task, args, repeat=1,
                            timeout=timeout or s.timeout, workdir=s.workdir)
            if not found.ok:
                notes[name] = found.note or "not measured"
                continue
            times[name].append(found.seconds)
            peaks[name].append(found.rss_mb)
            loads[name].append(before)
            infos[name] = found.info
    out = {}
    for name, _, _ in sides:
        if name in notes:
            out[name] = Measure(note=notes[name])
            continue
        out[name] = Measure(seconds=statistics.median(times[name]),
                            rss_mb=statistics.median(peaks[name]),
                            info={**infos[name], "load": loads[name]}, runs=times[name])
    return out


def run_scale(s: Settings, results: dict, save=lambda: None) -> None:
    """Loading, the library queries and validation on synthetic graphs with their statement
    provenance (``--only scale``): load and validation interleaved with their baselines."""
    scale: dict = {"sizes": {}, "validation": {}}
    results["scale"] = scale
    for label, count in s.sizes:
        print(f"\n== {label} triples with provenance ==", flush=True)
        data = synth_file(s, count, results)
        if data is None:
            scale["sizes"][label] = {"error": results["generate"][label].note}
            continue
        row: dict = {}
        scale["sizes"][label] = row
        if "annotated" not in s.load_forms:
            row["load"] = {}
        else:
            row["load"] = interleaved(f"{label} load", [
                ("pyoxigraph", "load", {"file": str(data), "impl": "oxigraph"}),
                ("pmgraph", "load", {"file": str(data), "impl": "pmgraph"}),
            ], s)
        empty = Measure(note="not measured in this run")
        raw = row["load"].get("pyoxigraph", empty).info
        ours = row["load"].get("pmgraph", empty).info
        statements = raw.get("statements") or 0
        row["provenance"] = {
            "direct_triples": raw.get("triples", 0) - raw.get("annotation_triples", 0),
            "statements": statements,
            "annotation_triples": raw.get("annotation_triples", 0),
            "store_records": ours.get("store_records", 0),
            "store_triples": ours.get("triples", 0),
            "file_per_statement": raw.get("annotation_triples", 0) / max(statements, 1),
            "store_per_statement": ours.get("store_records", 0) / max(statements, 1),
        }
        if row["load"]:
            say_ratio(f"{label} load pmgraph / pyoxigraph", row["load"]["pmgraph"],
                      row["load"]["pyoxigraph"])
        row["validate"] = Measure(note="not measured yet")
        for form in ("records", "plain"):
            if form in s.load_forms:
                other = form_file(s, label, data, form)
                row[f"load_{form}"] = interleaved(f"{label} load ({form})", [
                    ("pyoxigraph", "load", {"file": str(other), "impl": "oxigraph"}),
                    ("pmgraph", "load", {"file": str(other), "impl": "pmgraph"}),
                ], s) if other else {}
                if other:
                    say_ratio(f"{label} load ({form}) pmgraph / pyoxigraph",
                              row[f"load_{form}"]["pmgraph"], row[f"load_{form}"]["pyoxigraph"])
                save()
        save()
        if s.queries != ["none"]:
            before = load_now()
            # pyoxigraph runs the queries on what pmgraph's store holds (the records too):
            # the graph as `pmgraph export --format nt` writes it
            expanded = form_file(s, label, data, "records")
            _, row["queries"] = run_queries(s, label, data, whole=False, baseline=expanded)
            row["queries_load"] = [before, load_now()]
            save()

    for label, count in s.validate_sizes:
        print(f"\n== validation at {label} triples with provenance ==", flush=True)
        data = synth_file(s, count, results)
        if data is None:
            continue
        expanded = s.workdir / f"expanded-{label}.nt"
        made = measure(f"{label} expanded N-Triples", "expand",
                       {"file": str(data), "out": str(expanded)}, repeat=1, timeout=s.timeout,
                       workdir=s.workdir)
        row = {"triples": made.info.get("triples")}
        scale["validation"][label] = row
        row.update(validation_pairs(label, data, expanded, s))
        save()

    # pmgraph's validation of the largest graphs last: one run each, minutes.
    for label, count in s.sizes if s.validate_large else ():
        row = scale["sizes"].get(label, {})
        if "load" not in row:
            continue
        data = synth_file(s, count, results)
        row["validate"] = measure(f"{label} validate pmgraph", "validate",
                                  {"file": str(data), "impl": "pmgraph"}, repeat=1,
                                  timeout=s.timeout, workdir=s.workdir)
        save()


def validation_pairs(label: str, data: Path, expanded: Path, s: Settings) -> dict:
    """pmgraph and pyshacl validating the same graph, alternately (pmgraph, pyshacl, ...),
    ``--validate-repeat`` times each, each run a fresh process: per run the wall time and the
    CPU time of the validation call, the 1-minute load average before it, and the SHACL
    findings (their multiset is kept beside the results, ``findings-SIZE-SIDE-RUN.json``).

    With ``--pyshacl-cpu-factor F`` (F > 0; at sizes where pyshacl cannot finish), pyshacl
    runs under a CPU-time limit of F times the most CPU time pmgraph took so far at this
    size: a run stopped there shows that pyshacl is at least F times slower (a lower bound,
    with no findings to compare), and is not repeated."""
    runs: dict[str, list[dict]] = {"pmgraph": [], "pyshacl": []}
    unfinished: dict | None = None
    for i in range(s.validate_repeat):
        before = load_now()
        found = measure(f"{label} validate pmgraph", "validate", {
            "file": str(data), "impl": "pmgraph",
            "findings_out": str(s.workdir / f"findings-{label}-pmgraph-{i}.json")},
            repeat=1, timeout=s.timeout, workdir=s.workdir)
        if not found.ok:
            return {**runs, "note": f"pmgraph {found.note}"}
        runs["pmgraph"].append({"wall": found.seconds, "rss_mb": found.rss_mb, "load": before,
                                **found.info})
        if unfinished is not None:
            continue
        limit = s.pyshacl_cpu_factor * max(r["cpu"] for r in runs["pmgraph"]) or None
        before = load_now()
        found = measure(f"{label} validate pyshacl", "validate", {
            "file": str(expanded), "impl": "pyshacl", "ontology": str(ONTOLOGY),
            "shapes": str(SHAPES), "cpu_limit": round(limit, 1) if limit else None,
            "findings_out": str(s.workdir / f"findings-{label}-pyshacl-{i}.json")},
            repeat=1, timeout=max(s.pyshacl_timeout, 2 * (limit or 0)), workdir=s.workdir)
        if found.ok:
            runs["pyshacl"].append({"wall": found.seconds, "rss_mb": found.rss_mb,
                                    "load": before, **found.info})
        elif not found.info.get("cpu_limit"):  # failed, or stopped by the wall-clock timeout
            return {**runs, "note": f"pyshacl {found.note}"}
        else:
            unfinished = {"note": found.note, "load": before, "load_after": load_now(),
                          **found.info}
    out: dict = {"pmgraph": runs["pmgraph"], "pyshacl": runs["pyshacl"]}
    if unfinished is not None:
        out["pyshacl_unfinished"] = unfinished
    ours = statistics.median(r["cpu"] for r in runs["pmgraph"])
    if runs["pyshacl"]:
        theirs = statistics.median(r["cpu"] for r in runs["pyshacl"])
        same = {(r["findings"], r["signature"]) for r in runs["pmgraph"] + runs["pyshacl"]}
        print(f"  {label} validate CPU pyshacl / pmgraph: {theirs / ours:.2f}x; findings "
              f"{'same' if len(same) == 1 else 'differ'}", flush=True)
    elif unfinished is not None:
        print(f"  {label} validate: pyshacl unfinished after {unfinished['cpu_limit']:.0f} CPU s"
              f" = at least {unfinished['cpu_limit'] / ours:.1f}x pmgraph's median "
              f"{ours:.1f} CPU s", flush=True)
    return out


def validation_table(validation: dict) -> list[str]:
    """The validation pairs (:func:`validation_pairs`) as a table: medians of the CPU time
    and the wall time of the validation call, each run, the findings compared."""
    lines = ["### Validation against pyshacl", "",
             "CPU time of the validation call (all threads), wall time, the 1-minute load "
             "average before each run; findings compared as (severity, focus, component, "
             "path) multisets.", "",
             "| graph | triples pyshacl reads | pmgraph CPU | pyshacl CPU | pyshacl ÷ pmgraph "
             "(CPU) | wall: pmgraph, pyshacl | findings | runs: CPU s (load) |",
             "|---|---|---|---|---|---|---|---|"]
    for label, row in validation.items():
        ours, theirs = row.get("pmgraph") or [], row.get("pyshacl") or []
        if not ours:
            lines.append(f"| {label} direct triples | – | {row.get('note', 'not measured')} "
                         "| – | – | – | – | – |")
            continue
        cpu = statistics.median(r["cpu"] for r in ours)
        wall = statistics.median(r["wall"] for r in ours)
        detail = "pmgraph " + " / ".join(f"{r['cpu']:.1f} ({r['load']:.1f})" for r in ours)
        unfinished = row.get("pyshacl_unfinished")
        triples = theirs[0].get("triples") if theirs else (unfinished or {}).get("triples")
        if theirs:
            their_cpu = statistics.median(r["cpu"] for r in theirs)
            their_wall = statistics.median(r["wall"] for r in theirs)
            sets = {(r["findings"], r["signature"]) for r in ours + theirs}
            same = (f"same ({ours[0]['findings']:,} SHACL results)" if len(sets) == 1
                    else "differ: " + ", ".join(f"{n:,}" for n, _ in sorted(sets)))
            detail += "; pyshacl " + " / ".join(f"{r['cpu']:.1f} ({r['load']:.1f})"
                                                for r in theirs)
            lines.append(f"| {label} direct triples | {triples or 0:,} | {fmt_seconds(cpu)} | "
                         f"{fmt_seconds(their_cpu)} | {fmt_ratio(their_cpu / cpu)} | "
                         f"{fmt_seconds(wall)}, {fmt_seconds(their_wall)} | {same} | {detail} |")
        elif unfinished:
            detail += (f"; pyshacl stopped at its limit of {unfinished['cpu_limit']:.0f} CPU s "
                       f"({unfinished['load']:.1f})")
            lines.append(f"| {label} direct triples | {triples or 0:,} | {fmt_seconds(cpu)} | "
                         f"not finished after {fmt_seconds(unfinished['cpu'])} | at least "
                         f"{fmt_ratio(unfinished['cpu_limit'] / cpu)} | {fmt_seconds(wall)}, – "
                         f"| not compared: pyshacl did not finish | {detail} |")
        else:
            lines.append(f"| {label} direct triples | – | {fmt_seconds(cpu)} | "
                         f"{row.get('note', 'not measured')} | – | {fmt_seconds(wall)}, – | – "
                         f"| {detail} |")
    lines.append("")
    return lines
def form_file(s: Settings, label: str, data: Path, form: str) -> Path | None:
    """The synthetic file in another form, made once (untimed): ``records``, the store's form
    as ``pmgraph export --format nt`` writes it (statement records, no annotations, the
    ontology); ``plain``, the file without its statement provenance (annotations left out)."""
    import hashlib

    path = s.workdir / (f"records-{label}.nt" if form == "records" else f"plain-{label}.ttl")
    stamp = path.with_name(path.name + ".from")
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    if path.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return path  # made from the same bytes (synth writes the same file for a seed)
    if form == "records":
        made = measure(f"{label} {form} file", None, command=[
            sys.executable, "-m", "pmgraph", "export", "--format", "nt", "--data", str(data),
            "--out", str(path)], repeat=1, timeout=s.timeout, workdir=s.workdir)
    else:
        made = measure(f"{label} {form} file", "strip", {"file": str(data), "out": str(path)},
                       repeat=1, timeout=s.timeout, workdir=s.workdir)
    if not (made.ok and path.exists()):
        return None
    stamp.write_text(digest, encoding="utf-8")
    return path


def fmt_loads(m: Measure) -> str:
    loads = m.info.get("load") or []
    return ", ".join(f"{x:.1f}" for x in loads) if loads else "–"


def scale_section(results: dict, s: Settings, started: datetime) -> list[str]:
    scale = results.get("scale")
    if not scale:
        return []
    lines = [
        "## Scale with statement provenance", "",
        f"Measured by `python benchmarks/run.py {' '.join(results['argv'])}`, started "
        f"{started:%Y-%m-%d %H:%M} UTC, on the machine described above while other jobs ran "
        "on its 2 cores. Method: every figure is the median of "
        f"{s.repeat} fresh processes per side, the two sides run alternately (A B A B ...), "
        "so that a slow spell falls on both; the 1-minute load average read before each run "
        "is listed with it. Load: `pmgraph.graph.load.load_graph(file)` (the ontology too, "
        "exact-term table, statement records) against pyoxigraph `Store().load(file)`. "
        "Validation: `pmgraph.validation.validate.validate` (SPARQL engine, check queries, "
        "evidence checks) on the loaded file against plain pyshacl on the same graph "
        "written out as N-Triples (the data, its statement records and the ontology, every "
        "term as written; rdflib cannot read RDF 1.2 annotations), findings compared as "
        "(severity, focus, component, path) multisets. Queries: as in the tables above "
        "(one fresh process per implementation and round, rounds alternating), pyoxigraph "
        "on the graph as `pmgraph export --format nt` writes it (data, statement records, "
        "ontology), so that both stores hold the same triples.", "",
    ]
    for label, row in scale["sizes"].items():
        if "error" in row:
            lines += [f"{label}: not measured: {row['error']}", ""]
            continue
        prov = row["provenance"]
        lines += [
            f"### {label} direct triples with their provenance", "",
            f"The file: {prov.get('direct_triples', 0):,} direct triples and "
            f"{prov.get('statements', 0):,} statements, each with one annotation: "
            f"{prov.get('annotation_triples', 0):,} "
            f"annotation triples, **{prov.get('file_per_statement', 0):.2f} per statement in "
            f"the file** (`rdf:reifies`, `pm:source`, `pm:quote`). In pmgraph's store the "
            f"annotations become {prov.get('store_records', 0):,} triples of statement records "
            f"and quote selectors, **{prov.get('store_per_statement', 0):.2f} per statement in "
            f"the store**; the store holds {prov.get('store_triples', 0):,} triples with the "
            "ontology.", "",
            "| step | pmgraph | pyoxigraph / pyshacl | ratio | runs (s) | load average before "
            "each run |",
            "|---|---|---|---|---|---|",
        ]
        for key, what in (("load", "load (target ≤ 1.5x)"),
                          ("load_records", "load the store's form (`pmgraph export --format nt`)"),
                          ("load_plain", "load the file without provenance")):
            load = row.get(key) or {}
            if not load:
                continue
            runs = " / ".join(f"{x:.1f}" for x in load["pmgraph"].runs) + " vs " + " / ".join(
                f"{x:.1f}" for x in load["pyoxigraph"].runs)
            cpu = [m.info.get("cpu") for m in (load["pmgraph"], load["pyoxigraph"])]
            cpu_text = (f"; CPU {cpu[0]:.1f} s vs {cpu[1]:.1f} s (last run)"
                        if None not in cpu else "")
            lines.append(f"| {what} | {cell(load['pmgraph'])}, "
                         f"{fmt_mb(load['pmgraph'].rss_mb)} | {cell(load['pyoxigraph'])}, "
                         f"{fmt_mb(load['pyoxigraph'].rss_mb)} | "
                         f"{fmt_ratio(ratio(load['pmgraph'], load['pyoxigraph']))} | {runs}"
                         f"{cpu_text} | "
                         f"{fmt_loads(load['pmgraph'])} vs {fmt_loads(load['pyoxigraph'])} |")
        v = row["validate"]
        lines.append(f"| validate, pmgraph alone (one run) | {cell(v)}, {fmt_mb(v.rss_mb)}, "
                     f"{v.info.get('violations', '–')} violations, "
                     f"{v.info.get('findings', '–')} SHACL findings | pyshacl: see below | – | "
                     "– | – |")
        if "queries" in row:
            queries = row["queries"]
            inner = [(step_ratio(q["pmgraph"], q["pyoxigraph"]), n) for n, q in queries.items()
                     if isinstance(q, dict) and "pmgraph" in q]
            done = [x for x in inner if x[0] is not None]
            worst = max(done) if done else None
            lines += ["", f"Library queries in process: {sum(r <= 2 for r, _ in done)} of "
                      f"{len(inner)} within 2x of pyoxigraph"
                      + (f", worst {fmt_ratio(worst[0])} ({worst[1]})" if worst else "")
                      + f"; {len(inner) - len(done)} not measured. Load average "
                      f"{row['queries_load'][0]:.1f} at the start, {row['queries_load'][1]:.1f} "
                      "at the end."]
            lines += query_table(queries)
        lines.append("")
    if scale["validation"]:
        lines += validation_table(scale["validation"])
        lines.append("")
    return lines


def run_build(s: Settings, results: dict) -> None:
    print("\n== build ==", flush=True)
    common = {"repeat": s.repeat, "timeout": s.timeout, "workdir": s.workdir}
    # A folder left by another version may lack the marker pmgraph writes, and pmgraph
    # rightly refuses to replace a folder it did not write: start from none.
    shutil.rmtree(s.workdir / "build", ignore_errors=True)
    results["build"] = {
        "pmgraph": measure("pmgraph build", None, command=[
            sys.executable, "-m", "pmgraph", "build", "--out", str(s.workdir / "build")],
            **common),
        "imports": measure("import rdflib, pyshacl, networkx, pyvis", None, command=[
            sys.executable, "-c", "import rdflib, pyshacl, networkx, pyvis"], **common),
    }
    say_ratio("build / imports", results["build"]["pmgraph"], results["build"]["imports"])


def say_ratio(what: str, a: Measure, b: Measure) -> None:
    value = ratio(a, b)
    if value is not None:
        print(f"  -> {what}: {fmt_ratio(value)}", flush=True)


# --- targets ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    measured: str
    holds: str  # "yes", "no" or "not measured: ..."


def biggest(results: dict) -> tuple[str, dict] | None:
    sizes = [(row["triples"], label, row) for label, row in results["sizes"].items()
             if "load" in row]
    if not sizes:
        return None
    _, label, row = max(sizes)
    return label, row


def at_million(results: dict) -> dict | None:
    return next((row for row in results["sizes"].values()
                 if row["triples"] == ONE_MILLION and "load" in row), None)


def targets(results: dict) -> list[Target]:
    found: list[Target] = []
    million = at_million(results)
    largest = biggest(results)
    missing_1m = ("not measured yet: the 1M run was still going" if results.get("pending_1m")
                  else "not measured: 1M triples not run (use --full)")

    def hint(key) -> str:
        if million is not None or largest is None:
            return ""
        return f" (at {largest[0]}: {key(largest[1])})"

    # Load.
    def load_text(row: dict) -> str:
        load = row["load"]
        return (f"pmgraph {load['pmgraph'].text()} vs pyoxigraph {load['pyoxigraph'].text()} = "
                f"{fmt_ratio(ratio(load['pmgraph'], load['pyoxigraph']))}; "
                f"peak {fmt_mb(load['pmgraph'].rss_mb)}")

    name = "Load 1M triples: ≤ 1.5x raw pyoxigraph, peak memory < 1 GB"
    if million is None:
        found.append(Target(name, missing_1m + hint(load_text), "not measured"))
    else:
        load = million["load"]
        r = ratio(load["pmgraph"], load["pyoxigraph"])
        holds = "not measured" if r is None else yes(r <= 1.5 and load["pmgraph"].rss_mb < 1024)
        found.append(Target(name, load_text(million), holds))

    # Queries.
    def query_text(row: dict) -> str:
        queries = row["queries"]
        if "error" in queries:
            return queries["error"]
        inner = [(step_ratio(q["pmgraph"], q["pyoxigraph"]), n) for n, q in queries.items()
                 if "pmgraph" in q]
        whole = [(step_ratio(q["cli"], q["cli_baseline"]), n) for n, q in queries.items()
                 if "cli" in q]
        inner_ok = [x for x in inner if x[0] is not None]
        whole_ok = [x for x in whole if x[0] is not None]
        parts = []
        if inner_ok:
            worst = max(inner_ok)
            parts.append(f"in-process: {sum(r <= 2 for r, _ in inner_ok)}/{len(inner)} within 2x, "
                         f"worst {fmt_ratio(worst[0])} ({worst[1]})")
        if whole_ok:
            worst = max(whole_ok)
            parts.append(f"whole process: {sum(r <= 2 for r, _ in whole_ok)}/{len(whole)} "
                         f"within 2x, worst {fmt_ratio(worst[0])} ({worst[1]})")
        skipped = len(queries) - len(inner_ok)
        if skipped:
            parts.append(f"{skipped} not measured")
        return "; ".join(parts) or "no query measured"

    name = ("Every library query at 1M: ≤ 2x raw pyoxigraph in process, and `pmgraph query` "
            "as a whole process ≤ 2x a pyoxigraph script")
    if million is None:
        found.append(Target(name, missing_1m + hint(query_text), "not measured"))
    else:
        queries = million["queries"]
        ratios = [] if "error" in queries else [
            r for q in queries.values() if "pmgraph" in q
            for r in (step_ratio(q["pmgraph"], q["pyoxigraph"]),
                      step_ratio(q["cli"], q["cli_baseline"]))
        ]
        if not ratios or any(r is None for r in ratios):
            holds = "not measured" if not ratios else (
                "no" if any(r is not None and r > 2 for r in ratios) else "not measured")
        else:
            holds = yes(all(r <= 2 for r in ratios))
        found.append(Target(name, query_text(million), holds))

    # Validation.
    def validate_text(row: dict) -> str:
        v = row["validate"]
        r = ratio(v["pyshacl"], v["pmgraph"])
        same = same_findings(v)
        return (f"pmgraph {v['pmgraph'].text()} vs pyshacl {v['pyshacl'].text()} = "
                f"{fmt_ratio(r)} faster; findings {same}")

    name = "Validate 1M triples: ≥ 10x faster than plain pyshacl, same findings"
    if million is None:
        found.append(Target(name, missing_1m + hint(validate_text), "not measured"))
    else:
        v = million["validate"]
        r = ratio(v["pyshacl"], v["pmgraph"])
        same = same_findings(v).startswith("same")
        holds = "not measured" if r is None else yes(r >= 10 and same)
        found.append(Target(name, validate_text(million), holds))

    # View.
    views = results.get("views", {}).get("rows", {})
    row = views.get(5000)
    name = ("HTML view: 5,000 nodes first drawn < 2 s in headless Chromium with search, filters "
            "and legend working; layout of 5,000 nodes < 5 s")
    if row is None:
        found.append(Target(name, "not measured: 5,000-node view not run", "not measured"))
    else:
        draw, layout = row["draw"], row["layout"]
        checks = draw.info.get("checks", {}) if draw.ok else {}
        working = ", ".join(f"{k} {'works' if v else 'FAILS'}" for k, v in checks.items())
        text = (f"first draw {draw.text()}" + (f" ({working})" if working else "")
                + f"; layout {layout.text()}")
        if draw.ok and layout.ok:
            holds = yes(draw.seconds < 2 and layout.seconds < 5 and checks
                        and all(checks.values()))
        elif layout.ok and layout.seconds >= 5:
            holds = "no"
        else:
            holds = "not measured"
        found.append(Target(name, text, holds))

    # Build.
    build = results.get("build")
    name = "`pmgraph build` on the real graph: < 2x the time of importing its dependencies"
    if build is None:
        found.append(Target(name, "not measured: build not run", "not measured"))
    else:
        r = ratio(build["pmgraph"], build["imports"])
        text = (f"build {build['pmgraph'].text()} vs imports {build['imports'].text()} = "
                f"{fmt_ratio(r)}")
        found.append(Target(name, text, "not measured" if r is None else yes(r < 2)))
    return found


def yes(value: bool) -> str:
    return "yes" if value else "no"


def same_findings(v: dict) -> str:
    a, b = v["pmgraph"], v["pyshacl"]
    if not (a.ok and b.ok):
        return "not compared"
    if a.info.get("signature") == b.info.get("signature"):
        return f"same ({a.info.get('findings')} SHACL results)"
    return f"differ (pmgraph {a.info.get('findings')}, pyshacl {b.info.get('findings')})"


# --- the report ------------------------------------------------------------------------------


def versions() -> str:
    names = ["rdflib", "pyoxigraph", "oxrdflib", "pyshacl", "networkx", "pyvis", "igraph",
             "playwright"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def memory_total() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        return "RAM unknown"


def cell(m: Measure) -> str:
    return m.text()


def report(
    s: Settings, results: dict, started: datetime, seconds: float, *, done: bool = True
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python benchmarks/run.py` "
        f"(`{' '.join(results['argv']) or 'no options'}`). Every figure is the median of "
        f"{s.repeat} run{'s' if s.repeat != 1 else ''}, each in a fresh Python process: wall "
        "time of the step itself (data loading before it is not counted, except for whole-process "
        "rows), and the peak resident memory of the whole process (`ru_maxrss`) when the step "
        "ended. Library queries in process: each run is one fresh process per implementation "
        "that loads the file (its load row), runs an untimed `ASK` and then times each query "
        "alone, in library order; a query stopped at the time limit is not run again, at that "
        "size or a larger one. to_networkx, layout and write_html of a size are steps of one "
        "process; so are rdflib's parse (its load row) and plain pyshacl. Generating the data "
        "and the pyvis first draw run once.",
        "",
        f"Machine: {os.cpu_count()} CPUs, {memory_total()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Libraries: {versions()}.",
        f"Run started {started:%Y-%m-%d %H:%M} UTC and "
        + (f"took {seconds / 60:.1f} minutes" if done
           else f"was still running after {seconds / 60:.1f} minutes when this was written")
        + "; load average (1 min) {:.1f} at the start, {:.1f} at the end.".format(
            results["load_before"][0], results["load_after"][0]),
        "",
        "The data are synthetic graphs written by `pmgraph synth` (seed "
        f"{s.seed}): copies of the real graph with their own IRIs, labels and numbers, a tenth "
        "of them partnered or networked across copies, and the shared vocabulary once; every "
        "statement with its evidence annotation (RDF 1.2), the copies' own passages in "
        "`sources/` beside the file. "
        "Baselines: raw pyoxigraph (`Store().load`, `Store.query` with substitutions), "
        "rdflib's default store (`Graph().parse`) and plain pyshacl (`validate` with the "
        "ontology as `ont_graph`, no inference), both on the graph pmgraph validates written "
        "out as N-Triples (rdflib cannot read RDF 1.2 annotations), "
        "and pyvis with its defaults (`Network()`, "
        "`add_node`/`add_edge`, `write_html`).",
        "",
        *[f"{note}\n" for note in results.get("notes", [])],
        "## Targets",
        "",
        "| target | measured | holds |",
        "|---|---|---|",
    ]
    for t in targets(results):
        lines.append(f"| {t.name} | {t.measured} | {t.holds} |")

    gen = results.get("generate", {})
    if gen:
        lines += ["", "## Generating the data", "",
                  "| triples asked | triples written | entities | time | peak memory |",
                  "|---|---|---|---|---|"]
        for label, m in gen.items():
            lines.append(f"| {label} | {m.info.get('triples', '–'):,} | "
                         f"{m.info.get('entities', '–'):,} | {cell(m)} | {fmt_mb(m.rss_mb)} |"
                         if m.ok else f"| {label} | – | – | {cell(m)} | – |")

    for label, row in results["sizes"].items():
        lines += ["", f"## {label} triples", ""]
        if "error" in row:
            lines.append(f"Not measured: {row['error']}")
            continue
        lines += ["| step | pmgraph | peak | baseline | baseline time | peak | "
                  "pmgraph ÷ baseline |",
                  "|---|---|---|---|---|---|---|"]
        load = row["load"]
        for base in ("pyoxigraph", "rdflib"):
            lines.append(step_row("load", load["pmgraph"], base, load[base]))
        store = row.get("store")
        if store:
            lines.append(step_row("load into an on-disk store", store["build"]["pmgraph"],
                                  "pyoxigraph `Store(dir).bulk_load`",
                                  store["build"]["pyoxigraph"]))
            lines.append(step_row("open the on-disk store (new process)",
                                  store["open"]["pmgraph"], "pyoxigraph `Store(dir)`",
                                  store["open"]["pyoxigraph"]))
        v = row["validate"]
        lines.append(step_row("validate", v["pmgraph"], "pyshacl", v["pyshacl"]))
        net = row["network"]
        lines.append(f"| to_networkx | {cell(net)} | {fmt_mb(net.rss_mb)} | – | – | – | – |")
        if "layout" in row:
            lay = row["layout"]
            lines.append(f"| layout (whole network) | {cell(lay)} | {fmt_mb(lay.rss_mb)} | – "
                         "| – | – | – |")
            lines.append(step_row("write_html (whole network, layout included)",
                                  row["html"]["pmgraph"], "pyvis", row["html"]["pyvis"]))
        details = []
        if v["pmgraph"].ok:
            details.append(f"validation findings: {same_findings(v)}; pmgraph reports "
                           f"{v['pmgraph'].info.get('violations')} violations "
                           f"({v['pmgraph'].info.get('checks')} from check queries)")
        if net.ok:
            details.append(f"network: {net.info.get('nodes'):,} nodes, "
                           f"{net.info.get('edges'):,} edges")
        if store:
            sizes = [f"{who} {store['build'][who].info['disk_bytes'] / 2**20:,.0f} MB"
                     for who in ("pmgraph", "pyoxigraph")
                     if store["build"][who].ok and "disk_bytes" in store["build"][who].info]
            if sizes:
                details.append("on-disk store size: " + ", ".join(sizes))
        html = row.get("html", {}).get("pmgraph")
        if html is not None and html.ok and "bytes" in html.info:
            details.append(f"page: {html.info['bytes'] / 2**20:,.1f} MB")
        if details:
            lines += ["", "; ".join(details) + "."]
        lines += query_table(row["queries"])

    views = results.get("views")
    if views:
        lines += ["", "## HTML view", "",
                  f"Sub-networks of the {size_label(views['triples'])}-triple synthetic graph: "
                  "the first N entities reached breadth-first from the best-linked one. First "
                  "draw: from navigation to vis-network's first `afterDrawing`, in headless "
                  "Chromium with every network request blocked.", ""]
        if "error" in views:
            lines.append(f"Not measured: {views['error']}")
        else:
            lines += ["| nodes | layout | write_html | pyvis write_html | first draw | "
                      "pyvis first draw | search / filters / legend |",
                      "|---|---|---|---|---|---|---|"]
            for nodes, row in views["rows"].items():
                checks = row["draw"].info.get("checks", {}) if row["draw"].ok else {}
                working = " / ".join("works" if checks.get(k) else "fails"
                                     for k in ("search", "filters", "legend")) if checks else "–"
                lines.append(f"| {nodes:,} | {cell(row['layout'])} | {cell(row['html'])} | "
                             f"{cell(row['pyvis'])} | {cell(row['draw'])} | "
                             f"{cell(row['draw_pyvis'])} | {working} |")

    build = results.get("build")
    if build:
        lines += ["", "## Build", "",
                  "| process | time | peak memory |", "|---|---|---|",
                  f"| `pmgraph build` (real graph) | {cell(build['pmgraph'])} | "
                  f"{fmt_mb(build['pmgraph'].rss_mb)} |",
                  f"| `python -c \"import rdflib, pyshacl, networkx, pyvis\"` | "
                  f"{cell(build['imports'])} | {fmt_mb(build['imports'].rss_mb)} |"]
    section = blank_node_section(results)
    if section:
        lines += ["", *section]
    lines.append("")
    return "\n".join(lines)


def step_row(step: str, ours: Measure, base_name: str, base: Measure) -> str:
    return (f"| {step} | {cell(ours)} | {fmt_mb(ours.rss_mb)} | {base_name} | {cell(base)} | "
            f"{fmt_mb(base.rss_mb)} | {fmt_ratio(ratio(ours, base))} |")


def query_table(queries: dict) -> list[str]:
    lines = ["", "Queries (parameters taken from the synthetic data; ratio = pmgraph / "
             "pyoxigraph; whole process = `pmgraph query NAME --data FILE` against a Python "
             "process that loads the file into pyoxigraph, runs the query and prints the rows):",
             ""]
    if "error" in queries:
        return lines + [queries["error"]]
    lines += ["| query | rows | pmgraph | pyoxigraph | ratio | whole process | "
              "pyoxigraph process | ratio |", "|---|---|---|---|---|---|---|---|"]
    for name, q in queries.items():
        if "pmgraph" not in q:
            lines.append(f"| {name} | {q['note']} | | | | | | |")
            continue
        rows = q["pmgraph"].info.get("rows")
        base_rows = q["pyoxigraph"].info.get("rows")
        shown = "–" if rows is None else f"{rows:,}"
        if rows is not None and base_rows is not None and rows != base_rows:
            shown += f" (pyoxigraph {base_rows:,})"
        lines.append(
            f"| {name} | {shown} | {cell(q['pmgraph'])} | {cell(q['pyoxigraph'])} | "
            f"{step_ratio_text(q['pmgraph'], q['pyoxigraph'])} | {cell(q['cli'])} | "
            f"{cell(q['cli_baseline'])} | {step_ratio_text(q['cli'], q['cli_baseline'])} |"
        )
    return lines


def jsonable(value):
    if isinstance(value, Measure):
        return value.as_dict()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


# --- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        description="Measure pmgraph against rdflib, pyoxigraph, pyshacl and pyvis.")
    parser.add_argument("--sizes", default="10k,100k",
                        help="triple counts, comma-separated (default: 10k,100k)")
    parser.add_argument("--full", action="store_true",
                        help="add 1M triples and run the slow baselines there too")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median kept)")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="skip the first-draw measurements in headless Chromium")
    parser.add_argument("--nodes", default="500,2000,5000",
                        help="node counts of the HTML views (default: 500,2000,5000)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "pmgraph-bench",
                        help="where the synthetic data and pages go")
    parser.add_argument("--queries", default="",
                        help="library queries to run, comma-separated (default: all)")
    parser.add_argument("--query-runs", type=int, default=1,
                        help="runs of each query in one process per round, the first of "
                        "them reading and checking the query file; the median of every run "
                        "is kept (default: 1)")
    parser.add_argument("--query-timeout", type=float, default=120,
                        help="seconds before a query step is given up (default: 120)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="the Markdown report (default: docs/benchmarks.md)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds before a step is given up")
    parser.add_argument("--browser-timeout", type=float, default=30,
                        help="seconds to wait for a page's first draw")
    parser.add_argument("--only", choices=("blank-nodes", "scale"),
                        help="run this stage alone and replace its section of --out (scale: "
                        "load, queries and validation with statement provenance at --sizes, "
                        "validation against pyshacl at --validate-sizes)")
    parser.add_argument("--validate-sizes", default="100k",
                        help="--only scale: sizes at which pyshacl is run (default: 100k)")
    parser.add_argument("--validate-repeat", type=int, default=3,
                        help="--only scale: runs per side of the validation comparison")
    parser.add_argument("--pyshacl-timeout", type=float, default=1800,
                        help="--only scale: seconds before a pyshacl run is given up (at "
                        "least twice its CPU-time limit)")
    parser.add_argument("--pyshacl-cpu-factor", type=float, default=0.0,
                        help="--only scale: give pyshacl a CPU-time limit of this many times "
                        "the most CPU time pmgraph took at that size (at least 10 to show a "
                        "10x target where pyshacl cannot finish; default 0: no limit)")
    parser.add_argument("--load-forms", default="annotated",
                        help="--only scale: the files whose load is compared, comma-separated: "
                        "annotated (the synthetic file), records (the store's form, as "
                        "'pmgraph export --format nt' writes it), plain (without provenance); "
                        "default: annotated")
    parser.add_argument("--no-validate", dest="validate_large", action="store_false",
                        help="--only scale: skip pmgraph's own validation at --sizes")
    args = parser.parse_args(argv)
    forms = tuple(f.strip() for f in args.load_forms.split(",") if f.strip())
    if set(forms) - {"annotated", "records", "plain"}:
        parser.error("--load-forms takes annotated, records and plain")
    try:
        counts = [parse_size(text) for text in args.sizes.split(",") if text.strip()]
        nodes = [int(parse_size(text)) for text in args.nodes.split(",") if text.strip()]
        validate_counts = [parse_size(text) for text in args.validate_sizes.split(",")
                           if text.strip()]
    except Exception as exc:
        parser.error(str(exc))
    if args.full and ONE_MILLION not in counts:
        counts.append(ONE_MILLION)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return Settings(
        sizes=[(size_label(c), c) for c in sorted(set(counts))], full=args.full,
        repeat=args.repeat, browser=args.browser, nodes=sorted(set(nodes)),
        workdir=args.workdir.resolve(), out=args.out, seed=args.seed, timeout=args.timeout,
        browser_timeout=args.browser_timeout,
        queries=[q.strip() for q in args.queries.split(",") if q.strip()],
        query_timeout=args.query_timeout, query_runs=max(1, args.query_runs), only=args.only,
        validate_sizes=[(size_label(c), c) for c in sorted(set(validate_counts))],
        pyshacl_timeout=args.pyshacl_timeout, validate_repeat=args.validate_repeat,
        pyshacl_cpu_factor=args.pyshacl_cpu_factor,
        load_forms=forms, validate_large=args.validate_large,
    )


def measures(value):
    """``results.json`` back into Measures (the inverse of ``jsonable``)."""
    if isinstance(value, dict):
        if set(value) == {"seconds", "rss_mb", "info", "note", "runs"}:
            return Measure(**value)
        return {k: measures(v) for k, v in value.items()}
    if isinstance(value, list):
        return [measures(v) for v in value]
    return value


def rewrite_report(saved: Path, out: Path | None) -> int:
    """Write the Markdown report again from a run's ``results.json``."""
    results = measures(json.loads(saved.read_text(encoding="utf-8")))
    if "views" in results:
        results["views"]["rows"] = {int(k): v for k, v in results["views"]["rows"].items()}
    s = parse_args(results["argv"])
    meta = results.get("meta", {})
    started = datetime.fromisoformat(meta["started"]) if "started" in meta else datetime.now(
        timezone.utc)
    text = report(s, results, started, meta.get("seconds", 0.0), done=meta.get("done", True))
    target = out or s.out
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--from-results"]:
        if len(argv) not in (2, 3):
            print("usage: run.py --from-results RESULTS.json [OUT.md]", file=sys.stderr)
            return 2
        return rewrite_report(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    s = parse_args(argv)
    s.workdir.mkdir(parents=True, exist_ok=True)
    (s.workdir / "warm-up.rq").write_text(WARM_UP, encoding="utf-8")
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    results: dict = {"argv": argv, "sizes": {}, "load_before": os.getloadavg()}
    if s.only == "scale":
        results["load_before"] = os.getloadavg()

        def save_scale() -> None:
            results["load_after"] = os.getloadavg()
            section = scale_section(results, s, started)
            old = s.out.read_text(encoding="utf-8") if s.out.exists() else "# Benchmarks\n"
            s.out.write_text(splice_section(old, section), encoding="utf-8")
            (s.workdir / "scale.json").write_text(json.dumps(jsonable(results), indent=1),
                                                  encoding="utf-8")

        run_scale(s, results, save_scale)
        save_scale()
        print(f"\nwrote {s.out}")
        return 0
    if s.only == "blank-nodes":
        run_blank_nodes(s, results)
        section = blank_node_section(results)
        section.insert(2, f"Measured by `python benchmarks/run.py {' '.join(argv)}` on "
                          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; median of "
                          f"{s.repeat} fresh processes; load average (1 min) "
                          f"{results['load_before'][0]:.1f} at the start, "
                          f"{os.getloadavg()[0]:.1f} at the end.\n")
        old = s.out.read_text(encoding="utf-8") if s.out.exists() else "# Benchmarks\n"
        s.out.write_text(splice_section(old, section), encoding="utf-8")
        (s.workdir / "blank-nodes.json").write_text(json.dumps(jsonable(results), indent=1),
                                                    encoding="utf-8")
        print(f"\nwrote {s.out}")
        return 0

    def save(done: bool) -> None:
        results["load_after"] = os.getloadavg()
        seconds = time.perf_counter() - clock
        results["meta"] = {"started": started.isoformat(), "seconds": seconds, "done": done}
        text = report(s, results, started, seconds, done=done)
        s.out.parent.mkdir(parents=True, exist_ok=True)
        s.out.write_text(text, encoding="utf-8")
        (s.workdir / "results.json").write_text(json.dumps(jsonable(results), indent=1),
                                                encoding="utf-8")

    # The report is rewritten after each stage, so an interrupted 1M run still leaves the
    # smaller sizes on record; 1M comes last because it takes longest.
    small = [(label, count) for label, count in s.sizes if count < ONE_MILLION]
    large = [(label, count) for label, count in s.sizes if count >= ONE_MILLION]
    for label, count in small:
        run_size(s, label, count, results)
        save(done=False)
    run_views(s, results)
    save(done=False)
    run_build(s, results)
    save(done=False)
    if s.full:  # minutes of work; also on its own with --only blank-nodes
        run_blank_nodes(s, results)
        save(done=False)
    for label, count in large:
        results["pending_1m"] = True
        save(done=False)
        run_size(s, label, count, results)
        results["pending_1m"] = False
    save(done=True)
    print("\n== targets ==")
    for t in targets(results):
        print(f"[{t.holds}] {t.name}\n    {t.measured}")
    print(f"\nwrote {s.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
