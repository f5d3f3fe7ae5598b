"""The HTML view in headless Chromium with the network cut off: it draws, finds, filters, and
runs no script from the data.

Needs Debian's Chromium at /usr/bin/chromium and the Python package playwright: run
``scripts/setup-test-env``. Without them these tests fail (they do not skip) unless
``PMGRAPH_SKIP_BROWSER=1`` is set. Screenshots and timings go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from rdflib import Graph

from pmgraph.graph.evidence import ID
from pmgraph.view.explore import nation_column, overview_members, rank_entities
from pmgraph.view.viz import build_view_network, write_html

pytestmark = pytest.mark.browser

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SETUP_HINT = "run scripts/setup-test-env (or set PMGRAPH_SKIP_BROWSER=1 to skip browser tests)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if os.environ.get("PMGRAPH_SKIP_BROWSER") == "1":
        pytest.skip("PMGRAPH_SKIP_BROWSER=1")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the Python package playwright is not installed; {SETUP_HINT}", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; {SETUP_HINT}", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class View:
    page: Any
    outgoing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def point(self, node: str) -> tuple[float, float]:
        """Where ``node`` is drawn, in page coordinates."""
        x, y = self.js(
            """id => { const n = pmgraph.network, p = n.canvasToDOM(n.getPosition(id));
                       const r = document.getElementById('graph').getBoundingClientRect();
                       return [r.left + p.x, r.top + p.y]; }""",
            node,
        )
        return x, y

    def drawn(self) -> set[str]:
        return set(self.js("pmgraph.network.body.nodeIndices"))


@pytest.fixture
def open_view(browser) -> Iterator[Any]:
    contexts = []

    def open_(path: Path, size: tuple[int, int] = (1400, 900), ready: bool = False) -> View:
        """The page drawn (``ready``: its labels placed and search built too)."""
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        view = View(context.new_page())

        def refuse(route: Any) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                view.outgoing.append(route.request.url)
                route.abort()

        context.route("**/*", refuse)
        view.page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                     else view.outgoing.append(r.url))
        view.page.on("console", lambda m: view.errors.append(m.text) if m.type == "error" else None)
        view.page.on("pageerror", lambda e: view.errors.append(str(e)))
        view.page.goto(path.as_uri())
        view.page.wait_for_function(
            "window.pmgraph && window.pmgraph.ready" if ready else
            "window.pmgraph && window.pmgraph.firstDrawMs !== null", timeout=60_000
        )
        return view

    yield open_
    for context in contexts:
        context.close()


def _test_viz() -> Any:
    """``tests/test_viz.py``, for its hostile graph (one definition for both test files)."""
    spec = importlib.util.spec_from_file_location("_pmgraph_test_viz", TESTS / "test_viz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record_timing(name: str, values: dict[str, float]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "view-timings.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = values
    path.write_text(json.dumps(known, indent=2) + "\n")


@pytest.fixture(scope="module")
def real(project_graph: Graph) -> nx.MultiDiGraph:
    return build_view_network(project_graph)


@pytest.fixture(scope="module")
def real_file(tmp_path_factory, real) -> Path:
    return write_html(real, tmp_path_factory.mktemp("view") / "network.html", title="pmgraph")


def test_real_view_draws_offline_with_every_entity(open_view, real, real_file):
    view = open_view(real_file)
    count = real.number_of_nodes()
    assert view.js("pmgraph.nodeCount") == count
    # It opens on the overview: the centres and national bodies.
    assert view.drawn() == overview_members(real)
    assert view.page.inner_text("#stats").startswith(f"showing {len(overview_members(real))} of")
    view.page.click("#show-all")
    assert len(view.drawn()) == count
    assert view.page.inner_text("#stats").startswith(f"{count} entities")
    assert view.js("document.querySelectorAll('#legend input').length") == len(
        {d["group"] for _, d in real.nodes(data=True)}
    )
    view.page.wait_for_timeout(200)
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "real-graph.png"))
    record_timing("real", {"nodes": count, "first_draw_ms": view.js("pmgraph.firstDrawMs")})
    assert view.outgoing == []
    assert view.errors == []


def test_search_focuses_the_named_entity(open_view, real, real_file):
    centres = [n for n, c in real.nodes(data="class") if c == "CentreOfExcellence"]
    target = max(centres, key=lambda n: (real.degree(n), n))
    label = real.nodes[target]["label"]
    view = open_view(real_file)
    view.page.fill("#search", label)
    view.page.press("#search", "Enter")
    assert view.js("pmgraph.network.getSelectedNodes()") == [target]
    assert view.page.inner_text("#details h2") == label
    # The camera glides to the entity (300 ms); it must end centred on it.
    view.page.wait_for_function(
        """id => { const n = pmgraph.network, v = n.getViewPosition(), p = n.getPosition(id);
                   return Math.hypot(v.x - p.x, v.y - p.y) < 2; }""",
        arg=target,
        timeout=5_000,
    )
    # A partial name lists matches; clicking one selects it.
    other = min(n for n in real if n != target and real.nodes[n]["class"] == "University")
    view.page.fill("#search", real.nodes[other]["label"][:12])
    view.page.locator("#search-results [role=option]").filter(
        has=view.page.get_by_text(real.nodes[other]["label"], exact=True)
    ).first.click()
    view.page.wait_for_timeout(500)
    assert view.js("pmgraph.network.getSelectedNodes()") == [other]
    assert view.errors == [] and view.outgoing == []


def test_class_and_nation_filters_hide_entities(open_view, real, real_file):
    centres = {n for n, c in real.nodes(data="class") if c == "CentreOfExcellence"}
    class_label = real.nodes[next(iter(centres))]["class_label"]
    view = open_view(real_file)
    view.page.click("#show-all")
    box = view.page.locator("#legend label").filter(
        has=view.page.get_by_text(class_label, exact=True)
    ).locator("input")
    box.uncheck()
    shown = view.drawn()
    assert not shown & centres
    assert len(shown) == real.number_of_nodes() - len(centres)
    assert view.page.inner_text("#stats").startswith(f"showing {len(shown)} of")
    box.check()
    assert len(view.drawn()) == real.number_of_nodes()

    nation = next(d["nation"] for _, d in real.nodes(data=True) if d["nation"])
    view.page.select_option("#nation-filter", value=nation)
    expected = {n for n, (place, _) in nation_column(real).items() if place == nation}
    assert view.drawn() == expected
    view.page.click("#reset-filters")
    assert len(view.drawn()) == real.number_of_nodes()
    assert view.errors == []


#: The colour of the canvas pixel at the centre of every entity in view.
PIXELS = """() => {
  const n = pmgraph.network, ids = pmgraph.nodeView.getIds(), pos = n.getPositions(ids);
  const c = document.querySelector('#graph canvas'), r = c.getBoundingClientRect();
  const s = c.width / r.width, ctx = c.getContext('2d'), out = {};
  for (const id of ids) {
    const d = n.canvasToDOM(pos[id]);
    if (d.x < 0 || d.y < 0 || d.x > r.width || d.y > r.height) continue;
    out[id] = Array.from(ctx.getImageData(Math.round(d.x * s), Math.round(d.y * s), 1, 1).data)
      .join(',');
  }
  return out;
}"""


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_a_filter_draws_every_entity_it_keeps_at_once(open_view, real_file, size):
    """From the opening overview, choosing a nation draws the entities that stay at once:
    the Cardiff centre and Wales were left out (their links ran into empty canvas) until
    something else redrew the page."""
    page = open_view(real_file, size, ready=True).page
    page.mouse.move(5, size[1] - 5)  # nothing hovered, so nothing else redraws
    page.select_option("#nation-filter", value=ID + "place/wales")
    page.wait_for_timeout(300)
    first = page.evaluate(PIXELS)
    assert ID + "centre/cardiff" in first and ID + "place/wales" in first
    page.evaluate("pmgraph.network.redraw()")
    again = page.evaluate(PIXELS)
    assert {k for k in first if first[k] != again.get(k)} == set()


def test_a_link_of_two_statements_words_each_its_own_way(open_view, real_file):
    """Cardiff to Wales is two statements (pm:nation, pm:containedIn): the link's panel gives
    two sentences, each with its quote, not the same sentence twice."""
    view = open_view(real_file)
    view.page.click("#show-all")
    cardiff, wales = ID + "place/cardiff", ID + "place/wales"
    edge = view.js(
        """([a, b]) => pmgraph.edgeView.get().find(e => (e.from === a && e.to === b) ||
                                                      (e.from === b && e.to === a)).id""",
        [cardiff, wales],
    )
    view.js("id => pmgraph.showEdge(id)", edge)
    details = view.page.inner_text("#details")
    assert "Cardiff is in the nation Wales" in details
    assert "Cardiff lies within Wales" in details
    assert view.errors == []


def test_the_table_fits_a_1024_pixel_window(open_view, real_file):
    """The table tab scrolls in its own column: at 1024x768 the page is no wider than the
    window, so the details panel on the right is not cut off."""
    page = open_view(real_file, (1024, 768), ready=True).page
    page.click("#tab-table")
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    right = page.evaluate("document.getElementById('details').getBoundingClientRect().right")
    assert right <= 1024


def test_a_filter_that_hides_the_selection_lets_it_go_and_says_so(open_view, real_file):
    """Leeds selected, then only Wales shown: Leeds is no longer selected (nothing is faded
    for it), the panel is empty again and a notice says why."""
    view = open_view(real_file)
    view.page.fill("#search", "LCPMH")
    view.page.press("#search", "Enter")
    view.page.wait_for_timeout(300)
    assert view.js("pmgraph.network.getSelectedNodes()") == [ID + "centre/leeds"]
    view.page.select_option("#nation-filter", value=ID + "place/wales")
    view.page.wait_for_timeout(300)
    assert view.js("pmgraph.network.getSelectedNodes()") == []
    assert view.js("pmgraph.selected") is None
    assert "Click an entity" in view.page.inner_text("#details")
    assert view.page.inner_text("#notice").startswith(
        "Leeds Centre for Personalised Medicine and Health is not among the entities")
    assert view.errors == []


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_the_opening_view_shows_every_shape_whole(open_view, real_file, size):
    """Fitting the view makes room for each entity's whole shape: the largest centre at the
    top was cut in half under the tabs."""
    outside = open_view(real_file, size, ready=True).js("""() => {
      const n = pmgraph.network, ids = pmgraph.nodeView.getIds(), pos = n.getPositions(ids);
      const box = document.getElementById('graph').getBoundingClientRect(), out = [];
      for (const id of ids) {
        const r = pmgraph.nodeView.get(id).size || 0, p = pos[id];
        const a = n.canvasToDOM({x: p.x - r, y: p.y - r});
        const b = n.canvasToDOM({x: p.x + r, y: p.y + r});
        if (a.x < 0 || a.y < 0 || b.x > box.width || b.y > box.height) out.push(id);
      }
      return out;
    }""")
    assert outside == []


def test_the_opening_view_at_1024_labels_the_nations_and_most_bodies(open_view, real_file):
    """At 1024x768 the overview's middle and right columns leave a label line below each
    entity: Northern Ireland, ISCF and the UKRI fund lost theirs when rows were closer."""
    view = open_view(real_file, (1024, 768), ready=True)
    view.page.wait_for_timeout(300)
    labels = view.js("""() => Object.fromEntries(pmgraph.nodeView.getIds().map(
        id => [id, pmgraph.network.body.nodes[id].options.label || '']))""")
    places = [ID + "place/" + p for p in
              ("england", "northern-ireland", "scotland", "wales", "united-kingdom")]
    assert all(labels[p] for p in places), labels
    assert sum(1 for text in labels.values() if not text) <= 2, labels


def test_script_in_the_data_never_runs(open_view, tmp_path):
    fixtures = _test_viz()
    IMG, SCRIPT = fixtures.IMG, fixtures.SCRIPT  # noqa: N806 - constants of test_viz
    net = fixtures.hostile_network()
    path = write_html(net, tmp_path / "hostile.html", title="Title " + SCRIPT)
    view = open_view(path)
    view.page.click("#show-all")
    for node in sorted(net.nodes):
        view.page.mouse.move(*view.point(node))
        view.page.wait_for_timeout(250)  # the tooltip shows after 120 ms
        view.page.mouse.click(*view.point(node))
        view.page.wait_for_timeout(100)
    for u, v in net.edges():
        (x1, y1), (x2, y2) = view.point(u), view.point(v)
        view.page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2)
        view.page.wait_for_timeout(250)
    view.page.fill("#search", "Evil")
    results = view.page.locator("#search-results [role=option]")
    assert results.count() >= 4
    for i in range(results.count()):
        results.nth(i).click()
        view.page.wait_for_timeout(350)
        view.page.fill("#search", "Evil")
    view.page.select_option("#theme-filter", index=1)
    evil = next(n for n in net if n.endswith(IMG))
    view.js("id => pmgraph.selectNode(id)", evil)
    assert view.js("typeof window.__xss") == "undefined"
    assert view.js("document.querySelectorAll('img').length") == 0
    assert view.js("document.scripts.length") == 5  # three JSON blocks, vis-network, the view
    assert "Evil org " + IMG in view.page.inner_text("#details h2")
    assert "quote " + SCRIPT in view.page.inner_text("#details")
    links = view.js("[...document.querySelectorAll('#details a')].map(a => a.href)")
    assert all(link.startswith(("http://", "https://")) for link in links)
    assert "javascript:window.__xss=1" in view.page.inner_text("#details")  # shown as text
    assert view.page.title() == "Title " + SCRIPT
    assert view.errors == [], "the page logged errors (a blocked script shows up here)"
    assert view.outgoing == []


@pytest.fixture(scope="module")
def five_thousand(tmp_path_factory) -> nx.MultiDiGraph:
    """The 5,000 best-linked entities of a synthetic graph of 60,000 statements."""
    from pmgraph.analysis.network import to_networkx
    from pmgraph.graph.load import load_graph
    from pmgraph.graph.synth import write_synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic(folder / "s.ttl", 60_000, 0)
    net = to_networkx(load_graph(folder / "s.ttl"))
    keep = sorted(net, key=lambda n: (-net.degree(n), n))[:5_000]
    return net.subgraph(keep).copy()


def test_five_thousand_entities_draw_and_stay_usable(open_view, tmp_path, five_thousand):
    net = five_thousand
    assert net.number_of_nodes() == 5_000
    started = time.perf_counter()
    path = write_html(net, tmp_path / "large.html")
    written = time.perf_counter() - started
    view = open_view(path)
    view.page.click("#show-all")
    record_timing(
        "synthetic",
        {"nodes": net.number_of_nodes(), "relationships": net.number_of_edges(),
         "layout_and_write_s": round(written, 2), "bytes": path.stat().st_size,
         "first_draw_ms": view.js("pmgraph.firstDrawMs")},
    )
    assert len(view.drawn()) == net.number_of_nodes()
    pairs = {frozenset((u, v)) for u, v in net.edges()}
    assert view.js("pmgraph.network.body.edgeIndices.length") == len(pairs)
    view.page.screenshot(path=str(ARTIFACTS / "synthetic-5000.png"))

    # Search: the best-linked entity by its full name, then by part of it.
    target = max(net, key=lambda n: (net.degree(n), n))
    label = net.nodes[target]["label"]
    view.page.fill("#search", label[:10])
    assert view.page.locator("#search-results [role=option]").count() > 0
    view.page.fill("#search", label)
    view.page.press("#search", "Enter")
    view.page.wait_for_timeout(700)
    assert view.js("pmgraph.network.getSelectedNodes()") == [target]
    assert view.page.inner_text("#details h2") == label
    evidence = net.nodes[target]["evidence"][0]
    assert evidence in view.page.inner_text("#details")

    # Nation filter: exactly that nation's entities stay.
    nations = {n: place for n, (place, _) in nation_column(net).items()}
    nation = max(
        {place for place in nations.values() if place},
        key=lambda p: sum(1 for place in nations.values() if place == p),
    )
    view.page.select_option("#nation-filter", value=nation)
    assert view.drawn() == {n for n, place in nations.items() if place == nation}
    view.page.click("#reset-filters")
    assert len(view.drawn()) == net.number_of_nodes()

    # Legend: unticking a class hides exactly its entities.
    group, size = Counter(
        d.get("group") or d.get("class") for _, d in net.nodes(data=True)
    ).most_common(1)[0]
    box = view.page.locator(f'#legend input[data-group="{group}"]')
    box.uncheck()
    assert len(view.drawn()) == net.number_of_nodes() - size
    assert view.page.inner_text("#stats").startswith(f"showing {5_000 - size} of 5000")
    box.check()
    assert len(view.drawn()) == net.number_of_nodes()
    assert view.errors == [] and view.outgoing == []


# The analyst tasks of the explorer: each test scripts one and asserts what the analyst sees.

CENTRE_CLASS = "CentreOfExcellence"


def _city_of(net: nx.MultiDiGraph, centre: str) -> str:
    return next(
        v for _, v, name in net.out_edges(centre, data="name")
        if name == "location" and net.nodes[v]["class"] == "City"
    )


def test_typing_a_city_and_enter_selects_its_centre(open_view, real, real_file):
    """Task (a): "Leeds" + Enter selects the Leeds centre, not the city; so for every centre."""
    view = open_view(real_file)
    centres = sorted(n for n, c in real.nodes(data="class") if c == CENTRE_CLASS)
    assert len(centres) == 6
    for centre in centres:
        city = real.nodes[_city_of(real, centre)]["label"]
        view.page.fill("#search", city)
        view.page.press("#search", "Enter")
        assert view.js("pmgraph.network.getSelectedNodes()") == [centre], city
        assert view.page.inner_text("#details h2") == real.nodes[centre]["label"]
    assert view.errors == [] and view.outgoing == []


def test_search_finds_abbreviations_amounts_and_phrases_in_quotes(open_view, real, real_file):
    """Task (d) and the review's search misses: LCPMH, "£210m", "risk sharing"."""
    view = open_view(real_file)
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    # "£210m": the ISCF's investment (better linked), then the amount itself.
    investment = "https://w3id.org/pmgraph/id/investment/iscf-data-to-early-diagnosis"
    amount = "https://w3id.org/pmgraph/id/quantity/iscf-data-to-early-diagnosis-investment"
    # The name written beside a centre ("Oxford centre") finds the centre before the
    # membership and the session whose names contain it; a straight apostrophe typed on a
    # keyboard finds the data's curly one ("Queen’s").
    oxford = "https://w3id.org/pmgraph/id/centre/oxford"
    # (the centre's own name, "The Queen’s University Belfast Precision Medicine Centre of
    # Excellence", contains it, and centres come first)
    queens = "https://w3id.org/pmgraph/id/centre/belfast"
    for query, first in (("LCPMH", leeds), ("\u00a3210m", investment), ("risk sharing", leeds),
                         ("Oxford centre", oxford), ("Queen's University Belfast", queens)):
        view.page.fill("#search", query)
        options = view.page.locator("#search-results [role=option]")
        assert options.count() >= 1, query
        assert view.js("q => pmgraph.rankEntities(q)[0]", query) == first, query
    assert view.js("q => pmgraph.rankEntities(q)[1]", "\u00a3210m") == amount
    # Counts by class; the arrow keys move through the results and Enter takes the one marked.
    view.page.fill("#search", "Glasgow")
    ranked = rank_entities(real, "Glasgow")
    count = view.page.inner_text("#search-count")
    assert count.startswith(f"{len(ranked)} matches: ")
    by_class = Counter(real.nodes[n]["class_label"] for n in ranked)
    assert sorted(count.split(": ", 1)[1].split(" \u00b7 ")) == sorted(
        f"{name} {n}" for name, n in by_class.items()
    )
    view.page.press("#search", "ArrowDown")
    view.page.press("#search", "ArrowDown")
    marked = view.page.locator("#search-results [aria-selected=true]")
    assert marked.count() == 1 and real.nodes[ranked[1]]["label"] in marked.inner_text()
    view.page.press("#search", "Enter")
    assert view.js("pmgraph.network.getSelectedNodes()") == [ranked[1]]
    assert view.errors == [] and view.outgoing == []


