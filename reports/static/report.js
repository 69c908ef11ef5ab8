/* finml report: draws charts from the embedded JSON and makes the findings table sortable and
   filterable. Never uses innerHTML with data: every value is set with textContent. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("finml-data").textContent);
  var cur = data.currency;
  var palette = ["#2f6fdf", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#f9ab00", "#5f6368", "#b31412", "#137333"];
  function money(v) { return v.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + cur; }

  function stacked(canvasId, block) {
    var el = document.getElementById(canvasId);
    if (!el || !block || !block.series.length || typeof Chart === "undefined") { return; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: block.labels,
        datasets: block.series.map(function (s, i) {
          return { label: s.name, data: s.values, backgroundColor: palette[i % palette.length], stack: "cost" };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, title: { display: true, text: "Day (UTC)" } },
          y: { stacked: true, title: { display: true, text: "Cost per day (" + cur + ", amortised)" } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money(c.parsed.y); } } } }
      }
    });
  }
  stacked("chart-provider", data.daily_by_provider);
  stacked("chart-service", data.daily_by_service);

  var byRec = document.getElementById("chart-recommender");
  if (byRec && data.audit && typeof Chart !== "undefined") {
    var t = data.audit.totals.by_recommender || {};
    var names = Object.keys(t);
    var vals = names.map(function (n) {
      var m = (t[n] || []).filter(function (x) { return x.currency === cur; })[0];
      return m ? parseFloat(m.amount) : 0;
    });
    if (names.length) {
      new Chart(byRec, {
        type: "bar",
        data: { labels: names, datasets: [{ label: "Estimated saving per month (" + cur + ")", data: vals, backgroundColor: "#1e8e3e" }] },
        options: {
          indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
          scales: { x: { title: { display: true, text: cur + " per month" } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return money(c.parsed.x); } } } }
        }
      });
    }
  }

  // Findings table: sort on header click, filter by text / recommender / provider.
  var table = document.getElementById("findings");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, idx) {
    if (!th.hasAttribute("data-sort")) { return; }
    th.addEventListener("click", function () {
      var numeric = th.getAttribute("data-sort") === "num";
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[idx].getAttribute("data-value"), y = b.cells[idx].getAttribute("data-value");
        var r = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });
  var text = document.getElementById("f-text"), rec = document.getElementById("f-rec"), prov = document.getElementById("f-prov");
  var count = document.getElementById("f-count");
  function apply() {
    var q = (text.value || "").toLowerCase(), shown = 0;
    rows.forEach(function (r) {
      var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
        (!rec.value || r.getAttribute("data-recommender") === rec.value) &&
        (!prov.value || r.getAttribute("data-provider") === prov.value);
      r.hidden = !ok; if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }
  [text, rec, prov].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
})();
