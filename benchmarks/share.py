"""Measure sharing the graph: ``pmgraph push`` and remote queries on two SPARQL servers,
beside loading and querying the same graph locally.

    python benchmarks/share.py --sizes 100k                          # everything at 100k
    python benchmarks/share.py --sizes 1M --servers virtuoso --stages push,remote --repeat 1
    python benchmarks/share.py --sizes 1M --stages local --repeat 1
    python benchmarks/share.py --report                              # the section, from results

The data are synthetic graphs written by ``pmgraph synth`` (seed 0) with their statement
provenance and sources, one folder per size in ``--workdir`` (kept and reused). The servers
are the Oxigraph server and Virtuoso 7, each started by ``scripts/sparql-server`` on a free
loopback port in a new folder and stopped at the end of its stage.

- push: ``python -m pmgraph -v push --endpoint URL --data FILE`` as a whole process (load,
  validation, N-Triples written to a temporary file, upload to a staging graph, count, MOVE):
  wall time, CPU time and peak resident memory of that process (``os.wait4``), its resident
  memory sampled every 0.2 s against its progress lines (so the upload's memory is seen apart
  from the load's), and the server's CPU time. The first run goes into an empty store, later
  ones replace the graph the run before pushed.
- remote: after the pushes, each query as ``python -m pmgraph query NAME --endpoint URL
  --graph G --format json`` (whole process) and as ``run_remote`` calls inside one process
  (in process).
- local: ``load_graph(FILE)`` and the same queries with ``run_query`` in one process, and
  ``python -m pmgraph query NAME --data FILE`` as a whole process.
- ``--validate``: ``pmgraph validate --endpoint URL --graph G`` once after the remote queries.
- loaded: the queries on an Oxigraph server that bulk-loaded the file and the ontology
  (``scripts/sparql-server start --load``), for remote figures where a push is too slow.

Long measurements can be split into shorter runs (``--sizes``, ``--servers``, ``--stages``);
their results add up in the same file.

Each figure is the median of ``--repeat`` runs. Results go to ``WORKDIR/share-results.json``
(one entry per size, server and step; a later run replaces an entry); ``--report`` writes
the section "Sharing: push and remote queries" of docs/benchmarks.md from them. The script
reports; it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_SCRIPT = ROOT / "scripts" / "sparql-server"
GRAPH = "https://w3id.org/pmgraph/graph"
QUERIES = ("centres", "theme-coverage", "shared-themes", "events")
SECTION = "## Sharing: push and remote queries"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_average():.1f}] {line}", flush=True)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PMGRAPH_ENDPOINT", None)
    return env


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """A process's resident memory now (``VmRSS``) or at its peak so far (``VmHWM``), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(command: list[str], *, server_pid: int | None = None, timeout: float = 3600,
        sample: bool = False) -> dict:
    """Run ``command`` from the project root: wall, CPU and peak memory of the process (and
    the server's CPU while it ran); with ``sample``, its memory every 0.2 s and the time of
    each stderr line."""
    load_before = load_average()
    server_cpu = process_cpu(server_pid) if server_pid else 0.0
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []
    lines: list[tuple[float, str]] = []
    out: list[str] = []
    done = threading.Event()

    def read_err() -> None:
        for line in process.stderr:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    def read_out() -> None:
        out.append(process.stdout.read())

    def watch() -> None:
        while not done.is_set():
            value = rss_mb(process.pid)
            if value is not None:
                samples.append((time.monotonic() - started, value))
            done.wait(0.2)

    threads = [threading.Thread(target=read_err), threading.Thread(target=read_out)]
    if sample:
        threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.daemon = True
        thread.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    timer.cancel()
    done.set()
    for thread in threads:
        thread.join(10)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "command": " ".join(command[2:]) if command[:2] == [sys.executable, "-m"] else
        " ".join(command),
        "exit": process.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "server_cpu": (process_cpu(server_pid) - server_cpu) if server_pid else None,
        "stdout": "".join(out), "stderr": [text for _, text in lines][-40:],
        "lines": lines[-200:] if sample else [], "samples": samples,
        "load_before": load_before, "load_after": load_average(),
    }