@pytest.mark.parametrize(
    "query", ["Leeds", "glasgow", "ISCF", "\u00a3210m", "risk-sharing", "LCPMH", "Scotland", "MRI",
              "Belfast centre", "Queen's"]
)
def test_page_and_command_line_rank_alike(open_view, real, real_file, query):
    """One order rule: the page's search lists what rank_entities (viz --focus) lists."""
    view = open_view(real_file)
    assert view.js("q => pmgraph.rankEntities(q)", query) == rank_entities(real, query)


def test_scotland_shows_what_is_located_there(open_view, real, real_file):
    """Task (b): the nation filter uses the place hierarchy, marked as derived."""
    scotland = "https://w3id.org/pmgraph/id/place/scotland"
    # The Living Laboratory has no nation of its own: it is at the QEUH, in Govan, Scotland.
    lab = "https://w3id.org/pmgraph/id/programme/qeuh-living-laboratory"
    view = open_view(real_file)
    view.page.select_option("#nation-filter", value=scotland)
    shown = view.drawn()
    assert lab in shown
    assert "https://w3id.org/pmgraph/id/centre/glasgow" in shown
    assert not any(n.endswith(("/place/england", "/centre/leeds")) for n in shown)
    assert shown == {n for n, (p, _) in nation_column(real).items() if p == scotland}
    # Following a link to a hidden entity says so.
    view.js("id => pmgraph.selectNode(id)", "https://w3id.org/pmgraph/id/centre/leeds")
    assert "hidden by the filters" in view.page.inner_text("#notice")
    view.js("id => pmgraph.selectNode(id)", lab)
    assert "Nation derived" in view.page.inner_text("#details")
    assert view.errors == [] and view.outgoing == []


