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
      if (el.dataset.actionsWords) { opts.i18n = JSON.parse(el.dataset.actionsWords); }  // the menu in the page's language
      window.vegaEmbed(el, spec, opts).then(function () { labelChart(el); })
        .catch(function (err) { el.textContent = "Chart failed: " + err; });
    });
  }

  // A drawn chart is one image named by its caption (its data is in the table beside it); the export
  // menu vega-embed adds gets a name too (its <summary> holds only an icon).
  function labelChart(el) {
    var name = el.getAttribute("aria-label") || el.dataset.chartName || "";
    var svg = el.querySelector("svg");
    if (svg && name) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", name); }
    el.querySelectorAll("details > summary").forEach(function (summary) {
      if (!summary.textContent.trim()) { summary.setAttribute("aria-label", el.dataset.actionsLabel || "Save the chart as an image"); }
    });
  }

  // A table box that scrolls is a tab stop (so a keyboard can scroll it); one whose table fits is not.
  function scrollBoxes() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); } else { box.removeAttribute("tabindex"); }
    });
  }
  document.addEventListener("DOMContentLoaded", scrollBoxes);
  window.addEventListener("resize", scrollBoxes);
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { renderCharts(evt.target); });

  // Confirmation prompts declared as data-confirm on forms.
  document.addEventListener("submit", function (evt) {
    var msg = evt.target.getAttribute && evt.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { evt.preventDefault(); }
  });
  window.palermo = { renderCharts: renderCharts, csrf: csrf };
})();
