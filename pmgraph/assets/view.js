/* pmgraph network view. Every piece of data reaches the page through textContent, element
   properties or vis-network's canvas and plain-text tooltips: never through innerHTML. */
(function () {
  "use strict";

  var timings = { start: performance.now() };
  /* The data comes in columns with IRIs shortened and repeated strings given once (see
     pmgraph.viz.view_data); details (descriptions, quotes) are parsed on the first click. */
  var data = JSON.parse(document.getElementById("pmgraph-data").textContent);
  timings.parsed = performance.now();
  var NONE = "\u0000none";
  var base = data.base;
  function fullIri(short) {
    var mark = short.charAt(0);
    return mark === ":" ? base + short.slice(1) : mark === "!" ? short.slice(1) : short;
  }
  var terms = data.terms.map(function (t) { return { id: fullIri(t[0]), label: t[1] }; });
  function termIri(i) { return terms[i].id; }
  var columns = data.nodes;
  var nodes = columns.id.map(function (short, i) {
    var nation = columns.nation[i];
    return {
      index: i, id: fullIri(short), label: columns.label[i],
      group: data.classes[columns["class"][i]].group, x: columns.x[i], y: columns.y[i],
      degree: columns.degree[i], nation: nation >= 0 ? terms[nation].id : null,
      themes: columns.themes[i].map(termIri),
      abbreviation: Object.prototype.hasOwnProperty.call(columns.abbreviation, i)
        ? columns.abbreviation[i] : null,
      /* The nation is derived (through the place hierarchy) when it came through a neighbour. */
      nationVia: columns.nation_via && Object.prototype.hasOwnProperty.call(columns.nation_via, i)
        ? columns.nation_via[i] : null,
    };
  });
  var byId = new Map();
  nodes.forEach(function (n) { byId.set(n.id, n); });
  var classByGroup = new Map();
  data.classes.forEach(function (c) { classByGroup.set(c.group, c); });
  var labels = new Map();
  terms.forEach(function (t) { labels.set(t.id, t.label); });

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function safeHttpUrl(value) {
    try {
      var url = new URL(String(value));
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(text, href) {
    var url = safeHttpUrl(href);
    if (!url) return el("span", text);
    var a = el("a", text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function labelOf(iri) {
    var node = byId.get(iri);
    if (node) return node.label;
    return labels.has(iri) ? labels.get(iri) : iri;
  }

  function shorten(text, size) {
    return text.length > size ? text.slice(0, size - 1) + "\u2026" : text;
  }

  /* Relationships, both directions, for the details panel: built on first use. */
  var statements = null;
  function statementsOf(id) {
    if (!statements) {
      statements = new Map();
      data.edges.forEach(function (e) {
        var a = nodes[e[0]].id, b = nodes[e[1]].id;
        for (var k = 2; k < e.length; k++) {
          var rel = data.predicates[e[k] >> 1];
          var from = e[k] & 1 ? b : a, to = e[k] & 1 ? a : b;
          if (!statements.has(from)) statements.set(from, []);
          if (!statements.has(to)) statements.set(to, []);
          statements.get(from).push({ rel: rel, other: to, forward: true });
          if (to !== from) statements.get(to).push({ rel: rel, other: from, forward: false });
        }
      });
    }
    return statements.get(id) || [];
  }

  /* Size and label size by importance (neighbour count) on a log scale, so that more than
     the one biggest hub is legible; small labels appear as one zooms in. Computed here rather
     than by vis-network's value scaling, which lays out every label a second time. */
  var minValue = Infinity, maxValue = -Infinity;
  nodes.forEach(function (n) {
    minValue = Math.min(minValue, n.degree + 1);
    maxValue = Math.max(maxValue, n.degree + 1);
  });
  function importance(n) {
    if (maxValue === minValue) return 0.5;
    return Math.log((n.degree + 1) / minValue) / Math.log(maxValue / minValue);
  }

  /* vis-network data: positions come from Python, physics stays off. */
  var visNodes = nodes.map(function (n) {
    var cls = classByGroup.get(n.group);
    var tip = n.label + "\n" + (cls ? cls.label : n.group);
    if (n.nation) tip += " \u00b7 " + labelOf(n.nation) + (n.nationVia !== null ? " (derived)" : "");
    var weight = importance(n);
    return {
      id: n.id, label: shorten(n.label, 40), title: tip, x: n.x, y: n.y, group: n.group,
      size: 5 + 27 * weight, font: { size: 6 + 16 * weight },
    };
  });
  /* Each pair is one vis-network edge, drawn in the direction of its statements; "to" is the
     default arrow, so only pairs linked both ways carry an arrows option of their own. */
  var visEdges = data.edges.map(function (e, index) {
    var a = nodes[e[0]], b = nodes[e[1]];
    var lines = [], dirs = 0;
    for (var k = 2; k < e.length; k++) {
      var reverse = e[k] & 1;
      dirs |= reverse ? 2 : 1;
      lines.push((reverse ? b : a).label + " \u2014 " + data.predicates[e[k] >> 1] + " \u2192 " +
                 (reverse ? a : b).label);
    }
    var edge = { id: index, from: a.id, to: b.id, title: lines.join("\n") };
    if (dirs === 2) {
      edge.from = b.id;
      edge.to = a.id;
    } else if (dirs === 3) {
      edge.arrows = "to, from";
    }
    return edge;
  });

  var hiddenGroups = new Set();
  var nationFilter = "";
  var themeFilter = "";

  function nodeVisible(n) {
    if (!n || hiddenGroups.has(n.group)) return false;
    if (nationFilter === NONE) {
      if (n.nation) return false;
    } else if (nationFilter && n.nation !== nationFilter) {
      return false;
    }
    if (themeFilter && n.id !== themeFilter && n.themes.indexOf(themeFilter) < 0) return false;
    return true;
  }

  var nodesDS = new vis.DataSet(visNodes);
  var edgesDS = new vis.DataSet(visEdges);
  var nodeView = new vis.DataView(nodesDS, {
    filter: function (item) { return nodeVisible(byId.get(item.id)); },
  });
  var edgeView = new vis.DataView(edgesDS, {
    filter: function (item) {
      return nodeVisible(byId.get(item.from)) && nodeVisible(byId.get(item.to));
    },
  });

  var large = nodes.length > 1000;
  var groups = {};
  data.classes.forEach(function (c) {
    groups[c.group] = {
      shape: c.shape,
      color: { background: c.colour, border: c.border,
               highlight: { background: c.colour, border: "#000" },
               hover: { background: c.colour, border: "#000" } },
    };
  });
  var options = {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 1 },
    groups: groups,
    nodes: {
      borderWidth: 1,
      font: { face: "system-ui, sans-serif", color: "#222", strokeWidth: 3, strokeColor: "#fff" },
      /* Labels below 9 px on screen are left out, above 24 px they stop growing. */
      scaling: { label: { enabled: true, maxVisible: 24, drawThreshold: 9 } },
    },
    edges: {
      smooth: false,
      width: 1,
      color: { color: "#b8bec8", highlight: "#1a5fb4", hover: "#1a5fb4", inherit: false },
      arrows: { to: { enabled: true, scaleFactor: 0.5 }, from: { scaleFactor: 0.5 } },
      selectionWidth: 2,
    },
    interaction: {
      hover: true,
      tooltipDelay: 120,
      hideEdgesOnDrag: large,
      hideEdgesOnZoom: large,
      navigationButtons: false,
      keyboard: false,
    },
  };

  timings.prepared = performance.now();
  var container = document.getElementById("graph");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  var state = {
    network: network, nodes: nodesDS, edges: edgesDS, nodeView: nodeView, edgeView: edgeView,
    nodeCount: nodes.length, edgeCount: data.edges.length, relationshipCount: data.relationships,
    firstDrawMs: null, timings: timings,
  };
  timings.network = performance.now();
  window.pmgraph = state;
  network.once("afterDrawing", function () {
    state.firstDrawMs = performance.now();
    document.body.dataset.drawn = "true";
  });

  /* Header counts. */
  var stats = document.getElementById("stats");
  stats.dataset.nodes = String(nodes.length);
  function updateStats() {
    var shown = nodeView.length;
    var text = nodes.length + " entities \u00b7 " + data.relationships + " relationships";
    if (shown !== nodes.length) {
      text = "showing " + shown + " of " + nodes.length + " entities \u00b7 " +
        edgeView.length + " of " + data.edges.length + " linked pairs";
    }
    stats.textContent = text;
    stats.dataset.shown = String(shown);
  }

  var notice = document.getElementById("notice");
  function say(text) { notice.textContent = text; }
  /* After a filter change the view fits what is left, so a small selection is not a speck. */
  function applyFilters() {
    nodeView.refresh();
    edgeView.refresh();
    updateStats();
    say("");
    if (nodeView.length) network.fit({ animation: false });
  }

  /* Legend with class filter. */
  var legend = document.getElementById("legend");
  data.classes.forEach(function (c) {
    var item = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.group = c.group;
    box.addEventListener("change", function () {
      if (box.checked) hiddenGroups.delete(c.group); else hiddenGroups.add(c.group);
      applyFilters();
    });
    var swatch = el("span", c.symbol, "swatch");
    swatch.style.color = c.colour;
    swatch.setAttribute("aria-hidden", "true");
    label.append(box, swatch, el("span", c.label), el("span", c.count, "count"));
    item.append(label);
    legend.append(item);
  });

  function fillSelect(select, allText, entries, noneCount) {
    select.append(new Option(allText, ""));
    entries.forEach(function (entry) {
      var t = terms[entry[0]];
      select.append(new Option(t.label + " (" + entry[1] + ")", t.id));
    });
    if (noneCount) select.append(new Option("No nation known (" + noneCount + ")", NONE));
  }
  var nationSelect = document.getElementById("nation-filter");
  fillSelect(nationSelect, "All nations", data.nations, data.without_nation);
  nationSelect.addEventListener("change", function () {
    nationFilter = nationSelect.value;
    applyFilters();
  });
  var themeSelect = document.getElementById("theme-filter");
  fillSelect(themeSelect, "All themes", data.themes, 0);
  themeSelect.addEventListener("change", function () {
    themeFilter = themeSelect.value;
    applyFilters();
  });
  function resetFilters() {
    hiddenGroups.clear();
    legend.querySelectorAll("input").forEach(function (box) { box.checked = true; });
    nationSelect.value = nationFilter = "";
    themeSelect.value = themeFilter = "";
    applyFilters();
  }
  document.getElementById("reset-filters").addEventListener("click", resetFilters);

  /* Details panel. */
  var details = document.getElementById("details");
  function section(title, child) {
    var frag = document.createDocumentFragment();
    frag.append(el("h3", title), child);
    return frag;
  }
  var more = null;
  /* The details of node n: description, evidence, sources, disease areas, identifiers and
     properties (see pmgraph.viz.view_data). */
  function detailsOf(n) {
    if (!more) more = JSON.parse(document.getElementById("pmgraph-details").textContent);
    var d = more.nodes[n.index];
    return {
      description: d[0] >= 0 ? more.texts[d[0]] : null,
      evidence: d[1].map(function (i) { return more.texts[i]; }),
      source: d[2].map(termIri),
      disease_areas: d[3].map(termIri),
      identifiers: d[4],
      properties: d[5],
    };
  }
  function showDetails(id) {
    var n = byId.get(id);
    if (!n) return;
    var d = detailsOf(n);
    var cls = classByGroup.get(n.group);
    details.replaceChildren();
    details.append(el("h2", n.label));
    var kind = cls ? cls.label : n.group;
    if (n.abbreviation) kind += " \u00b7 " + n.abbreviation;
    if (n.nation) kind += " \u00b7 " + labelOf(n.nation);
    details.append(el("div", kind, "kind"));
    if (n.nation && n.nationVia !== null) {
      details.append(el("div", "Nation derived: located through " + nodes[n.nationVia].label,
                        "kind derived"));
    }
    details.append(el("div", n.id, "iri"));
    if (d.description) details.append(section("Description", el("p", d.description)));
    var topics = n.themes.concat(d.disease_areas);
    if (topics.length) {
      var list = el("ul");
      topics.forEach(function (t) { list.append(el("li", labelOf(t))); });
      details.append(section("Themes and disease areas", list));
    }
    if (d.evidence.length) {
      var quotes = document.createDocumentFragment();
      d.evidence.forEach(function (q) { quotes.append(el("blockquote", q)); });
      details.append(section("Evidence", quotes));
    }
    if (d.source.length) {
      var sources = el("ul");
      d.source.forEach(function (s) {
        var item = el("li");
        item.append(link(labelOf(s), s));
        sources.append(item);
      });
      details.append(section("Source", sources));
    }
    var ids = Object.keys(d.identifiers);
    var props = Object.keys(d.properties);
    if (ids.length || props.length) {
      var dl = el("dl");
      ids.forEach(function (key) {
        var value = d.identifiers[key];
        var dd = el("dd");
        dd.append(key === "ror" || key === "sameAs" ? link(value, value) : el("span", value));
        dl.append(el("dt", key), dd);
      });
      props.forEach(function (key) {
        dl.append(el("dt", key), el("dd", d.properties[key].join("; ")));
      });
      details.append(section("Identifiers and facts", dl));
    }
    var rels = statementsOf(id);
    if (rels.length) {
      var relList = el("ul");
      rels.slice(0, 300).forEach(function (r) {
        var item = el("li");
        var button = el("button", labelOf(r.other), "link");
        button.type = "button";
        button.addEventListener("click", function () { selectNode(r.other); });
        item.append(el("span", r.forward ? r.rel + " \u2192 " : "\u2190 " + r.rel + " "), button);
        relList.append(item);
      });
      if (rels.length > 300) relList.append(el("li", "\u2026 and " + (rels.length - 300) + " more"));
      details.append(section("Relationships (" + rels.length + ")", relList));
    }
  }

  function selectNode(id) {
    var n = byId.get(id);
    if (!n) return;
    if (!nodeVisible(n)) {
      resetFilters();
      say(n.label + " was hidden by the filters, so they were cleared to show it.");
    }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 300 } });
    showDetails(id);
    state.selected = id;
  }
  state.selectNode = selectNode;
  network.on("click", function (params) {
    if (params.nodes.length) {
      showDetails(params.nodes[0]);
      state.selected = params.nodes[0];
    }
  });

  /* Search: the same order as pmgraph.explore.rank_entities (viz --focus). Names
     (label, abbreviation, IRI local name) before descriptions and quotes; among names,
     centres of excellence first; then exact, word start, anywhere; then more neighbours,
     then the label. Texts are compared after normalise(). */
  var search = document.getElementById("search");
  var results = document.getElementById("search-results");
  var resultCount = document.getElementById("search-count");
  var FIRST_CLASS = "CentreOfExcellence";
  function normalise(text) {
    return String(text).toLowerCase().replace(/[\s\u2010-\u2015-]+/g, " ")
      .replace(/(\d)\s*(million|mn|m)\b/g, "$1m").replace(/(\d)\s*(billion|bn)\b/g, "$1bn")
      .trim();
  }
  function localName(iri) {
    return iri.slice(Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/")) + 1);
  }
  function wordStart(name, q) {
    var at = name.indexOf(q);
    while (at >= 0) {
      if (at === 0 || !/[\p{L}\p{N}]/u.test(name.charAt(at - 1))) return true;
      at = name.indexOf(q, at + 1);
    }
    return false;
  }
  var index = null;  /* built on the first search */
  function searchIndex() {
    if (!index) {
      index = nodes.map(function (n) {
        var d = detailsOf(n);
        var names = [n.label];
        if (n.abbreviation) names.push(n.abbreviation);
        names.push(localName(n.id));
        return { node: n, names: names.map(normalise),
                 texts: [d.description || ""].concat(d.evidence).map(normalise) };
      });
    }
    return index;
  }
  function rankEntities(query) {
    var given = query.trim();
    if (!given) return [];
    if (byId.has(given)) return [byId.get(given)];
    var q = normalise(given);
    var hits = [];
    searchIndex().forEach(function (entry) {
      var n = entry.node, key;
      var named = entry.names.some(function (name) { return name.indexOf(q) >= 0; });
      if (named) {
        var exact = entry.names.some(function (name) { return name === q; });
        var quality = exact ? 0 : entry.names.some(function (name) { return wordStart(name, q); })
          ? 1 : 2;
        key = [0, n.group === FIRST_CLASS ? 0 : 1, quality];
      } else if (entry.texts.some(function (t) { return t.indexOf(q) >= 0; })) {
        key = [1, 1, 2];
      } else {
        return;
      }
      hits.push({ node: n, key: key });
    });
    hits.sort(function (a, b) {
      for (var k = 0; k < 3; k++) if (a.key[k] !== b.key[k]) return a.key[k] - b.key[k];
      var x = a.node, y = b.node;
      if (x.degree !== y.degree) return y.degree - x.degree;
      if (x.label !== y.label) return x.label < y.label ? -1 : 1;
      return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
    });
    return hits.map(function (h) { return h.node; });
  }
  state.rankEntities = function (query) {
    return rankEntities(query).map(function (n) { return n.id; });
  };
  var shownResults = [], active = -1;
  function setActive(i) {
    var items = results.children;
    if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
    active = i;
    if (active >= 0 && items[active]) {
      items[active].setAttribute("aria-selected", "true");
      items[active].scrollIntoView({ block: "nearest" });
      search.setAttribute("aria-activedescendant", items[active].id);
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }
  function choose(n) {
    selectNode(n.id);
  }
  function showResults() {
    results.replaceChildren();
    active = -1;
    search.removeAttribute("aria-activedescendant");
    var all = rankEntities(search.value);
    shownResults = all.slice(0, 50);
    shownResults.forEach(function (n, i) {
      var item = el("li");
      item.id = "result-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var cls = classByGroup.get(n.group);
      item.append(el("span", n.label, "name"), el("span", cls ? cls.label : n.group, "kind"));
      item.addEventListener("click", function () { choose(n); });
      results.append(item);
    });
    search.setAttribute("aria-expanded", shownResults.length ? "true" : "false");
    if (!search.value.trim()) {
      resultCount.textContent = "";
      return;
    }
    var byClass = new Map();
    all.forEach(function (n) {
      var cls = classByGroup.get(n.group);
      var name = cls ? cls.label : n.group;
      byClass.set(name, (byClass.get(name) || 0) + 1);
    });
    var parts = [];
    byClass.forEach(function (count, name) { parts.push(name + " " + count); });
    var text = all.length === 1 ? "1 match" : all.length + " matches";
    if (all.length > shownResults.length) text += " (first " + shownResults.length + " listed)";
    if (parts.length) text += ": " + parts.join(" \u00b7 ");
    resultCount.textContent = text;
  }
  search.addEventListener("input", showResults);
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!shownResults.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + shownResults.length) % shownResults.length);
      event.preventDefault();
    } else if (event.key === "Enter") {
      var pick = active >= 0 ? shownResults[active] : rankEntities(search.value)[0];
      if (pick) choose(pick);
      event.preventDefault();
    } else if (event.key === "Escape") {
      search.value = "";
      showResults();
    }
  });

  updateStats();
  if (data.focus !== null && nodes[data.focus]) {
    network.once("afterDrawing", function () { selectNode(nodes[data.focus].id); });
  }
})();