# --------------------------------------------------------------------------- data and servers


def synth_file(workdir: Path, size: str) -> Path:
    folder = workdir / size
    path = folder / "synth.ttl"
    if path.exists() and (folder / "sources").is_dir():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    say(f"pmgraph synth --triples {size} --out {path}")
    subprocess.run([sys.executable, "-m", "pmgraph", "synth", "--triples", size, "--out",
                    str(path), "--seed", "0"], cwd=ROOT, env=child_env(), check=True)
    return path


class Server:
    """A server started by scripts/sparql-server in a new folder, stopped by it."""

    def __init__(self, kind: str, workdir: Path, load: Path | None = None,
                 settings: list[str] | None = None) -> None:
        self.kind = kind
        self.load = load
        self.settings = settings or []
        self.folder = workdir / f"server-{kind}-{os.getpid()}-{int(time.time())}"
        self.url = ""
        self.pid: int | None = None

    def __enter__(self) -> Server:
        started = subprocess.run(
            [sys.executable, str(SERVER_SCRIPT), "start", "--kind", self.kind, "--location",
             str(self.folder), *(["--load", str(self.load), "--load",
                                   str(ROOT / "ontology" / "pm.ttl")] if self.load else []),
             *[arg for setting in self.settings for arg in ("--set", setting)]],
            capture_output=True, text=True, cwd=ROOT)
        if started.returncode:
            raise SystemExit(started.stderr or started.stdout)
        self.url = started.stdout.strip().splitlines()[-1]
        self.pid = int((self.folder / "server.pid").read_text())
        say(f"{self.kind} at {self.url} (pid {self.pid})")
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run([sys.executable, str(SERVER_SCRIPT), "stop", "--location",
                        str(self.folder)], capture_output=True, cwd=ROOT)
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def store_mb(self) -> float:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file()) / 1e6


# --------------------------------------------------------------------------- stages


def push_phases(result: dict) -> dict:
    """Times and memory of a push's phases, read from its progress lines and samples."""
    marks = {"upload": None, "swap": None}
    sent = None
    for at, text in result["lines"]:
        if "uploading" in text and marks["upload"] is None:
            marks["upload"] = at
            found = re.search(r"uploading (\d+) triples \(([\d.]+) MB\)", text)
            sent = (int(found.group(1)), float(found.group(2))) if found else None
        if "replacing" in text and "MOVE" in text:
            marks["swap"] = at
    phases: dict = {"sent_triples": sent[0] if sent else None,
                    "sent_mb": sent[1] if sent else None}
    if marks["upload"] is None:
        return phases
    end = result["wall"]
    swap = marks["swap"] if marks["swap"] is not None else end
    phases["prepare_s"] = marks["upload"]
    phases["upload_s"] = swap - marks["upload"]
    phases["swap_s"] = end - swap if marks["swap"] is not None else None

    def peak(lo: float, hi: float) -> float | None:
        inside = [mb for at, mb in result["samples"] if lo <= at <= hi]
        return max(inside) if inside else None

    phases["rss_before_upload_mb"] = peak(0, marks["upload"])
    phases["rss_upload_mb"] = peak(marks["upload"], swap)
    phases["rss_swap_mb"] = peak(swap, end)
    return phases


