// Plots every chart container on the page from its JSON data block.
//
// A container is <div data-figure="ID"> and its figure is the <script type="application/json"
// id="ID"> Django's json_script wrote next to it. No inline scripts and nothing evaluated, so
// a Content-Security-Policy of script-src 'self' without 'unsafe-eval' holds. Charts are
// drawn on load and again after htmx swaps a dashboard partial; the figures also sit in a
// data table in <details>, so nothing depends on this file.
(function () {
  "use strict";

  // Each figure carries its config (reports/charts.py plot_config: the toolbar is "download
  // as PNG" only, the locale follows the page). This fallback applies the same rules to a
  // figure that came without one, so no chart ever shows the cloud/share buttons.
  var FALLBACK = {
    responsive: true, displaylogo: false, showSendToCloud: false, plotlyServerURL: "",
    modeBarButtons: [["toImage"]],
    locale: (document.documentElement.lang || "sv").slice(0, 2) === "sv" ? "sv" : "en"
  };

  function plotIn(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    var containers = root.matches && root.matches("[data-figure]") ? [root] : [];
    containers = containers.concat(Array.prototype.slice.call(root.querySelectorAll("[data-figure]")));
    containers.forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) return;
      var figure;
      try {
        figure = JSON.parse(source.textContent);
      } catch (err) {
        return;
      }
      window.Plotly.react(el, figure.data || [], figure.layout || {}, figure.config || FALLBACK);
    });
  }

  function purgeIn(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    root.querySelectorAll(".js-plotly-plot").forEach(function (el) { window.Plotly.purge(el); });
  }

  document.addEventListener("DOMContentLoaded", function () { plotIn(document); });
  document.addEventListener("htmx:beforeSwap", function (event) { purgeIn(event.detail.target); });
  document.addEventListener("htmx:afterSettle", function (event) { plotIn(event.detail.elt || document); });

  // Charts are sized for the screen; fit them to the paper before printing.
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) return;
    document.querySelectorAll(".js-plotly-plot").forEach(function (el) { window.Plotly.Plots.resize(el); });
  });

  // "Skriv ut": one click prints the report. Hidden without JavaScript (the browser's own
  // print command works there).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