LABEL_BOXES = """() => {
  const n = pmgraph.network, out = [];
  for (const id of n.body.nodeIndices) {
    const node = n.body.nodes[id], text = node.options.label;
    if (!text) continue;
    const s = node.labelModule.size, lift = node.options.font.vadjust || 0;  // drawn there
    const a = n.canvasToDOM({x: s.left, y: s.top + lift});
    const b = n.canvasToDOM({x: s.left + s.width, y: s.top + s.height + lift});
    out.push([id, text, a.x, a.y, b.x, b.y]);
  }
  return out;
}"""


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_opening_labels_do_not_collide_and_name_every_centre(browser, real, real_file, size):
    """The readable start: at the opening zoom no two drawn labels overlap (as vis-network
    laid them out), each is inside the graph area and every centre's label is drawn."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(real_file.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.labelsPlaced", timeout=60_000)
        page.wait_for_timeout(300)
        boxes = page.evaluate(LABEL_BOXES)
        width, height = page.evaluate(
            "[document.getElementById('graph').clientWidth,"
            " document.getElementById('graph').clientHeight]"
        )
        page.screenshot(path=str(ARTIFACTS / f"overview-{size[0]}x{size[1]}.png"))
    finally:
        context.close()
    overlaps = [
        (a[1], b[1]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
        if a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]
    ]
    assert overlaps == []
    assert all(-1 <= b[2] and b[4] <= width + 1 and -1 <= b[3] and b[5] <= height + 1
               for b in boxes)
    centres = {n for n, c in real.nodes(data="class") if c == CENTRE_CLASS}
    assert centres <= {b[0] for b in boxes}
    # most overview entities are named: at least two thirds of them (19 in the project's view;
    # all 19 at 1440x900, 14 at 1024x768, where the network's label gives way to a centre's)
    assert 3 * len(boxes) >= 2 * len(overview_members(real))
    leeds = next(b for b in boxes if b[0].endswith("/centre/leeds"))
    assert leeds[1].startswith("LCPMH")  # the short form the data gives


def test_focus_neighbourhood_expand_back_and_relation_filter(open_view, real, real_file):
    """Task (a): select a centre, the rest fades; only its neighbours; one more step; back."""
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    view = open_view(real_file)
    view.page.fill("#search", "Leeds")
    view.page.press("#search", "Enter")
    neighbours = set(nx.all_neighbors(real, leeds)) | {leeds}
    faded = set(view.js("pmgraph.nodes.get({filter: n => n.opacity < 1}).map(n => n.id)"))
    assert faded and not faded & neighbours
    view.page.get_by_role("button", name="Only this and its neighbours").click()
    assert view.drawn() == neighbours
    view.page.get_by_role("button", name="Expand one step").click()
    two = set(neighbours)
    for n in neighbours:
        two |= set(nx.all_neighbors(real, n))
    assert view.drawn() == two
    view.page.click("#back")
    assert view.drawn() == neighbours
    # Relationship types: untick one, its links go.
    view.page.click("#show-all")
    view.page.click("#relations-toggle")
    view.page.locator('#relations input[data-relation="capability theme"]').uncheck()
    remaining = view.js("pmgraph.edgeView.get().map(e => e.title)")
    assert remaining and not any(" \u2014 capability theme \u2192 " in t for t in remaining)
    assert view.errors == [] and view.outgoing == []


def test_funding_chain_path_with_evidence_on_each_step(open_view, real, real_file):
    """Task (d): ISCF -> the challenge -> £210m, reached as a path with evidence per step."""
    iscf = "https://w3id.org/pmgraph/id/programme/iscf"
    amount = "https://w3id.org/pmgraph/id/quantity/iscf-data-to-early-diagnosis-investment"
    view = open_view(real_file)
    view.js("id => pmgraph.selectNode(id)", iscf)
    view.page.get_by_role("button", name="Path from here\u2026").click()
    view.page.fill("#search", "\u00a3210 million invested via")  # the amount, not the investment
    view.page.press("#search", "Enter")
    view.page.get_by_role("button", name=re.compile("^Path from ISCF to here")).click()
    path = view.js("pmgraph.path")
    assert path[0] == iscf and path[-1] == amount
    assert len(path) - 1 == nx.shortest_path_length(real.to_undirected(), iscf, amount)
    steps = view.page.locator("#details ol.path > li")
    assert steps.count() == len(path) - 1
    for i in range(steps.count()):
        assert steps.nth(i).locator("blockquote").count() >= 1
    assert view.drawn() == set(path)
    assert view.errors == [] and view.outgoing == []


def test_edge_evidence_in_plain_words_and_source_in_context(open_view, real, real_file):
    """Tasks (e) and (f): click a link; read its relationship and its own quotes (the
    statement's evidence, not its entities'); open the source text shipped in the page
    with the quote marked; the entity's panel lists the relationship with that quote."""
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    partnership = "https://w3id.org/pmgraph/id/org/leeds-academic-health-partnership"
    statement = real.get_edge_data(leeds, partnership)[
        "https://w3id.org/pmgraph/ontology#establishedBy"
    ]
    (quote,) = statement["evidence"]
    (source,) = statement["evidence_source"]
    view = open_view(real_file)
    view.js("id => pmgraph.onlyAround(id)", leeds)
    view.page.wait_for_timeout(200)
    (x1, y1), (x2, y2) = view.point(leeds), view.point(partnership)
    view.page.mouse.click((x1 + x2) / 2, (y1 + y2) / 2)
    text = view.page.inner_text("#details")
    assert (
        "Leeds Centre for Personalised Medicine and Health was established by "
        "Leeds Academic Health Partnership" in text
    )
    shown = [" ".join(q.split()) for q in view.js(
        "Array.from(document.querySelectorAll('#details blockquote'), b => b.textContent)"
    )]
    assert shown == [" ".join(quote.split())]  # its own quote, none of the entities' others
    assert real.nodes[source]["label"] in text
    view.page.wait_for_timeout(300)  # labels are placed after the click
    ends = view.js(
        "ids => ids.map(id => pmgraph.network.body.nodes[id].options.label)", [leeds, partnership]
    )
    assert (ends[1] or "").startswith("Leeds Academic Health") and ends[0]  # both ends named
    view.page.locator("#details .source-link").first.click()
    assert view.js("document.getElementById('source-view').open")
    marked = view.page.inner_text("#source-text mark")
    assert " ".join(marked.split()) == " ".join(quote.split())
    assert len(view.page.inner_text("#source-text")) > 5_000  # the whole text, not the quote
    view.js("document.getElementById('source-view').close()")
    view.js("id => pmgraph.selectNode(id)", leeds)
    relationship = view.page.locator("#details li", has_text="Leeds Academic Health Partnership")
    assert " ".join(quote.split()) in " ".join(relationship.first.inner_text().split())
    assert view.errors == [] and view.outgoing == []


