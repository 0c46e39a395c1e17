/* Draws the atlas graphs from the build's graph data, which is always JSON.
 *
 * The Graph page fetches downloads/graph.json and a paper page the star beside it
 * (papers/<id>/graph.json, without positions: data-layout="star"; see placeStar); topic pages
 * embed their small graph as JSON in a <template> named by data-graph-inline (a template, not a
 * script element: Material's instant navigation runs every script of a new page as JavaScript). The text twin beside each graph is rendered from
 * the same data by the build; this script never reads it. vis-network is
 * loaded on demand from the site itself, only on pages that have a graph (the Graph page's <head>
 * starts both downloads early; see overrides/main.html). Positions come
 * precomputed from the build, so physics stays off (a control lets the layout move) and the
 * picture is stable. Every label and tooltip is set as text: vis-network puts string titles
 * into the tooltip with innerText, never as HTML.
 *
 * A page may put a <form data-graph-for="<graph id>"> next to a graph: its named controls
 * (search, topic, subtopic, years, edge types, outside works, orphans, physics) drive it.
 *
 * Large atlases: a container with data-graph-overview opens on that topic-level graph (one
 * node per topic, edges weighted by the links they aggregate) unless the URL asks for
 * ?map=full; graphs with more than LARGE_EDGES edges are drawn with straight, solid lines.
 *
 * Graph first: the Graph page's <head> (overrides/main.html) starts fetching the data
 * (window.atlasGraphFetch) and runs vis-network (window.atlasGraphVis) and this script early,
 * async, its tag carrying data-early-vis; the copy at the end of <body> then does nothing. The
 * early copy draws the graph as soon as vis-network and the data are in and the page has been
 * read past the graph and its controls (the text twin the graph is described by has begun). The
 * theme's own script, which the browser runs when its parser reaches the end of <body>, then
 * comes after the first picture instead of before it; Material still sets up search and instant
 * navigation before the page has loaded, and every later page is followed through its document$.
 */