def stage_push(s: argparse.Namespace, size: str, data: Path, server: Server) -> list[dict]:
    runs = []
    for number in range(1, (s.push_repeat or s.repeat) + 1):
        say(f"push {size} -> {server.kind}, run {number}")
        result = run([sys.executable, "-m", "pmgraph", "push", "-v", "--endpoint", server.url,
                      "--data", str(data), "--timeout", str(s.push_timeout)],
                     server_pid=server.pid, sample=True, timeout=s.push_timeout + 600)
        result.update(push_phases(result))
        result["store_mb"] = server.store_mb()
        result["server_peak_mb"] = rss_mb(server.pid, "VmHWM")
        result["into"] = "empty store" if number == 1 else "replacing the previous push"
        say(f"  exit {result['exit']}, {result['wall']:.1f} s, peak {result['peak_mb']:.0f} MB, "
            f"phases {result.get('prepare_s')}/{result.get('upload_s')}/{result.get('swap_s')}; "
            f"{(result['stdout'] or ' '.join(result['stderr'][-2:])).strip()[:300]}")
        result.pop("samples")
        result["stdout"] = result["stdout"][-2000:]
        runs.append(result)
        if result["exit"]:
            break
    return runs


#: The timing loop both in-process scripts end with: each named query ``repeat`` times
#: (``call(name)`` runs it), wall and CPU time and rows, stopping a query at its first error.
_TIMED_RUNS = """
for name in names:
    runs = []
    for _ in range(repeat):
        started, cpu = time.monotonic(), time.process_time()
        try:
            result = call(name)
            runs.append({"wall": time.monotonic() - started, "cpu": time.process_time() - cpu,
                         "rows": len(result.rows)})
        except Exception as exc:
            runs.append({"wall": time.monotonic() - started, "error": type(exc).__name__,
                         "message": str(exc)})
            break
    out[name] = runs
print(json.dumps(out))
"""

IN_PROCESS_REMOTE = """
import json, sys, time
from pmgraph.query.library import find_query
from pmgraph.query.remote import run_remote
url, graph, repeat, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
names, out = sys.argv[5:], {}
found = {name: find_query(name) for name in names}  # read before the clock starts


def call(name):
    info, text = found[name]
    return run_remote(text, url, {}, name=info.name, graph=graph or None, timeout=timeout)
""" + _TIMED_RUNS

IN_PROCESS_LOCAL = """
import json, sys, time, resource
started, cpu = time.monotonic(), time.process_time()
from pmgraph.graph.load import load_graph
from pmgraph.query.library import run_query
graph = load_graph(sys.argv[1])
out = {"load": {"wall": time.monotonic() - started, "cpu": time.process_time() - cpu,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}
repeat, timeout, names = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]


def call(name):
    return run_query(name, graph, timeout=timeout)
""" + _TIMED_RUNS


def json_rows(stdout: str) -> int | None:
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        rows = data.get("results", {}).get("bindings") if isinstance(data.get("results"),
                                                                      dict) else data.get("rows")
        return len(rows) if isinstance(rows, list) else None
    return None


def stage_remote(s: argparse.Namespace, size: str, server: Server,
                 graph: str | None = GRAPH) -> dict:
    out: dict = {"whole": {}, "in_process": {}}
    for name in s.queries:
        runs = []
        for number in range(1, s.repeat + 1):
            result = run([sys.executable, "-m", "pmgraph", "query", name, "--endpoint",
                          server.url, *(["--graph", graph] if graph else []), "--format",
                          "json", "--timeout", str(s.query_timeout)], server_pid=server.pid)
            result["rows"] = json_rows(result["stdout"])
            result["stdout"] = result["stdout"][:300]
            say(f"remote {size} {server.kind} {name} run {number}: exit {result['exit']}, "
                f"{result['wall']:.2f} s, rows {result['rows']}"
                + (f"; {result['stderr'][0]}" if result["exit"] and result["stderr"] else ""))
            runs.append(result)
            if result["exit"]:
                break
        out["whole"][name] = runs
    cpu = process_cpu(server.pid)
    result = run([sys.executable, "-c", IN_PROCESS_REMOTE, server.url, graph or "", str(s.repeat),
                  str(s.query_timeout), *s.queries])
    out["in_process_server_cpu"] = process_cpu(server.pid) - cpu
    try:
        out["in_process"] = json.loads(result["stdout"])
    except ValueError:
        out["in_process_failure"] = result["stderr"][-5:]
    for name, runs in out["in_process"].items():
        say(f"remote in process {size} {server.kind} {name}: "
            + ", ".join(f"{r['wall']:.2f} s" if "error" not in r else r["message"][:200]
                        for r in runs))
    return out


