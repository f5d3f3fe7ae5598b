"""What the policy-analyst notebook reads from the library: the theme matrices, the policy,
funding and centre network with its quotes, the map of centres and assets, and the view sized
by a value. Expected values come from SPARQL on the graph, not from the functions tested."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

import pmgraph
from pmgraph.analysis.analyse import centrality
from pmgraph.analysis.landscape import policy_links, policy_network, policy_reach, theme_matrix
from pmgraph.errors import ParameterError
from pmgraph.query.library import run_query
from pmgraph.view.notebook import centre_map, inline_view, uk_outline
from pmgraph.view.viz import render_html

PREFIXES = """
PREFIX pm:   <https://w3id.org/pmgraph/ontology#>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX geo:  <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""
ASSET = "(pm:hasAsset|pm:hasFacility|pm:hasProgramme|pm:hasPartnerOrganisation)"
# Each centre, and each entity tagged with a theme that is the centre or one of its assets.
TAGGED = PREFIXES + f"""
SELECT ?centre ?theme (COUNT(DISTINCT ?tagged) AS ?count) WHERE {{
  ?centre a pm:CentreOfExcellence .
  {{ ?centre pm:theme ?theme . BIND(?centre AS ?tagged) }}
  UNION {{ ?centre {ASSET} ?tagged . ?tagged pm:theme ?theme }}
  UNION {{ ?tagged pm:assetOf ?centre ; pm:theme ?theme }}
  ?theme skos:inScheme pm:CapabilityThemes .
}} GROUP BY ?centre ?theme
"""
THEMES = PREFIXES + "SELECT ?theme WHERE { ?theme skos:inScheme pm:CapabilityThemes }"
CENTRE_NATION = PREFIXES + """
SELECT ?centre ?nation ?lat ?long WHERE {
  ?centre a pm:CentreOfExcellence ; pm:location ?place .
  ?place pm:nation ?nation ; geo:lat ?lat ; geo:long ?long .
}"""
HOLDERS = PREFIXES + f"""
SELECT ?centre ?asset WHERE {{
  ?centre a pm:CentreOfExcellence .
  {{ ?centre {ASSET} ?asset }} UNION {{ ?asset pm:assetOf ?centre }}
}}"""
# Links between two entities of the policy network: of its classes (sub-classes included),
# or funders of something (whatever their class).
KINDS = "pm:Policy pm:GovernmentBody pm:FundingProgramme pm:Investment pm:MonetaryAmount " \
    "pm:CentreOfExcellence"
POLICY_LINKS = PREFIXES + f"""
SELECT DISTINCT ?s ?p ?o WHERE {{
  ?s ?p ?o . FILTER(?p != rdf:type)
  {{ VALUES ?a {{ {KINDS} }} ?s a/rdfs:subClassOf* ?a }} UNION {{ ?x pm:fundedBy ?s }}
  {{ VALUES ?b {{ {KINDS} }} ?o a/rdfs:subClassOf* ?b }} UNION {{ ?y pm:fundedBy ?o }}
}}"""


@pytest.fixture(scope="module")
def net(project_graph: Graph) -> nx.MultiDiGraph:
    return pmgraph.to_networkx(project_graph)


def rows(graph: Graph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in graph.query(query)]


def test_centre_matrix_counts_the_centre_and_its_assets_per_theme(project_graph, net):
    matrix = theme_matrix(net)
    expected = {(c, t): int(n) for c, t, n in rows(project_graph, TAGGED)}
    centres = {c for c, _, _, _ in rows(project_graph, CENTRE_NATION)}
    assert set(matrix.rows) == centres and len(centres) == 6
    # Every capability theme is a column, covered or not.
    assert set(matrix.columns) == {t for (t,) in rows(project_graph, THEMES)}
    for centre in matrix.rows:
        for theme in matrix.columns:
            assert matrix.value(centre, theme) == expected.get((centre, theme), 0), (centre, theme)
    table = matrix.to_dataframe()
    assert list(table.index) == list(matrix.row_labels)
    assert table.loc[matrix.row_labels[0]].sum() == max(table.sum(axis=1))  # most tags first


