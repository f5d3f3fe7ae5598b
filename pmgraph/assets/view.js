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
      data.edges.forEach(function (e, index) {
        var a = nodes[e[0]].id, b = nodes[e[1]].id;
        for (var k = 2; k < e.length; k++) {
          var rel = data.predicates[e[k] >> 1];
          var from = e[k] & 1 ? b : a, to = e[k] & 1 ? a : b;
          var ev = { edge: index, k: k - 2 };
          if (!statements.has(from)) statements.set(from, []);
          if (!statements.has(to)) statements.set(to, []);
          statements.get(from).push({ rel: rel, other: to, forward: true, ev: ev });
          if (to !== from) statements.get(to).push({ rel: rel, other: from, forward: false, ev: ev });
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
    if (n.nation) tip += " \u00b7 " + labelOf(n.nation);
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
    if (shown !== nodes.length) text = "showing " + shown + " of " + text;
    stats.textContent = text;
    stats.dataset.shown = String(shown);
  }

  function applyFilters() {
    nodeView.refresh();
    edgeView.refresh();
    updateStats();
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
    if (noneCount) select.append(new Option("None stated (" + noneCount + ")", NONE));
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
  /* The statements of edge e, each with its own quotes and sources (see view_data). */
  function evidenceOf(index) {
    if (!more) more = JSON.parse(document.getElementById("pmgraph-details").textContent);
    return more.edges[index].map(function (s) {
      return { quotes: s[0].map(function (i) { return more.texts[i]; }), sources: s[1].map(termIri) };
    });
  }
  function showEdge(index) {
    var e = data.edges[index];
    if (!e) return;
    var a = nodes[e[0]], b = nodes[e[1]];
    var evidence = evidenceOf(index);
    details.replaceChildren();
    details.append(el("h2", a.label + " \u2014 " + b.label));
    for (var k = 2; k < e.length; k++) {
      var reverse = e[k] & 1;
      var s = evidence[k - 2];
      var frag = document.createDocumentFragment();
      if (s.quotes.length) {
        s.quotes.forEach(function (q) { frag.append(el("blockquote", q)); });
      } else {
        frag.append(el("p", "No quote is recorded for this statement."));
      }
      s.sources.forEach(function (src) {
        var p = el("p", "Source: ");
        p.append(link(labelOf(src), src));
        frag.append(p);
      });
      details.append(section((reverse ? b : a).label + " \u2014 " + data.predicates[e[k] >> 1] +
                             " \u2192 " + (reverse ? a : b).label, frag));
    }
  }
  state.showEdge = showEdge;

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
        evidenceOf(r.ev.edge)[r.ev.k].quotes.forEach(function (q) {
          item.append(el("blockquote", q));
        });
        relList.append(item);
      });
      if (rels.length > 300) relList.append(el("li", "\u2026 and " + (rels.length - 300) + " more"));
      details.append(section("Relationships (" + rels.length + ")", relList));
    }
  }

  function selectNode(id) {
    var n = byId.get(id);
    if (!n) return;
    if (!nodeVisible(n)) resetFilters();
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
    } else if (params.edges.length) {
      showEdge(params.edges[0]);
    }
  });

  /* Search. */
  var search = document.getElementById("search");
  var results = document.getElementById("search-results");
  var index = null;  /* built on the first search */
  function findMatches(query) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    if (!index) {
      index = nodes.map(function (n) {
        return { id: n.id, label: n.label, degree: n.degree,
                 key: (n.label + "\u0001" + (n.abbreviation || "")).toLowerCase() };
      });
    }
    if (byId.has(query.trim())) return [byId.get(query.trim())];
    var hits = index.filter(function (entry) { return entry.key.indexOf(q) >= 0; });
    hits.sort(function (a, b) {
      var pa = a.label.toLowerCase() === q ? 0 : a.key.indexOf(q) === 0 ? 1 : 2;
      var pb = b.label.toLowerCase() === q ? 0 : b.key.indexOf(q) === 0 ? 1 : 2;
      return pa - pb || b.degree - a.degree || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    });
    return hits.slice(0, 15).map(function (entry) { return byId.get(entry.id); });
  }
  function showResults() {
    results.replaceChildren();
    findMatches(search.value).forEach(function (n) {
      var item = el("li");
      var button = el("button");
      button.type = "button";
      var cls = classByGroup.get(n.group);
      button.append(el("span", n.label, "name"), el("div", cls ? cls.label : n.group, "kind"));
      button.addEventListener("click", function () { selectNode(n.id); });
      item.append(button);
      results.append(item);
    });
  }
  search.addEventListener("input", showResults);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = findMatches(search.value)[0];
      if (first) selectNode(first.id);
      event.preventDefault();
    } else if (event.key === "Escape") {
      search.value = "";
      results.replaceChildren();
    }
  });

  updateStats();
  if (data.focus !== null && nodes[data.focus]) {
    network.once("afterDrawing", function () { selectNode(nodes[data.focus].id); });
  }
})();
