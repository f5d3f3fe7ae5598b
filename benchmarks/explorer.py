"""The explorer at scale: first draw and interactions of a large view in headless Chromium.

    python benchmarks/explorer.py [--triples 200000] [--runs 5] [--workdir DIR] [--page FILE]

Makes the synthetic graph (``pmgraph synth --triples N``, seed 0) and its view (``pmgraph
viz``) unless ``--page`` names one, then opens the page ``--runs`` times in Debian's
Chromium (headless, ``--disable-gpu``, every request that is not the page's own ``file:``
URL refused), at 1440x900, each time in a fresh browser context. Per run:

- first draw: navigation start to vis-network's first ``afterDrawing`` (``pmgraph.firstDrawMs``),
  with the page's own marks (script started, data parsed, drawing prepared, vis-network built);
- each action of ``ACTIONS``, in that order, started from ``page.evaluate``: the time from
  just before the action to the first animation frame after it (``requestAnimationFrame``
  then ``setTimeout 0``), i.e. until the browser has drawn its result; then 0.7 s for what
  follows (animations, label placement, the address).

Beside each wall time, the CPU time of the page's main thread (Chrome's ``ThreadTime``,
through the DevTools protocol), to the drawing and with the 0.7 s after it: a loaded
machine stretches wall times, CPU times much less. For the first draw, the CPU time is
read when the page reports being drawn (polled every 10 ms), before its search index starts.

Prints the median (and minimum–maximum) of each measure and the 1-minute load average
before and after, as a Markdown table for ``docs/benchmarks.md``; ``--json FILE`` keeps
every run. Timing targets live here and in the docs, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

#: Runs ``action`` (a function body) in the page; resolves with the milliseconds from just
#: before it to the first animation frame after it.
TIMED = """async (body) => {
  const action = new Function(body);
  const start = performance.now();
  action();
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - start;
}"""

#: (name, timed JavaScript): in this order, in one page. The hub is the best-linked entity.
ACTIONS = [
    ("search the hub, Enter (select it)",
     "const s = document.getElementById('search'); s.value = pmgraph.benchLabel;"
     "s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));"),
    ("expand one step", "[...document.querySelectorAll('#details .actions button')]"
     ".find(b => b.textContent === 'Expand one step').click();"),
    ("back", "document.getElementById('back').click();"),
    ("clear the selection", "pmgraph.clearSelection();"),
    ("nation filter: one nation",
     "const s = document.getElementById('nation-filter'); s.selectedIndex = 1;"
     "s.dispatchEvent(new Event('change'));"),
    ("nation filter: all nations",
     "const s = document.getElementById('nation-filter'); s.selectedIndex = 0;"
     "s.dispatchEvent(new Event('change'));"),
    ("untick the largest class",
     "const b = document.querySelector('#legend input'); b.checked = false;"
     "b.dispatchEvent(new Event('change'));"),
    ("re-tick it",
     "const b = document.querySelector('#legend input'); b.checked = true;"
     "b.dispatchEvent(new Event('change'));"),
    ("\"Show everything\"", "document.getElementById('show-all').click();"),
    ("select the hub (click) while everything is shown",
     "pmgraph.selectNode(pmgraph.benchId, true);"),
    ("\"Overview\"", "document.getElementById('show-overview').click();"),
]
#: What runs after each action before the next: animations, label placement, the hash.
SETTLE_MS = 700


def load_average() -> float:
    return os.getloadavg()[0]


def make_page(triples: int, workdir: Path) -> Path:
    data, page = workdir / f"synth-{triples}.ttl", workdir / f"view-{triples}.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not data.exists():
        subprocess.run([sys.executable, "-m", "pmgraph", "synth", "--triples", str(triples),
                        "--out", str(data)], check=True, env=env, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pmgraph", "viz", "--data", str(data), "--out",
                    str(page)], check=True, env=env, cwd=ROOT)
    print(f"pmgraph viz: {time.perf_counter() - started:.1f} s, "
          f"{page.stat().st_size / 2**20:.1f} MB", file=sys.stderr)
    return page


def _thread_time(cdp: Any) -> float:
    """CPU time of the page's main thread so far, in ms (Chrome's ``ThreadTime``)."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "ThreadTime") * 1000


