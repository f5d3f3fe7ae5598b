/* pmgraph network view. Every piece of data reaches the page through textContent, element
   properties or vis-network's canvas and plain-text tooltips: never through innerHTML. */
(function () {
  "use strict";

  /* Views of more than LARGE_VIEW entities draw at most DRAW_LIMIT of them one by one; when
     more are shown they are drawn as groups (class and nation), which open on demand. An
     entity selected among groups comes with at most NEIGHBOUR_LIMIT neighbours. */
  var LARGE_VIEW = 5000, DRAW_LIMIT = 500, NEIGHBOUR_LIMIT = 200;
  /* The details panel lists an entity's first ROWS_FIRST relationships, up to ROWS_MOST on
     request. */
  var ROWS_FIRST = 50, ROWS_MOST = 300;
  /* A large view starts after the browser has painted its "Preparing" message. */
  if (Number(document.body.dataset.nodes) > LARGE_VIEW) {
    requestAnimationFrame(function () { setTimeout(start, 0); });
  } else {
    start();
  }
  function start() {
    var timings = { start: performance.now() };
    /* The data comes in columns with IRIs shortened and repeated strings given once (see
       pmgraph.view.viz.view_data); details (descriptions, quotes) are parsed on the first click. */
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
    /* A long name is written cut (pmgraph.view.explore.cut_label); other short forms come
       in columns.short. */
    var SHORT_LIMIT = data.short_limit || Infinity;
    function cutLabel(label) {
      return label.length > SHORT_LIMIT ? label.slice(0, SHORT_LIMIT - 1) + "\u2026" : label;
    }
    var nodes = columns.id.map(function (short, i) {
      var nation = columns.nation[i];
      return {
        index: i, id: fullIri(short), label: columns.label[i],
        group: data.classes[columns["class"][i]].group, x: columns.x[i], y: columns.y[i],
        degree: columns.degree[i], nation: nation >= 0 ? terms[nation].id : null,
        size: columns.size ? columns.size[i] : null,
        themes: columns.themes[i].map(termIri),
        abbreviation: Object.prototype.hasOwnProperty.call(columns.abbreviation, i)
          ? columns.abbreviation[i] : null,
        /* The nation is derived (through the place hierarchy) when it came through a neighbour. */
        nationVia: columns.nation_via && Object.prototype.hasOwnProperty.call(columns.nation_via, i)
          ? columns.nation_via[i] : null,
        short: Object.prototype.hasOwnProperty.call(columns.short || {}, i)
          ? columns.short[i] : cutLabel(columns.label[i]),
        key: false, centre: null,
      };
    });
    /* The opening overview: centres and national bodies; the rest folds into its centre. */
    (data.overview || []).forEach(function (i) { nodes[i].key = true; });
    var members = new Map();
    Object.keys(data.centre_group || {}).forEach(function (i) {
      var centre = data.centre_group[i];
      nodes[i].centre = centre;
      members.set(centre, (members.get(centre) || 0) + 1);
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

    /* The links of each entity: linkList[linkStart[i] .. linkStart[i + 1]) are the indices
       of the pairs (data.edges) entity i is in, each once. */
    var linkStart = new Int32Array(nodes.length + 1);
    data.edges.forEach(function (e) {
      linkStart[e[0] + 1] += 1;
      if (e[1] !== e[0]) linkStart[e[1] + 1] += 1;
    });
    for (var at = 0; at < nodes.length; at++) linkStart[at + 1] += linkStart[at];
    var linkList = new Int32Array(linkStart[nodes.length]);
    (function () {
      var next = linkStart.slice(0, nodes.length);
      data.edges.forEach(function (e, k) {
        linkList[next[e[0]]++] = k;
        if (e[1] !== e[0]) linkList[next[e[1]]++] = k;
      });
    })();
    /* The entities linked to entity i (indices, each once). */
    function neighbourIndices(i) {
      var out = [];
      for (var k = linkStart[i]; k < linkStart[i + 1]; k++) {
        var e = data.edges[linkList[k]];
        out.push(e[0] === i ? e[1] : e[0]);
      }
      return out;
    }

    /* Relationships, both directions, for the details panel: an entity's on first use. */
    var statements = new Map();
    function statementsOf(id) {
      var n = byId.get(id);
      if (!n) return [];
      var list = statements.get(id);
      if (list) return list;
      list = [];
      for (var k = linkStart[n.index]; k < linkStart[n.index + 1]; k++) {
        var index = linkList[k], e = data.edges[index];
        var a = nodes[e[0]].id, b = nodes[e[1]].id;
        for (var s = 2; s < e.length; s++) {
          var rel = data.predicates[e[s] >> 1];
          var from = e[s] & 1 ? b : a, to = e[s] & 1 ? a : b;
          var ev = { edge: index, k: s - 2 };
          if (from === id) list.push({ rel: rel, other: to, forward: true, ev: ev });
          if (to === id && (from !== id)) list.push({ rel: rel, other: from, forward: false, ev: ev });
        }
      }
      statements.set(id, list);
      return list;
    }

    /* Size and label size by importance (neighbour count) on a log scale, so that more than
       the one biggest hub is legible; small labels appear as one zooms in. Computed here rather
       than by vis-network's value scaling, which lays out every label a second time. A page
       written with sizes of its own (write_html(size_by=...)) uses those. */
    var minValue = Infinity, maxValue = -Infinity;
    nodes.forEach(function (n) {
      minValue = Math.min(minValue, n.degree + 1);
      maxValue = Math.max(maxValue, n.degree + 1);
    });
    if (data.size_name) {
      var key = document.getElementById("how-to-read");
      key.textContent = key.textContent.replace("size its number of links",
                                                "size its " + data.size_name);
    }
    function importance(n) {
      if (n.size !== null) return n.size;
      if (maxValue === minValue) return 0.5;
      return Math.log((n.degree + 1) / minValue) / Math.log(maxValue / minValue);
    }

    /* Labels are drawn at one size on screen, placed by priority where they have room
       (placeLabels); vis-network only draws the text it is given. */
    var LABEL_PX = 13;
    /* vis-network's items, made when an entity or link is drawn: positions come from
       Python (positionOf), physics stays off. */
    function visNode(i) {
      var n = nodes[i], cls = classByGroup.get(n.group);
      var tip = n.label + "\n" + (cls ? cls.label : n.group);
      if (n.nation) tip += " \u00b7 " + labelOf(n.nation) + (n.nationVia !== null ? " (derived)" : "");
      var p = positionOf(i);
      return {
        id: n.id, label: "", title: tip, x: p[0], y: p[1], group: n.group,
        size: 5 + 27 * importance(n),
      };
    }
    /* Each pair is one vis-network edge, drawn in the direction of its statements; "to" is the
       default arrow, so only pairs linked both ways carry an arrows option of their own. */
    function visEdge(index) {
      var e = data.edges[index], a = nodes[e[0]], b = nodes[e[1]];
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
    }

    var hiddenGroups = new Set();
    var tab = data.layout === "geo" && data.map ? "map" : "network";
    var nationFilter = "";
    var themeFilter = "";

    /* What is shown: the overview (key entities and the expanded centres' groups), or
       everything; "only" narrows it to a neighbourhood or a path. Filters apply on top. */
    var large = nodes.length > 1000;
    var view = { overview: (data.overview || []).length > 0 && data.focus === null,
                 expanded: new Set(), only: null, hiddenRelations: new Set() };
    /* The overview's own positions (small graphs): used while the overview is shown. */
    var overviewXY = data.overview_xy || {};
    var overviewKeys = Object.keys(overviewXY);
    var placedAs = "full";
    /* Positions: "full" (the layout), "overview" (its own columns) or "map". */
    var mapData = data.map || null;
    function positionOf(i) {
      if (placedAs === "map") return [mapData.x[i], mapData.y[i]];
      if (placedAs === "overview" && overviewXY[i]) return overviewXY[i];
      return [nodes[i].x, nodes[i].y];
    }
    /* Moves what is drawn to the positions of kind; what is drawn later is made there. */
    function usePositions(kind) {
      if (kind === "overview" && !overviewKeys.length) kind = "full";
      if (kind === placedAs) return;
      var before = placedAs;
      placedAs = kind;
      var updates = [];
      drawnList.forEach(function (i) {
        if (kind !== "map" && before !== "map" && !overviewXY[i]) return;  /* the same place */
        var p = positionOf(i);
        updates.push({ id: nodes[i].id, x: p[0], y: p[1] });
      });
      if (updates.length) {
        nodesDS.update(updates);
        refreshBoxes(updates);
      }
    }
    /* vis-network draws a node only when its bounding box, as of the drawing before, lies in
       view, and a node moved by an update keeps its old box until it is drawn: a node moved
       from outside the view into it was left out of the next drawing (a filter that left
       the overview drew the links of the Cardiff centre but not the centre). The moved
       nodes' boxes are brought up to date at once. */
    function refreshBoxes(moved) {
      if (!network) return;  // the first drawing measures every node
      var ctx = network.canvas.getContext();
      moved.forEach(function (item) {
        var node = network.body.nodes[item.id];
        if (node) node.updateBoundingBox(ctx, node.selected);
      });
    }
    function positionKind() {
      if (tab === "map") return "map";
      return view.overview && !view.only ? "overview" : "full";
    }
    function inScope(n) {
      if (view.only) return view.only.has(n.index);
      if (!view.overview || n.key) return true;
      return n.centre !== null && view.expanded.has(n.centre);
    }
    function nodeVisible(n) {
      if (!n || hiddenGroups.has(n.group) || !inScope(n)) return false;
      if (nationFilter === NONE) {
        if (n.nation) return false;
      } else if (nationFilter && n.nation !== nationFilter) {
        return false;
      }
      if (themeFilter && n.id !== themeFilter && n.themes.indexOf(themeFilter) < 0) return false;
      return true;
    }

    if (tab === "map") placedAs = "map";
    else if (view.overview && overviewKeys.length) placedAs = "overview";
    /* The DataSets hold only what is drawn (drawnList: entity indices; drawnEdges: pair
       indices; and the groups with their links): vis-network's work on a change grows
       with what is drawn, not with the graph. */
    var nodesDS = new vis.DataSet(), edgesDS = new vis.DataSet();
    var drawnList = [], drawnMask = new Uint8Array(nodes.length);
    var drawnEdges = new Set();
    var labelled = new Map();  /* id -> the label drawn (placeLabels) */
    /* What is shown (passes scope and filters): shownMask[i]; counted here, so that the
       header, the table and the CSV speak of entities even when groups are drawn. */
    var shownMask = new Uint8Array(nodes.length), shownCount = 0, shownPairs = 0;
    var grouping = nodes.length > LARGE_VIEW, aggregated = false;
    var groupById = new Map(), groupOf = new Int32Array(nodes.length);
    function computeShown() {
      shownCount = 0;
      for (var i = 0; i < nodes.length; i++) {
        shownMask[i] = nodeVisible(nodes[i]) ? 1 : 0;
        shownCount += shownMask[i];
      }
      shownPairs = 0;
      data.edges.forEach(function (e) {
        if (shownMask[e[0]] && shownMask[e[1]] && edgeShown(e)) shownPairs++;
      });
      aggregated = grouping && shownCount > DRAW_LIMIT;
    }
    function entity(id) { return byId.get(id) || groupById.get(id); }
    function shownIndices() {
      var out = [];
      for (var i = 0; i < nodes.length; i++) if (shownMask[i]) out.push(i);
      return out;
    }
    function edgeShown(e) {
      if (!view.hiddenRelations.size) return true;
      for (var k = 2; k < e.length; k++) {
        if (!view.hiddenRelations.has(data.predicates[e[k] >> 1])) return true;
      }
      return false;
    }
    /* Groups: one drawn node per class and nation of the shown entities, linked by how many
       links run between them; positions in a block per nation (on the map: around where
       the members are). */
    var groupEdgeIds = new Set();
    /* Thousands separated ("24,829"); one formatter, as each toLocaleString call builds one. */
    var WHOLE = new Intl.NumberFormat("en-GB");
    function whole(n) { return WHOLE.format(n); }
    function groupLabel(g) {
      var cls = classByGroup.get(g.group);
      return (cls ? cls.label : g.group) + " \u00b7 " +
        (g.nation ? labelOf(g.nation) : "no nation") + " (" + whole(g.members.length) + ")";
    }
    /* Brings the DataSets to what is to be drawn now: the groups and their links when
       aggregated, else the shown entities and the links among them. Each DataSet gets at
       most one remove, one update and one add. */
    function syncDrawing() {
      var oldGroups = groupById, oldGroupEdges = groupEdgeIds;
      groupById = new Map();
      groupEdgeIds = new Set();
      var visNew = [], edgeNew = [];
      if (aggregated) {
        var byKey = new Map(), list = [];
        for (var i = 0; i < nodes.length; i++) {
          if (!shownMask[i]) continue;
          var n = nodes[i], key = n.group + "\u0000" + (n.nation || "");
          var g = byKey.get(key);
          if (!g) {
            g = { id: "\u0000group\u0000" + key, group: n.group, nation: n.nation, members: [],
                  index: -1, degree: 0, key: true, isGroup: true, centre: null };
            byKey.set(key, g);
            list.push(g);
          }
          g.members.push(i);
        }
        var classRank = new Map();
        data.classes.forEach(function (c, k) { classRank.set(c.group, k); });
        var nationRank = new Map();
        data.nations.forEach(function (t, k) { nationRank.set(terms[t[0]].id, k); });
        list.sort(function (a, b) {
          var x = a.nation ? nationRank.get(a.nation) : 1e9, y = b.nation ? nationRank.get(b.nation) : 1e9;
          return x - y || classRank.get(a.group) - classRank.get(b.group);
        });
        var most = 1;
        list.forEach(function (g, k) {
          g.members.forEach(function (i) { groupOf[i] = k; });
          g.degree = g.members.length;
          g.label = g.short = groupLabel(g);
          most = Math.max(most, g.members.length);
          groupById.set(g.id, g);
        });
        /* Positions: blocks of COLUMNS per nation, or near the members on the map. */
        var COLUMNS = 3, row = -1, column = 0, nation = {}, inNation = 0, inBand = 0;
        list.forEach(function (g) {
          if (g.nation !== nation) {  /* a new nation: a new block, one row apart */
            row += row < 0 ? 1 : 2;
            column = inNation = 0;
            nation = g.nation;
          } else if (column === COLUMNS) {
            row += 1;
            column = 0;
          }
          if (tab === "map" && mapReady()) {
            var byValue = function (a, b) { return a - b; };
            var xs = g.members.map(function (i) { return mapData.x[i]; }).sort(byValue);
            var ys = g.members.map(function (i) { return mapData.y[i]; }).sort(byValue);
            var turn = inNation * 2.4, r = 110 * Math.sqrt(inNation);
            if (ys[ys.length >> 1] > mapData.band_top) {  /* mostly not located: the band */
              g.x = mapData.band_left + (inBand % 5) * 480;
              g.y = mapData.band_top + 90 + Math.floor(inBand / 5) * 160;
              inBand += 1;
            } else {
              g.x = xs[xs.length >> 1] + r * Math.cos(turn);
              g.y = ys[ys.length >> 1] + r * Math.sin(turn);
            }
          } else {
            g.x = column * 440;
            g.y = row * 150;
          }
          column += 1;
          inNation += 1;
          var cls = classByGroup.get(g.group);
          visNew.push({
            id: g.id, label: "", group: g.group, x: g.x, y: g.y,
            size: 8 + 24 * Math.log(g.members.length) / Math.log(Math.max(most, 2)),
            title: whole(g.members.length) + " entities: " +
              (cls ? cls.label : g.group) + ", " + (g.nation ? labelOf(g.nation) : "no nation known") +
              ". Click for the list; double-click to draw them.",
          });
        });
        /* Links between groups, the 300 most numerous (more cost time, not insight). */
        var pairs = new Map();
        data.edges.forEach(function (e) {
          if (!shownMask[e[0]] || !shownMask[e[1]] || !edgeShown(e)) return;
          var a = groupOf[e[0]], b = groupOf[e[1]];
          if (a === b) return;
          var key = a < b ? a * 65536 + b : b * 65536 + a;
          pairs.set(key, (pairs.get(key) || 0) + e.length - 2);
        });
        Array.from(pairs.entries()).sort(function (x, y) { return y[1] - x[1]; }).slice(0, 300)
          .forEach(function (entry) {
            var a = list[Math.floor(entry[0] / 65536)], b = list[entry[0] % 65536];
            var id = "\u0000links\u0000" + a.id + "\u0000" + b.id;
            groupEdgeIds.add(id);
            edgeNew.push({ id: id, from: a.id, to: b.id, aggregate: true, arrows: "",
                           width: 1 + 1.5 * Math.log10(entry[1]),
                           title: whole(entry[1]) + " links between " + a.label +
                             " and " + b.label });
          });
      }
      var nodeGone = [], nodeAdd = [], nodeUpdate = [], edgeGone = [], edgeAdd = [], edgeUpdate = [];
      oldGroups.forEach(function (g, id) { if (!groupById.has(id)) nodeGone.push(id); });
      visNew.forEach(function (item) { (oldGroups.has(item.id) ? nodeUpdate : nodeAdd).push(item); });
      oldGroupEdges.forEach(function (id) { if (!groupEdgeIds.has(id)) edgeGone.push(id); });
      edgeNew.forEach(function (item) { (oldGroupEdges.has(item.id) ? edgeUpdate : edgeAdd).push(item); });
      /* Entities: those shown, unless aggregated; links: those among them, each once
         (from the end with the lower index). */
      var keep = [], wanted = new Set();
      for (var i = 0; i < drawnList.length; i++) {
        var d = drawnList[i];
        if (!aggregated && shownMask[d]) keep.push(d);
        else {
          drawnMask[d] = 0;
          nodeGone.push(nodes[d].id);
        }
      }
      if (!aggregated) {
        for (i = 0; i < nodes.length; i++) {
          if (!shownMask[i]) continue;
          if (!drawnMask[i]) {
            drawnMask[i] = 1;
            keep.push(i);
            nodeAdd.push(visNode(i));
          }
          for (var k = linkStart[i]; k < linkStart[i + 1]; k++) {
            var e = data.edges[linkList[k]];
            if (e[0] === i && shownMask[e[1]] && edgeShown(e)) wanted.add(linkList[k]);
          }
        }
      }
      drawnList = keep;
      /* Labels of what goes, or is made afresh, are placed again. */
      nodeGone.concat(nodeUpdate.map(function (item) { return item.id; }))
        .forEach(function (id) { labelled.delete(id); });
      drawnEdges.forEach(function (index) { if (!wanted.has(index)) edgeGone.push(index); });
      wanted.forEach(function (index) { if (!drawnEdges.has(index)) edgeAdd.push(visEdge(index)); });
      drawnEdges = wanted;
      if (edgeGone.length) edgesDS.remove(edgeGone);
      if (nodeGone.length) nodesDS.remove(nodeGone);
      if (nodeUpdate.length) nodesDS.update(nodeUpdate);
      if (nodeAdd.length) nodesDS.add(nodeAdd);
      if (edgeUpdate.length) edgesDS.update(edgeUpdate);
      if (edgeAdd.length) edgesDS.add(edgeAdd);
    }

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
        font: { face: "system-ui, sans-serif", color: "#222", strokeWidth: 3, strokeColor: "#fff",
                size: LABEL_PX },
        /* placeLabels sets each label's size to LABEL_PX on screen after every zoom. */
        scaling: { label: { enabled: true, maxVisible: 40, drawThreshold: 4 } },
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
        keyboard: { enabled: true, bindToWindow: false, speed: { x: 10, y: 10, zoom: 0.04 } },
      },
    };

    computeShown();
    syncDrawing();
    timings.prepared = performance.now();
    var container = document.getElementById("graph");
    var network = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, options);
    /* nodeView and edgeView: what is drawn (the DataSets hold nothing else). */
    var state = {
      network: network, nodes: nodesDS, edges: edgesDS, nodeView: nodesDS, edgeView: edgesDS,
      searchReady: false,
      nodeCount: nodes.length, edgeCount: data.edges.length, relationshipCount: data.relationships,
      firstDrawMs: null, timings: timings,
    };
    timings.network = performance.now();
    window.pmgraph = state;
    /* vis-network (physics off) draws the whole canvas at once on every DataSet change, and
       a change of the view makes several (links, entities, labels, fading). Within a
       batched function those draws are held back and one is made at its end. */
    var batching = 0;
    function batched(change) {
      return function () {
        if (batching++ === 0) network.body.emitter.emit("_blockRedraw");
        try {
          return change.apply(this, arguments);
        } finally {
          if (--batching === 0) {
            network.body.emitter.emit("_allowRedraw");
            network.redraw();
          }
        }
      };
    }
    /* eslint-disable no-func-assign -- the declarations are hoisted; each is wrapped once */
    applyFilters = batched(applyFilters);
    placeLabels = batched(placeLabels);
    clearSelection = batched(clearSelection);
    selectNode = batched(selectNode);
    usePositions = batched(usePositions);
    /* eslint-enable no-func-assign */
    network.once("afterDrawing", function () {
      var preparing = document.getElementById("preparing");
      if (preparing) preparing.remove();
      state.firstDrawMs = performance.now();
      document.body.dataset.drawn = "true";
    });

    /* Header counts. */
    var stats = document.getElementById("stats");
    stats.dataset.nodes = String(nodes.length);
    function updateStats() {
      var shown = shownCount;
      var text = nodes.length + " entities \u00b7 " + data.relationships + " relationships";
      if (shown !== nodes.length) {
        text = "showing " + shown + " of " + nodes.length + " entities \u00b7 " +
          shownPairs + " of " + data.edges.length + " linked pairs";
      }
      if (aggregated) {
        text += " \u00b7 drawn as " + groupById.size + " groups of class and nation (over " +
          whole(DRAW_LIMIT) + " to draw one by one)";
      }
      stats.textContent = text;
      stats.dataset.shown = String(shown);
      stats.dataset.groups = String(aggregated ? groupById.size : 0);
    }

    var notice = document.getElementById("notice");
    function say(text) { notice.textContent = text; }
    /* After a filter change the view fits what is left, so a small selection is not a speck. */
    /* focusFollows: the caller moves the view next (an animation, whose end places the
       labels), so neither fitting nor labels are done here. */
    function applyFilters(keepNotice, focusFollows) {
      usePositions(positionKind());
      computeShown();
      syncDrawing();
      updateStats();
      updateScope();
      if (!keepNotice) say("");
      if (!focusFollows) {
        if (nodesDS.length) fitView();
        placeLabels();
      }
      if (state.selected && !nodesDS.get(state.selected)) {
        /* The filters hide the selection: keeping it would fade everything they show. */
        var gone = byId.get(state.selected);
        clearSelection();
        showHint();
        say((gone ? gone.label : "The selection") +
            " is not among the entities the filters show, so it is no longer selected.");
      } else if (state.selected) {
        highlight(state.selected);
      }
      if (state.onChange) state.onChange();
    }

    /* Label placement: highest priority first (the selection, centres, overview entities,
       neighbours of the selection, then by neighbour count), each drawn only where it does not
       touch a label already placed and inside the view; at most MAX_LABELS at once. */
    var MAX_LABELS = 400;
    var measure = document.createElement("canvas").getContext("2d");
    measure.font = LABEL_PX + "px system-ui, sans-serif";
    var widths = new Map();
    var neighbourSet = null;
    function labelText(n) {
      var text = n.short;
      if (view.overview && !view.only && n.group === "CentreOfExcellence" && members.get(n.index) &&
          !view.expanded.has(n.index)) {
        text += " (+" + members.get(n.index) + ")";
      }
      return text;
    }
    function priority(n) {
      if (n.id === state.selected) return 0;
      if (n.isGroup) return 3;
      var shown = state.edgeShown !== null && state.edgeShown !== undefined
        ? data.edges[state.edgeShown] : null;
      if (shown && (shown[0] === n.index || shown[1] === n.index)) return 0;  // the link's ends
      if (n.group === "CentreOfExcellence") return 1;
      if (neighbourSet && neighbourSet.has(n.id)) return 2;
      return n.key ? 3 : 4;
    }
    /* The drawing's size on screen, read once and then kept up to date by a
       ResizeObserver: reading it from the page after the panels changed would make the
       browser lay the page out an extra time. */
    var knownSize = null;
    function graphSize() {
      if (!knownSize) knownSize = [container.clientWidth, container.clientHeight];
      return knownSize;
    }
    if (window.ResizeObserver) {
      new ResizeObserver(function (entries) {
        /* A change of more than a pixel from a size known before is a resize: the labels
           are placed again (not on the first report, which would rewrite the address a
           moment after the page opened). */
        var box = entries[entries.length - 1].contentRect;
        var changed = knownSize !== null && (Math.abs(knownSize[0] - box.width) > 1 ||
                                             Math.abs(knownSize[1] - box.height) > 1);
        knownSize = [box.width, box.height];
        if (changed && state.ready) placeLabelsSoon();
      }).observe(container);
    } else {
      window.addEventListener("resize", function () { knownSize = null; });
    }
    /* Fit what is shown with room around it for the labels of the outermost entities. */
    function fitView() {
      var ids = nodesDS.getIds();
      if (!ids.length) return;
      var positions = network.getPositions(ids);
      var left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
      /* Each entity's whole shape, not only its centre: the largest centre at the top was
         cut off under the tabs. */
      ids.forEach(function (id) {
        var p = positions[id], r = nodesDS.get(id).size || 0;
        if (p.x - r < left) left = p.x - r;
        if (p.x + r > right) right = p.x + r;
        if (p.y - r < top) top = p.y - r;
        if (p.y + r > bottom) bottom = p.y + r;
      });
      if (tab === "map" && mapReady()) {
        mapData.outline.forEach(function (ring) {
          for (var k = 0; k < ring.length; k += 2) {
            if (ring[k] < left) left = ring[k];
            if (ring[k] > right) right = ring[k];
            if (ring[k + 1] < top) top = ring[k + 1];
            if (ring[k + 1] > bottom) bottom = ring[k + 1];
          }
        });
      }
      /* Room for a label half as wide as a long one (a group's: longer) at each side, and one
         line below. */
      var size = graphSize();
      var width = Math.max(size[0] - (aggregated ? 380 : 230), 100);
      var height = Math.max(size[1] - (aggregated ? 130 : 90), 100);
      var scale = Math.min(width / Math.max(right - left, 1), height / Math.max(bottom - top, 1));
      network.moveTo({ position: { x: (left + right) / 2, y: (top + bottom) / 2 + 20 / scale },
                       scale: Math.min(scale, 2) });
    }
    state.fitView = fitView;
    function placeLabels() {
      var scale = network.getScale();
      var size = graphSize(), width = size[0], height = size[1];
      var ids = nodesDS.getIds();
      var positions = network.getPositions(ids);
      var centre = network.getViewPosition();
      var candidates = [];
      ids.forEach(function (id) {
        var p = positions[id];
        var x = (p.x - centre.x) * scale + width / 2, y = (p.y - centre.y) * scale + height / 2;
        if (x < 0 || y < 0 || x > width || y > height) return;
        var n = entity(id);
        candidates.push({ n: n, x: x, y: y, rank: priority(n) });
      });
      candidates.sort(function (a, b) {
        return a.rank - b.rank || b.n.degree - a.n.degree || a.n.index - b.n.index;
      });
      var cell = 60, grid = new Map(), placed = new Map();
      function cells(box, each) {
        for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
          for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
            each(gx + "," + gy);
          }
        }
      }
      /* What box would touch: labels, and shapes unless labelsOnly (the selection's and
         the centres' labels may cover shapes, never other labels). */
      function clashing(box, labelsOnly) {
        var found = [];
        cells(box, function (key) {
          var list = grid.get(key) || [];
          for (var i = 0; i < list.length; i++) {
            var o = list[i];
            if (labelsOnly && o.shape) continue;
            if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3] &&
                found.indexOf(o) < 0) found.push(o);
          }
        });
        return found;
      }
      function occupy(box) {
        cells(box, function (key) {
          if (!grid.has(key)) grid.set(key, []);
          grid.get(key).push(box);
        });
      }
      function vacate(box) {
        cells(box, function (key) {
          var list = grid.get(key);
          if (list && list.indexOf(box) >= 0) list.splice(list.indexOf(box), 1);
        });
      }
      /* Shapes are obstacles too, so that no label covers an entity. */
      var sizes = new Map();
      candidates.slice(0, 3000).forEach(function (c) {
        var r = nodesDS.get(c.n.id).size * scale;
        sizes.set(c.n.id, r);
        var shape = [c.x - r, c.y - r, c.x + r, c.y + r - 0.5];
        shape.shape = true;
        occupy(shape);
      });
      /* The map's heading over the band of entities it cannot place is in the way too. */
      if (tab === "map" && mapReady()) {
        var at = network.canvasToDOM({ x: mapData.band_left - 60, y: mapData.band_top - 16 });
        measure.font = "14px system-ui, sans-serif";
        occupy([at.x, at.y - 15, at.x + measure.measureText(bandHeading()).width + 4, at.y + 5]);
        measure.font = LABEL_PX + "px system-ui, sans-serif";
      }
      /* A label goes below its shape, else above it, else one line further below or above
         (vis-network draws labels below; font.vadjust moves one up or down). */
      var tall = LABEL_PX * 1.4 + 6;
      var SIDES = 4;
      function sideTop(label, side) {
        return side === 0 ? label.y + label.r : side === 1 ? label.y - label.r - tall
          : side === 2 ? label.y + label.r + tall : label.y - label.r - 2 * tall;
      }
      function sideBox(label, side) {
        var top = sideTop(label, side);
        var at = [label.x - label.w / 2, top, label.x + label.w / 2, top + tall];
        at.label = label;
        return at[0] < 0 || at[1] < 0 || at[2] > width || at[3] > height ? null : at;
      }
      function put(label, box, side) {
        occupy(box);
        label.box = box;
        label.side = side;
        placed.set(label.id, label);
      }
      for (var i = 0; i < candidates.length && placed.size < MAX_LABELS; i++) {
        var c = candidates[i], text = labelText(c.n);
        if (!widths.has(text)) widths.set(text, measure.measureText(text).width);
        var label = { id: c.n.id, text: text, x: c.x, y: c.y, w: widths.get(text) + 10,
                      r: sizes.has(c.n.id) ? sizes.get(c.n.id) : nodesDS.get(c.n.id).size * scale,
                      strong: c.rank <= 1 };
        var done = false;
        for (var side = 0; side < SIDES && !done; side++) {
          var box = sideBox(label, side);
          if (box && !clashing(box, label.strong).length) {
            put(label, box, side);
            done = true;
          }
        }
        /* A centre's label with no room: the one label in its way moves to its own other
           side, and so may one label in the way of that. */
        for (side = 0; side < 2 && !done && label.strong; side++) {
          box = sideBox(label, side);
          var blocking = box ? clashing(box, true) : [];
          if (blocking.length === 1 && blocking[0].label && blocking[0].label.side < 2 &&
              flip(blocking[0].label, [box], 1)) {
            put(label, box, side);
            done = true;
          }
        }
      }
      function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
      /* Moves label to its other side, clear of the boxes in keep; false (and nothing moved)
         when it cannot. */
      function flip(label, keep, depth) {
        vacate(label.box);
        var moved = sideBox(label, 1 - label.side);
        if (moved && !keep.some(function (k) { return overlaps(moved, k); })) {
          var blocking = clashing(moved, label.strong);
          if (!blocking.length || (depth > 0 && blocking.length === 1 && blocking[0].label &&
                                   blocking[0].label.side < 2 &&
                                   flip(blocking[0].label, keep.concat([moved]), depth - 1))) {
            put(label, moved, 1 - label.side);
            return true;
          }
        }
        occupy(label.box);
        return false;
      }
      /* Only labels that change are handed to vis-network (each update costs it a
         fresh reading of the node's options). */
      var updates = [], size = LABEL_PX / scale;
      placed.forEach(function (label, id) {
        /* vis-network draws the label at its shape's bottom (at sideTop(label, 0)). */
        var lift = sideTop(label, label.side) - sideTop(label, 0) + (label.side % 2 ? 2 : 0);
        label.font = { size: size, vadjust: lift / scale };
        var was = labelled.get(id);
        if (!was || was.text !== label.text || was.font.size !== size ||
            was.font.vadjust !== label.font.vadjust) {
          updates.push({ id: id, label: label.text, font: label.font });
        }
      });
      labelled.forEach(function (text, id) {
        if (!placed.has(id) && nodesDS.get(id)) updates.push({ id: id, label: "" });
      });
      labelled = placed;
      if (updates.length) nodesDS.update(updates);
      state.labelsPlaced = (state.labelsPlaced || 0) + 1;
    }
    var placing = null;
    function placeLabelsSoon() {
      clearTimeout(placing);
      placing = setTimeout(function () {
        placeLabels();
        if (state.onChange) state.onChange();
      }, 120);
    }
    network.on("zoom", placeLabelsSoon);
    network.on("dragEnd", placeLabelsSoon);
    network.on("animationFinished", placeLabelsSoon);
    network.on("resize", placeLabelsSoon);
    state.placeLabels = placeLabels;

    /* Selection: the entity and its neighbours stay; the rest fades (up to 3,000 shown). */
    var dimmed = [];
    function undim() {
      if (!dimmed.length) return;
      /* Only what is still there: groups and their links come and go. */
      nodesDS.update(dimmed.filter(function (u) { return !u.edge && nodesDS.get(u.id); })
        .map(function (u) { return { id: u.id, opacity: 1 }; }));
      edgesDS.update(dimmed.filter(function (u) { return u.edge && edgesDS.get(u.id); })
        .map(function (u) { return { id: u.id, color: { opacity: 1 } }; }));
      dimmed = [];
    }
    function highlight(id) {
      undim();
      neighbourSet = new Set([id]);
      if (!byId.has(id)) return;
      statementsOf(id).forEach(function (r) { neighbourSet.add(r.other); });
      if (nodesDS.length > 3000) return;
      var nodeUpdates = [], edgeUpdates = [];
      /* Among groups, those holding the selection or a neighbour of it stay. */
      var near = new Set();
      groupById.forEach(function (g, gid) {
        if (g.members.some(function (i) { return neighbourSet.has(nodes[i].id); })) near.add(gid);
      });
      nodesDS.getIds().forEach(function (other) {
        if (!neighbourSet.has(other) && !near.has(other)) {
          nodeUpdates.push({ id: other, opacity: 0.18 });
          dimmed.push({ id: other });
        }
      });
      /* Many links: the selection's own are marked by vis-network; the others stay. */
      if (edgesDS.length > 600) {
        nodesDS.update(nodeUpdates);
        return;
      }
      edgesDS.get().forEach(function (e) {
        if (e.from !== id && e.to !== id && !(near.has(e.from) && near.has(e.to))) {
          edgeUpdates.push({ id: e.id, color: { opacity: 0.12 } });
          dimmed.push({ id: e.id, edge: true });
        }
      });
      nodesDS.update(nodeUpdates);
      edgesDS.update(edgeUpdates);
    }
    function clearSelection() {
      undim();
      neighbourSet = null;
      state.selected = null;
      state.edgeShown = null;
      network.unselectAll();
      placeLabels();
    }

    state.clearSelection = clearSelection;

    /* Scope: the overview, everything, or only a neighbourhood or path; "back" undoes. */
    var history = [];
    var scopeText = document.getElementById("scope");
    function snapshot() {
      return { overview: view.overview, expanded: new Set(view.expanded),
               only: view.only ? new Set(view.only) : null };
    }
    function changeScope(change, message) {
      history.push(snapshot());
      change();
      applyFilters(true);
      say(message || "");
    }
    function updateScope() {
      var text;
      if (view.only) text = "Showing a neighbourhood or path (" + view.only.size + " entities).";
      else if (view.overview) text = "Overview: centres and national bodies; expand a centre to see its partners and assets.";
      else text = "Showing every entity.";
      scopeText.textContent = text;
      document.getElementById("back").disabled = history.length === 0;
    }
    function neighboursOf(set) {
      var out = new Set(set);
      set.forEach(function (i) {
        for (var k = linkStart[i]; k < linkStart[i + 1]; k++) {
          var e = data.edges[linkList[k]];
          out.add(e[0] === i ? e[1] : e[0]);
        }
      });
      return out;
    }
    function onlyAround(id) {
      changeScope(function () { view.only = neighboursOf(new Set([byId.get(id).index])); });
    }
    function expandStep() {
      var start = view.only || new Set(shownIndices());
      changeScope(function () { view.only = neighboursOf(start); });
    }
    /* A centre's group: the centre, what folds into it, and its direct neighbours. */
    function expandCentre(index) {
      changeScope(function () {
        var only = neighboursOf(new Set([index]));
        nodes.forEach(function (n) { if (n.centre === index) only.add(n.index); });
        view.only = only;
      }, "Showing " + nodes[index].label + " with its partners and assets.");
    }
    function showEverything() {
      changeScope(function () {
        view.overview = false;
        view.only = null;
        view.expanded.clear();
      });
    }
    function showOverview() {
      changeScope(function () {
        view.overview = true;
        view.only = null;
        view.expanded.clear();
      });
    }
    function back() {
      var last = history.pop();
      if (!last) return;
      view.overview = last.overview;
      view.expanded = last.expanded;
      view.only = last.only;
      applyFilters();
    }
    document.getElementById("back").addEventListener("click", back);
    document.getElementById("show-all").addEventListener("click", showEverything);
    document.getElementById("show-overview").addEventListener("click", showOverview);
    document.getElementById("zoom-in").addEventListener("click", function () {
      network.moveTo({ scale: network.getScale() * 1.4 });
      placeLabelsSoon();
    });
    document.getElementById("zoom-out").addEventListener("click", function () {
      network.moveTo({ scale: network.getScale() / 1.4 });
      placeLabelsSoon();
    });
    document.getElementById("zoom-fit").addEventListener("click", function () {
      fitView();
      placeLabels();
    });
    state.view = view;
    state.showEverything = showEverything;
    state.onlyAround = onlyAround;

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
    /* Choosing a nation or theme asks about every entity, not only the overview's. */
    function leaveOverview() {
      if (view.overview && !view.only) {
        history.push(snapshot());
        view.overview = false;
      }
    }
    nationSelect.addEventListener("change", function () {
      nationFilter = nationSelect.value;
      if (nationFilter) leaveOverview();
      applyFilters();
    });
    var themeSelect = document.getElementById("theme-filter");
    fillSelect(themeSelect, "All themes", data.themes, 0);
    themeSelect.addEventListener("change", function () {
      themeFilter = themeSelect.value;
      if (themeFilter) leaveOverview();
      applyFilters();
    });
    function clearFilters() {
      hiddenGroups.clear();
      legend.querySelectorAll("input").forEach(function (box) { box.checked = true; });
      nationSelect.value = nationFilter = "";
      themeSelect.value = themeFilter = "";
      view.hiddenRelations.clear();
      relationList.querySelectorAll("input").forEach(function (box) { box.checked = true; });
    }
    function resetFilters() {
      clearFilters();
      view.overview = false;
      view.only = null;
      applyFilters();
    }
    document.getElementById("reset-filters").addEventListener("click", resetFilters);

    /* Relationship types: untick to hide those links. */
    var relationList = document.getElementById("relations");
    var relationCounts = new Map();
    data.edges.forEach(function (e) {
      for (var k = 2; k < e.length; k++) {
        var rel = data.predicates[e[k] >> 1];
        relationCounts.set(rel, (relationCounts.get(rel) || 0) + 1);
      }
    });
    Array.from(relationCounts.keys()).sort().forEach(function (rel) {
      var item = el("li"), label = el("label"), box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.relation = rel;
      box.addEventListener("change", function () {
        if (box.checked) view.hiddenRelations.delete(rel); else view.hiddenRelations.add(rel);
        applyFilters();
      });
      label.append(box, el("span", rel), el("span", relationCounts.get(rel), "count"));
      item.append(label);
      relationList.append(item);
    });

    /* Details panel. */
    var details = document.getElementById("details");
    /* What the panel says before anything is chosen, to say again when the choice goes. */
    var detailsHint = Array.from(details.childNodes, function (child) { return child.cloneNode(true); });
    function showHint() {
      details.replaceChildren.apply(details, detailsHint.map(function (child) {
        return child.cloneNode(true);
      }));
    }
    function section(title, child) {
      var frag = document.createDocumentFragment();
      frag.append(el("h3", title), child);
      return frag;
    }
    var more = null;
    /* The details of node n: description, evidence, sources, disease areas, identifiers and
       properties (see pmgraph.view.viz.view_data). */
    function detailsOf(n) {
      if (!more) more = JSON.parse(document.getElementById("pmgraph-details").textContent);
      var d = more.nodes[n.index];
      return {
        description: d[0] >= 0 ? more.texts[d[0]] : null,
        evidence: d[1].map(function (i) { return more.texts[i]; }),
        source: d[2].map(termIri),
        sourceTerms: d[2],
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
      details.append(actions(n));
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
      if (d.source.length) details.append(section("Source", sourceList(d.sourceTerms, d.evidence)));
      var facts = factRows(d.identifiers, d.properties);
      if (facts.length) {
        var dl = el("dl");
        facts.forEach(function (fact) {
          var dd = el("dd");
          dd.append(fact.href ? link(fact.value, fact.href) : el("span", fact.value));
          dl.append(el("dt", fact.name), dd);
        });
        details.append(section("Identifiers and facts", dl));
      }
      var rows = relationshipRows(id);
      if (rows.length) {
        /* The first ROWS_FIRST rows, then the rest up to ROWS_MOST on request: a hub's
           panel would otherwise make each selection lay out thousands of elements. */
        var relList = el("ul");
        var addRows = function (from, to) {
          rows.slice(from, to).forEach(function (row) {
            var item = el("li");
            var target = el("button", labelOf(row.other), "link");
            target.type = "button";
            target.setAttribute("aria-label", row.sentences.join("; "));
            target.addEventListener("click", function () { selectNode(row.other); });
            if (row.ours.length) {
              item.append(el("span", row.ours.join(" and ") + " "), target);
              if (row.theirs.length) item.append(el("span", "; it " + row.theirs.join(" and ") + " this"));
            } else {
              item.append(target, el("span", " " + row.theirs.join(" and ") + " this"));
            }
            row.quotes.forEach(function (q) { item.append(el("blockquote", q)); });
            relList.append(item);
          });
          if (to < Math.min(rows.length, ROWS_MOST)) {
            var rest = Math.min(rows.length, ROWS_MOST) - to;
            var item = el("li", null, "more");
            item.append(button("Show " + rest + " more", function () {
              item.remove();
              addRows(to, to + rest);
            }, "link"));
            relList.append(item);
          } else if (rows.length > ROWS_MOST) {
            relList.append(el("li", "\u2026 and " + (rows.length - ROWS_MOST) + " more"));
          }
        };
        addRows(0, ROWS_FIRST);
        details.append(section("Relationships (" + rows.length + ")", relList));
      }
    }

    /* The panel's relationships: one row per linked entity, each statement once and read
       from the shown entity's side. A statement pointing at it is turned round with its
       inverse where the ontology has one ("X succeeded by this" reads "preceded by X", the
       same as a stated "preceded by X", so the two show once); otherwise it reads "X ...
       this". */
    var INVERSES = data.inverses || {};
    function relationshipRows(id) {
      var byOther = new Map();
      statementsOf(id).forEach(function (r) {
        var row = byOther.get(r.other);
        if (!row) {
          row = { other: r.other, ours: [], theirs: [], sentences: [], quotes: [] };
          byOther.set(r.other, row);
        }
        var rel = r.forward ? r.rel : Object.prototype.hasOwnProperty.call(INVERSES, r.rel)
          ? INVERSES[r.rel] : null;
        if (rel !== null) {
          if (row.ours.indexOf(phrase(rel)) < 0) {
            row.ours.push(phrase(rel));
            row.sentences.push(sentence(id, rel, r.other));
          }
        } else if (row.theirs.indexOf(phrase(r.rel)) < 0) {
          row.theirs.push(phrase(r.rel));
          row.sentences.push(sentence(r.other, r.rel, id));
        }
        var own = ownEvidence(r.ev.edge, r.ev.k);
        if (own) {
          own.quotes.forEach(function (q) { if (row.quotes.indexOf(q) < 0) row.quotes.push(q); });
        }
      });
      return Array.from(byOther.values()).sort(function (a, b) {
        var x = (a.ours[0] || a.theirs[0]), y = (b.ours[0] || b.theirs[0]);
        if (x !== y) return x < y ? -1 : 1;
        return labelOf(a.other) < labelOf(b.other) ? -1 : 1;
      });
    }
    state.relationshipRows = relationshipRows;

    /* Identifiers and facts in plain words; an amount with its currency, unit and
       qualifier as one value ("over \u00a3210,000,000 (\u00a3210m)"); dates as written. */
    var FACT_NAMES = {
      foundingDate: "Founded", publicationDate: "Published", startDate: "Start date",
      endDate: "End date", referenceDate: "Figure as of", quantityKind: "Measures",
      value: "Value", currency: "Currency", unit: "Unit", qualifier: "Qualifier",
      status: "Status", title: "Title", definition: "Definition", identifier: "Identifier",
      ror: "ROR", gridId: "GRID", ringgoldId: "Ringgold", isoCode: "ISO code",
      sameAs: "Same as", wikidata: "Wikidata", url: "Web page",
    };
    var CURRENCIES = { GBP: "\u00a3", EUR: "\u20ac", USD: "$" };
    function factName(key) {
      if (Object.prototype.hasOwnProperty.call(FACT_NAMES, key)) return FACT_NAMES[key];
      var words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
      return words.charAt(0).toUpperCase() + words.slice(1);
    }
    function amount(text, currency, unit, qualifier) {
      var plain = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : null;
      if (plain === null) return [qualifier, text, currency, unit].filter(Boolean).join(" ");
      var symbol = currency ? (Object.prototype.hasOwnProperty.call(CURRENCIES, currency)
        ? CURRENCIES[currency] : currency + " ") : "";
      var out = symbol + plain.toLocaleString("en-GB", { maximumFractionDigits: 6 });
      var big = Math.abs(plain);
      if (big >= 1e6 && symbol) {
        var short = big >= 1e9 ? [plain / 1e9, "bn"] : [plain / 1e6, "m"];
        out += " (" + symbol + short[0].toLocaleString("en-GB", { maximumFractionDigits: 2 }) +
          short[1] + ")";
      }
      if (unit) out += " " + unit;
      return qualifier ? qualifier + " " + out : out;
    }
    function factRows(identifiers, properties) {
      var rows = [];
      Object.keys(identifiers).forEach(function (key) {
        var value = identifiers[key];
        rows.push({ name: factName(key), value: value,
                    href: key === "ror" || key === "sameAs" ? value : null });
      });
      var props = properties, folded = {};
      if (props.value && props.value.length === 1) {
        var one = function (key) { return props[key] && props[key].length === 1 ? props[key][0] : null; };
        rows.push({ name: factName("value"),
                    value: amount(props.value[0], one("currency"), one("unit"), one("qualifier")) });
        folded = { value: 1 };
        ["currency", "unit", "qualifier"].forEach(function (key) { if (one(key)) folded[key] = 1; });
      }
      Object.keys(props).forEach(function (key) {
        if (folded[key]) return;
        rows.push({ name: factName(key), value: props[key].join("; ") });
      });
      return rows;
    }
    state.factRows = factRows;

    /* Relationships in plain words: "X was established by Y". */
    var PHRASES = {
      "location": "is located in", "nation": "is in the nation", "contained in": "lies within",
      "capability theme": "has the capability theme", "disease area": "works on",
      "has asset": "has the asset", "organiser": "is organised by", "publisher": "is published by",
      "keynote speaker": "has the keynote speaker", "has quantity": "has the figure",
      "funding amount": "has the funding amount", "established by": "was established by",
      "preceded by": "was preceded by", "succeeded by": "was succeeded by",
      "announces": "announces", "aligns with": "aligns with", "hosts": "hosts",
      "funds": "funds", "asset of": "is an asset of", "has facility": "has the facility",
      "has programme": "has the programme", "has partner organisation": "has the partner",
      "member of": "is a member of", "role in": "has a role in", "investor": "has the investor",
      "channel": "was channelled through", "developed by": "was developed by",
      "liaised with": "liaised with", "uses data from": "uses data from",
      "sub-event of": "is part of the event",
    };
    function phrase(rel) {
      if (Object.prototype.hasOwnProperty.call(PHRASES, rel)) return PHRASES[rel];
      if (/^(has|is|was|are) /.test(rel)) return rel;
      if (/ (by|of|in|with|to|for)$/.test(rel)) return "is " + rel;
      return "has " + rel;
    }
    function sentence(from, rel, to) {
      return labelOf(from) + " " + phrase(rel) + " " + labelOf(to);
    }

    /* Source texts shipped inside the page, shown with a quote marked in its context. */
    var sourceTexts = null;
    function sourceText(termIndex) {
      if (!sourceTexts) sourceTexts = JSON.parse(document.getElementById("pmgraph-sources").textContent);
      return Object.prototype.hasOwnProperty.call(sourceTexts, termIndex) ? sourceTexts[termIndex] : null;
    }
    /* Where quote occurs in text, white space folded as pmgraph.graph.text.fold_whitespace does. */
    var foldings = new Map();  /* text -> [folded text, where each of its characters was] */
    function findQuote(text, quote) {
      var done = foldings.get(text), at;
      if (!done) {
        var parts = [], last = "";
        at = [];
        for (var i = 0; i < text.length; i++) {
          var c = text.charAt(i);
          if (/\s/.test(c)) {
            if (parts.length && last !== " ") {
              parts.push(last = " ");
              at.push(i);
            }
          } else {
            parts.push(last = c);
            at.push(i);
          }
        }
        done = [parts.join(""), at];
        foldings.set(text, done);
      }
      var folded = done[0];
      at = done[1];  /* the folded text's characters' places in text */
      var q = quote.replace(/\s+/g, " ").trim();
      var start = q ? folded.indexOf(q) : -1;
      if (start < 0) return null;
      return [at[start], at[start + q.length - 1] + 1];
    }
    var sourceView = document.getElementById("source-view");
    function openSource(termIndex, quote) {
      var text = sourceText(termIndex);
      if (text === null) return;
      var body = document.getElementById("source-text");
      body.replaceChildren();
      document.getElementById("source-title").textContent = terms[termIndex].label;
      var span = quote ? findQuote(text, quote) : null;
      var mark = null;
      if (span) {
        mark = el("mark", text.slice(span[0], span[1]));
        body.append(document.createTextNode(text.slice(0, span[0])), mark,
                    document.createTextNode(text.slice(span[1])));
      } else {
        body.append(document.createTextNode(text));
      }
      document.getElementById("source-note").textContent = span
        ? "The quote is marked below." : quote ? "The quote was not found in this text." : "";
      if (!sourceView.open) sourceView.showModal();
      if (mark) mark.scrollIntoView({ block: "center" });
      state.sourceOpen = terms[termIndex].id;
    }
    document.getElementById("source-close").addEventListener("click", function () {
      sourceView.close();
    });
    state.openSource = openSource;
    function sourceList(termIndexes, quotes) {
      var list = el("ul");
      termIndexes.forEach(function (t) {
        var item = el("li");
        item.append(el("span", terms[t].label + " "));
        if (sourceText(t) !== null) {
          var quote = null;
          for (var i = 0; i < quotes.length; i++) {
            if (findQuote(sourceText(t), quotes[i])) { quote = quotes[i]; break; }
          }
          var button = el("button", quote ? "read the quote in the source" : "read the source",
                          "link source-link");
          button.type = "button";
          button.addEventListener("click", function () { openSource(t, quote); });
          item.append(button);
        } else {
          item.append(el("span", "(" + terms[t].id + ")", "iri"));
        }
        list.append(item);
      });
      return list;
    }

    /* The buttons under an entity's name: neighbourhood, expand, path. */
    var pathStart = null;
    function button(text, action, className) {
      var b = el("button", text, className || "action");
      b.type = "button";
      b.addEventListener("click", action);
      return b;
    }
    function actions(n) {
      var box = el("div", null, "actions");
      box.append(button("Only this and its neighbours", function () { onlyAround(n.id); }));
      box.append(button("Expand one step", expandStep));
      if (view.overview && !view.only && members.get(n.index) && !view.expanded.has(n.index)) {
        box.append(button("Show its " + members.get(n.index) + " partners and assets",
                          function () { expandCentre(n.index); }));
      }
      if (pathStart && pathStart !== n.id) {
        box.append(button("Path from " + byId.get(pathStart).short + " to here",
                          function () { showPath(pathStart, n.id); }));
      }
      box.append(button("Path from here\u2026", function () {
        pathStart = n.id;
        say("Now pick the other end of the path, then press \u201cPath from " + n.short +
            " to here\u201d.");
      }));
      return box;
    }

    /* Shortest path (any direction) between two entities, each step with its evidence. */
    function showPath(fromId, toId) {
      var previous = new Map([[fromId, null]]), queue = [fromId];
      while (queue.length && !previous.has(toId)) {
        var here = queue.shift();
        statementsOf(here).forEach(function (r) {
          if (!previous.has(r.other)) {
            previous.set(r.other, { node: here, statement: r });
            queue.push(r.other);
          }
        });
      }
      details.replaceChildren();
      details.append(el("h2", "Path: " + labelOf(fromId) + " \u2192 " + labelOf(toId)));
      if (!previous.has(toId)) {
        details.append(el("p", "No path links these two entities in this graph."));
        return;
      }
      var steps = [], at = toId;
      while (previous.get(at)) {
        steps.unshift({ from: previous.get(at).node, to: at, r: previous.get(at).statement });
        at = previous.get(at).node;
      }
      var list = el("ol", null, "path");
      steps.forEach(function (step) {
        var item = el("li");
        var subject = step.r.forward ? step.from : step.to, object = step.r.forward ? step.to : step.from;
        item.append(el("p", sentence(subject, step.r.rel, object), "sentence"));
        item.append(evidenceFor(step.r.ev));
        list.append(item);
      });
      details.append(list);
      changeScope(function () {
        view.only = new Set(steps.map(function (s) { return byId.get(s.from).index; }));
        view.only.add(byId.get(toId).index);
      }, "Showing the path of " + steps.length + " steps.");
      state.path = [fromId].concat(steps.map(function (s) { return s.to; }));
    }
    state.showPath = showPath;

    /* The own quotes and sources of the k-th statement of edge (details.edges, keyed
       "from to k"), or null when the data has none for it. */
    function ownEvidence(edge, k) {
      if (!more) detailsOf(nodes[0]);
      var e = data.edges[edge];
      var found = more.edges && e ? more.edges[e[0] + " " + e[1] + " " + k] : null;
      if (!found) return null;
      return { quotes: found[0].map(function (i) { return more.texts[i]; }), sources: found[1] };
    }
    function evidenceFor(ev) {
      var box = el("div", null, "evidence");
      var own = ownEvidence(ev.edge, ev.k);
      if (!own) {
        box.append(el("p", "No quote is recorded for this statement.", "kind"));
        return box;
      }
      own.quotes.forEach(function (q) { box.append(el("blockquote", q)); });
      if (own.sources.length) box.append(sourceList(own.sources, own.quotes));
      return box;
    }

    /* A group (drawn when too many entities are shown to draw one by one): its size, its
       best-linked members, and a button that draws them. */
    function drawGroup(g) {
      var best = g.members.slice().sort(function (a, b) {
        return nodes[b].degree - nodes[a].degree || a - b;
      }).slice(0, DRAW_LIMIT);
      changeScope(function () { view.only = new Set(best); },
                  "Showing " + (best.length < g.members.length ? "the " + best.length +
                    " best linked of " : "") + g.label + "; \u201cBack\u201d returns to the groups.");
    }
    function showGroup(id) {
      var g = groupById.get(id);
      if (!g) return;
      details.replaceChildren();
      details.append(el("h2", g.label));
      var count = whole(g.members.length);
      details.append(el("div", count + " entities of this class and nation are shown; the view " +
                        "has too many to draw one by one.", "kind"));
      var box = el("div", null, "actions");
      box.append(button(g.members.length > DRAW_LIMIT
        ? "Draw the " + whole(DRAW_LIMIT) + " best linked"
        : "Draw these " + count, function () { drawGroup(g); }));
      details.append(box);
      var list = el("ul");
      g.members.slice().sort(function (a, b) {
        return nodes[b].degree - nodes[a].degree || a - b;
      }).slice(0, 50).forEach(function (i) {
        var item = el("li"), b = el("button", nodes[i].label, "link");
        b.type = "button";
        b.addEventListener("click", function () { selectNode(nodes[i].id); });
        item.append(b);
        list.append(item);
      });
      details.append(section(g.members.length > 50 ? "The 50 best linked" : "Entities", list));
      state.groupShown = id;
    }
    state.showGroup = showGroup;

    /* An edge: its statements in plain words, each with its evidence. */
    function showEdge(edgeId) {
      var e = data.edges[edgeId];
      if (!e) return;
      details.replaceChildren();
      details.append(el("h2", "Link: " + nodes[e[0]].label + " \u2013 " + nodes[e[1]].label));
      for (var k = 2; k < e.length; k++) {
        var reverse = e[k] & 1, rel = data.predicates[e[k] >> 1];
        var subject = nodes[reverse ? e[1] : e[0]].id, object = nodes[reverse ? e[0] : e[1]].id;
        details.append(el("p", sentence(subject, rel, object), "sentence"));
        details.append(evidenceFor({ edge: edgeId, k: k - 2 }));
      }
      state.edgeShown = edgeId;
      placeLabelsSoon();
    }
    state.showEdge = showEdge;

    function hiddenByFilters(n) {
      if (hiddenGroups.has(n.group)) return true;
      if (nationFilter === NONE ? !!n.nation : nationFilter && n.nation !== nationFilter) return true;
      return !!themeFilter && n.id !== themeFilter && n.themes.indexOf(themeFilter) < 0;
    }
    function selectNode(id, quiet) {
      var n = byId.get(id);
      if (!n) return;
      /* The view changes at most once (one history entry, one drawing). */
      var message = null, changed = false, pushed = false;
      if (!nodeVisible(n)) {
        if (hiddenByFilters(n)) {
          clearFilters();
          message = n.label + " was hidden by the filters, so they were cleared to show it.";
        }
        if (!inScope(n)) {
          history.push(snapshot());
          pushed = true;
          if (view.only) view.only.add(n.index);
          else if (n.centre !== null && view.overview) view.expanded.add(n.centre);
          else view.overview = false;
          message = message || n.label + " was not in this view; it has been added.";
        }
        changed = true;
        computeShown();  /* is it to be drawn among groups? */
      }
      if (aggregated) {
        /* Too many to draw one by one: the entity is drawn with its neighbours (the best
           linked, up to NEIGHBOUR_LIMIT); "Back" returns to the groups. */
        if (!pushed) history.push(snapshot());
        var around = Array.from(neighboursOf(new Set([n.index]))).filter(function (i) {
          return i === n.index || !hiddenByFilters(nodes[i]);
        }).sort(function (a, b) {
          return (b === n.index) - (a === n.index) || nodes[b].degree - nodes[a].degree || a - b;
        });
        view.only = new Set(around.slice(0, NEIGHBOUR_LIMIT + 1));
        message = n.label + " is drawn with " + (view.only.size - 1) + " of its neighbours" +
          (around.length > NEIGHBOUR_LIMIT + 1
            ? " (the best linked of " + whole(around.length - 1) + ")" : "") +
          "; \u201cBack\u201d returns to the groups.";
        changed = true;
      }
      if (changed) {
        state.selected = id;
        applyFilters(true, !quiet);
        say(message || "");
      }
      state.selected = id;
      state.edgeShown = null;
      var drawn = !!network.body.nodes[id] && nodesDS.get(id) !== null;
      if (drawn) network.selectNodes([id]); else network.unselectAll();
      highlight(id);
      if (!quiet && drawn) {
        network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: { duration: 300 } });
      }
      showDetails(id);
      placeLabelsSoon();
      if (state.onChange) state.onChange();
    }
    state.selectNode = selectNode;
    network.on("click", function (params) {
      if (params.nodes.length && groupById.has(params.nodes[0])) {
        showGroup(params.nodes[0]);
      } else if (params.nodes.length) {
        selectNode(params.nodes[0], true);
      } else if (params.edges.length) {
        showEdge(params.edges[0]);
      } else {
        clearSelection();
      }
    });
    network.on("doubleClick", function (params) {
      if (!params.nodes.length) return;
      if (groupById.has(params.nodes[0])) {
        drawGroup(groupById.get(params.nodes[0]));
        return;
      }
      var n = byId.get(params.nodes[0]);
      if (view.overview && members.get(n.index) && !view.expanded.has(n.index)) expandCentre(n.index);
      else onlyAround(n.id);
    });

    /* Search: the same order as pmgraph.view.explore.rank_entities (viz --focus). Names
       (label, abbreviation, the short name written beside it, IRI local name) before
       descriptions and quotes; among names,
       centres of excellence first; then exact, word start, anywhere; then more neighbours,
       then the label. Texts are compared after normalise(). */
    var search = document.getElementById("search");
    var results = document.getElementById("search-results");
    var resultCount = document.getElementById("search-count");
    var FIRST_CLASS = "CentreOfExcellence";
    function normalise(text) {
      return String(text).toLowerCase().replace(/[\s\u2010-\u2015-]+/g, " ")
        .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
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
    /* The search index: built in slices while the page is idle after the first drawing
       (indexSoon), or at once by the first search that comes before it is done. */
    var index = [];
    /* Descriptions and quotes are shared by many entities: each is normalised once, and
       an entry holds the indices of its own (details.texts). */
    var plainTexts = null;
    function indexEntry(n) {
      if (!more) detailsOf(n);
      if (!plainTexts) plainTexts = new Array(more.texts.length);
      var d = more.nodes[n.index];
      var names = [n.label];
      if (n.abbreviation) names.push(n.abbreviation);
      if (n.short && n.short !== n.label) names.push(n.short);
      names.push(localName(n.id));
      var texts = d[0] >= 0 ? [d[0]].concat(d[1]) : d[1];
      texts.forEach(function (t) {
        if (plainTexts[t] === undefined) plainTexts[t] = normalise(more.texts[t]);
      });
      return { node: n, names: names.map(normalise), texts: texts };
    }
    function searchIndex() {
      while (index.length < nodes.length) index.push(indexEntry(nodes[index.length]));
      return index;
    }
    function indexSoon() {
      var until = performance.now() + 12;
      while (index.length < nodes.length && performance.now() < until) {
        index.push(indexEntry(nodes[index.length]));
      }
      if (index.length < nodes.length) setTimeout(indexSoon, 4);
      else {
        state.searchReady = true;
        state.searchReadyMs = performance.now();
      }
    }
    function rankEntities(query) {
      var given = query.trim();
      if (!given) return [];
      if (byId.has(given)) return [byId.get(given)];
      var q = normalise(given);
      var hits = [];
      var entries = searchIndex(), inText = new Uint8Array(plainTexts ? plainTexts.length : 0);
      for (var t = 0; t < inText.length; t++) {
        inText[t] = plainTexts[t] !== undefined && plainTexts[t].indexOf(q) >= 0 ? 1 : 0;
      }
      entries.forEach(function (entry) {
        var n = entry.node, key;
        var named = entry.names.some(function (name) { return name.indexOf(q) >= 0; });
        if (named) {
          var exact = entry.names.some(function (name) { return name === q; });
          var quality = exact ? 0 : entry.names.some(function (name) { return wordStart(name, q); })
            ? 1 : 2;
          key = [0, n.group === FIRST_CLASS ? 0 : 1, quality];
        } else if (entry.texts.some(function (t) { return inText[t] === 1; })) {
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

    /* The map: the UK and Ireland outline (world-atlas, Natural Earth) under located
       entities; the others stand in a band below it. */
    function bandHeading() {
      return "Not located on the map (" + (nodes.length - mapData.located) + "):";
    }
    function mapReady() { return !!(mapData && mapData.outline && mapData.outline.length); }
    function setMap(on) {
      document.body.dataset.map = on ? "true" : "false";
      applyFilters(true);
    }
    network.on("beforeDrawing", function (ctx) {
      if (tab !== "map" || !mapReady()) return;
      ctx.save();
      ctx.fillStyle = "#e8eef3";
      ctx.strokeStyle = "#7d8b99";
      ctx.lineWidth = 1.5 / network.getScale();
      mapData.outline.forEach(function (ring) {
        ctx.beginPath();
        ctx.moveTo(ring[0], ring[1]);
        for (var k = 2; k < ring.length; k += 2) ctx.lineTo(ring[k], ring[k + 1]);
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
      });
      ctx.strokeStyle = "#b0b8c0";
      ctx.beginPath();
      ctx.moveTo(mapData.band_left - 60, mapData.band_top);
      ctx.lineTo(mapData.band_left + 24 * 110, mapData.band_top);
      ctx.stroke();
      ctx.fillStyle = "#444";
      ctx.font = (14 / network.getScale()) + "px system-ui, sans-serif";
      ctx.fillText(bandHeading(), mapData.band_left - 60, mapData.band_top - 16);
      ctx.restore();
      state.mapDrawn = (state.mapDrawn || 0) + 1;
    });

    /* Tabs: the network, the map, the table (the text alternative to the drawing). */
    var tableView = document.getElementById("table-view");
    function showTab(name) {
      if (name === "map" && !mapReady()) name = "network";
      var wasMap = tab === "map";
      tab = name;
      document.body.dataset.tab = name;
      ["network", "map", "table"].forEach(function (t) {
        document.getElementById("tab-" + t).setAttribute("aria-pressed", String(t === name));
      });
      tableView.hidden = name !== "table";
      container.hidden = name === "table";
      knownSize = null;
      if (name === "map" || wasMap) setMap(name === "map");
      if (name === "table") fillTable();
      else placeLabelsSoon();
      if (state.onChange) state.onChange();
    }
    ["network", "map", "table"].forEach(function (t) {
      document.getElementById("tab-" + t).addEventListener("click", function () { showTab(t); });
    });
    state.showTab = showTab;

    function centreOf(n) {
      if (n.group === "CentreOfExcellence") return n.short;
      return n.centre !== null ? nodes[n.centre].short : "";
    }
    function classLabel(n) {
      var cls = classByGroup.get(n.group);
      return cls ? cls.label : n.group;
    }
    var COLUMNS = [
      { title: "Name", value: function (n) { return n.label; } },
      { title: "Class", value: classLabel },
      { title: "Centre", value: centreOf },
      { title: "Nation", value: function (n) {
        return n.nation ? labelOf(n.nation) + (n.nationVia !== null ? " (derived)" : "") : "";
      } },
      { title: "Themes", value: function (n) { return n.themes.map(labelOf).join("; "); } },
      { title: "Links", value: function (n) { return n.degree; } },
    ];
    var sortBy = { column: 0, descending: false };
    var TABLE_ROWS = 1000;
    function shownNodes() {
      var list = shownIndices().map(function (i) { return nodes[i]; });
      var column = COLUMNS[sortBy.column];
      list.sort(function (a, b) {
        var x = column.value(a), y = column.value(b);
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return (sortBy.descending ? -order : order) || a.index - b.index;
      });
      return list;
    }
    function fillTable() {
      var table = document.getElementById("entity-table");
      var head = table.tHead.rows[0], body = table.tBodies[0];
      head.replaceChildren();
      COLUMNS.forEach(function (column, i) {
        var th = el("th");
        th.scope = "col";
        if (sortBy.column === i) th.setAttribute("aria-sort", sortBy.descending ? "descending" : "ascending");
        var b = el("button", column.title + (sortBy.column === i ? (sortBy.descending ? " \u25bc" : " \u25b2") : ""));
        b.type = "button";
        b.addEventListener("click", function () {
          sortBy = { column: i, descending: sortBy.column === i ? !sortBy.descending : false };
          fillTable();
        });
        th.append(b);
        head.append(th);
      });
      var list = shownNodes();
      var rows = document.createDocumentFragment();
      list.slice(0, TABLE_ROWS).forEach(function (n) {
        var tr = el("tr");
        COLUMNS.forEach(function (column, i) {
          var cell = el(i === 0 ? "th" : "td");
          if (i === 0) {
            cell.scope = "row";
            var b = el("button", n.label, "link");
            b.type = "button";
            b.addEventListener("click", function () { selectNode(n.id, true); });
            cell.append(b);
          } else {
            cell.textContent = String(column.value(n));
          }
          tr.append(cell);
        });
        rows.append(tr);
      });
      body.replaceChildren(rows);
      document.getElementById("table-note").textContent = list.length > TABLE_ROWS
        ? "The first " + TABLE_ROWS + " of " + list.length + " rows; CSV export has them all."
        : list.length + " entities, as filtered; sort by a column's heading.";
      fillMatrix();
    }
    function fillMatrix() {
      var matrix = document.getElementById("matrix");
      var centres = nodes.filter(function (n) { return n.group === "CentreOfExcellence"; });
      var themes = data.themes.map(function (t) { return terms[t[0]]; });
      var head = matrix.tHead.rows[0];
      head.replaceChildren(el("th", "Centre"));
      themes.forEach(function (t) {
        var th = el("th", t.label, "theme");
        th.scope = "col";
        head.append(th);
      });
      var body = document.createDocumentFragment();
      centres.slice(0, 200).forEach(function (c) {
        var tr = el("tr"), name = el("th", c.short);
        name.scope = "row";
        name.title = c.label;
        tr.append(name);
        themes.forEach(function (t) {
          var has = c.themes.indexOf(t.id) >= 0;
          var td = el("td", has ? "\u2713" : "");
          td.setAttribute("aria-label", (has ? "has " : "has not ") + t.label);
          tr.append(td);
        });
        body.append(tr);
      });
      matrix.tBodies[0].replaceChildren(body);
    }

    /* Exports: CSV of what is shown, PNG of the drawing, the link, print. */
    function download(name, href) {
      var a = el("a");
      a.href = href;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
    }
    function csvCell(value) {
      var text = String(value);
      if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;  /* no formulas in a spreadsheet */
      return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
    }
    function csvText() {
      var lines = [["IRI"].concat(COLUMNS.map(function (c) { return c.title; })).map(csvCell).join(",")];
      shownNodes().forEach(function (n) {
        lines.push([n.id].concat(COLUMNS.map(function (c) { return c.value(n); })).map(csvCell).join(","));
      });
      return lines.join("\r\n") + "\r\n";
    }
    state.csvText = csvText;
    document.getElementById("export-csv").addEventListener("click", function () {
      var url = URL.createObjectURL(new Blob([csvText()], { type: "text/csv" }));
      download("pmgraph-entities.csv", url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
    document.getElementById("export-png").addEventListener("click", function () {
      var canvas = container.querySelector("canvas");
      if (!canvas || !canvas.width || container.hidden) {
        say("Switch to the network or the map to export a picture.");
        return;
      }
      var copy = document.createElement("canvas");
      copy.width = canvas.width;
      copy.height = canvas.height;
      var ctx = copy.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, copy.width, copy.height);
      ctx.drawImage(canvas, 0, 0);
      download("pmgraph-view.png", copy.toDataURL("image/png"));
    });
    document.getElementById("print").addEventListener("click", function () { window.print(); });
    document.getElementById("copy-link").addEventListener("click", function () {
      writeHash();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(location.href).then(function () {
          say("The link to this view is copied.");
        }, function () { say("Copy this page's address: it holds the view."); });
      } else {
        say("Copy this page's address: it holds the view.");
      }
    });

    /* The URL's hash holds the view (selection, scope, filters, zoom, tab), so that a link
       reopens it. Values are looked up, never put into the page as markup. */
    function shortId(iri) { return iri.indexOf(base) === 0 ? ":" + iri.slice(base.length) : iri; }
    var restoring = true;
    function writeHash() {
      if (restoring) return;
      var p = new URLSearchParams();
      if (state.selected) p.set("sel", shortId(state.selected));
      p.set("scope", view.only ? "only" : view.overview ? "overview" : "all");
      if (view.only) p.set("only", Array.from(view.only).sort(function (a, b) { return a - b; }).join("."));
      if (nationFilter) p.set("nation", nationFilter === NONE ? "none" : shortId(nationFilter));
      if (themeFilter) p.set("theme", shortId(themeFilter));
      if (hiddenGroups.size) p.set("hide", Array.from(hiddenGroups).sort().join("."));
      if (view.hiddenRelations.size) p.set("rels", Array.from(view.hiddenRelations).sort().join("|"));
      if (tab !== "network") p.set("tab", tab);
      var at = network.getViewPosition();
      p.set("zoom", [network.getScale().toFixed(4), at.x.toFixed(1), at.y.toFixed(1)].join(","));
      var hash = "#" + p.toString();
      if (location.hash !== hash) {
        try { window.history.replaceState(null, "", hash); } catch (e) { location.replace(hash); }
      }
    }
    var hashTimer = null;
    state.onChange = function () {
      clearTimeout(hashTimer);
      hashTimer = setTimeout(writeHash, 150);
    };
    network.on("zoom", state.onChange);
    network.on("dragEnd", state.onChange);
    network.on("animationFinished", state.onChange);
    function readHash() {
      var p = new URLSearchParams(location.hash.slice(1));
      if (!p.has("scope") && !p.has("sel")) return false;
      var groups = (p.get("hide") || "").split(".").filter(function (g) { return classByGroup.has(g); });
      hiddenGroups = new Set(groups);
      legend.querySelectorAll("input").forEach(function (box) { box.checked = !hiddenGroups.has(box.dataset.group); });
      var rels = (p.get("rels") || "").split("|").filter(function (r) { return relationCounts.has(r); });
      view.hiddenRelations = new Set(rels);
      relationList.querySelectorAll("input").forEach(function (box) {
        box.checked = !view.hiddenRelations.has(box.dataset.relation);
      });
      var nation = p.get("nation");
      nationFilter = nation === "none" ? NONE : nation ? fullIri(nation) : "";
      if (!Array.from(nationSelect.options).some(function (o) { return o.value === nationFilter; })) nationFilter = "";
      nationSelect.value = nationFilter;
      var theme = p.get("theme") ? fullIri(p.get("theme")) : "";
      if (!Array.from(themeSelect.options).some(function (o) { return o.value === theme; })) theme = "";
      themeSelect.value = themeFilter = theme;
      var scope = p.get("scope");
      view.overview = scope === "overview";
      view.only = null;
      if (scope === "only") {
        view.only = new Set((p.get("only") || "").split(".").map(Number).filter(function (i) {
          return Number.isInteger(i) && i >= 0 && i < nodes.length;
        }));
      }
      applyFilters(true);
      var sel = p.get("sel") ? fullIri(p.get("sel")) : null;
      if (sel && byId.has(sel)) selectNode(sel, true);
      var t = p.get("tab");
      if (t === "map" || t === "table") showTab(t);
      var zoom = (p.get("zoom") || "").split(",").map(Number);
      if (zoom.length === 3 && zoom.every(isFinite) && zoom[0] > 0) {
        network.moveTo({ scale: zoom[0], position: { x: zoom[1], y: zoom[2] } });
        placeLabels();
      }
      return true;
    }

    updateStats();
    updateScope();
    network.once("afterDrawing", function () {
      var canvas = container.querySelector(".vis-network");
      if (canvas) {
        canvas.setAttribute("role", "application");
        canvas.setAttribute("aria-label", "Network drawing: arrow keys pan, + and \u2212 zoom; " +
                            "the table lists the same entities");
      }
      fitView();
      placeLabels();
      var restored = false;
      if (tab === "map") showTab("map");
      try {
        restored = readHash();
      } finally {
        restoring = false;
      }
      if (!restored && data.focus !== null && nodes[data.focus]) selectNode(nodes[data.focus].id);
      state.restored = restored;
      state.ready = true;
      setTimeout(indexSoon, 50);
    });
  }
})();
