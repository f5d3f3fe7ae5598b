"""The HTML view as written: self-contained, complete, and inert whatever the data holds."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import networkx as nx
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from pmgraph.errors import OutputError, ParameterError
from pmgraph.graph.namespaces import GEO, ID_BASE, PM
from pmgraph.paths import ontology_file
from pmgraph.view.explore import derived_nations
from pmgraph.view.layout import compute_layout
from pmgraph.view.viz import (
    ASSETS,
    build_view_network,
    render_html,
    view_data,
    vis_network_files,
    write_html,
)

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "</script><script>window.__xss=1</script>"
SEPARATORS = "line\u2028separator\u2029 & <b>bold</b>"

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
DATA_BLOCK = re.compile(
    r'<script type="application/json" id="pmgraph-data">(.*?)</script>', re.DOTALL
)
SOURCES_BLOCK = re.compile(
    r'<script type="application/json" id="pmgraph-sources">(.*?)</script>', re.DOTALL
)
DETAILS_BLOCK = re.compile(
    r'<script type="application/json" id="pmgraph-details">(.*?)</script>', re.DOTALL
)


def hostile_graph() -> Graph:
    """The ontology and a few entities whose every string carries a script payload."""
    graph = Graph().parse(ontology_file())
    org = URIRef(ID_BASE + "org/evil" + IMG)
    centre = URIRef(ID_BASE + "centre/evil" + SCRIPT)
    place = URIRef(ID_BASE + "place/evil")
    theme = URIRef(ID_BASE + "theme/evil")
    source = URIRef(ID_BASE + "source/evil" + IMG)
    plain = URIRef(ID_BASE + "org/plain")
    triples = [
        (org, RDF.type, PM.University),
        (org, RDFS.label, Literal("Evil org " + IMG, lang="en")),
        (org, DCTERMS.description, Literal(SCRIPT + " described", lang="en")),
        (org, PM.evidence, Literal("quote " + IMG)),
        (org, PM.evidence, Literal("quote " + SCRIPT)),
        (org, PM.ror, URIRef("javascript:window.__xss=1")),
        (org, PM.gridId, Literal(SCRIPT)),
        (org, PM.source, source),
        (org, PM.location, place),
        (centre, RDF.type, PM.CentreOfExcellence),
        (centre, RDFS.label, Literal("Evil centre " + SCRIPT, lang="en")),
        (centre, PM.hasAsset, org),
        (centre, PM.theme, theme),
        (centre, PM.location, place),
        (centre, PM.evidence, Literal(IMG)),
        (place, RDF.type, PM.City),
        (place, RDFS.label, Literal("Evil city " + IMG, lang="en")),
        (place, GEO.lat, Literal("55.0")),
        (place, GEO.long, Literal("-4.0")),
        (theme, RDF.type, SKOS.Concept),
        (theme, SKOS.inScheme, PM.CapabilityThemes),
        (theme, RDFS.label, Literal("Evil theme " + IMG, lang="en")),
        (source, RDF.type, PM.SourceDocument),
        (source, RDFS.label, Literal("Evil source " + SCRIPT, lang="en")),
        (plain, RDF.type, PM.Company),
        (plain, RDFS.label, Literal("Plain " + SEPARATORS, lang="en")),
        (plain, PM.partnerOf, org),
    ]
    for triple in triples:
        graph.add(triple)
    return graph


def hostile_network() -> nx.MultiDiGraph:
    return build_view_network(hostile_graph())


def full_iri(short: str, base: str) -> str:
    return base + short[1:] if short[:1] == ":" else short[1:] if short[:1] == "!" else short


def page_data(page: str) -> dict:
    """The page's two JSON blocks, read back the way its script reads them: ``nodes`` (one
    dict per entity, details included) and ``edges`` (``statements`` as IRI triples)."""
    match, more = DATA_BLOCK.search(page), DETAILS_BLOCK.search(page)
    assert match and more, "the page lacks a data block"
    view, details = json.loads(match.group(1)), json.loads(more.group(1))
    terms = [full_iri(iri, view["base"]) for iri, _ in view["terms"]]
    columns = view["nodes"]
    nodes = []
    for i, short in enumerate(columns["id"]):
        description, evidence, sources, areas, identifiers, properties = details["nodes"][i]
        nation = columns["nation"][i]
        nodes.append({
            "id": full_iri(short, view["base"]),
            "label": columns["label"][i],
            "group": view["classes"][columns["class"][i]]["group"],
            "x": columns["x"][i],
            "y": columns["y"][i],
            "degree": columns["degree"][i],
            "nation": terms[nation] if nation >= 0 else None,
            "themes": [terms[t] for t in columns["themes"][i]],
            "abbreviation": columns["abbreviation"].get(str(i)),
            "description": details["texts"][description] if description >= 0 else None,
            "evidence": [details["texts"][q] for q in evidence],
            "source": [terms[s] for s in sources],
            "disease_areas": [terms[a] for a in areas],
            "identifiers": identifiers,
            "properties": properties,
        })
    edges = []
    for a, b, *statements in view["edges"]:
        ends = (nodes[a]["id"], nodes[b]["id"])
        edges.append({
            "from": ends[0],
            "to": ends[1],
            "statements": [
                [ends[s & 1], view["predicates"][s >> 1], ends[1 - (s & 1)]] for s in statements
            ],
        })
    return {**view, "nodes": nodes, "edges": edges, "labels": dict(zip(terms, (
        label for _, label in view["terms"]), strict=True))}


@pytest.fixture(scope="module")
def real(project_graph: Graph) -> nx.MultiDiGraph:
    return build_view_network(project_graph)


@pytest.fixture(scope="module")
def real_page(real: nx.MultiDiGraph) -> str:
    return render_html(real, title="UK precision medicine")


def test_page_loads_nothing_from_elsewhere(real_page):
    assert not EXTERNAL.findall(real_page)
    assert "<link" not in real_page.lower()
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", real_page, re.IGNORECASE)
    assert "bootstrap" not in real_page.lower()
    assert "default-src 'none'" in real_page  # the browser refuses any request


def test_page_holds_every_entity_and_relationship(real, real_page):
    assert f'data-nodes="{real.number_of_nodes()}"' in real_page
    assert f'data-relationships="{real.number_of_edges()}"' in real_page
    data = page_data(real_page)
    assert {n["id"] for n in data["nodes"]} == set(real.nodes)
    assert data["relationships"] == real.number_of_edges()
    assert sum(len(e["statements"]) for e in data["edges"]) == real.number_of_edges()
    assert sum(c["count"] for c in data["classes"]) == real.number_of_nodes()
    assert all(isinstance(n["x"], float) for n in data["nodes"])
    statements = {tuple(s) for e in data["edges"] for s in e["statements"]}
    assert statements == {
        (u, d.get("label") or d["predicate"], v) for u, v, d in real.edges(data=True)
    }
    degree = {n: len(set(real.predecessors(n)) | set(real.successors(n))) for n in real}
    assert {n["id"]: n["degree"] for n in data["nodes"]} == degree
    derived = derived_nations(real)
    for node in data["nodes"]:
        entity = real.nodes[node["id"]]
        assert node["label"] == entity["label"]
        assert node["nation"] == (entity.get("nation") or derived.get(node["id"], (None,))[0])
        assert node["themes"] == list(entity.get("themes", ()))
        assert node["evidence"] == list(entity.get("evidence", ()))
        assert node["source"] == list(entity.get("source", ()))
        assert node["description"] == entity.get("description")


def test_scripts_are_allowed_by_hash_only(real_page):
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', real_page)
    assert policy and "'unsafe-inline'" not in policy.group(1).split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script>(.*?)</script>", real_page, re.DOTALL)
    assert len(scripts) == 2
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.group(1)


def test_payloads_are_escaped_in_the_raw_html():
    net = hostile_network()
    page = render_html(net, title="Title " + SCRIPT)
    assert IMG not in page and "<img" not in page
    assert "<script>window" not in page
    # Only a closing tag can end a script early: exactly the page's own five.
    assert page.lower().count("</script") == 5
    for pattern in (DATA_BLOCK, DETAILS_BLOCK, SOURCES_BLOCK):
        assert not set("<>&") & set(pattern.search(page).group(1))
    assert "\u2028" not in page and "\u2029" not in page
    assert "<title>Title &lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;</title>" in page
    data = page_data(page)
    labels = {n["label"] for n in data["nodes"]}
    assert "Evil org " + IMG in labels and "Plain " + SEPARATORS in labels
    evil = next(n for n in data["nodes"] if n["id"].endswith(IMG))
    assert sorted(evil["evidence"]) == sorted(["quote " + IMG, "quote " + SCRIPT])
    assert evil["identifiers"]["ror"] == "javascript:window.__xss=1"  # data, never a link


def test_write_html_is_atomic_and_returns_the_path(tmp_path, real):
    target = tmp_path / "views" / "network.html"
    assert write_html(real, target, title="pmgraph") == target
    first = target.read_text(encoding="utf-8")
    assert f'data-nodes="{real.number_of_nodes()}"' in first
    write_html(real, target)
    assert [p.name for p in target.parent.iterdir()] == ["network.html"]


def test_write_html_reports_an_unwritable_path(tmp_path, real):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot write"):
        write_html(real, blocker / "network.html")


def test_unknown_layout_is_refused(real):
    with pytest.raises(ParameterError, match="force, geo"):
        render_html(real, layout="spiral")


def test_layouts_are_repeatable(real):
    assert compute_layout(real, "force") == compute_layout(real, "force")
    assert compute_layout(real, "geo") == compute_layout(real, "geo")


def test_geo_layout_puts_the_uk_on_the_map(real):
    positions = compute_layout(real, "geo")
    assert set(positions) == set(real.nodes)
    cities = {d["label"]: positions[n] for n, d in real.nodes(data=True) if d["class"] == "City"}
    # Screen y grows downwards: north is up, east is right.
    assert cities["Glasgow"][1] < cities["Manchester"][1] < cities["London"][1]
    assert cities["Belfast"][0] < cities["Glasgow"][0] < cities["London"][0]
    city_nation = {n: d["nation"] for n, d in real.nodes(data=True) if d["class"] == "City"}
    for node, data in real.nodes(data=True):
        if data["class"] != "CentreOfExcellence":
            continue
        city = data["location"][0]

        def distance(place: str, node: str = node) -> float:
            return abs(complex(*positions[node]) - complex(*positions[place]))

        assert distance(city) > 0, f"{data['label']} sits exactly on its city"
        elsewhere = [c for c, nation in city_nation.items() if nation != city_nation[city]]
        assert distance(city) < min(map(distance, elsewhere)), f"{data['label']} strays"


def test_focus_and_classes_make_smaller_views(project_graph, real):
    centre = sorted(n for n, c in real.nodes(data="class") if c == "CentreOfExcellence")[0]
    focused = build_view_network(project_graph, focus=centre, depth=1)
    assert centre in focused and focused.number_of_nodes() < real.number_of_nodes()
    view = view_data(focused)["view"]
    assert full_iri(view["nodes"]["id"][view["focus"]], view["base"]) == centre
    organisations = build_view_network(project_graph, classes=["Organisation"])
    assert {d["class"] for _, d in organisations.nodes(data=True)} >= {"CentreOfExcellence"}
    assert "City" not in {d["class"] for _, d in organisations.nodes(data=True)}


def test_repeated_text_and_iris_are_written_once(real):
    net = real.copy()
    quote = "A passage quoted for every entity. " * 20
    for _, d in net.nodes(data=True):
        d["evidence"] = (quote,)
    page = render_html(net)
    assert page.count(quote) == 1
    data = page_data(page)
    assert all(n["evidence"] == [quote] for n in data["nodes"])
    # The project's IRIs are written without their common start.
    assert page.count(ID_BASE) < net.number_of_nodes() // 4


def test_view_inlines_the_vis_network_of_the_installed_pyvis(real):
    version, js, css = vis_network_files()
    assert js.parent.parent.parent.parent.name == "pyvis" and js.parent.name == f"vis-{version}"
    assert not list(ASSETS.glob("vis-network*")), "a second copy of vis-network is kept"
    page = render_html(real)
    assert js.read_text(encoding="utf-8") in page and css.read_text(encoding="utf-8") in page
    assert f"@version {version}" in page and "vis.js is dual licensed" in page
    # The notice names the version inlined, with the digests of the files the view was tested
    # with: a pyvis bringing another vis-network fails here until it is checked in Chromium.
    notice = (ASSETS / "LICENSE-vis-network.txt").read_text(encoding="utf-8")
    assert f"vis-network {version}" in notice and "MIT License" in notice
    for path in (js, css):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert re.search(rf"{re.escape(path.name)} +{digest}", notice), path.name


def test_focus_by_city_name_picks_the_centre_and_says_so(cli, tmp_path):
    """``viz --focus leeds`` takes the Leeds centre (the search order) and names it."""
    run = cli("viz", "--focus", "leeds", "--out", tmp_path / "leeds.html")
    assert run.code == 0
    first = run.err.splitlines()[0]
    assert first.startswith("pmgraph: --focus 'leeds': picked Leeds Centre for Personalised")
    assert "https://w3id.org/pmgraph/id/centre/leeds" in first
    data = json.loads(DATA_BLOCK.search((tmp_path / "leeds.html").read_text()).group(1))
    assert data["nodes"]["label"][data["focus"]].startswith("Leeds Centre for Personalised")


def test_search_order_and_derived_nations(real):
    from pmgraph.view.explore import rank_entities

    assert rank_entities(real, "Leeds")[:2] == [
        "https://w3id.org/pmgraph/id/centre/leeds", "https://w3id.org/pmgraph/id/place/leeds",
    ]
    assert rank_entities(real, "£210m")[:2] == [
        "https://w3id.org/pmgraph/id/investment/iscf-data-to-early-diagnosis",
        "https://w3id.org/pmgraph/id/quantity/iscf-data-to-early-diagnosis-investment",
    ]
    assert rank_entities(real, "risk-sharing") == ["https://w3id.org/pmgraph/id/centre/leeds"]
    # the short name the view writes beside a centre, and a straight apostrophe for "’"
    assert rank_entities(real, "Glasgow centre")[0] == "https://w3id.org/pmgraph/id/centre/glasgow"
    assert rank_entities(real, "Queen's University Belfast")[:2] == [
        "https://w3id.org/pmgraph/id/centre/belfast",
        "https://w3id.org/pmgraph/id/org/queens-university-belfast",
    ]
    # The Belfast laboratory has no place of its own; the Belfast centre features it, in
    # Belfast, Northern Ireland.
    lab = "https://w3id.org/pmgraph/id/facility/belfast-integrated-biomarker-analysis-laboratory"
    nation, via = derived_nations(real)[lab]
    assert nation.endswith("/place/northern-ireland") and via.endswith("/centre/belfast")
    # STAR is held by nobody the source names, so no nation is derived for it.
    star = "https://w3id.org/pmgraph/id/facility/scottish-transcriptomics-archive-resource"
    assert star not in derived_nations(real)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> list[float]:
    return [_linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5)]


def _contrast_with_white(colour: str) -> float:
    r, g, b = _rgb(colour)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def _lab(colour: str) -> tuple[float, float, float]:
    r, g, b = _rgb(colour)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_legend_colours_are_legible_and_distinguishable(real):
    """At least 3:1 against the white page (WCAG 1.4.11), and classes drawn with the same
    shape at least 15 apart (CIE76 Delta E), as the legend of the real view shows them."""
    classes = view_data(real)["view"]["classes"]
    assert [c["label"] for c in classes if _contrast_with_white(c["colour"]) < 3.0] == []
    close = []
    for i, a in enumerate(classes):
        for b in classes[i + 1 :]:
            if a["shape"] == b["shape"]:
                distance = sum((p - q) ** 2 for p, q in zip(_lab(a["colour"]), _lab(b["colour"]),
                                                            strict=True)) ** 0.5
                if distance < 15:
                    close.append((a["label"], b["label"], round(distance, 1)))
    assert close == []


def test_page_names_the_inverse_of_each_relationship_it_uses(real, real_page, project_graph):
    """The panel turns a statement round with its owl:inverseOf: the page carries the
    ontology's pairs (by label) for the relationships it draws, and a network that brings
    its own pairs is taken at its word."""
    from rdflib import OWL

    view = page_data(real_page)
    pairs = {
        (str(project_graph.value(p, RDFS.label)), str(project_graph.value(q, RDFS.label)))
        for p, q in project_graph.subject_objects(OWL.inverseOf)
    }
    pairs |= {(b, a) for a, b in pairs}
    used = set(view["predicates"])
    assert view["inverses"] == {a: b for a, b in pairs if a in used}
    assert view["inverses"]["preceded by"] == "succeeded by"
    own = real.copy()
    own.graph["inverse_labels"] = {"preceded by": "came after"}
    assert view_data(own)["view"]["inverses"] == {"preceded by": "came after"}


ORG = "http://www.w3.org/ns/org#"


def test_a_membership_is_named_by_its_member_and_organisation(project_graph, real_page):
    """A membership's own name ("Leeds centre in the initial cohort of the network of
    centres") says neither whose nor of what when cut to fit: the view writes "Membership:
    <member> in <organisation>" from its org:member and org:organization statements."""
    memberships = sorted(project_graph.subjects(RDF.type, PM.Membership))
    assert memberships
    view = json.loads(DATA_BLOCK.search(real_page).group(1))
    ids = [full_iri(short, view["base"]) for short in view["nodes"]["id"]]
    for membership in memberships:
        member = project_graph.value(membership, URIRef(ORG + "member"))
        organisation = project_graph.value(membership, URIRef(ORG + "organization"))
        named = str(project_graph.value(organisation, PM.abbreviation)
                    or project_graph.value(organisation, RDFS.label))
        # The member by the short name the view gives it everywhere (LCPMH for Leeds).
        at = ids.index(str(member))
        member_short = view["nodes"]["short"].get(str(at), view["nodes"]["label"][at])
        written = view["nodes"]["short"][str(ids.index(str(membership)))]
        assert written == f"Membership: {member_short} in {named}"
    # Whatever else is written short is the name cut at 30 characters, or an abbreviation
    # or a centre's city: never the cut form, which the page makes itself.
    for i, text in view["nodes"]["short"].items():
        label = view["nodes"]["label"][int(i)]
        assert text != (label if len(label) <= 30 else label[:29] + "\u2026")