def one_run(browser: Any, page_file: Path) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                      else r.abort())
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(f"{e} {e.stack}"))
        page.goto(page_file.as_uri(), wait_until="commit")
        # Polled from here: the page's CSP forbids the eval that wait_for_function polls with.
        waited = time.monotonic()
        while not page.evaluate("!!(window.pmgraph && pmgraph.ready)"):
            if time.monotonic() - waited > 120:
                raise RuntimeError("the page was not drawn within 120 s")
            time.sleep(0.01)
        # The search index starts 50 ms after the first drawing: this is before it.
        drawn_cpu = _thread_time(cdp)
        # (A page from before the search index was built in the background has no
        # searchReady: it is ready when drawn.)
        while not page.evaluate("pmgraph.searchReady !== false"):
            if time.monotonic() - waited > 120:
                raise RuntimeError("the search index was not built within 120 s")
            time.sleep(0.05)
        out = {"first draw": page.evaluate("pmgraph.firstDrawMs"),
               "cpu: first draw": drawn_cpu,
               "search index ready (in the background)":
                   page.evaluate("pmgraph.searchReadyMs || null")}
        marks = page.evaluate("pmgraph.timings")
        for mark in ("start", "parsed", "prepared", "network"):
            if mark in marks:
                out[f"  mark: {mark}"] = marks[mark]
        # The best-linked entity: what the select actions pick.
        page.evaluate("""() => {
            const d = JSON.parse(document.getElementById('pmgraph-data').textContent);
            let best = 0;
            d.nodes.degree.forEach((v, i) => { if (v > d.nodes.degree[best]) best = i; });
            pmgraph.benchId = pmgraph.rankEntities(d.nodes.label[best])
              .find(id => id.endsWith(d.nodes.id[best].slice(1)));
            pmgraph.benchLabel = d.nodes.label[best];
        }""")
        page.wait_for_timeout(SETTLE_MS)
        for name, body in ACTIONS:
            before = _thread_time(cdp)
            out[name] = page.evaluate(TIMED, body)
            out[f"cpu: {name}"] = _thread_time(cdp) - before
            if errors:
                raise RuntimeError(f"page errors after {name}: {errors}")
            page.wait_for_timeout(SETTLE_MS)
            out[f"cpu+: {name}"] = _thread_time(cdp) - before  # with what follows it
        if errors:
            raise RuntimeError(f"page errors: {errors}")
        return out
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--page", type=Path, help="an existing view to measure")
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pmgraph-explorer-"))
    workdir.mkdir(parents=True, exist_ok=True)
    page_file = args.page or make_page(args.triples, workdir)
    nodes = None
    text = page_file.read_text(encoding="utf-8", errors="replace")
    at = text.find('data-nodes="')
    if at >= 0:
        nodes = int(text[at + 12 : text.index('"', at + 12)])
    load_before = load_average()
    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for i in range(args.runs):
                runs.append(one_run(browser, page_file))
                print(f"run {i + 1}: first draw {runs[-1]['first draw']:.0f} ms",
                      file=sys.stderr)
        finally:
            browser.close()
    load_after = load_average()
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "load": [load_before, load_after]},
                                        indent=2) + "\n")
    print(f"{nodes:,} entities, {page_file.stat().st_size / 2**20:.1f} MB page; "
          f"{len(runs)} runs; load average (1 min) {load_before:.2f} before, "
          f"{load_after:.2f} after; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print("| measure | to the drawing: median (min–max) | main-thread CPU: to the drawing | "
          "with the next 0.7 s | target |")
    print("|---|---|---|---|---|")

    def median(name: str) -> str:
        values = [r[name] for r in runs if r.get(name) is not None]
        return f"{statistics.median(values):,.0f} ms" if values else ""

    for name in runs[0]:
        if name.startswith("cpu"):
            continue
        values = [r[name] for r in runs if r.get(name) is not None]
        if not values:
            continue
        target = ("" if name.startswith("  mark") or name.startswith("search index")
                  else "< 2 s" if name == "first draw" else "< 300 ms")
        label = name.strip() if not name.startswith("  mark") else "· " + name.strip()
        print(f"| {label} | {statistics.median(values):,.0f} ms ({min(values):,.0f}–"
              f"{max(values):,.0f} ms) | {median('cpu: ' + name)} | {median('cpu+: ' + name)} "
              f"| {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