def test_centres_covering_each_theme_agree_with_the_theme_coverage_query(project_graph, net):
    table = theme_matrix(net).to_dataframe()
    coverage = run_query("theme-coverage", project_graph).to_values()
    assert {r["themeLabel"]: r["centreCount"] for r in coverage} == dict((table > 0).sum())


def test_nation_matrix_adds_up_the_nations_centres(project_graph, net):
    nations: dict[str, set[str]] = defaultdict(set)
    for centre, nation, _, _ in rows(project_graph, CENTRE_NATION):
        nations[nation].add(centre)
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for centre, theme, count in rows(project_graph, TAGGED):
        for nation, members in nations.items():
            if centre in members:
                expected[(nation, theme)] += int(count)
    matrix = theme_matrix(net, by="nation")
    assert set(matrix.rows) == set(nations)
    for record in matrix.to_records():
        assert record["value"] == expected[(record["row"], record["theme"])], record


def test_matrix_by_something_else_is_refused(net):
    with pytest.raises(ParameterError, match="by='city': choose 'centre' or 'nation'"):
        theme_matrix(net, by="city")


def test_policy_links_are_every_stated_link_with_its_own_quotes(project_graph, net):
    links = policy_links(net)
    found = {(r.from_iri, r.to_iri) for r in links}
    expected = {(s, o) for s, _, o in rows(project_graph, POLICY_LINKS)}
    assert found == expected and len(found) > 10
    for link in links:
        quotes = {
            r["quote"]
            for r in run_query(
                "link-evidence", project_graph,
                params={"entity": link.from_iri, "other": link.to_iri},
            ).to_values()
            if r.get("quote") and r["direction"] == "entity -> other"
        }
        assert set(link.evidence) == quotes and quotes, link
    stages = {r.from_stage for r in links} | {r.to_stage for r in links}
    assert stages == {"policy", "funder", "funding", "investment", "amount", "centre"}


def test_every_centre_is_in_the_policy_network_linked_or_not(project_graph, net):
    flows = policy_network(net)
    centres = {c for c, _, _, _ in rows(project_graph, CENTRE_NATION)}
    assert centres <= set(flows)
    assert all(flows.degree(n) > 0 for n in flows if n not in centres)
    assert [flows.nodes[c]["stage_index"] for c in centres] == [5] * len(centres)


REACH_TTL = """
@prefix prog: <https://w3id.org/pmgraph/id/programme/> .
@prefix doc:  <https://w3id.org/pmgraph/id/document/> .
ctr:a a pm:CentreOfExcellence ; rdfs:label "Centre A"@en ;
    pm:alignsWith doc:statement ; pm:hasProgramme prog:deal .
ctr:b a pm:CentreOfExcellence ; rdfs:label "Centre B"@en ; pm:alignsWith doc:strategy .
doc:statement a pm:GovernmentStatement ; rdfs:label "Statement"@en ;
    pm:alignsWith doc:strategy .
doc:strategy a pm:Strategy ; rdfs:label "Strategy"@en .
prog:deal a pm:FundingProgramme ; rdfs:label "Deal"@en .
prog:fund a pm:FundingProgramme ; rdfs:label "Fund"@en ; pm:fundingAmount qty:amount .
qty:amount a pm:MonetaryAmount ; rdfs:label "Amount"@en .
"""


def test_reach_names_the_centres_each_policy_and_fund_reaches(write_ttl: Callable[..., Path]):
    net = pmgraph.to_networkx(pmgraph.load_graph(write_ttl(REACH_TTL)))
    reach = {r.label: r for r in policy_reach(net)}
    assert reach["Strategy"].centre_labels == ("Centre B", "Centre A")
    assert reach["Strategy"].steps == 1
    # Through the statement only: centre B's own links do not lead on to centre A.
    assert reach["Statement"].centre_labels == ("Centre A", "Centre B")
    assert reach["Deal"].centre_labels == ("Centre A",)
    assert reach["Fund"].centres == () and reach["Fund"].steps is None
    assert reach["Amount"].centres == ()