def test_script_in_the_data_never_runs_in_the_new_panels(open_view, tmp_path):
    """Edge panel, path, source view and search counts built from hostile data stay text."""
    fixtures = _test_viz()
    IMG, SCRIPT = fixtures.IMG, fixtures.SCRIPT  # noqa: N806 - constants of test_viz
    net = fixtures.hostile_network()
    path = write_html(net, tmp_path / "hostile.html", title="Title " + SCRIPT)
    view = open_view(path)
    view.page.click("#show-all")
    for edge in view.js("pmgraph.edgeView.getIds()"):
        view.js("id => pmgraph.showEdge(id)", edge)
    nodes = sorted(net)
    view.js("ids => pmgraph.showPath(ids[0], ids[1])", [nodes[0], nodes[-1]])
    assert IMG in view.page.inner_text("#details") or SCRIPT in view.page.inner_text("#details")
    view.page.fill("#search", "quote")
    view.page.press("#search", "ArrowDown")
    view.page.press("#search", "Enter")
    view.js("() => pmgraph.openSource(0, '" + "x" + "')")
    assert view.js("typeof window.__xss") == "undefined"
    assert view.js("document.querySelectorAll('img').length") == 0
    assert view.js("document.scripts.length") == 5  # three JSON blocks, vis-network, the view
    assert view.errors == [] and view.outgoing == []


