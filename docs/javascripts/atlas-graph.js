/* Draws the atlas graphs from the build's graph data (downloads/graph.json).
 *
 * vis-network is loaded on demand from the site itself, only on pages that have a graph.
 * Positions come precomputed from the build, so physics stays off and the picture is stable.
 * Every label and tooltip is set as text (vis-network renders string titles as text).
 */
(function () {
  "use strict";

  var COLORS = {
    "memory": "#1565c0",
    "distributed-training": "#c62828",
    "hardware": "#2e7d32",
    "other": "#757575"
  };
  var visLoading = null;

  function loadVis(src) {
    if (window.vis && window.vis.Network) return Promise.resolve(window.vis);
    if (visLoading) return visLoading;
    visLoading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = src.replace(/\.min\.js$/, ".css");
      document.head.appendChild(css);
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(window.vis); };
      s.onerror = function () { visLoading = null; reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
    return visLoading;
  }

  function tooltip(node) {
    var lines = [node.label];
    if (node.kind === "paper") {
      lines.push("Year: " + (node.year == null ? "not stated" : node.year));
      lines.push("Topics: " + node.topics.join(", "));
    } else if (node.kind === "topic") {
      lines.push("Topic");
    } else {
      lines.push("Outside the atlas" + (node.arxiv ? " · arXiv " + node.arxiv : ""));
    }
    return lines.join("\n");
  }

  function shortLabel(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function visNode(node) {
    var color = COLORS[(node.roots && node.roots[0]) || node.root] || "#9e9e9e";
    var base = { id: node.id, x: node.x, y: node.y, title: tooltip(node) };
    if (node.kind === "paper") {
      base.shape = "dot";
      base.size = 8 + 4 * Math.sqrt(node.cited_by || 0);
      base.color = color;
      base.label = shortLabel(node.label.split(":")[0], 28);
      base.font = { size: 11 };
    } else if (node.kind === "topic") {
      base.shape = "box";
      base.label = node.label;
      base.color = { background: "#ffffff", border: color };
      base.font = { size: node.level === 0 ? 18 : 13, color: "#212121" };
    } else {
      base.shape = "diamond";
      base.size = 7;
      base.color = "#8d6e63";
      base.label = shortLabel(node.label, 24);
      base.font = { size: 10, color: "#5d4037" };
    }
    return base;
  }

  var EDGE_STYLES = {
    "cites": { arrows: "to", color: "#37474f", width: 2 },
    "topic": { color: { color: "#b0bec5", opacity: 0.6 }, width: 1 },
    "subtopic": { color: { color: "#90a4ae" }, width: 2 },
    "mentions": { dashes: [4, 4], color: { color: "#a1887f" }, width: 1 },
    "extends": { arrows: "to", color: "#6a1b9a", width: 2 },
    "uses": { arrows: "to", dashes: [2, 3], color: "#00838f", width: 1.5 },
    "compares-with": { arrows: "to", dashes: [8, 4], color: "#ef6c00", width: 1.5 },
    "alternative-to": { arrows: "to", dashes: [1, 3], color: "#ad1457", width: 1.5 }
  };

  function visEdge(edge, i) {
    var style = EDGE_STYLES[edge.type] || {};
    var out = { id: "e" + i, from: edge.source, to: edge.target, title: edge.type + (edge.evidence ? "\n" + edge.evidence : "") };
    Object.keys(style).forEach(function (k) { out[k] = style[k]; });
    if (edge.weight) {  // an aggregated edge of the topic overview: wider for more links
      out.width = 1 + Math.log2(edge.weight);
      out.title = edge.weight + " " + (edge.type === "cites" ? "citation" : "relation") + (edge.weight === 1 ? "" : "s");
    }
    return out;
  }

  function resolve(root, url) {
    return root + url;
  }

  function draw(container, data, vis) {
    // Large graphs draw straight, solid edges: vis-network's default curved edges add a hidden
    // support node per edge (1,000 papers: seconds instead of a fraction of one), and dashes
    // cost as much again to paint. Colours still tell the edge types apart.
    var large = data.edges.length > 1000;
    var nodes = new vis.DataSet(data.nodes.map(visNode));
    var edges = new vis.DataSet(data.edges.map(function (e, i) {
      var out = visEdge(e, i);
      if (large) out.dashes = false;
      return out;
    }));
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
      edges: large ? { smooth: false } : {},
      physics: { enabled: false },
      interaction: { hover: true, tooltipDelay: 120, navigationButtons: false, keyboard: false },
      layout: { improvedLayout: false }
    });
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var root = container.getAttribute("data-root") || "";
    network.on("click", function (params) {
      if (params.nodes.length !== 1) return;
      var node = byId[params.nodes[0]];
      if (node && node.url) window.location.href = resolve(root, node.url);
    });
    network.once("afterDrawing", function () {
      container.setAttribute("data-ready", "true");
      container.setAttribute("data-node-count", String(nodes.length));
    });
    container.atlasNetwork = network;
    container.atlasData = data;
    return network;
  }

  function init() {
    var containers = document.querySelectorAll(".atlas-graph[data-graph]");
    Array.prototype.forEach.call(containers, function (container) {
      if (container.getAttribute("data-started")) return;
      container.setAttribute("data-started", "true");
      var inline = container.getAttribute("data-graph-inline");
      // Large atlases open on the topic-level overview unless the URL asks for ?map=full.
      var overview = container.getAttribute("data-graph-overview");
      var url = overview && !/[?&]map=full\b/.test(window.location.search) ? overview : container.getAttribute("data-graph");
      var dataPromise = inline
        ? Promise.resolve(JSON.parse(document.getElementById(inline).textContent))
        : fetch(url).then(function (r) {
            if (!r.ok) throw new Error("graph data: HTTP " + r.status);
            return r.json();
          });
      Promise.all([dataPromise, loadVis(container.getAttribute("data-vis"))])
        .then(function (res) { draw(container, res[0], res[1]); })
        .catch(function (err) {
          container.setAttribute("data-error", String(err));
          container.textContent = "The graph could not be drawn (" + err.message + "). The same content is listed in the text below.";
        });
    });
  }

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
