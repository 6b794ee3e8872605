// Palermo front-end glue. No inline scripts anywhere (strict CSP): behaviour is attached here.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // htmx requests carry the CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrf;
  });

  // Charts: any element with data-vega-spec gets a Vega-Lite chart rendered by the CSP-safe interpreter.
  function renderCharts(root) {
    if (!window.vegaEmbed) { return; }
    root.querySelectorAll("[data-vega-spec]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      el.dataset.rendered = "1";
      var spec = JSON.parse(el.getAttribute("data-vega-spec"));
      var opts = { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" };
      if (window.vega && window.vega.expressionInterpreter) { opts.ast = true; opts.expr = window.vega.expressionInterpreter; }
      window.vegaEmbed(el, spec, opts).catch(function (err) { el.textContent = "Chart failed: " + err; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { renderCharts(evt.target); });

  // Confirmation prompts declared as data-confirm on forms.
  document.addEventListener("submit", function (evt) {
    var msg = evt.target.getAttribute && evt.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { evt.preventDefault(); }
  });
  window.palermo = { renderCharts: renderCharts, csrf: csrf };
})();