def test_table_lists_imaging_centres_and_exports_what_is_shown(open_view, real, real_file):
    """Task (c): the Imaging theme as a table (class, centre, nation, themes), sortable, the
    centres-by-capability matrix, and a CSV of exactly the rows shown."""
    imaging = next(t for t, label in real.graph["labels"].items() if label == "Imaging")
    view = open_view(real_file)
    view.page.select_option("#theme-filter", value=imaging)
    view.page.click("#tab-table")
    expected = {n for n, d in real.nodes(data=True) if imaging in d["themes"] or n == imaging}
    names = view.page.locator("#entity-table tbody th").all_inner_texts()
    assert sorted(names) == sorted(real.nodes[n]["label"] for n in expected)
    assert names == sorted(names, key=str.casefold) or names == sorted(names)
    centres = [n for n in expected if real.nodes[n]["class"] == CENTRE_CLASS]
    assert len(centres) >= 3
    # Sort by class, descending on a second click.
    view.page.get_by_role("button", name=re.compile("^Class")).click()
    view.page.get_by_role("button", name=re.compile("^Class")).click()
    assert view.page.locator("#entity-table th[aria-sort=descending]").count() == 1
    # The matrix: a row per centre, a tick where the centre has the theme.
    centres_all = [n for n, c in real.nodes(data="class") if c == CENTRE_CLASS]
    assert view.page.locator("#matrix tbody tr").count() == len(centres_all)
    ticks = view.js("""() => [...document.querySelectorAll('#matrix td')]
                       .filter(td => td.textContent === '\\u2713').length""")
    assert ticks == sum(len(real.nodes[n]["themes"]) for n in centres_all)
    with view.page.expect_download() as download:
        view.page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert rows[0] == ["IRI", "Name", "Class", "Centre", "Nation", "Themes", "Links"]
    assert {r[0] for r in rows[1:]} == expected
    view.page.click("#tab-network")
    with view.page.expect_download() as png:
        view.page.click("#export-png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert view.errors == [] and view.outgoing == []


def test_permalink_restores_the_same_view_in_a_fresh_page(open_view, real, real_file):
    """Task (i): selection, scope, filters, tab and zoom travel in the URL's hash."""
    scotland = "https://w3id.org/pmgraph/id/place/scotland"
    glasgow = "https://w3id.org/pmgraph/id/centre/glasgow"
    view = open_view(real_file)
    view.page.select_option("#nation-filter", value=scotland)
    view.page.locator('#legend input[data-group="City"]').uncheck()
    view.js("id => pmgraph.selectNode(id)", glasgow)
    view.page.wait_for_timeout(700)
    view.page.click("#zoom-in")
    view.page.wait_for_timeout(400)
    url = view.js("location.href")
    assert "#" in url and "sel=" in url
    before = (view.drawn(), view.js("pmgraph.network.getScale()"),
              view.js("pmgraph.network.getViewPosition()"))
    fresh = open_view(real_file)
    fresh.page.goto(url)
    fresh.page.reload()
    fresh.page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=30_000)
    assert fresh.js("pmgraph.restored") is True
    assert fresh.drawn() == before[0]
    assert fresh.js("pmgraph.network.getSelectedNodes()") == [glasgow]
    assert fresh.page.input_value("#nation-filter") == scotland
    assert abs(fresh.js("pmgraph.network.getScale()") - before[1]) < 1e-3
    position = fresh.js("pmgraph.network.getViewPosition()")
    assert abs(position["x"] - before[2]["x"]) < 1 and abs(position["y"] - before[2]["y"]) < 1
    assert fresh.errors == [] and fresh.outgoing == []


