// guanlian workbench: draws the page's graph and expands it on click from /api/neighbours/{key}.
// Data arrives in <script type="application/json" id="graph-data">; labels and tooltips are plain text.
(function () {
  "use strict";
  // a refused write (400 bad input, 403, 404, 409, 503) shows the server's one-line message (as text)
  document.addEventListener("htmx:responseError", function (ev) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    var xhr = ev.detail.xhr;
    var msg = xhr.status + "";
    try { msg = JSON.parse(xhr.responseText).error || msg; } catch (e) { msg = xhr.status + " " + xhr.statusText; }
    flash.textContent = msg;
    flash.hidden = false;
  });
})();
(function () {
  "use strict";
  var dataEl = document.getElementById("graph-data");
  var box = document.getElementById("graph");
  if (!dataEl || !box || typeof vis === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges.map(function (e, i) { e.id = e.id || ("e" + i); return e; }));
  var options = {
    nodes: { font: { size: 14, strokeWidth: 3, strokeColor: "#ffffff" } },
    edges: { font: { size: 11, align: "horizontal", strokeWidth: 3, strokeColor: "#ffffff" },
             smooth: { type: "dynamic" }, arrows: { to: { scaleFactor: 0.6 } } },
    physics: { solver: "forceAtlas2Based",
               forceAtlas2Based: { gravitationalConstant: -90, springLength: 150, avoidOverlap: 0.5 },
               stabilization: { enabled: true, iterations: 400, fit: true } },
    interaction: { hover: true, tooltipDelay: 120 }
  };
  // handlers first, data second: a small graph can stabilise inside the constructor
  var network = new vis.Network(box, {}, options);
  var state = { network: network, nodes: nodes, edges: edges, stabilized: false, expanded: {}, pending: 0 };
  window.guanlianGraph = state;
  var count = document.getElementById("graph-count");
  function showCount() { if (count) { count.textContent = nodes.length + " · " + edges.length; } }
  function settle() { network.setOptions({ physics: false }); state.stabilized = true; }
  network.on("stabilizationIterationsDone", settle);
  network.on("stabilized", settle);
  network.setData({ nodes: nodes, edges: edges });
  showCount();
  state.expand = function (key) {
    if (state.expanded[key]) { return Promise.resolve(0); }
    state.expanded[key] = true;
    state.pending += 1;
    return fetch("/api/neighbours/" + encodeURIComponent(key), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (g) {
        var added = 0;
        g.nodes.forEach(function (n) { if (!nodes.get(n.id)) { nodes.add(n); added += 1; } });
        g.edges.forEach(function (e) { if (!edges.get(e.id)) { edges.add(e); } });
        showCount();
        var capped = document.getElementById("graph-capped");
        if (capped && g.truncated) {  // the server stopped at its cap: say so, with how many were left out
          capped.textContent = (box.getAttribute("data-capped") || "").replace("{n}", String(g.truncated))
            .replace("{limit}", String(g.limit));
        }
        if (added) {  // let the new nodes find their place; existing ones stay where the user left them
          state.stabilized = false;
          network.setOptions({ physics: true });
          network.stabilize(150);
        }
        return added;
      })
      .finally(function () { state.pending -= 1; });
  };
  if (box.getAttribute("data-expand") === "1") {
    network.on("click", function (p) { if (p.nodes.length) { state.expand(String(p.nodes[0])); } });
    network.on("doubleClick", function (p) {
      if (p.nodes.length) { window.location.href = "/entity/" + encodeURIComponent(String(p.nodes[0])); }
    });
  }
  var fit = document.getElementById("btn-fit");
  if (fit) { fit.addEventListener("click", function () { network.fit(); }); }
})();
