// The chart of a saved query, drawn on its page (site/templates/query.html): the Vega-Lite spec
// the build made from the query's `-- chart:` line (the same spec as its image in
// docs/charts.md), with the rows of this page's own query, parameters included, as its data.
(function () {
  "use strict";
  // Text longer than the spec's usermeta.textChars (scripts/core/sizes.py CHART_TEXT_CHARS) is
  // drawn cut with "…", as in the images: a 24,000-character label made a chart of megabytes.
  function cut(rows, chars) {
    if (!chars) return rows;
    return rows.map(function (row) {
      var shown = {};
      Object.keys(row).forEach(function (key) {
        var value = row[key];
        shown[key] = typeof value === "string" && value.length > chars ? value.slice(0, chars - 1) + "\u2026" : value;
      });
      return shown;
    });
  }
  function draw(area) {
    var spec = JSON.parse(area.getAttribute("data-spec"));
    var url = new URL(area.getAttribute("data-rows"), window.location.href);
    new URLSearchParams(window.location.search).forEach(function (value, key) {
      if (key.charAt(0) !== "_") url.searchParams.set(key, value);
    });
    url.searchParams.set("_shape", "array");
    fetch(url.toString())
      .then(function (response) {
        if (!response.ok) throw new Error("the rows answered " + response.status);
        return response.json();
      })
      .then(function (rows) {
        spec.data = { values: cut(rows, (spec.usermeta || {}).textChars) };
        // as wide as the page's column allows (at least the figure's minimum width, in CSS)
        spec.width = "container";
        spec.autosize = { type: "fit-x", contains: "padding" };
        return vegaEmbed(area, spec, { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } });
      })
      .then(function () {
        area.setAttribute("data-drawn", "true");
      })
      .catch(function (error) {
        area.textContent = "The chart could not be drawn (" + error.message + "); the table below has the same numbers.";
      });
  }
  document.querySelectorAll(".live-chart .chart-area").forEach(draw);
})();