def stage_local(s: argparse.Namespace, size: str, data: Path) -> dict:
    out: dict = {"whole": {}}
    result = run([sys.executable, "-c", IN_PROCESS_LOCAL, str(data), str(s.repeat),
                  str(s.query_timeout), *s.queries])
    try:
        out["in_process"] = json.loads(result["stdout"])
    except ValueError:
        out["in_process_failure"] = result["stderr"][-5:]
        return out
    out["in_process_peak_mb"] = result["peak_mb"]
    out["in_process_load"] = [result["load_before"], result["load_after"]]
    say(f"local {size}: load {out['in_process']['load']['wall']:.1f} s; "
        + "; ".join(f"{name} " + ", ".join(f"{r['wall']:.2f}" for r in runs)
                    for name, runs in out["in_process"].items() if name != "load"))
    repeat = s.local_whole_repeat or s.repeat
    for name in s.local_whole_queries or s.queries:
        if name == "none":
            break
        runs = []
        for _ in range(repeat):
            result = run([sys.executable, "-m", "pmgraph", "query", name, "--data", str(data),
                          "--format", "json", "--timeout", str(s.query_timeout)])
            result["rows"] = json_rows(result["stdout"])
            result["stdout"] = result["stdout"][:300]
            say(f"local whole {size} {name}: exit {result['exit']}, {result['wall']:.2f} s, "
                f"peak {result['peak_mb']:.0f} MB")
            runs.append(result)
            if result["exit"]:
                break
        out["whole"][name] = runs
    return out


# --------------------------------------------------------------------------- results


def results_path(workdir: Path) -> Path:
    return workdir / "share-results.json"


def read_results(workdir: Path) -> dict:
    path = results_path(workdir)
    return json.loads(path.read_text()) if path.exists() else {"entries": {}, "runs": []}


def save(workdir: Path, results: dict) -> None:
    path = results_path(workdir)
    path.with_suffix(".tmp").write_text(json.dumps(results, indent=1))
    path.with_suffix(".tmp").replace(path)


def available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def measure(s: argparse.Namespace) -> None:
    if available_gb() < s.min_free_gb:
        say(f"only {available_gb():.1f} GB of memory available (--min-free-gb "
            f"{s.min_free_gb:g}); nothing measured")
        raise SystemExit(75)
    results = read_results(s.workdir)
    record = {"argv": " ".join(sys.argv[1:]), "started": now(), "load_start": load_average()}
    results["runs"].append(record)
    for size in s.sizes:
        data = synth_file(s.workdir, size)
        if "local" in s.stages:
            results["entries"][f"{size}/local"] = {"measured": now(), "repeat": s.repeat,
                                                   **stage_local(s, size, data)}
            save(s.workdir, results)
        if "loaded" in s.stages:
            # the synthetic file and the ontology bulk-loaded by ``oxigraph load`` into the
            # default graph (its RDF 1.2 annotations as written, not pmgraph's statement
            # records), then queried
            started = time.monotonic()
            with Server("oxigraph", s.workdir, load=data) as server:
                loaded_s = time.monotonic() - started
                say(f"oxigraph load + start: {loaded_s:.1f} s")
                results["entries"][f"{size}/oxigraph-loaded/remote"] = {
                    "measured": now(), "repeat": s.repeat, "load_and_start_s": loaded_s,
                    "store_mb": server.store_mb(), **stage_remote(s, size, server, graph=None)}
                save(s.workdir, results)
        for kind in s.servers:
            if not {"push", "remote"} & set(s.stages):
                continue
            settings = s.virtuoso_set if kind == "virtuoso" else []
            with Server(kind, s.workdir, settings=settings) as server:
                pushed = stage_push(s, size, data, server)
                earlier = results["entries"].get(f"{size}/{kind}/push", {}).get("runs", [])
                results["entries"][f"{size}/{kind}/push"] = {
                    "measured": now(), "runs": (earlier if s.append else []) + pushed,
                    "server_settings": settings}
                save(s.workdir, results)
                if "remote" in s.stages and pushed and pushed[-1]["exit"] == 0:
                    results["entries"][f"{size}/{kind}/remote"] = {
                        "measured": now(), "repeat": s.repeat, **stage_remote(s, size, server)}
                    save(s.workdir, results)
                if s.validate and pushed and pushed[-1]["exit"] == 0:
                    say(f"validate --endpoint {size} {kind}")
                    result = run([sys.executable, "-m", "pmgraph", "validate", "--endpoint",
                                  server.url, "--graph", GRAPH, "--timeout",
                                  str(s.query_timeout)], server_pid=server.pid,
                                 timeout=s.validate_timeout)
                    result["stdout"] = result["stdout"][-3000:]
                    say(f"  exit {result['exit']}, {result['wall']:.1f} s; "
                        f"{(result['stderr'] or [''])[-1][:300]}")
                    results["entries"][f"{size}/{kind}/validate"] = {"measured": now(),
                                                                     **result}
                    save(s.workdir, results)
    record["ended"] = now()
    record["load_end"] = load_average()
    save(s.workdir, results)
    say(f"done; results in {results_path(s.workdir)}")