def test_centre_map_places_centres_and_assets_in_their_nation(project_graph, net):
    points = centre_map(net)
    centres = {c: (n, float(lat), float(long)) for c, n, lat, long in
               rows(project_graph, CENTRE_NATION)}
    holders = defaultdict(set)
    for centre, asset in rows(project_graph, HOLDERS):
        holders[asset].add(centre)
    placed = [p for p in points if p.role == "centre"]
    assert {p.iri for p in placed} == set(centres)
    for point in placed:
        nation, lat, long = centres[point.iri]
        assert point.nation == nation and not point.nation_derived
        assert abs(point.lat - lat) < 0.5 and abs(point.long - long) < 0.8  # spread, not moved
    assets = [p for p in points if p.role == "asset"]
    assert len(assets) > 30
    for point in assets:
        assert point.centre in holders[point.iri]
        if point.nation is not None:
            assert point.nation == centres[point.centre][0], point
        assert 49.5 < point.lat < 61 and -11 < point.long < 2.5


def test_uk_outline_is_the_uk_and_ireland_in_longitude_latitude():
    outline = uk_outline()
    assert set(outline) == {"United Kingdom", "Ireland"}
    points = [p for rings in outline.values() for ring in rings for p in ring]
    assert min(lat for _, lat in points) > 49.5 and max(lat for _, lat in points) < 61.5
    assert min(lon for lon, _ in points) > -11 and max(lon for lon, _ in points) < 2


def _view(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="pmgraph-data">(.*?)</script>',
                      page, re.S)
    return json.loads(block.group(1))


def test_view_sizes_nodes_by_the_values_given(net):
    between = {r.iri: r.betweenness for r in centrality(net)}
    view = _view(render_html(net, size_by=between))
    ids = view["nodes"]["id"]
    sizes = dict(zip(ids, view["nodes"]["size"], strict=True))
    top = max(between, key=between.get)
    short = ":" + top.split("/id/", 1)[1]
    assert sizes[short] == 1.0
    assert min(sizes.values()) == 0.0
    assert sorted(ids, key=lambda i: sizes[i])[-5:] == [
        ":" + n.split("/id/", 1)[1] for n in sorted(between, key=between.get)[-5:]
    ]
    # Without values the page sizes by neighbours, as before.
    assert "size" not in _view(render_html(net))["nodes"]


def test_inline_view_holds_the_whole_page(net):
    page = render_html(net, title="inline")
    shown = inline_view(page, height=300)
    frame = re.search(r'<iframe srcdoc="([^"]*)" style="[^"]*height: 300px', shown.data)
    assert frame and html.unescape(frame.group(1)) == page


@pytest.mark.browser
def test_view_draws_nodes_at_the_sizes_given(net, tmp_path):
    """In Chromium: the most between entity is drawn largest, an entity on no chain smallest."""
    import os

    if os.environ.get("PMGRAPH_SKIP_BROWSER") == "1":
        pytest.skip("PMGRAPH_SKIP_BROWSER=1")
    from playwright.sync_api import sync_playwright

    between = {r.iri: r.betweenness for r in centrality(net)}
    top = max(between, key=between.get)
    least = min(between, key=lambda n: (between[n], -net.degree(n), n))
    path = tmp_path / "sized.html"
    pmgraph.write_html(net, path, size_by=between, size_name="betweenness")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless=new", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(path.as_uri())
            page.wait_for_function("window.pmgraph && window.pmgraph.firstDrawMs !== null")
            page.click("#show-all")
            size = "id => pmgraph.network.body.data.nodes.get(id).size"
            drawn = {n: page.evaluate(size, n) for n in (top, least)}
            key = page.inner_text("#how-to-read")
        finally:
            browser.close()
    assert drawn == {top: 32, least: 5}
    assert "size its betweenness;" in key and "number of links" not in key