def test_a_hostile_hash_is_only_looked_up(open_view, real_file):
    """The hash is data: unknown names are ignored and nothing in it reaches the page."""
    view = open_view(real_file)
    payload = "<img src=x onerror=window.__xss=1>"
    view.page.goto(real_file.as_uri() + "#scope=all&sel=" + payload + "&hide=" + payload
                   + "&nation=" + payload + "&rels=" + payload + "&tab=" + payload)
    view.page.reload()
    view.page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=30_000)
    assert view.js("typeof window.__xss") == "undefined"
    assert view.js("document.querySelectorAll('img').length") == 0
    assert len(view.drawn()) == view.js("pmgraph.nodeCount")
    assert view.errors == [] and view.outgoing == []


def test_map_draws_the_uk_outline_and_keeps_unlocated_entities_off_it(open_view, real, real_file):
    """Task (g): the map tab: outline drawn, located entities within it, the rest below."""
    view = open_view(real_file)
    view.page.click("#tab-map")
    view.page.click("#show-all")
    view.page.wait_for_timeout(300)
    assert view.js("pmgraph.mapDrawn") >= 1
    rings = view.js("JSON.parse(document.getElementById('pmgraph-data').textContent).map")
    xs = [x for ring in rings["outline"] for x in ring[0::2]]
    ys = [y for ring in rings["outline"] for y in ring[1::2]]
    positions = view.js("pmgraph.network.getPositions()")
    glasgow = positions["https://w3id.org/pmgraph/id/centre/glasgow"]
    cardiff = positions["https://w3id.org/pmgraph/id/centre/cardiff"]
    assert min(xs) < glasgow["x"] < max(xs) and min(ys) < glasgow["y"] < cardiff["y"] < max(ys)
    theme = next(n for n, d in real.nodes(data=True) if d.get("scheme"))
    assert positions[theme]["y"] > rings["band_top"] > max(ys)
    view.page.screenshot(path=str(ARTIFACTS / "map.png"))
    view.page.click("#tab-network")
    back = view.js("pmgraph.network.getPositions()")[theme]
    assert (back["x"], back["y"]) != (positions[theme]["x"], positions[theme]["y"])
    assert view.errors == [] and view.outgoing == []