# --------------------------------------------------------------------------- the section


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def secs(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s" if value < 100 \
        else f"{value:.0f} s"


def ok_runs(runs: list[dict]) -> list[dict]:
    return [r for r in runs if r.get("exit", 0) == 0 and "error" not in r]


def failure(runs: list[dict]) -> str | None:
    for r in runs:
        if r.get("exit"):
            line = next((x for x in r["stderr"] if x.startswith("pmgraph: error")),
                        r["stderr"][-1] if r["stderr"] else "")
            return f"exit {r['exit']}: `{line}`"
        if "error" in r:
            return f"{r['error']}: `{r['message']}`"
    return None


def report(s: argparse.Namespace) -> None:
    results = read_results(s.workdir)
    entries = results["entries"]
    lines = [SECTION, ""]
    lines += [
        "Measured by `benchmarks/share.py` (see its docstring for the method): the synthetic "
        "graphs of `pmgraph synth` (seed 0) with their statement provenance, pushed with "
        "`pmgraph push` into the Oxigraph server 0.5 and Virtuoso 7.2 (Debian's package, its "
        "`virtuoso.ini` unchanged but for the folder and loopback ports: `NumberOfBuffers` "
        "10000, `ResultSetMaxRows` 10000, `MaxQueryExecutionTime` 60 s, "
        "`MaxQueryCostEstimationTime` 400 s; where a row names a setting, it was given with "
        "`--virtuoso-set`), each started by "
        "`scripts/sparql-server` on a free loopback port (with --append, the settings shown are "
        "the last run's); then queried remotely and locally. "
        "2 cores; the load average is given with each run (other work raises it); CPU time is "
        "the pmgraph process's own (user + system), server CPU the server's during the run.",
        "",
        "Runs:",
        "",
    ]
    for r in results["runs"]:
        lines.append(f"- `python benchmarks/share.py {r['argv']}`, {r['started']} to "
                     f"{r.get('ended', '(did not finish)')}, load average {r['load_start']:.1f}"
                     f" at the start, {r.get('load_end', float('nan')):.1f} at the end")
    lines.append("")
    lines += ["### Push (whole `pmgraph push` process)", "",
              "| size | server | runs | sent (triples, N-Triples) | wall (median) | CPU | load + "
              "validate + write | upload + count | MOVE | pmgraph peak RSS (whole run) | "
              "pmgraph peak RSS during upload | server CPU | server peak RSS | load average "
              "before each run |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size in SIZES:
        for kind in ("oxigraph", "virtuoso"):
            entry = entries.get(f"{size}/{kind}/push")
            if not entry:
                continue
            runs = entry["runs"]
            good = ok_runs(runs)
            first = runs[0]
            sent = (f"{first['sent_triples']:,}, {first['sent_mb']:.0f} MB"
                    if first.get("sent_triples") else "–")
            walls = " / ".join(f"{r['wall']:.1f}" if not r["exit"] else
                               f"exit {r['exit']} after {r['wall']:.1f}" for r in runs)

            def med(key: str, rs: list[dict] = good) -> float | None:
                return median([r[key] for r in rs if r.get(key) is not None])

            if good:
                runs = good  # the phases and memory of the pushes that finished

            fail = failure(runs)
            loads = ", ".join(f"{r['load_before']:.1f}" for r in runs)
            settings = ", ".join(f"`{x}`" for x in entry.get("server_settings") or [])
            server = f"{kind} ({settings})" if settings else kind
            lines.append(
                f"| {size} | {server} | {len(entry['runs'])} ({walls} s) | {sent} | "
                f"{secs(med('wall')) if good else fail} | {secs(med('cpu'))} | "
                f"{secs(med('prepare_s', runs))} | {secs(med('upload_s', runs))} | "
                f"{secs(med('swap_s', runs))} | {med('peak_mb', runs) or 0:,.0f} MB | "
                f"{med('rss_upload_mb', runs) or 0:,.0f} MB | {secs(med('server_cpu', runs))} | "
                f"{max(r.get('server_peak_mb') or 0 for r in runs):,.0f} MB | {loads} |")
    lines.append("")
    checked = [(size, kind, entries[f"{size}/{kind}/validate"]) for size in SIZES
               for kind in ("oxigraph", "virtuoso") if f"{size}/{kind}/validate" in entries]
    if checked:
        lines += ["### Remote validation (`pmgraph validate --endpoint URL --graph G`, after "
                  "the pushes)", "", "| size | server | exit | wall | what it said (last line) |",
                  "|---|---|---|---|---|"]
        for size, kind, entry in checked:
            errors = entry.get("stderr") or []
            output = (entry.get("stdout") or "").strip().splitlines()
            said = (errors[-1] if errors else output[-1] if output else "")
            said = said.replace("|", "\\|")[:300]
            lines.append(f"| {size} | {kind} | {entry.get('exit')} | {secs(entry.get('wall'))} "
                         f"| {said} |")
        lines.append("")
    lines += ["### Queries: remote beside local", "",
              "Whole process = `pmgraph query NAME --endpoint URL --graph G --format json` "
              "(remote) or `pmgraph query NAME --data FILE --format json` (local: load + query). "
              "In process = `run_remote` in one Python process (remote) or `run_query` on a "
              "graph loaded once (local). Medians; rows as returned.", ""]
    for size in SIZES:
        local = entries.get(f"{size}/local")
        remotes = {k: entries.get(f"{size}/{k}/remote") for k in ("oxigraph", "virtuoso")}
        if not local and not any(remotes.values()):
            continue
        if local and "in_process" in local:
            load = local["in_process"]["load"]
            lines.append(f"**{size}.** Local `load_graph(FILE)`: {secs(load['wall'])} "
                         f"(CPU {secs(load['cpu'])}, {load['peak_mb']:,.0f} MB peak after "
                         f"loading); peak of that process with its queries "
                         f"{local['in_process_peak_mb']:,.0f} MB; load average "
                         f"{local['in_process_load'][0]:.1f} / {local['in_process_load'][1]:.1f}"
                         ".")
            lines.append("")
        header = "| query | rows | local in process |"
        rule = "|---|---|---|"
        for kind, entry in remotes.items():
            if entry:
                header += f" {kind} in process | {kind} whole process |"
                rule += "---|---|"
        header += " local whole process |"
        rule += "---|"
        lines += [header, rule]
        for name in QUERIES:
            rows = None
            cells = []
            local_runs = (local or {}).get("in_process", {}).get(name)
            if local_runs:
                good = ok_runs(local_runs)
                rows = good[0]["rows"] if good else None
                cells.append(secs(median([r["wall"] for r in good])) if good else
                             failure(local_runs))
            else:
                cells.append("–")
            for _kind, entry in remotes.items():
                if not entry:
                    continue
                inside = entry["in_process"].get(name, [])
                good = ok_runs(inside)
                differs = ""
                if good and rows is not None and good[0].get("rows") != rows:
                    differs = f" ({good[0].get('rows')} rows)"
                cells.append(secs(median([r["wall"] for r in good])) + differs if good else
                             (failure(inside) or "–"))
                whole = entry["whole"].get(name, [])
                good = ok_runs(whole)
                cells.append(secs(median([r["wall"] for r in good])) if good else
                             (failure(whole) or "–"))
                if rows is None and good:
                    rows = good[0].get("rows")
            whole_local = (local or {}).get("whole", {}).get(name, [])
            good = ok_runs(whole_local)
            cells.append((secs(median([r["wall"] for r in good])) + f" ({len(good)} run"
                          f"{'s' if len(good) != 1 else ''})") if good else
                         (failure(whole_local) or "not measured"))
            lines.append(f"| {name} | {rows if rows is not None else '–'} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    text = s.out.read_text()
    section = "\n".join(lines).rstrip() + "\n"
    if s.notes and s.notes.exists():
        section += "\n" + s.notes.read_text().rstrip() + "\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip() + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + ("" if end < 0 else text[end:])
    s.out.write_text(text)
    print(section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", help="comma-separated: 10k, 100k, 1M")
    parser.add_argument("--servers", default="oxigraph,virtuoso")
    parser.add_argument("--stages", default="local,push,remote",
                        help="comma-separated: local, push, remote (remote needs push), "
                        "loaded (queries on an Oxigraph server that bulk-loaded the file)")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median kept)")
    parser.add_argument("--push-repeat", type=int, default=0,
                        help="pushes per server (default: --repeat)")
    parser.add_argument("--append", action="store_true",
                        help="add the pushes to those recorded before instead of replacing them")
    parser.add_argument("--local-whole-repeat", type=int, default=0,
                        help="runs of each local whole-process query (default: --repeat)")
    parser.add_argument("--local-whole-queries", default="",
                        help="the queries run as local whole processes (default: all; "
                        "none: no whole-process runs)")
    parser.add_argument("--push-timeout", type=float, default=1800,
                        help="pmgraph push --timeout (default 1800)")
    parser.add_argument("--query-timeout", type=float, default=300)
    parser.add_argument("--validate", action="store_true",
                        help="after the remote queries, run 'pmgraph validate --endpoint' once")
    parser.add_argument("--validate-timeout", type=float, default=600,
                        help="--validate: stop it after this many seconds (default 600)")
    parser.add_argument("--virtuoso-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the Virtuoso server's [Parameters], or "
                             "SECTION:KEY=VALUE (repeatable; scripts/sparql-server --set), e.g. "
                             "TransactionAfterImageLimit=2000000000 for a swap of 1M triples")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pmgraph-share"))
    parser.add_argument("--min-free-gb", type=float, default=0,
                        help="measure nothing (exit 75) when less memory is available")
    parser.add_argument("--report", action="store_true",
                        help="write the section of docs/benchmarks.md from the results")
    parser.add_argument("--notes", type=Path,
                        help="--report: a Markdown file appended to the section")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    s = parser.parse_args(argv)
    s.workdir.mkdir(parents=True, exist_ok=True)
    if s.report:
        report(s)
        return 0
    s.sizes = [x for x in s.sizes.split(",") if x]
    s.servers = [x for x in s.servers.split(",") if x]
    s.stages = [x for x in s.stages.split(",") if x]
    s.queries = [x for x in s.queries.split(",") if x]
    s.local_whole_queries = [x for x in s.local_whole_queries.split(",") if x]
    measure(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
