// The screening form with no network: the assessment runs on the device (evaluate.js over the cached
// bundle), the screening waits in this browser's storage and is uploaded when the network returns
// (the server then assesses and saves it, with its referrals). Words come translated from the page.
(function () {
  "use strict";
  var form = document.getElementById("screening-form");
  if (!form) { return; }
  var KEY = "palermo.identification.pending";
  var lang = form.querySelector("input[name=lang]").value;
  var bundleUrl = "/identification/offline.json?lang=" + encodeURIComponent(lang);
  var box = document.getElementById("offline");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var bundle = null;

  function say(name) { return box.getAttribute("data-msg-" + name) || ""; }
  // the evaluator names a problem by its field ("age", "observed[2].phase"); the worker reads it in words
  function problemText(field) {
    var kind = field === "age" ? "age" : field.split(".").pop();
    var n = (field.match(/\[(\d+)\]/) || [])[1];
    return (say("problem-" + kind) || field) + (n ? " (" + n + ")" : "");
  }
  function pending() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function keep(items) { localStorage.setItem(KEY, JSON.stringify(items)); show(); }
  function show() {
    var n = pending().length;
    document.getElementById("pending").textContent = n ? say("pending").replace("{count}", n) : "";
    box.setAttribute("data-pending", String(n));
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/identification/sw.js", { scope: "/identification" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // Keep this form (in this language) and the bundle for the next time there is no network.
      return caches.open("palermo-identification-v1").then(function (c) {
        return c.addAll([location.pathname + location.search, bundleUrl]);
      });
    }).then(function () { box.setAttribute("data-ready", "1"); }).catch(function () {});
  }
  fetch(bundleUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (b) { bundle = b; });

  function caseFromForm() {
    var data = new FormData(form), c = { observed: [], journey: {} }, referrals = [];
    var age = String(data.get("age") || "").trim();
    c.age = /^\d+$/.test(age) ? parseInt(age, 10) : (age || null);
    if (data.get("sex")) { c.sex = data.get("sex"); }
    data.getAll("observed").forEach(function (v) {
      var at = v.indexOf("@");
      c.observed.push({ indicator: v.slice(0, at), phase: v.slice(at + 1), evidence: String(data.get("evidence_" + v) || "") });
    });
    ["crossed_border", "irregular_crossing", "paid_for_crossing", "consented_to_journey", "debt", "national_of_destination"]
      .forEach(function (k) { var v = data.get(k); if (v === "yes") { c.journey[k] = true; } else if (v === "no") { c.journey[k] = false; } });
    ["facilitator_after_arrival", "debt_to"].forEach(function (k) { if (data.get(k)) { c.journey[k] = data.get(k); } });
    data.forEach(function (v, k) {
      if (k.indexOf("refer_") === 0 && v) {
        referrals.push({ organisation: k.slice(6), consent: v === "consent", child_protection: v === "child_protection" });
      }
    });
    return { case: c, referrals: referrals };
  }

  function upload() {
    var items = pending();
    if (!items.length || !navigator.onLine) { return; }
    var item = items[0];
    fetch("/api/v1/identification/screen", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ case: item.case, referrals: item.referrals, lang: lang, save: true })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      var rest = pending().filter(function (x) { return x.id !== item.id; });
      if (res.ok) {
        keep(rest);
        var a = document.createElement("a");
        a.href = "/identification/screenings/" + res.body.reference + "?lang=" + lang;
        a.textContent = say("uploaded").replace("{reference}", res.body.reference);
        a.className = "uploaded";
        document.getElementById("uploaded").appendChild(a);
        upload();
      } else if (res.body && res.body.error === "validation") {
        keep(rest);  // the server refused it: show why, do not retry forever
        document.getElementById("offline-result").textContent = res.body.message;
      }
    }).catch(function () { /* still no network: try again when it returns */ });
  }

  form.addEventListener("submit", function (evt) {
    if (navigator.onLine) { return; }
    evt.preventDefault();
    var entry = caseFromForm(), out = document.getElementById("offline-result");
    if (!bundle) { out.textContent = say("nobundle"); return; }
    var result = window.PalermoScreening.evaluate(bundle, entry.case);
    if (!result.ok) { out.textContent = say("invalid") + " " + result.problems.map(problemText).join("; "); return; }
    out.textContent = say("result").replace("{conclusion}", bundle.labels.conclusions[result.conclusion]);
    out.setAttribute("data-conclusion", result.conclusion);
    entry.id = String(Date.now()) + "-" + Math.random().toString(16).slice(2);
    keep(pending().concat([entry]));
    form.reset();
  });
  window.addEventListener("online", upload);
  show();
  upload();
})();
