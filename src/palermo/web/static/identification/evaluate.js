// The ILO/EC screening rule on the device, for screening with no network. It reads the bundle of
// palermo.identification.offline (catalogue placements and the rule as data) and gives the same levels
// and conclusion as the Python evaluator (tests/identification/test_offline.py runs both on the same
// cases). The server assesses every uploaded screening again; this is the field preview.
(function (root) {
  "use strict";
  var LEVELS = ["not_indicated", "possible", "indicated"];

  function ageGroup(c) {
    var a = c.age;
    if (typeof a === "string" && /^\s*(child|adult)\s*$/i.test(a)) { return a.trim().toLowerCase(); }
    if (a === null || a === undefined || a === "") {
      if (c.child === true) { return "child"; }
      if (c.child === false) { return "adult"; }
      return null;
    }
    var n = Number(a);
    if (!isFinite(n) || n < 0 || n > 120 || Math.floor(n) !== n) { return null; }
    return n < 18 ? "child" : "adult";
  }

  function dimensionPositive(rule, s, m, w) {
    var have = { strong: s, medium: m, weak: w, medium_or_weak: m + w };
    return rule.some(function (alt) {
      return Object.keys(alt).every(function (k) { return have[k] >= alt[k]; });
    });
  }

  function observations(bundle, c) {
    var out = [], problems = [];
    (c.observed || []).forEach(function (o, n) {
      if (typeof o === "string") { o = { indicator: o }; }
      var id = String(o.indicator || "").trim().toUpperCase();
      var ind = bundle.indicators[id];
      if (!ind) { problems.push("observed[" + (n + 1) + "].indicator"); return; }
      var phase = String(o.phase || "").trim().toLowerCase();
      if (!phase && ind.phases.length === 1) { phase = ind.phases[0]; }
      if (ind.phases.indexOf(phase) < 0) { problems.push("observed[" + (n + 1) + "].phase"); return; }
      out.push({ indicator: id, phase: phase, evidence: o.evidence || "" });
    });
    return { observed: out, problems: problems };
  }

  function smuggling(j) {
    j = j || {};
    var e1 = j.crossed_border === false ? "not_met" : j.irregular_crossing === true ? "met"
      : j.irregular_crossing === false ? "not_met" : "unknown";
    var owes = j.debt === true && j.debt_to === "facilitator";
    var e2 = (j.paid_for_crossing === true || owes) ? "met"
      : (j.paid_for_crossing === false && j.debt !== true) ? "not_met" : "unknown";
    var e3 = j.national_of_destination === true ? "not_met" : j.national_of_destination === false ? "met" : "unknown";
    var s = [e1, e2, e3];
    if (s.every(function (x) { return x === "met"; })) { return "indicated"; }
    if (s.indexOf("not_met") >= 0) { return "not_indicated"; }
    if (s.indexOf("met") >= 0) { return "possible"; }
    return "unknown";
  }

  function evaluate(bundle, c) {
    var age = ageGroup(c);
    var parsed = observations(bundle, c);
    if (!age) { parsed.problems.unshift("age"); }
    if (parsed.problems.length) { return { ok: false, problems: parsed.problems }; }
    var phaseOf = {};
    bundle.dimensions.forEach(function (d) { phaseOf[d.key] = d.phase; });
    var lists = {}, best = 0;
    Object.keys(bundle.lists).forEach(function (key) {
      if (bundle.lists[key].age !== age) { return; }
      var counts = {};
      bundle.dimensions.forEach(function (d) { counts[d.key] = { strong: 0, medium: 0, weak: 0 }; });
      parsed.observed.forEach(function (o) {
        bundle.indicators[o.indicator].placements.forEach(function (p) {
          if (p[0] === key && phaseOf[p[1]] === o.phase) { counts[p[1]][p[2]] += 1; }
        });
      });
      var positive = {}, numbers = [], anyStrong = false, anyPositive = false;
      bundle.dimensions.forEach(function (d) {
        var k = counts[d.key];
        positive[d.key] = dimensionPositive(bundle.rule.dimension, k.strong, k.medium, k.weak);
        if (positive[d.key]) { numbers.push(d.number); anyPositive = true; }
        if (k.strong) { anyStrong = true; }
      });
      var met = bundle.rule.required[age].every(function (g) {
        return bundle.rule.groups[g].some(function (d) { return positive[d]; });
      });
      var level = met ? "indicated" : (anyPositive || anyStrong) ? "possible" : "not_indicated";
      best = Math.max(best, LEVELS.indexOf(level));
      lists[key] = { level: level, positive: numbers };
    });
    var level = LEVELS[best], smug = smuggling(c.journey);
    var conclusion = level === "indicated" ? (smug === "indicated" ? "both" : "trafficking_indicated")
      : level === "possible" ? "possible_trafficking" : smug === "indicated" ? "smuggling_indicated" : "insufficient_information";
    return { ok: true, age_group: age, lists: lists, trafficking_level: level, smuggling: smug, conclusion: conclusion,
             catalogue_version: bundle.catalogue_version };
  }

  var api = { evaluate: evaluate };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; } else { root.PalermoScreening = api; }
})(this);