AXE = ROOT / ".test-env" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's critical and serious findings on the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'critical' || v.impact === 'serious')
             .map(v => ({id: v.id, impact: v.impact,
                         nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return found


def test_axe_finds_nothing_critical_or_serious(browser, real_file):
    """Task (j): axe-core (injected by this test only; the page has a strict CSP, so the
    context bypasses it for axe) over the overview, a selection with search results, the
    table and the map."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}; {SETUP_HINT}", pytrace=False)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                   else r.abort())
        page.goto(real_file.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=60_000)
        findings = {"overview": _axe(page)}
        page.fill("#search", "Leeds")
        page.press("#search", "ArrowDown")
        page.press("#search", "Enter")
        findings["selection"] = _axe(page)
        page.click("#tab-table")
        findings["table"] = _axe(page)
        page.click("#tab-map")
        findings["map"] = _axe(page)
    finally:
        context.close()
    assert findings == {"overview": [], "selection": [], "table": [], "map": []}


def test_keyboard_reaches_details_in_few_tabs_and_zooms(open_view, real_file):
    """Task (j): from a search result to its details in a few Tab presses; the named canvas
    takes the keyboard for zoom and pan."""
    view = open_view(real_file)
    view.page.fill("#search", "Leeds")
    view.page.press("#search", "Enter")
    view.page.focus("#search")
    presses, inside = 0, False
    while not inside and presses < 30:
        view.page.keyboard.press("Tab")
        presses += 1
        inside = view.js("document.getElementById('details').contains(document.activeElement)")
    assert inside and presses <= 3, presses
    canvas = view.page.locator("#graph .vis-network")
    assert canvas.get_attribute("aria-label").startswith("Network drawing")
    canvas.focus()
    scale = view.js("pmgraph.network.getScale()")
    view.page.keyboard.press("=")  # vis-network zooms in on + and = (keyboard option)
    view.page.keyboard.down("PageUp")
    view.page.wait_for_timeout(300)
    view.page.keyboard.up("PageUp")
    assert view.js("pmgraph.network.getScale()") > scale
    assert view.errors == []


DOCS = ROOT / "docs"


def test_readme_screenshots_from_the_real_build(browser, real_file):
    """The README's pictures, taken from the real view at 1440x900: the overview, the Leeds
    centre focused with a link's evidence, the map and the table."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(real_file.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=60_000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "screenshot-overview.png"))
        leeds = "https://w3id.org/pmgraph/id/centre/leeds"
        page.fill("#search", "Leeds")
        page.press("#search", "Enter")
        page.get_by_role("button", name="Only this and its neighbours").click()
        page.wait_for_timeout(400)
        edge = page.evaluate(
            """id => pmgraph.edgeView.get().find(e => (e.from === id || e.to === id) &&
                                             e.title.includes('established by')).id""",
            leeds,
        )
        page.evaluate("id => pmgraph.showEdge(id)", edge)
        page.evaluate("id => pmgraph.network.selectEdges([id])", edge)
        page.wait_for_timeout(300)
        assert "was established by" in page.inner_text("#details")
        page.screenshot(path=str(DOCS / "screenshot-focus.png"))
        page.fill("#search", "")
        page.evaluate("pmgraph.clearSelection()")
        page.click("#show-all")
        page.click("#tab-map")
        page.wait_for_timeout(400)
        page.screenshot(path=str(DOCS / "screenshot-map.png"))
        page.click("#tab-table")
        page.wait_for_timeout(200)
        page.screenshot(path=str(DOCS / "screenshot-table.png"))
    finally:
        context.close()
    for name in ("overview", "focus", "map", "table"):
        assert (DOCS / f"screenshot-{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_print_fits_one_a4_landscape_page_with_legend_and_details(open_view, real_file):
    """Task (i): printing the selected centre gives one A4 landscape page that keeps the
    legend and the details and leaves out the filters and the toolbar."""
    view = open_view(real_file)
    view.page.fill("#search", "Glasgow")
    view.page.press("#search", "Enter")
    view.page.wait_for_timeout(400)
    view.page.emulate_media(media="print")
    assert view.page.locator("#legend").is_visible()
    assert view.page.locator("#details h2").is_visible()
    assert not view.page.locator("#nation-filter").is_visible()
    assert not view.page.locator("#tabs").is_visible()
    pdf = view.page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one page
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert box and float(box.group(1)) > float(box.group(2))  # landscape


def _relationship_rows(view: View) -> list[str]:
    """The details panel's relationship rows, as read (white space folded)."""
    return [" ".join(t.split()) for t in view.js(
        """() => { const h = [...document.querySelectorAll('#details h3')]
                     .find(h => h.textContent.startsWith('Relationships'));
                   return h ? [...h.nextElementSibling.children].map(li =>
                     [...li.childNodes].filter(c => c.tagName !== 'BLOCKQUOTE')
                       .map(c => c.textContent).join('')) : []; }"""
    )]


def test_panel_states_facts_in_plain_words_and_each_link_once(open_view, real, real_file):
    """The entity panel: facts named in words with formatted values (dates as written), and
    a link stated both ways (A preceded by B, B succeeded by A; a programme and its host)
    listed once, read from the shown entity's side."""
    view = open_view(real_file)
    view.page.fill("#search", "Leeds")
    view.page.press("#search", "Enter")
    text = view.page.inner_text("#details")
    assert "Founded\n2016" in text or "Founded 2016" in " ".join(text.split())
    assert "foundingDate" not in text
    rows = _relationship_rows(view)
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    others = {v for v in real.successors(leeds)} | {u for u in real.predecessors(leeds)}
    assert len(rows) == len(others)  # one row per linked entity
    cancer = [r for r in rows if "Arresting Cancer" in r]
    assert cancer == ["has the programme and hosts Arresting Cancer"]
    assert f"Relationships ({len(others)})" in text

    # Clicking the row's entity opens its panel: the link read from the programme's side.
    view.page.locator("#details li button", has_text="Arresting Cancer").click()
    assert view.page.inner_text("#details h2") == "Arresting Cancer"
    assert [r for r in _relationship_rows(view) if "Leeds Centre" in r] == [
        "is hosted by Leeds Centre for Personalised Medicine and Health; "
        "it has the programme this"
    ]

    # Inverse properties of the ontology: one relationship, from each side.
    view.js("id => pmgraph.selectNode(id)", "https://w3id.org/pmgraph/id/org/innovate-uk")
    assert [r for r in _relationship_rows(view) if "Technology Strategy Board" in r] == [
        "was preceded by Technology Strategy Board"
    ]
    view.page.locator("#details li button", has_text="Technology Strategy Board").click()
    assert [r for r in _relationship_rows(view) if "Innovate UK" in r] == [
        "was succeeded by Innovate UK"
    ]

    # An amount: its value with the stated currency, its kind in words.
    view.page.fill("#search", "\u00a3210m")
    view.page.press("#search", "ArrowDown")
    view.page.press("#search", "ArrowDown")
    view.page.press("#search", "Enter")
    facts = view.js("""() => [...document.querySelectorAll('#details dt')].map(dt =>
                         [dt.textContent, dt.nextElementSibling.textContent])""")
    assert facts == [["Value", "\u00a3210,000,000 (\u00a3210m)"], ["Measures", "Investment"]]
    # A count with a qualifier and a unit.
    view.js("id => pmgraph.selectNode(id)",
            "https://w3id.org/pmgraph/id/quantity/nhs-greater-glasgow-and-clyde-patients-served")
    facts = dict(view.js("""() => [...document.querySelectorAll('#details dt')].map(dt =>
                              [dt.textContent, dt.nextElementSibling.textContent])"""))
    assert facts["Value"] == "over 1,300,000 patients"
    assert not {"unit", "qualifier", "value", "quantityKind", "Unit", "Qualifier"} & set(facts)
    assert view.errors == [] and view.outgoing == []


# Large views: more than 5,000 entities are drawn as groups of class and nation.

PREPARING_SEEN = """
window.__preparing = null;
(function tick() {
  const drawn = window.pmgraph && window.pmgraph.firstDrawMs;
  const p = document.getElementById('preparing');
  if (!drawn && p && p.offsetHeight > 0) window.__preparing = p.textContent;
  if (!drawn) requestAnimationFrame(tick);
})();
"""

GROUP_COUNTS = """() => pmgraph.network.body.nodeIndices.map(id => {
  const item = pmgraph.nodes.get(id);
  return [id.startsWith('\\u0000group'), Number(item.title.split(' ')[0].replace(/,/g, ''))];
})"""


@pytest.fixture(scope="module")
def large_view(tmp_path_factory) -> tuple[nx.MultiDiGraph, Path]:
    """The synthetic graph of 200,000 statements (about 25,000 entities) and its view."""
    from pmgraph.analysis.network import to_networkx
    from pmgraph.graph.load import load_graph
    from pmgraph.graph.synth import write_synthetic

    folder = tmp_path_factory.mktemp("large")
    write_synthetic(folder / "s.ttl", 200_000, 0)
    net = to_networkx(load_graph(folder / "s.ttl"))
    return net, write_html(net, folder / "large.html")


def _groups_drawn(view: View) -> int:
    """Entities in the groups drawn; fails if an entity is drawn on its own."""
    counts = view.js(GROUP_COUNTS)
    assert counts and all(is_group for is_group, _ in counts)
    return sum(n for _, n in counts)


def test_large_view_prepares_visibly_and_draws_groups_with_true_counts(browser, large_view):
    """At about 25,000 entities: a progress message is painted before the drawing; the
    drawing hands vis-network groups, never every entity; a filter changes what is drawn;
    the header and the groups count exactly the entities the filters leave."""
    net, path = large_view
    total = net.number_of_nodes()
    assert total > 20_000
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                      else r.abort())
        context.add_init_script(PREPARING_SEEN)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=120_000)
        view = View(page)
        assert view.js("window.__preparing") == f"Preparing the view of {total} entities\u2026"
        assert not view.js("document.getElementById('preparing')")  # gone once drawn

        # The overview, as groups: their sizes add up to the overview's entities.
        overview = len(overview_members(net))
        assert overview > 500
        assert len(view.drawn()) <= 500
        assert _groups_drawn(view) == overview
        stats = view.js("document.getElementById('stats').dataset")
        assert int(stats["shown"]) == overview and int(stats["groups"]) == len(view.drawn())
        assert page.inner_text("#stats").startswith(f"showing {overview} of {total} entities")

        # A nation: exactly the entities located there, drawn differently.
        nations = nation_column(net)
        before = view.drawn()
        nation = max({p for p, _ in nations.values() if p},
                     key=lambda p: sum(1 for q, _ in nations.values() if q == p))
        page.select_option("#nation-filter", value=nation)
        in_nation = sum(1 for p, _ in nations.values() if p == nation)
        assert _groups_drawn(view) == in_nation
        assert view.drawn() != before
        page.select_option("#nation-filter", value="")

        # Everything: every entity in a group; the header says so.
        page.click("#show-all")
        assert _groups_drawn(view) == total
        assert page.inner_text("#stats").startswith(f"{total} entities")
        assert "drawn as" in page.inner_text("#stats")

        # Selecting an entity draws it with its neighbours (at most 200), selected.
        target = max(net, key=lambda n: (len(set(net.successors(n)) | set(net.predecessors(n))),
                                         n))
        view.js("id => pmgraph.selectNode(id)", target)
        drawn = view.drawn()
        neighbours = set(net.successors(target)) | set(net.predecessors(target))
        assert target in drawn and len(drawn) <= 201 and drawn - {target} <= neighbours
        assert view.js("pmgraph.network.getSelectedNodes()") == [target]
        assert "neighbours" in page.inner_text("#notice")
        assert page.inner_text("#details h2") == net.nodes[target]["label"]
        page.click("#back")
        assert _groups_drawn(view) == total

        # A group's panel lists it; its button draws its members one by one.
        group = view.js("pmgraph.network.body.nodeIndices[0]")
        view.js("id => pmgraph.showGroup(id)", group)
        size = int(view.js("id => pmgraph.nodes.get(id).title", group).split(" ")[0]
                   .replace(",", ""))
        page.locator("#details .actions button").first.click()
        drawn = view.drawn()
        assert len(drawn) == min(size, 500)
        assert all(not d.startswith("\u0000") for d in drawn)
        assert errors == []
    finally:
        context.close()


def test_script_in_the_data_never_runs_in_group_panels(open_view, tmp_path):
    """Groups are labelled with class and nation names from the data: their labels,
    tooltips and panels stay text."""
    fixtures = _test_viz()
    IMG, SCRIPT = fixtures.IMG, fixtures.SCRIPT  # noqa: N806 - constants of test_viz
    net = fixtures.hostile_network()
    evil = next(n for n in net if n.endswith(IMG))
    for i in range(5_001):  # enough copies of the hostile entity to be drawn as groups
        net.add_node(f"https://example.org/copy/{i}", **{**net.nodes[evil],
                                                         "label": f"copy {i} {SCRIPT}"})
    path = write_html(net, tmp_path / "hostile-large.html", title="Title " + SCRIPT)
    view = open_view(path)
    view.page.click("#show-all")
    groups = [g for g in view.drawn() if g.startswith("\u0000group")]
    assert groups
    for group in groups:
        view.js("id => pmgraph.showGroup(id)", group)
        view.page.mouse.move(*view.point(group))
        view.page.wait_for_timeout(250)
    biggest = max(groups, key=lambda g: int(
        view.js("id => pmgraph.nodes.get(id).title", g).split(" ")[0].replace(",", "")))
    view.js("id => pmgraph.showGroup(id)", biggest)
    assert SCRIPT in view.page.inner_text("#details")
    view.page.locator("#details ul button").first.click()  # a member: its panel
    assert view.js("typeof window.__xss") == "undefined"
    assert view.js("document.querySelectorAll('img').length") == 0
    assert view.js("document.scripts.length") == 5
    assert view.errors == [] and view.outgoing == []


@pytest.mark.parametrize("scope", ["overview", "everything"])
@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_map_labels_do_not_collide_and_name_every_centre(browser, real, real_file, size, scope):
    """The map at its opening zoom: no two drawn labels overlap, each is inside the graph
    area, and every centre (each on its city) is named."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(real_file.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=60_000)
        if scope == "everything":
            page.click("#show-all")
        page.click("#tab-map")
        page.wait_for_timeout(400)
        boxes = page.evaluate(LABEL_BOXES)
        width, height = page.evaluate(
            "[document.getElementById('graph').clientWidth,"
            " document.getElementById('graph').clientHeight]"
        )
        # The heading over the band of entities not on the map, drawn on the canvas.
        heading = page.evaluate("""() => {
            const n = pmgraph.network, m = JSON.parse(
              document.getElementById('pmgraph-data').textContent).map;
            const at = n.canvasToDOM({x: m.band_left - 60, y: m.band_top - 16});
            return ['heading', 'heading', at.x, at.y - 14, at.x + 160, at.y + 3]; }""")
        page.screenshot(path=str(ARTIFACTS / f"map-{scope}-{size[0]}x{size[1]}.png"))
    finally:
        context.close()
    drawn = [heading] + boxes
    overlaps = [
        (a[1], b[1]) for i, a in enumerate(drawn) for b in drawn[i + 1:]
        if a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]
    ]
    assert overlaps == []
    assert all(-1 <= b[2] and b[4] <= width + 1 and -1 <= b[3] and b[5] <= height + 1
               for b in boxes)
    centres = {n for n, c in real.nodes(data="class") if c == CENTRE_CLASS}
    assert centres <= {b[0] for b in boxes}, sorted(centres - {b[0] for b in boxes})


def test_focused_centre_names_its_membership_and_labels_do_not_collide(browser, real,
                                                                        real_file):
    """The Leeds centre focused ("Only this and its neighbours") at 1440x900: its membership
    of the network of centres is drawn with a label naming member and network, and no two
    drawn labels overlap."""
    leeds = "https://w3id.org/pmgraph/id/centre/leeds"
    membership = next(n for n in nx.all_neighbors(real, leeds)
                      if real.nodes[n]["class"] == "Membership")
    network = next(v for _, v, name in real.out_edges(membership, data="name")
                   if name == "organization")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(real_file.as_uri())
        page.wait_for_function("window.pmgraph && window.pmgraph.ready", timeout=60_000)
        page.fill("#search", "Leeds")
        page.press("#search", "Enter")
        page.get_by_role("button", name="Only this and its neighbours").click()
        page.wait_for_timeout(600)
        boxes = page.evaluate(LABEL_BOXES)
    finally:
        context.close()
    labels = {b[0]: b[1] for b in boxes}
    organisation = real.nodes[network]
    assert labels.get(membership) == (
        f"Membership: {real.nodes[leeds]['abbreviation']} in "
        f"{organisation.get('abbreviation') or organisation['label']}"
    )
    overlaps = [
        (a[1], b[1]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
        if a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]
    ]
    assert overlaps == []
