(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var container = document.getElementById("network");
  var network = new vis.Network(container, {
    nodes: new vis.DataSet(data.nodes),
    edges: new vis.DataSet(data.edges)
  }, data.options);
  window.guanlianView = { network: network, stabilized: false };
  function settle() {
    network.setOptions({ physics: false });
    window.guanlianView.stabilized = true;
  }
  network.on("stabilizationIterationsDone", settle);
  network.on("stabilized", settle);
  document.getElementById("btn-fit").addEventListener("click", function () { network.fit(); });
  document.getElementById("btn-layout").addEventListener("click", function () {
    network.setOptions({ physics: true });
    network.stabilize(300);
  });
})();