(function () {
  "use strict";
  if (window.atlasGraphScript) return;  // already running (from the Graph page's <head>)
  window.atlasGraphScript = true;
  var me = document.currentScript;

  // The vocabularies: each top-level topic's colour, each edge type's look (vis-network's arrows,
  // color, width, dashes, smooth, opacity) and the curated relation types. They are the build's
  // javascripts/atlas-vocabulary.js (from scripts/atlas/vocabulary.yml), a script that runs before
  // this one (mkdocs.yml extra_javascript; on the Graph page, also from its <head>) and sets
  // window.atlasVocabulary. Citations and curated relations are directed; curated ones curve so they
  // stay visible beside a "mentions" edge. The legend's line samples are drawn from the same
  // styles (see drawSamples).
  var COLORS = {}, UNCOLOURED = null, CURATED = [], EDGE_STYLES = {}, DEFAULT_EDGE = null;
  function readVocabulary() {
    var v = window.atlasVocabulary;
    if (!v) return Promise.reject(new Error("could not load atlas-vocabulary.js"));
    COLORS = {};
    Object.keys(v.topics).forEach(function (t) { COLORS[t] = v.topics[t].light; });
    UNCOLOURED = v.uncoloured_topic.light;
    EDGE_STYLES = {};
    Object.keys(v.relations).forEach(function (t) { EDGE_STYLES[t] = v.relations[t].line; });
    CURATED = Object.keys(v.relations).filter(function (t) { return v.relations[t].curated; });
    DEFAULT_EDGE = v.default_line;
    return Promise.resolve();
  }
  // Options shared by every node and edge, set once for the network instead of on each item:
  // paper labels' size, drawn only once they are 8 px or more on screen (vis-network hides a label
  // below drawThreshold - 1), and straight lines (vis-network's default is a curve) unless a style curves.
  var NETWORK_NODES = { font: { size: 11 }, scaling: { label: { drawThreshold: 9 } } };
  var NETWORK_EDGES = { smooth: { enabled: false } };
  var DIM = 0.12;
  // Above this many edges lines are straight and solid: vis-network's curved edges add a hidden
  // support node per edge (1,000 papers: seconds instead of a fraction of one), and dashes cost
  // as much again to paint. Colours still tell the edge types apart.
  var LARGE_EDGES = 1000;
  // Graphs with more than this many nodes get the labels of their papers and outside works (but
  // the named ones) and their lines' arrowheads only once the reader zooms in to LABEL_SCALE: a
  // label is drawn only at 8 px or more on screen (NETWORK_NODES; 11 px at a scale of 0.73), so
  // the fitted map of such a graph shows none, and its arrowheads are a pixel or two. Measuring a
  // thousand labels and placing thousands of arrowheads nobody could see took a fifth of the time
  // to the first picture. (A page may lower the threshold with window.atlasGraphOptions = {lazyLabelsFrom: n}.)
  var LAZY_LABELS_FROM = 400;
  var LABEL_SCALE = 0.7;
  // Names meant to be read at every zoom (see named): at least this many pixels high on screen,
  // their font growing as the view zooms out (vis-network caps any label at 30 px).
  var READABLE_PX = { top: 15, topic: 12, paper: 12 };
  var visLoading = null;

  function loadVis(src) {
    if (window.vis && window.vis.Network) return Promise.resolve(window.vis);
    if (visLoading) return visLoading;
    if (window.atlasGraphVis) {  // started by the Graph page's <head> (overrides/main.html)
      visLoading = window.atlasGraphVis.then(function () { return window.vis; }, function () {
        visLoading = null;
        throw new Error("could not load " + src);
      });
      window.atlasGraphVis = null;  // taken once: after a failure, the next call tries again
      return visLoading;
    }
    visLoading = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(window.vis); };
      s.onerror = function () { visLoading = null; reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
    return visLoading;
  }

  function styleOf(type) { return EDGE_STYLES[type] || DEFAULT_EDGE; }

  function topicNames(data) {
    var names = {};
    data.nodes.forEach(function (n) { if (n.kind === "topic") names[n.id.slice(6)] = n.label; });
    Object.keys(data.topic_names || {}).forEach(function (k) { names[k] = data.topic_names[k]; });
    return names;
  }

  // Hover text: the node's name, then what the text twin says about it (twinhtml.node_meta),
  // so the picture and the lists describe a node in the same words.
  function tooltip(node, names) {
    return node.label + "\n" + (node.meta != null ? node.meta : describe(node, names));
  }

  function describe(node, names) {
    if (node.kind === "paper") {
      return "paper · " + (node.year == null ? "date not stated" : node.year) + " · " +
        node.topics.map(function (t) { return names[t] || t; }).join(", ");
    }
    if (node.kind === "topic") return node.level === 0 ? "top-level topic" : "subtopic";
    return "outside work" + (node.arxiv ? " · arXiv " + node.arxiv : "");
  }

  // A paper page's graph is a star without positions: the paper in the centre, its neighbours on
  // a ring in the order its links first name them (the paper's own outgoing ones first, as the
  // text twin lists them). The ring is narrower than high, leaving room beside it for the names.
  var LOCAL_RADIUS = 260, STAR_WIDTH = 0.7;
  function placeStar(data) {
    var focus = data.focus, byId = {}, ring = [];
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    data.edges.forEach(function (e) {
      [e.source, e.target].forEach(function (id) { if (id !== focus && ring.indexOf(id) < 0) ring.push(id); });
    });
    data.nodes.forEach(function (n) { if (n.id !== focus && ring.indexOf(n.id) < 0) ring.push(n.id); });
    var radius = LOCAL_RADIUS + 18 * Math.max(0, ring.length - 8);
    if (byId[focus]) { byId[focus].x = 0; byId[focus].y = 0; }
    ring.forEach(function (id, i) {
      var angle = -Math.PI / 2 + 2 * Math.PI * i / ring.length;
      byId[id].x = Math.round(STAR_WIDTH * radius * Math.cos(angle));
      byId[id].y = Math.round(radius * Math.sin(angle));
    });
    return data;
  }

  function edgeTitle(edge, partner) {
    if (edge.weight) {  // an aggregated edge of the topic overview
      var noun = edge.type === "cites" ? "citation" : edge.type === "subtopic" ? "subtopic link" : "relation";
      return edge.weight + " " + noun + (edge.weight === 1 ? "" : "s");
    }
    if (edge.type === "related") {
      var ranks = "rank " + edge.rank + " for " + shortLabel(edge.sourceLabel, 40);
      if (partner) ranks += ", rank " + partner.rank + " for " + shortLabel(partner.sourceLabel, 40);
      return "related by text similarity (computed, not a citation)\nscore " + edge.score + " · " + ranks;
    }
    return edge.type + (edge.evidence ? "\nEvidence: " + edge.evidence : "");
  }

  function shortLabel(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  // A node's label: papers by their short name and year ("ZeRO · 2019", from the build), outside
  // works by their name.
  function nodeLabel(node) {
    if (node.kind === "paper") return node.short || shortLabel(node.label.split(":")[0], 28);  // font: NETWORK_NODES
    return node.kind === "topic" ? node.label : shortLabel(node.label, 24);
  }

  // Whose name is read at every zoom: topics, the papers graph.json marks `labelled` (the atlas's
  // most cited), and on a paper's star every node. The others' names show on zooming in, and
  // every title on hover.
  function named(node, star) {
    return star || node.kind === "topic" || node.labelled === true;
  }

  // Which names are placed first when they would overlap: the focus, top-level topics, papers
  // (most cited first), then subtopics (see keepReadable).
  function rank(node, focus) {
    if (node.id === focus) return -1e9;
    return node.kind === "topic" ? (node.level === 0 ? -2e6 : 0) : -(node.cited_by || 0);
  }

  // With `lazy`, papers and outside works other than the focus and the named start without labels
  // (see LAZY_LABELS_FROM). A paper's dot size is its in-atlas citations' (graph.json's `size`).
  function visNode(node, names, focus, lazy, star) {
    var color = COLORS[(node.roots && node.roots[0]) || node.root] || UNCOLOURED;
    var base = { id: node.id, x: node.x, y: node.y, title: tooltip(node, names) };  // opacity: 1 unless dimmed
    if (!lazy || named(node, star) || node.id === focus) base.label = nodeLabel(node);
    if (node.kind === "paper") {
      base.shape = "dot";
      base.size = node.size || 8;
      base.color = color;
      if (named(node, star)) base.font = { size: 11, color: "#212121", strokeWidth: 4, strokeColor: "#fafafa" };
    } else if (node.kind === "topic") {
      base.shape = "box";
      base.color = { background: "#ffffff", border: color };
      base.font = { size: node.level === 0 ? 18 : 13, color: "#212121" };
    } else {
      base.shape = "diamond";
      base.size = 7;
      base.color = "#8d6e63";
      base.font = { size: 10, color: "#5d4037" };
    }
    if (node.id === focus) {
      base.borderWidth = 4;
      base.font = { size: 15, color: "#000000", strokeWidth: 3, strokeColor: "#ffffff" };
      if (node.kind === "paper") base.size += 6;
    }
    return base;
  }

  // Cosine similarity is symmetric: when two papers are each in the other's top 5, graph.json
  // has both edges; they are drawn as one line (two dashed lines on top of each other would
  // look solid), and its tooltip gives both ranks. The line kept is the edge whose source id
  // sorts first, whatever order the data lists them in (graph.json, or a twin).
  function drawnEdges(data, byId) {
    var index = {};
    data.edges.forEach(function (e, i) { if (e.type === "related") index[e.source + "\n" + e.target] = i; });
    var out = [];
    var plain = data.edges.length > LARGE_EDGES;
    data.edges.forEach(function (e, i) {
      var edge = e;
      var partner = null;
      if (e.type === "related") {
        var j = index[e.target + "\n" + e.source];
        if (j !== undefined && e.source > e.target) return;
        edge = Object.assign({ sourceLabel: byId[e.source].label }, e);
        if (j !== undefined) partner = Object.assign({ sourceLabel: byId[e.target].label }, data.edges[j]);
      }
      out.push({ i: i, edge: edge, partner: partner, plain: plain });
    });
    return out;
  }

  // Only what differs from vis-network's defaults and NETWORK_EDGES is set on each edge: every
  // option given is parsed and merged per edge, and the full map has thousands of edges.
  function visEdge(d, opacity) {
    var edge = d.edge;
    var style = styleOf(edge.type);
    var out = {
      id: "e" + d.i, from: edge.source, to: edge.target, title: edgeTitle(edge, d.partner),
      width: edge.weight ? 1 + Math.log2(edge.weight) : style.width  // overview: wider for more links
    };
    if (style.arrows && !d.arrowless) out.arrows = style.arrows;
    if (!d.plain && style.dashes) out.dashes = style.dashes;
    if (!d.plain && style.smooth) out.smooth = style.smooth;
    var alpha = (style.opacity || 1) * opacity;
    // A colour given as a string is also the highlight and hover colour, at full opacity.
    out.color = alpha === 1 ? style.color : { color: style.color, highlight: style.color, hover: style.color, opacity: alpha };
    return out;
  }

  // Legend line samples, drawn from EDGE_STYLES so the legend cannot drift from the picture.
  function drawSamples(root) {
    var svgNS = "http://www.w3.org/2000/svg";
    Array.prototype.forEach.call(root.querySelectorAll("svg[data-edge-type]"), function (svg) {
      if (svg.firstChild) return;
      var style = styleOf(svg.getAttribute("data-edge-type"));
      var line = document.createElementNS(svgNS, "line");
      line.setAttribute("x1", "1"); line.setAttribute("y1", "6");
      line.setAttribute("x2", style.arrows ? "26" : "33"); line.setAttribute("y2", "6");
      line.setAttribute("stroke", style.color);
      line.setAttribute("stroke-width", String(Math.max(1.5, style.width)));
      if (style.dashes) line.setAttribute("stroke-dasharray", style.dashes.join(" "));
      svg.appendChild(line);
      if (style.arrows) {
        var head = document.createElementNS(svgNS, "path");
        head.setAttribute("d", "M25 1 L34 6 L25 11 Z");
        head.setAttribute("fill", style.color);
        svg.appendChild(head);
      }
    });
  }

  function resolveUrl(root, url) {
    return root + url;
  }

  function draw(container, data, vis, initial) {
    var names = topicNames(data);
    var star = container.getAttribute("data-layout") === "star";
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var options = window.atlasGraphOptions || {};
    var lazy = data.nodes.length > (options.lazyLabelsFrom != null ? options.lazyLabelsFrom : LAZY_LABELS_FROM);
    var visNodes = data.nodes.map(function (n) { return visNode(n, names, data.focus, lazy, star); });
    var readable = visNodes.filter(function (v) { return named(byId[v.id], star) && v.font; }).sort(function (a, b) {
      return rank(byId[a.id], data.focus) - rank(byId[b.id], data.focus) || (a.id < b.id ? -1 : 1);
    });
    // vis-network draws nodes in the order they were added: the named last, the first of them on top.
    var nodes = new vis.DataSet(visNodes.filter(function (v) { return readable.indexOf(v) < 0; }).concat(readable.slice().reverse()));
    var drawnList = drawnEdges(data, byId);
    if (lazy) drawnList.forEach(function (d) { d.arrowless = true; });
    // A local graph's own links stand out; links among its neighbours stay as lighter context.
    var edges = new vis.DataSet(drawnList.map(function (d) {
      var aside = data.focus && d.edge.source !== data.focus && d.edge.target !== data.focus;
      return visEdge(d, aside ? 0.4 : 1);
    }));
    var shown = initial || { nodes: null, edges: null };  // null: everything is shown
    var nodeView = new vis.DataView(nodes, { filter: function (n) { return !shown.nodes || shown.nodes[n.id] === true; } });
    var edgeView = new vis.DataView(edges, { filter: function (e) { return !shown.edges || shown.edges[e.id] === true; } });
    var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, {
      physics: { enabled: false, solver: "forceAtlas2Based", stabilization: false },
      // Keys pan (arrows) and zoom (+ and -) only while the graph itself has the focus: bound to its
      // frame, not the window, so the search box and the rest of the page keep every key; and
      // without autoFocus, since vis-network would otherwise take the focus (and scroll the page
      // to the graph) whenever the mouse moves over it.
      interaction: {
        hover: true, tooltipDelay: 120, navigationButtons: false,
        keyboard: { enabled: true, bindToWindow: false, autoFocus: false }
      },
      layout: { improvedLayout: false },
      nodes: NETWORK_NODES,
      edges: NETWORK_EDGES
    });
    var root = container.getAttribute("data-root") || "";
    var graph = {
      container: container, data: data, byId: byId, network: network, drawn: drawnList,
      nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, shown: shown, focus: null,
      readable: readable
    };
    network.on("click", function (params) {
      if (params.nodes.length !== 1) return;
      var node = byId[params.nodes[0]];
      if (node && node.href) window.location.href = node.href;
      else if (node && node.url) window.location.href = resolveUrl(root, node.url);
    });
    network.once("afterDrawing", function () {
      container.setAttribute("data-ready", "true");
      container.setAttribute("data-ready-ms", String(Math.round(window.performance.now())));
    });
    network.on("afterDrawing", function () { keepReadable(graph); });
    if (lazy) {
      network.on("zoom", function () { detailIfNear(graph); });
      network.once("afterDrawing", function () { detailIfNear(graph); });
    } else {
      graph.detailed = true;
    }
    container.atlasNetwork = network;
    container.atlasData = data;
    container.atlasGraph = graph;
    updateCounts(graph);
    return graph;
  }

  // Keep the named nodes' labels READABLE_PX high on screen whatever the zoom (a fitted map of
  // hundreds of nodes is drawn at half its size or less), each only where it overlaps no name
  // placed before it and lies within the picture (a dot's below it, else above), in the order of graph.readable; the others
  // keep their own size, too small to be drawn until the reader zooms in. Done again only when
  // the scale changes.
  function keepReadable(graph) {
    var scale = graph.network.getScale();
    if (graph.readableAt && Math.abs(graph.readableAt / scale - 1) < 0.05) return;
    graph.readableAt = scale;
    var pos = graph.network.getPositions(graph.readable.map(function (v) { return v.id; }));
    var placed = [], net = graph.network, c = graph.container;
    var tl = net.DOMtoCanvas({ x: 0, y: 0 }), br = net.DOMtoCanvas({ x: c.clientWidth, y: c.clientHeight });
    graph.nodes.update(graph.readable.map(function (v) {
      var px = v.shape === "dot" ? READABLE_PX.paper : graph.byId[v.id].level === 0 ? READABLE_PX.top : READABLE_PX.topic;
      var size = Math.max(v.font.size, Math.ceil(px / scale)), p = pos[v.id];
      var w = (v.label || "").length * size * 0.3 + 8 / scale, h = size * 0.75;  // half width and height
      var shifts = v.shape === "dot" ? [(v.size || 8) + h, -(v.size || 8) - h] : [0];  // label centre below p
      var shift = (!graph.shown.nodes || graph.shown.nodes[v.id]) ? shifts.find(function (dy) {
        return p.x - w > tl.x && p.x + w < br.x && p.y + dy - h > tl.y && p.y + dy + h < br.y && placed.every(function (b) {
          return p.x + w < b[0] || p.x - w > b[2] || p.y + dy + h < b[1] || p.y + dy - h > b[3];
        });
      }) : undefined;
      if (shift !== undefined) placed.push([p.x - w, p.y + shift - h, p.x + w, p.y + shift + h]);
      var font = Object.assign({}, v.font, { size: shift !== undefined ? size : v.font.size, vadjust: shift < 0 ? 2 * shift : 0 });
      if (v.font.strokeWidth && shift !== undefined) font.strokeWidth = Math.max(v.font.strokeWidth, 5 / scale);  // a halo 5 px wide
      // A topic whose name does not fit is a small square until it does (an empty box otherwise).
      return { id: v.id, font: font, shape: shift !== undefined || v.shape !== "box" ? v.shape : "square", size: v.shape === "box" ? 7 : v.size };
    }));
  }

  // Give every node its label and every line its arrowhead once the view is close enough for
  // vis-network to draw labels (see LAZY_LABELS_FROM).
  function detailIfNear(graph) {
    if (graph.detailed || graph.network.getScale() < LABEL_SCALE) return;
    graph.detailed = true;
    graph.nodes.update(graph.data.nodes.filter(function (n) { return n.kind !== "topic"; })
      .map(function (n) { return { id: n.id, label: nodeLabel(n) }; }));
    graph.drawn.forEach(function (d) { d.arrowless = false; });
    graph.edges.update(graph.drawn.filter(function (d) { return styleOf(d.edge.type).arrows; })
      .map(function (d) { return { id: "e" + d.i, arrows: styleOf(d.edge.type).arrows }; }));
    graph.container.setAttribute("data-detailed", "true");
  }

  // Keep where nodes are now (dragged, or moved by physics) when the view is filtered again.
  // (vis-network's own storePositions fails when a DataView hides some of the DataSet.)
  function keepPositions(graph) {
    var pos = graph.network.getPositions();
    graph.nodes.update(Object.keys(pos).map(function (id) { return { id: id, x: pos[id].x, y: pos[id].y }; }));
  }

  function updateCounts(graph) {
    graph.container.setAttribute("data-node-count", String(graph.nodeView.length));
    graph.container.setAttribute("data-edge-count", String(graph.edgeView.length));
  }

  /* ---- Filters, search and physics for a graph with a control form ---- */

  function readState(form) {
    function checked(name) {
      var out = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name=" + name + "]"), function (box) {
        out[box.value] = box.checked;
      });
      return out;
    }
    function year(name) {
      var v = parseInt(form.elements[name].value, 10);
      return isNaN(v) ? null : v;
    }
    return {
      roots: checked("root"),
      subtopic: form.elements.subtopic.value,
      from: year("year_from"),
      to: year("year_to"),
      undated: form.elements.undated.checked,
      types: checked("edge_type"),
      works: form.elements.works.checked,
      orphans: form.elements.orphans.checked
    };
  }

  function nodeMatches(node, s) {
    if (node.kind === "work") return s.works;
    if (node.kind === "topic") {
      var topicRoot = node.root;
      if (!s.roots[topicRoot]) return false;
      if (!s.subtopic || node.level === 0) return true;
      return node.id === "topic:" + s.subtopic;
    }
    if (!node.roots.some(function (r) { return s.roots[r]; })) return false;
    if (s.subtopic && node.topics.indexOf(s.subtopic) < 0) return false;
    if (node.year == null) return s.undated;
    if (s.from != null && node.year < s.from) return false;
    if (s.to != null && node.year > s.to) return false;
    return true;
  }

  // Filtering hides what does not match and keeps every other node where the build put it,
  // then zooms to fit what remains. We do not re-layout: a stable map lets a reader keep their
  // bearings between filters, and the remaining nodes fill the canvas after the fit. Dimming
  // is kept for the one case where context matters, the neighbourhood of a searched paper.
  function computeShown(data, state) {
    var nodeOk = {};
    data.nodes.forEach(function (n) { if (nodeMatches(n, state)) nodeOk[n.id] = true; });
    var edgeOk = {};
    var linked = {};
    data.edges.forEach(function (e, i) {
      if (state.types[e.type] && nodeOk[e.source] && nodeOk[e.target]) {
        edgeOk["e" + i] = true;
        linked[e.source] = true;
        linked[e.target] = true;
      }
    });
    if (!state.orphans) {
      // Orphans: nodes with no visible edge under the current filters. Removing them cannot
      // orphan anything else, since they have no visible edge.
      Object.keys(nodeOk).forEach(function (id) { if (!linked[id]) delete nodeOk[id]; });
    }
    return { nodes: nodeOk, edges: edgeOk };
  }

  function applyFilters(graph, state) {
    var next = computeShown(graph.data, state);
    keepPositions(graph);
    graph.shown.nodes = next.nodes;
    graph.shown.edges = next.edges;
    graph.readableAt = null;  // the names to show are chosen again
    graph.nodeView.refresh();
    graph.edgeView.refresh();
    if (graph.focus && !next.nodes[graph.focus]) clearFocus(graph);
    else if (graph.focus) highlight(graph, graph.focus);
    updateCounts(graph);
  }

  function statusText(graph) {
    var counts = { paper: 0, topic: 0, work: 0 };
    graph.nodeView.getIds().forEach(function (id) { counts[graph.byId[id].kind] += 1; });
    var papers = graph.data.nodes.filter(function (n) { return n.kind === "paper"; }).length;
    return "Showing " + counts.paper + " of " + papers + " papers, " + counts.topic + " topics, " +
      counts.work + " outside works and " + graph.edgeView.length + " links.";
  }

  function neighbourhood(graph, id) {
    var near = {};
    near[id] = true;
    graph.edgeView.get().forEach(function (e) {
      if (e.from === id) near[e.to] = true;
      if (e.to === id) near[e.from] = true;
    });
    return near;
  }

  function highlight(graph, id) {
    var near = neighbourhood(graph, id);
    graph.nodes.update(graph.nodes.getIds().map(function (nid) {
      return { id: nid, opacity: near[nid] ? 1 : DIM };
    }));
    graph.edges.update(graph.drawn.map(function (d) {
      var on = d.edge.source === id || d.edge.target === id;
      return visEdge(d, on ? 1 : DIM);
    }));
    graph.focus = id;
    graph.container.setAttribute("data-focus", id);
    graph.network.selectNodes([id]);
    return Object.keys(near).length - 1;
  }

  function clearFocus(graph) {
    if (!graph.focus) return;
    graph.nodes.update(graph.nodes.getIds().map(function (nid) { return { id: nid, opacity: 1 }; }));
    graph.edges.update(graph.drawn.map(function (d) { return visEdge(d, 1); }));
    graph.focus = null;
    graph.container.removeAttribute("data-focus");
    graph.network.unselectAll();
  }

  // Centre the view on a node, zoomed so that its whole neighbourhood is in the picture.
  function centreOn(graph, id) {
    var near = Object.keys(neighbourhood(graph, id));
    var pos = graph.network.getPositions(near);
    var me = pos[id];
    var dx = 60, dy = 60;
    near.forEach(function (n) {
      dx = Math.max(dx, Math.abs(pos[n].x - me.x) + 60);
      dy = Math.max(dy, Math.abs(pos[n].y - me.y) + 40);
    });
    var box = graph.container.getBoundingClientRect();
    var scale = Math.max(0.2, Math.min(1.5, box.width / (2 * dx), box.height / (2 * dy)));
    graph.network.moveTo({ position: me, scale: scale, animation: false });
    detailIfNear(graph);
  }

  function findPaper(graph, query) {
    var q = query.trim().toLowerCase();
    if (!q) return null;
    var papers = graph.data.nodes.filter(function (n) { return n.kind === "paper"; });
    papers.sort(function (a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : 0; });
    var exact = papers.filter(function (n) { return n.label.toLowerCase() === q; });
    if (exact.length) return exact[0];
    var part = papers.filter(function (n) { return n.label.toLowerCase().indexOf(q) >= 0; });
    return part.length ? part[0] : null;
  }

  // The search box's suggestions: every paper title, from the graph data once the picture is
  // drawn (written into the page they were a tenth of a megabyte of HTML at 1,000 papers, to
  // parse before the graph could start).
  function suggestTitles(graph, form) {
    var list = form.elements.query && form.elements.query.list;
    if (!list || list.options.length) return;
    var titles = graph.data.nodes.filter(function (n) { return n.kind === "paper"; })
      .map(function (n) { return n.label; }).sort();
    var options = document.createDocumentFragment();
    titles.forEach(function (t) {
      var option = document.createElement("option");
      option.value = t;
      options.appendChild(option);
    });
    list.appendChild(options);
  }

  function bindControls(graph, form) {
    graph.network.once("afterDrawing", function () { suggestTitles(graph, form); });
    // On a phone the filters start folded so the picture is on the first screen.
    var filters = form.querySelector("details.atlas-graph-filters");
    if (filters && window.matchMedia && window.matchMedia("(max-width: 44.99em)").matches) filters.open = false;
    var status = document.getElementById(form.getAttribute("data-status"));
    function say(text) { if (status) status.textContent = text; }
    function apply() {
      applyFilters(graph, readState(form));
      graph.network.fit({ animation: false });
      say(statusText(graph));
    }
    function setPhysics(on) {
      if (!on) keepPositions(graph);
      graph.network.setOptions({ physics: { enabled: on } });
    }
    form.addEventListener("change", function (ev) {
      var name = ev.target.name;
      if (name === "physics") { setPhysics(ev.target.checked); return; }
      if (name === "query") return;
      if (name === "subtopic" && ev.target.value) {
        // Choosing a subtopic brings its top-level topic back if it was unticked.
        var parent = ev.target.selectedOptions[0].getAttribute("data-root");
        var box = form.querySelector("input[name=root][value='" + parent + "']");
        if (box) box.checked = true;
      }
      apply();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var query = form.elements.query.value;
      var node = findPaper(graph, query);
      if (!node) { say("No paper title contains “" + query.trim() + "”."); return; }
      var note = "";
      if (!graph.shown.nodes || !graph.shown.nodes[node.id]) {
        if (graph.shown.nodes) {
          var physics = form.elements.physics.checked;
          form.reset();
          form.elements.query.value = query;
          form.elements.physics.checked = physics;
          applyFilters(graph, readState(form));
          note = " The filters were reset to show it.";
        }
      }
      if (!graph.shown.nodes || !graph.shown.nodes[node.id]) {
        form.elements.orphans.checked = true;
        applyFilters(graph, readState(form));
      }
      var n = highlight(graph, node.id);
      centreOn(graph, node.id);
      say("Centred on “" + node.label + "” and its " + n + " linked nodes; the rest is dimmed." + note);
    });
    form.addEventListener("click", function (ev) {
      var action = ev.target.getAttribute && ev.target.getAttribute("data-action");
      if (action === "clear") {
        clearFocus(graph);
        form.elements.query.value = "";
        say(statusText(graph));
      } else if (action === "reset") {
        form.reset();
        setPhysics(false);
        apply();
      } else if (action === "relayout") {
        form.elements.physics.checked = false;
        setPhysics(false);
        graph.nodes.update(graph.data.nodes.map(function (n) { return { id: n.id, x: n.x, y: n.y }; }));
        graph.network.fit({ animation: false });
      }
    });
    say(statusText(graph));
  }

  // The topic-level overview, unless the page has none or the URL asks for the full map.
  function graphUrl(container) {
    var overview = container.getAttribute("data-graph-overview");
    return overview && !/[?&]map=full\b/.test(window.location.search) ? overview : container.getAttribute("data-graph");
  }

  function isOverview(data) {
    return !!(data.graph && data.graph.papers != null);
  }

  // The overview has topics only: filters and search act on the full map, one link away.
  function bindOverview(graph, form) {
    var status = document.getElementById(form.getAttribute("data-status"));
    var text = "Topic-level overview of " + graph.data.graph.papers + " papers: " + graph.data.nodes.length +
      " topics and " + graph.data.edges.length + " aggregated links. Search and filters work on the full map (link above).";
    function say(extra) { if (status) status.textContent = (extra ? extra + " " : "") + text; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      say("The overview shows topics, not papers.");
    });
    form.addEventListener("change", function () { say(""); });
    say("");
  }

  var fetched = {};

  // One request per graph file for the life of the page (Material's instant navigation keeps
  // this script alive across pages); a failed request is forgotten so a later visit retries.
  function fetchGraph(url) {
    var abs = new URL(url, document.baseURI).href;
    if (!fetched[abs]) {
      var early = window.atlasGraphFetch;  // started by the Graph page's <head> (overrides/main.html)
      var response = early && early.url === abs ? early.response : fetch(abs);
      if (early && early.url === abs) window.atlasGraphFetch = null;  // taken once: a later visit fetches anew
      fetched[abs] = response.then(function (r) {
        if (!r.ok) throw new Error("graph data: HTTP " + r.status);
        return r.json();
      });
      fetched[abs].catch(function () { delete fetched[abs]; });
    }
    return fetched[abs];
  }

  // Start both downloads as soon as this script runs, before the page has finished loading.
  function prefetch() {
    var container = document.querySelector(".atlas-graph[data-graph]");
    if (!container) return;
    loadVis(container.getAttribute("data-vis")).catch(function () {});
    if (!container.getAttribute("data-graph-inline")) {
      fetchGraph(graphUrl(container)).catch(function () {});
    }
  }

  // Whether the page has been read past a graph and its controls: loaded, or (for a graph whose
  // data is fetched, not embedded in the page) the element that follows them, the text twin the
  // graph is described by, has begun. (The stylesheets, which size the graph, are in by then:
  // the parser waits for them at the theme's inline script that follows them in <head>.)
  function parsed(container) {
    if (document.readyState !== "loading") return true;
    if (container.getAttribute("data-graph-inline")) return false;
    var twin = container.getAttribute("aria-describedby");
    return !!(twin && document.getElementById(twin));
  }

  function init() {
    if (document.querySelector("svg[data-edge-type]")) readVocabulary().then(function () { drawSamples(document); }, function () {});
    var containers = document.querySelectorAll(".atlas-graph[data-graph]");
    Array.prototype.forEach.call(containers, function (container) {
      if (container.getAttribute("data-started") || !parsed(container)) return;
      container.setAttribute("data-started", "true");
      var inline = container.getAttribute("data-graph-inline");
      var dataPromise = inline ? Promise.resolve(JSON.parse(document.getElementById(inline).content.textContent))
        : fetchGraph(graphUrl(container));
      if (container.getAttribute("data-layout") === "star") dataPromise = dataPromise.then(placeStar);
      Promise.all([dataPromise, loadVis(container.getAttribute("data-vis")), readVocabulary()])
        .then(function (res) {
          var form = container.id && document.querySelector("form[data-graph-for='" + container.id + "']");
          var overview = isOverview(res[0]);
          if (overview) container.setAttribute("data-overview", "true");
          // The first picture is already filtered, so it is drawn once.
          var graph = draw(container, res[0], res[1], form && !overview ? computeShown(res[0], readState(form)) : null);
          if (form && overview) bindOverview(graph, form);
          else if (form) bindControls(graph, form);
        })
        .catch(function (err) {
          container.setAttribute("data-error", String(err));
          container.textContent = "The graph could not be drawn (" + err.message + "). The same content is listed as text on this page.";
        });
    });
  }

  // Material's document$ gives each page, the first and every one instant navigation brings; it
  // exists once the theme's script has run, which is before the page has loaded.
  function follow() {
    if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
    else init();
  }

  var earlyVis = me && me.getAttribute("data-early-vis");
  if (earlyVis && window.atlasGraphFetch && window.atlasGraphVis) {
    // Graph first (the top of this file); whatever is not drawn yet, follow() draws.
    Promise.all([fetchGraph(window.atlasGraphFetch.url), loadVis(earlyVis), readVocabulary()]).then(init, function () {});
  } else {
    prefetch();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();
