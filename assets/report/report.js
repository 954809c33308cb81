// mlrs report: the page's own code. Reads the JSON that `mlrs report` embedded, draws the runs
// table, the overlay line charts (uPlot), the scatter and parallel-coordinates plots (canvas),
// run details and registered models. Which direction is "best" for a metric comes from the
// data (`metrics[k].dir`), decided once in mlrs; this file never guesses it.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("mlrs-data").textContent);
  // Columns whose values repeat come as each string once and an index per run.
  function expand(col) { return Array.isArray(col) ? col : col.at.map(function (k) { return k < 0 ? null : col.strings[k]; }); }
  ["experiment", "status", "user"].forEach(function (k) { D.runs[k] = expand(D.runs[k]); });
  [D.params, D.tags].forEach(function (group) { Object.keys(group).forEach(function (k) { group[k] = expand(group[k]); }); });
  var PACKED = JSON.parse(document.getElementById("mlrs-histories").textContent);
  var N = D.runs.id.length;
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  var ROWS_SHOWN = 200;
  var MAX_SELECTED = 40;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function num(v) {
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    return v;
  }
  function fmtNum(v) {
    if (v === null || v === undefined) return "";
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : String(+v.toPrecision(6));
  }
  function fmtTime(ms) {
    if (ms === null || ms === undefined) return "";
    var d = new Date(ms);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function fmtBytes(b) {
    var u = ["B", "KiB", "MiB", "GiB"], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(1) : b) + " " + u[i];
  }

  // ---- columns -------------------------------------------------------------------------
  var metricKeys = Object.keys(D.metrics);
  var lastValues = {};
  metricKeys.forEach(function (k) { lastValues[k] = D.metrics[k].last.map(function (v) { return v === null ? null : num(v); }); });
  var columns = [
    { key: "run_name", label: "run", get: function (i) { return D.runs.name[i]; }, show: true },
    { key: "experiment", label: "experiment", get: function (i) { var e = D.runs.experiment[i]; return D.experiments[e] || e; }, show: Object.keys(D.experiments).length > 1 },
    { key: "status", label: "status", get: function (i) { return D.runs.status[i]; }, show: true },
    { key: "start_time", label: "start", get: function (i) { return D.runs.start[i]; }, fmt: fmtTime, show: true },
    { key: "duration", label: "duration", get: function (i) { return D.runs.end[i] !== null && D.runs.start[i] !== null ? (D.runs.end[i] - D.runs.start[i]) / 1000 : null; }, fmt: function (s) { return s === null ? "" : s < 120 ? s.toFixed(1) + " s" : (s / 60).toFixed(1) + " min"; }, show: false },
    { key: "run_id", label: "run_id", get: function (i) { return D.runs.id[i]; }, show: false },
    { key: "user_id", label: "user", get: function (i) { return D.runs.user[i]; }, show: false },
  ];
  Object.keys(D.params).forEach(function (k) {
    var col = D.params[k];
    var numeric = col.every(function (v) { return v === null || (v.trim() !== "" && !isNaN(+v)); });
    columns.push({ key: "params." + k, label: k, kind: "param", numeric: numeric, get: function (i) { var v = col[i]; return numeric && v !== null ? +v : v; }, show: true });
  });
  metricKeys.forEach(function (k) {
    columns.push({ key: "metrics." + k, label: k, kind: "metric", metric: k, dir: D.metrics[k].dir, get: function (i) { return lastValues[k][i]; }, fmt: fmtNum, show: true });
  });
  Object.keys(D.tags).forEach(function (k) {
    var col = D.tags[k];
    columns.push({ key: "tags." + k, label: k, kind: "tag", get: function (i) { return col[i]; }, show: false });
  });
  var byKey = {};
  columns.forEach(function (c) { byKey[c.key] = c; });

  // ---- state ---------------------------------------------------------------------------
  var state = {
    order: Array.from({ length: N }, function (_, i) { return i; }), // report order (mlrs's)
    sort: null, // {key, desc}
    filter: "",
    onlyChanged: false,
    selected: new Set(),
    focus: N ? 0 : -1,
    shown: [],
    filterError: "",
  };
  function coverage(get) { var n = 0; for (var i = 0; i < N; i++) if (get(i) !== null && get(i) !== undefined) n++; return n; }
  // The chart starts on the metric most runs logged (one with a direction, then the longest
  // history, then a validation metric, first), drawn for the first few runs that logged it.
  var defaultMetric = metricKeys.slice().sort(function (a, b) {
    return coverage(function (i) { return lastValues[b][i]; }) - coverage(function (i) { return lastValues[a][i]; }) ||
      (D.metrics[b].dir ? 1 : 0) - (D.metrics[a].dir ? 1 : 0) || D.metrics[b].longest - D.metrics[a].longest || (/val/i.test(b) ? 1 : 0) - (/val/i.test(a) ? 1 : 0) || (a < b ? -1 : 1);
  })[0];
  state.order.filter(function (i) { return defaultMetric && lastValues[defaultMetric][i] !== null; }).slice(0, 5).forEach(function (i) { state.selected.add(i); });

  // ---- filter: the language of `mlrs search` (MLflow's, with OR, NOT, parentheses, IN,
  // NOT LIKE and now-2d; keys may also hold '-' and '/' unquoted, metrics.val-rmse), else a
  // substring of any value in the table ----------------------------------------------------
  var TOKEN = /\s*(?:(-?\d+(?:\.\d+)?[eE]-?\d+|-?(?:\d+\.\d*|\.\d+)|-?\d+)(?![\w])|(\()|(\))|(,)|('(?:''|\\'|[^'])*')|([<>=~!]+)|((?:`(?:``|[^`])*`|"(?:""|\\"|[^"])*"|\w+)(?:\.(?:`(?:``|[^`])*`|"(?:""|\\"|[^"])*"|'(?:''|\\'|[^'])*'|[\w\/-]+))*))/y;
  var KEYWORDS = ["and", "or", "not", "like", "ilike", "in", "is", "null"];
  var ATTRS = { run_id: "id", run_name: "name", "run name": "name", status: "status", user_id: "user", start_time: "start", created: "start", end_time: "end" };
  var NOW = Date.now();
  function lex(text) {
    var out = [], m;
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      var at = TOKEN.lastIndex;
      if (/^\s*$/.test(text.slice(at))) break;
      m = TOKEN.exec(text);
      if (!m) throw new Error("cannot read the filter at column " + (at + 1) + ": " + JSON.stringify(text.slice(at, at + 12)));
      if (m[1] !== undefined) out.push({ t: "num", v: +m[1] });
      else if (m[2]) out.push({ t: "(" });
      else if (m[3]) out.push({ t: ")" });
      else if (m[4]) out.push({ t: "," });
      else if (m[5]) out.push({ t: "str", v: m[5].slice(1, -1) });
      else if (m[6]) out.push({ t: "op", v: m[6] });
      else {
        var w = m[7], low = w.toLowerCase();
        if (KEYWORDS.indexOf(low) >= 0) out.push({ t: low });
        else if (low === "now") {
          var rel = /^\s*([+-])\s*((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)/.exec(text.slice(TOKEN.lastIndex)), ms = 0;
          if (rel) {
            rel[2].replace(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g, function (_, n, u) { ms += +n * { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[u]; });
            TOKEN.lastIndex += rel[0].length;
          }
          out.push({ t: "num", v: NOW + (rel && rel[1] === "-" ? -ms : ms), time: true });
        } else out.push({ t: "key", v: w });
      }
    }
    return out;
  }
  function unquote(k) { return /^`.*`$|^".*"$/.test(k) ? k.slice(1, -1) : k; }
  // A key's getter and whether it holds numbers.
  function lookup(path) {
    var dot = path.search(/\.(?=[`"\w'])/), entity = dot < 0 ? null : unquote(path.slice(0, dot)).toLowerCase();
    var name = unquote(dot < 0 ? path : path.slice(dot + 1));
    if (/^metrics?$/.test(entity)) return { numeric: true, get: function (i) { return lastValues[name] ? lastValues[name][i] : null; } };
    if (/^param(eter)?s?$/.test(entity)) return { nullable: true, get: function (i) { return D.params[name] ? D.params[name][i] : null; } };
    if (/^tags?$/.test(entity)) return { nullable: true, get: function (i) { return D.tags[name] ? D.tags[name][i] : null; } };
    if (entity !== null && !/^(attributes?|attr|run)$/.test(entity)) throw new Error("'" + entity + "' is not an entity; use metrics., params., tags. or attributes.");
    var attr = ATTRS[name] || ATTRS[name.toLowerCase()];
    if (!attr) throw new Error("'" + name + "' is not a run attribute this page holds (run_id, run_name, status, user_id, start_time, end_time)");
    return { numeric: attr === "start" || attr === "end", time: true, get: function (i) { return D.runs[attr][i]; } };
  }
  function likeRegex(pat, flags) {
    return new RegExp("^" + pat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, "[\\s\\S]*").replace(/_/g, "[\\s\\S]") + "$", flags);
  }
  function parseFilter(text) {
    var toks = lex(text), pos = 0, depth = 0;
    function peek(t) { return toks[pos] && toks[pos].t === t; }
    function eat(t) { if (peek(t)) { pos++; return true; } return false; }
    function describe(t) { return t ? (t.v !== undefined ? JSON.stringify(String(t.v)) : "'" + t.t.toUpperCase() + "'") : "the end"; }
    function what() { return describe(toks[pos]); }
    function orExpr() {
      var parts = [andExpr()];
      while (eat("or")) parts.push(andExpr());
      return parts.length === 1 ? parts[0] : function (i) { return parts.some(function (p) { return p(i); }); };
    }
    function andExpr() {
      var parts = [unary()];
      while (eat("and")) parts.push(unary());
      return parts.length === 1 ? parts[0] : function (i) { return parts.every(function (p) { return p(i); }); };
    }
    function unary() {
      if (++depth > 64) throw new Error("NOT and parentheses nest too deep");
      var e;
      if (eat("not")) { var inner = unary(); e = function (i) { return !inner(i); }; }
      else if (eat("(")) { e = orExpr(); if (!eat(")")) throw new Error("expected ')', found " + what()); }
      else e = comparison();
      depth--;
      return e;
    }
    function string(t) {
      if (t && t.t === "str") return t.v;
      if (t && t.t === "key" && /^".*"$/.test(t.v)) return t.v.slice(1, -1);
      throw new Error("expected a quoted string, found " + describe(t));
    }
    function comparison() {
      var k = toks[pos++];
      if (!k || k.t !== "key") { pos--; throw new Error("expected a key such as metrics.rmse, found " + what()); }
      var key = lookup(k.v), get = key.get, negate = eat("not"), t = toks[pos++];
      if (!t) throw new Error("expected an operator after " + k.v);
      if (t.t === "is") {
        var present = eat("not");
        if (!eat("null")) throw new Error("expected NULL after IS");
        if (!key.nullable) throw new Error("IS NULL works on params and tags only");
        return function (i) { var v = get(i); return (v !== null && v !== undefined) === present; };
      }
      var test;
      if (t.t === "like" || t.t === "ilike") {
        if (key.numeric) throw new Error(k.v + " is a number; LIKE works on strings");
        var rx = likeRegex(string(toks[pos++]), t.t === "ilike" ? "i" : "");
        test = function (v) { return rx.test(String(v)) !== negate; };
      } else if (t.t === "in") {
        if (key.numeric) throw new Error(k.v + " is a number; IN works on strings");
        if (!eat("(")) throw new Error("IN needs a list: " + k.v + " IN ('a', 'b')");
        var list = [string(toks[pos++])];
        while (eat(",")) list.push(string(toks[pos++]));
        if (!eat(")")) throw new Error("expected ')' to end the list, found " + what());
        test = function (v) { return (list.indexOf(String(v)) >= 0) !== negate; };
      } else if (t.t === "op" && !negate && /^(=|!=|<|<=|>|>=)$/.test(t.v)) {
        var op = t.v, value;
        if (key.numeric) {
          var n = toks[pos++];
          if (!n || n.t !== "num" || (n.time && !key.time)) throw new Error("expected a number for " + k.v + " (numbers are not quoted)");
          value = n.v;
        } else {
          if (op !== "=" && op !== "!=") throw new Error("'" + op + "' compares numbers, and " + k.v + " is a string; use =, !=, LIKE, ILIKE or IN");
          value = string(toks[pos++]);
        }
        test = function (v) {
          switch (op) {
            case "=": return v === value;
            case "!=": return v !== value;
            case "<": return v < value;
            case "<=": return v <= value;
            case ">": return v > value;
            default: return v >= value;
          }
        };
      } else throw new Error("expected an operator after " + k.v + " (=, !=, <, >, LIKE, IN, IS NULL, …)");
      // MLflow's rule: a missing value matches no comparison.
      return function (i) { var v = get(i); return v !== null && v !== undefined && test(key.numeric ? +v : String(v)); };
    }
    var expr = orExpr();
    if (pos < toks.length) throw new Error("expected AND or OR before " + what());
    return expr;
  }
  function filterRows() {
    var text = state.filter.trim();
    state.filterError = "";
    if (!text) return state.order.slice();
    var test = null;
    if (/[<>=!]|\b(like|ilike|in|is)\b/i.test(text)) {
      try { test = parseFilter(text); } catch (e) { state.filterError = e.message + " (used as plain text)"; }
    }
    if (test) return state.order.filter(test);
    var needle = text.toLowerCase();
    return state.order.filter(function (i) {
      return columns.some(function (c) { var v = c.get(i); return v !== null && v !== undefined && String(v).toLowerCase().indexOf(needle) >= 0; });
    });
  }
  function compare(a, b) {
    var an = a === null || a === undefined || (typeof a === "number" && isNaN(a));
    var bn = b === null || b === undefined || (typeof b === "number" && isNaN(b));
    if (an || bn) return an && bn ? 0 : an ? 1 : -1; // missing values last either way
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  // ---- runs table ----------------------------------------------------------------------
  var root = el("main");
  document.body.appendChild(root);
  var header = el("header", {}, [
    el("h1", { text: D.title }),
    el("p", { cls: "meta", text: N + " runs · " + metricKeys.length + " metrics · made by mlrs " + fmtTime(D.generated) + (D.refresh ? " · reloads every " + D.refresh + " s" : "") }),
  ]);
  root.appendChild(header);

  var filterBox = el("input", { id: "filter", type: "search", placeholder: "filter: text, or as mlrs search: metrics.rmse < 5 and (params.model = 'xgboost' or not tags.stage like 'dev%')", size: "60" });
  var onlyChanged = el("input", { id: "only-changed", type: "checkbox" });
  var chooser = el("details", { id: "column-chooser", cls: "chooser" }, [el("summary", { text: "Columns" })]);
  var countNote = el("span", { id: "count", cls: "meta" });
  var filterNote = el("span", { id: "filter-error", cls: "error" });
  var table = el("table", { id: "runs" });
  var more = el("button", { id: "more", type: "button", text: "Show more" });
  root.appendChild(el("section", { id: "runs-section" }, [
    el("h2", { text: "Runs" }),
    el("div", { cls: "toolbar" }, [filterBox, el("label", {}, [onlyChanged, document.createTextNode(" only changed")]), chooser,
      el("button", { type: "button", text: "Select shown", onclick: function () { state.shown.slice(0, MAX_SELECTED).forEach(function (i) { state.selected.add(i); }); refresh(); } }),
      el("button", { type: "button", text: "Clear selection", onclick: function () { state.selected.clear(); refresh(); } }),
      countNote, filterNote]),
    el("div", { cls: "table-wrap" }, [table]), more,
  ]));
  var limit = ROWS_SHOWN;
  more.addEventListener("click", function () { limit += ROWS_SHOWN; drawTable(); });
  var debounce;
  filterBox.addEventListener("input", function () { clearTimeout(debounce); debounce = setTimeout(function () { state.filter = filterBox.value; limit = ROWS_SHOWN; refresh(); }, 120); });
  onlyChanged.addEventListener("change", function () { state.onlyChanged = onlyChanged.checked; drawTable(); });

  function groupOf(c) { return c.kind ? c.kind + "s" : "run"; }
  var groups = {};
  columns.forEach(function (c) { (groups[groupOf(c)] = groups[groupOf(c)] || []).push(c); });
  Object.keys(groups).forEach(function (g) {
    var box = el("fieldset", {}, [el("legend", { text: g })]);
    groups[g].forEach(function (c) {
      var cb = el("input", { type: "checkbox", "data-key": c.key });
      cb.checked = c.show;
      cb.addEventListener("change", function () { c.show = cb.checked; drawTable(); });
      box.appendChild(el("label", {}, [cb, document.createTextNode(" " + c.label)]));
    });
    chooser.appendChild(box);
  });

  function changed(c, rows) {
    if (rows.length < 2) return true;
    var first = c.get(rows[0]);
    return rows.some(function (i) { var v = c.get(i); return !(v === first || (typeof v === "number" && typeof first === "number" && isNaN(v) && isNaN(first))); });
  }
  // As `compare`: the best finite value, none when they are all the same.
  function bestOf(c, rows) {
    if (!c.dir) return null;
    var best = null, worst = null;
    rows.forEach(function (i) {
      var v = c.get(i);
      if (typeof v !== "number" || !isFinite(v)) return;
      if (best === null || (c.dir === "min" ? v < best : v > best)) best = v;
      if (worst === null || (c.dir === "min" ? v > worst : v < worst)) worst = v;
    });
    return best === worst ? null : best;
  }

  function drawTable() {
    var rows = state.shown;
    var cols = columns.filter(function (c) { return c.show && (!state.onlyChanged || c.key === "run_name" || changed(c, rows)); });
    table.textContent = "";
    var headRow = el("tr", {}, [el("th", { cls: "sel", title: "chart these runs" })]);
    cols.forEach(function (c) {
      var arrow = state.sort && state.sort.key === c.key ? (state.sort.desc ? " ▼" : " ▲") : "";
      var title = c.key + (c.dir ? " (" + (c.dir === "min" ? "lower" : "higher") + " is better)" : "");
      headRow.appendChild(el("th", { "data-key": c.key, cls: c.kind || "attr", title: title, text: c.label + arrow, onclick: function () {
        state.sort = state.sort && state.sort.key === c.key ? { key: c.key, desc: !state.sort.desc } : { key: c.key, desc: false };
        refresh();
      } }));
    });
    table.appendChild(el("thead", {}, [headRow]));
    var best = {};
    cols.forEach(function (c) { best[c.key] = bestOf(c, rows); });
    var body = el("tbody");
    rows.slice(0, limit).forEach(function (i) {
      var cb = el("input", { type: "checkbox", cls: "select-run", "data-run": D.runs.id[i] });
      cb.checked = state.selected.has(i);
      cb.addEventListener("change", function () {
        if (cb.checked) state.selected.add(i); else state.selected.delete(i);
        drawCharts(); drawScatter(); drawParallel();
      });
      var tr = el("tr", { "data-run": D.runs.id[i], cls: i === state.focus ? "focus" : "" }, [el("td", { cls: "sel" }, [cb])]);
      cols.forEach(function (c) {
        var v = c.get(i);
        var td = el("td", { cls: (c.kind || "attr") + (typeof v === "number" ? " num" : ""), text: c.fmt ? c.fmt(v) : v === null || v === undefined ? "" : String(v) });
        if (best[c.key] !== null && best[c.key] !== undefined && v === best[c.key]) { td.className += " best"; td.title = "best " + c.label; }
        if (c.key === "run_name") { td.className += " link"; td.addEventListener("click", function () { state.focus = i; drawTable(); drawDetails(); }); }
        if (c.key === "status") td.className += " status-" + String(v).toLowerCase();
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    more.hidden = rows.length <= limit;
    countNote.textContent = rows.length + " of " + N + " runs" + (rows.length > limit ? ", first " + limit + " listed" : "") + " · " + state.selected.size + " selected";
    filterNote.textContent = state.filterError;
  }

  function refresh() {
    var rows = filterRows();
    if (state.sort) {
      var c = byKey[state.sort.key], desc = state.sort.desc;
      var keys = new Map(rows.map(function (i) { return [i, c.get(i)]; }));
      rows.sort(function (a, b) {
        var av = keys.get(a), bv = keys.get(b);
        var missing = av === null || av === undefined || bv === null || bv === undefined;
        var r = compare(av, bv);
        return (desc && !missing ? -r : r) || a - b;
      });
    }
    state.shown = rows;
    drawTable();
    drawCharts();
    drawScatter();
    drawParallel();
  }

  function colorOf(i) {
    var sel = Array.from(state.selected).sort(function (a, b) { return a - b; });
    return PALETTE[sel.indexOf(i) % PALETTE.length];
  }
  function dashOf(i) {
    var sel = Array.from(state.selected).sort(function (a, b) { return a - b; });
    var k = Math.floor(sel.indexOf(i) / PALETTE.length) % 3;
    return [[], [6, 4], [2, 3]][k];
  }

  // ---- histories -----------------------------------------------------------------------
  // What charts draw at first (`mlrs-histories`), and the whole histories of the thinned
  // series when they fit the page (`mlrs-full`, read only when asked for).
  var histories = {}, wholeHistories = {}, FULL = null;
  function unpack(packed) {
    var bin = atob(packed), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (text) {
      return JSON.parse(text).map(function (h) {
        if (!h) return null;
        var steps = [], times = [], s = 0, t = 0;
        for (var j = 0; j < h[1].length; j++) { s += h[1][j]; t += h[2][j]; steps.push(s); times.push(t); }
        return { logged: h[0], steps: steps, times: times, values: h[3] };
      });
    });
  }
  function canUnpack(packed) { return packed && typeof DecompressionStream !== "undefined"; }
  function loadHistory(key) {
    if (!histories[key]) histories[key] = canUnpack(PACKED[key]) ? unpack(PACKED[key]) : Promise.resolve(null);
    return histories[key];
  }
  // The thinned series of `key` replaced by their whole histories.
  function loadWhole(key) {
    if (!wholeHistories[key]) {
      if (!FULL) FULL = JSON.parse(document.getElementById("mlrs-full").textContent);
      wholeHistories[key] = Promise.all([loadHistory(key), canUnpack(FULL[key]) ? unpack(FULL[key]) : null]).then(function (both) {
        return both[0] && both[0].map(function (h, i) { return (both[1] && both[1][i]) || h; });
      });
    }
    return wholeHistories[key];
  }
  function fmtCount(n) { return n.toLocaleString("en-US"); }
  // What a chart says when some of the series it draws are thinned.
  function thinnedNote(key, names) {
    var m = D.metrics[key], who = names.slice(0, 5).join(", ") + (names.length > 5 ? "…" : "");
    var how = "Thinned to fit the page (each step column's lowest and highest value, so no spike is lost): " + who + ". ";
    var box = el("p", { cls: "meta thinned" });
    if (chartState.whole[key]) { box.textContent = "Every logged point drawn."; return box; }
    if (m.full) {
      box.textContent = how;
      box.appendChild(el("button", { type: "button", cls: "load-full", "data-metric": key, text: "Draw every logged point",
        onclick: function () { chartState.whole[key] = true; drawCharts(); } }));
      return box;
    }
    box.textContent = how + "The runs logged " + fmtCount(m.logged) + " points of " + key + ", more than the page holds (at most " +
      fmtCount(D.max_points) + " points in all): `mlrs report --max-points " + D.max_points_for_all + "` makes a page with every point, and `mlrs runs history RUN " + key + "` prints them.";
    return box;
  }

  // ---- overlay line charts -------------------------------------------------------------
  var chartState = { metrics: [], x: "step", logY: false, smooth: 0, whole: {} };
  if (defaultMetric) chartState.metrics.push(defaultMetric);
  var metricPick = el("details", { cls: "chooser", id: "metric-chooser" }, [el("summary", { text: "Metrics" })]);
  metricKeys.forEach(function (k) {
    var cb = el("input", { type: "checkbox", "data-metric": k });
    cb.checked = chartState.metrics.indexOf(k) >= 0;
    cb.addEventListener("change", function () {
      chartState.metrics = metricKeys.filter(function (m) { var b = metricPick.querySelector('input[data-metric="' + CSS.escape(m) + '"]'); return b && b.checked; });
      drawCharts();
    });
    metricPick.appendChild(el("label", {}, [cb, document.createTextNode(" " + k)]));
  });
  var xPick = el("select", { id: "x-axis" }, ["step", "time", "relative"].map(function (x) { return el("option", { value: x, text: "x: " + x }); }));
  xPick.addEventListener("change", function () { chartState.x = xPick.value; drawCharts(); });
  var logY = el("input", { type: "checkbox", id: "log-y" });
  logY.addEventListener("change", function () { chartState.logY = logY.checked; drawCharts(); });
  var smooth = el("input", { type: "range", id: "smooth", min: "0", max: "0.99", step: "0.01", value: "0" });
  var smoothLabel = el("span", { cls: "meta", text: "0" });
  smooth.addEventListener("input", function () { chartState.smooth = +smooth.value; smoothLabel.textContent = smooth.value; drawCharts(); });
  var charts = el("div", { id: "charts", cls: "charts" });
  root.appendChild(el("section", { id: "charts-section" }, [
    el("h2", { text: "Metric histories of the selected runs" }),
    el("div", { cls: "toolbar" }, [metricPick, xPick, el("label", {}, [logY, document.createTextNode(" log y")]),
      el("label", {}, [document.createTextNode("smoothing "), smooth]), smoothLabel,
      el("span", { cls: "meta", text: "drag to zoom, double-click to reset" })]),
    charts,
  ]));

  function smoothed(values, alpha) {
    // Debiased exponential moving average (as TensorBoard draws it); gaps stay gaps.
    var out = [], last = 0, weight = 0;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v === null || !isFinite(v)) { out.push(v); continue; }
      last = last * alpha + (1 - alpha) * v;
      weight = weight * alpha + (1 - alpha);
      out.push(last / weight);
    }
    return out;
  }

  var plots = [];
  var drawToken = 0;
  function drawCharts() {
    var token = ++drawToken;
    var sel = Array.from(state.selected).sort(function (a, b) { return a - b; });
    Promise.all(chartState.metrics.map(function (k) { return chartState.whole[k] ? loadWhole(k) : loadHistory(k); })).then(function (loaded) {
      if (token !== drawToken) return;
      plots.forEach(function (p) { p.destroy(); });
      plots = [];
      charts.textContent = "";
      if (!sel.length) { charts.appendChild(el("p", { cls: "meta", text: "Select runs in the table to draw their metrics." })); return; }
      chartState.metrics.forEach(function (key, m) {
        var hist = loaded[m];
        var box = el("div", { cls: "chart", "data-metric": key }, [el("h3", { text: key + (D.metrics[key].dir ? (D.metrics[key].dir === "min" ? " (lower is better)" : " (higher is better)") : "") })]);
        charts.appendChild(box);
        if (!hist) { box.appendChild(el("p", { cls: "meta", text: "This browser cannot unpack the histories (no DecompressionStream)." })); return; }
        var tables = [], series = [{ label: chartState.x }], modes = [], down = [], points = 0;
        sel.forEach(function (i) {
          var h = hist[i];
          if (!h) return;
          var xs = chartState.x === "step" ? h.steps : chartState.x === "time" ? h.times.map(function (t) { return t / 1000; }) : h.times.map(function (t) { return (t - h.times[0]) / 1000; });
          var ys = h.values.map(function (v) { return v !== null && chartState.logY && v <= 0 ? null : v; });
          if (h.logged > h.values.length || chartState.whole[key]) down.push(D.runs.name[i] || D.runs.id[i].slice(0, 8));
          points += h.values.length;
          var label = D.runs.name[i] || D.runs.id[i].slice(0, 8);
          var color = colorOf(i), dash = dashOf(i);
          if (chartState.smooth > 0) {
            tables.push([xs, ys, smoothed(ys, chartState.smooth)]);
            series.push({ label: label + " (raw)", stroke: color + "40", width: 1, dash: dash, show: true });
            series.push({ label: label, stroke: color, width: 2, dash: dash });
            modes.push([1, 1, 1]);
          } else {
            tables.push([xs, ys]);
            series.push({ label: label, stroke: color, width: 2, dash: dash, points: { show: h.values.length < 40 } });
            modes.push([1, 1]);
          }
        });
        if (!tables.length) { box.appendChild(el("p", { cls: "meta", text: "None of the selected runs logged " + key + "." })); return; }
        // Sorting x for uPlot: runs may interleave; join merges them onto one sorted x.
        var data = tables.length === 1 ? tables[0] : uPlot.join(tables, modes);
        var opts = {
          width: Math.max(320, Math.min(charts.clientWidth || 900, 1200) / (chartState.metrics.length > 1 ? 2 : 1) - 16),
          height: 300,
          series: series,
          scales: { x: { time: chartState.x === "time" }, y: chartState.logY ? { distr: 3 } : {} },
          axes: [{ label: chartState.x === "step" ? "step" : chartState.x === "time" ? "" : "seconds since first point" }, { size: 70 }],
          cursor: { drag: { x: true, y: false } },
          legend: { live: true },
        };
        plots.push(new uPlot(opts, data, box));
        if (!document.body.hasAttribute("data-charts-ms")) document.body.setAttribute("data-charts-ms", String(Math.round(performance.now())));
        box.setAttribute("data-points", String(points));
        if (down.length) box.appendChild(thinnedNote(key, down));
      });
    }).catch(function (e) { charts.textContent = "Could not draw the charts: " + e; });
  }

  // ---- scatter: a param or metric against a metric -------------------------------------
  var numericCols = columns.filter(function (c) { return c.kind === "param" || c.kind === "metric"; });
  var sx = el("select", { id: "scatter-x" }, numericCols.map(function (c) { return el("option", { value: c.key, text: c.key }); }));
  var sy = el("select", { id: "scatter-y" }, numericCols.filter(function (c) { return c.kind === "metric"; }).map(function (c) { return el("option", { value: c.key, text: c.key }); }));
  // Params that vary, the ones most runs set first.
  var varied = numericCols.filter(function (c) { return c.kind === "param" && changed(c, state.order); })
    .sort(function (a, b) { return coverage(b.get) - coverage(a.get); });
  var firstParam = varied[0];
  if (firstParam) sx.value = firstParam.key;
  if (defaultMetric) sy.value = "metrics." + defaultMetric;
  var scatterCanvas = el("canvas", { id: "scatter", width: "560", height: "380" });
  var parAxes = el("details", { cls: "chooser", id: "parallel-chooser" }, [el("summary", { text: "Axes" })]);
  var parCanvas = el("canvas", { id: "parallel", width: "900", height: "380" });
  var parColor = el("select", { id: "parallel-color" }, numericCols.filter(function (c) { return c.kind === "metric"; }).map(function (c) { return el("option", { value: c.key, text: "colour: " + c.key }); }));
  if (defaultMetric) parColor.value = "metrics." + defaultMetric;
  root.appendChild(el("section", { id: "relations" }, [
    el("h2", { text: "Params and metrics" }),
    el("div", { cls: "pair" }, [
      el("div", {}, [el("div", { cls: "toolbar" }, [sx, el("span", { text: "vs" }), sy]), scatterCanvas]),
      el("div", {}, [el("div", { cls: "toolbar" }, [parAxes, parColor, el("span", { cls: "meta", text: "one line per run in the table (selected: thick); dark is the best value of the last axis" })]), parCanvas]),
    ]),
  ]));
  sx.addEventListener("change", drawScatter);
  sy.addEventListener("change", drawScatter);
  parColor.addEventListener("change", drawParallel);
  var parDefault = varied.slice(0, 6);
  columns.filter(function (c) { return c.kind === "param" || c.kind === "metric"; }).forEach(function (c) {
    var cb = el("input", { type: "checkbox", "data-key": c.key });
    cb.checked = parDefault.indexOf(c) >= 0;
    cb.addEventListener("change", drawParallel);
    parAxes.appendChild(el("label", {}, [cb, document.createTextNode(" " + c.key)]));
  });

  function axisOf(c, rows) {
    // Numbers on a linear axis; anything else on a category axis in sorted order.
    var vals = rows.map(function (i) { return c.get(i); }).filter(function (v) { return v !== null && v !== undefined && !(typeof v === "number" && !isFinite(v)); });
    if (vals.every(function (v) { return typeof v === "number"; })) {
      var lo = Math.min.apply(null, vals.length ? vals : [0]), hi = Math.max.apply(null, vals.length ? vals : [1]);
      if (lo === hi) { lo -= 0.5; hi += 0.5; }
      return { pos: function (v) { return typeof v === "number" && isFinite(v) ? (v - lo) / (hi - lo) : null; }, ticks: [lo, (lo + hi) / 2, hi].map(function (t) { return [(t - lo) / (hi - lo), fmtNum(t)]; }) };
    }
    var cats = Array.from(new Set(vals.map(String))).sort(function (a, b) { return compare(a, b); });
    var at = function (k) { return cats.length === 1 ? 0.5 : k / (cats.length - 1); };
    return { pos: function (v) { var k = cats.indexOf(String(v)); return v === null || v === undefined || k < 0 ? null : at(k); }, ticks: cats.slice(0, 12).map(function (c, k) { return [at(cats.indexOf(c)), c]; }) };
  }
  function setupCanvas(cv) {
    var ratio = window.devicePixelRatio || 1, w = +cv.getAttribute("width"), h = +cv.getAttribute("height");
    cv.width = w * ratio; cv.height = h * ratio; cv.style.width = w + "px"; cv.style.height = h + "px";
    var g = cv.getContext("2d"); g.setTransform(ratio, 0, 0, ratio, 0, 0); g.clearRect(0, 0, w, h);
    g.font = "12px system-ui, sans-serif"; return { g: g, w: w, h: h };
  }
  function drawScatter() {
    var cx = byKey[sx.value], cy = byKey[sy.value], c = setupCanvas(scatterCanvas), g = c.g;
    if (!cx || !cy) { g.fillText("No params or metrics to plot.", 20, 30); return; }
    var rows = state.shown, L = 70, R = 16, T = 14, B = 40, W = c.w - L - R, H = c.h - T - B;
    var ax = axisOf(cx, rows), ay = axisOf(cy, rows);
    g.strokeStyle = "#888"; g.fillStyle = "#333"; g.strokeRect(L, T, W, H);
    ax.ticks.forEach(function (t) { g.textAlign = "center"; g.fillText(t[1], L + t[0] * W, T + H + 16); });
    ay.ticks.forEach(function (t) { g.textAlign = "right"; g.fillText(t[1], L - 6, T + (1 - t[0]) * H + 4); });
    g.textAlign = "center"; g.fillText(cx.key, L + W / 2, c.h - 4);
    g.save(); g.translate(12, T + H / 2); g.rotate(-Math.PI / 2); g.fillText(cy.key, 0, 0); g.restore();
    var best = bestOf(cy, rows), bestAt = null;
    rows.forEach(function (i) {
      var px = ax.pos(cx.get(i)), py = ay.pos(cy.get(i));
      if (px === null || py === null) return;
      var x = L + px * W, y = T + (1 - py) * H, on = state.selected.has(i);
      g.fillStyle = on ? colorOf(i) : "rgba(90,90,90,0.45)";
      g.beginPath(); g.arc(x, y, on ? 5 : 3, 0, 2 * Math.PI); g.fill();
      if (best !== null && cy.get(i) === best && bestAt === null) bestAt = [x, y, i];
    });
    if (bestAt) {
      g.strokeStyle = "#D55E00"; g.lineWidth = 2; g.beginPath(); g.arc(bestAt[0], bestAt[1], 9, 0, 2 * Math.PI); g.stroke(); g.lineWidth = 1;
      g.fillStyle = "#D55E00"; g.textAlign = "left"; g.fillText("best: " + (D.runs.name[bestAt[2]] || ""), Math.min(bestAt[0] + 12, c.w - 140), bestAt[1] < T + 20 ? bestAt[1] + 20 : bestAt[1] - 8);
    }
  }
  function ramp(t) {
    // viridis, sampled: readable for colour-blind eyes and in greyscale.
    var stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    var x = Math.max(0, Math.min(1, t)) * (stops.length - 1), k = Math.min(Math.floor(x), stops.length - 2), f = x - k;
    var c = stops[k].map(function (a, j) { return Math.round(a + (stops[k + 1][j] - a) * f); });
    return "rgb(" + c.join(",") + ")";
  }
  function drawParallel() {
    var keys = Array.from(parAxes.querySelectorAll("input:checked")).map(function (b) { return b.getAttribute("data-key"); });
    var colorCol = byKey[parColor.value];
    var axes = keys.filter(function (k) { return k !== parColor.value; }).map(function (k) { return byKey[k]; });
    if (colorCol) axes.push(colorCol);
    var c = setupCanvas(parCanvas), g = c.g, rows = state.shown;
    if (axes.length < 2) { g.fillStyle = "#333"; g.fillText("Choose at least two axes.", 20, 30); return; }
    var L = 40, R = 60, T = 30, B = 24, W = c.w - L - R, H = c.h - T - B;
    var scales = axes.map(function (a) { return axisOf(a, rows); });
    var xAt = function (k) { return L + (k * W) / (axes.length - 1); };
    var colorScale = scales[scales.length - 1];
    function line(i, width, alpha) {
      g.beginPath();
      var started = false;
      axes.forEach(function (a, k) {
        var p = scales[k].pos(a.get(i));
        if (p === null) { started = false; return; }
        var x = xAt(k), y = T + (1 - p) * H;
        if (started) g.lineTo(x, y); else g.moveTo(x, y);
        started = true;
      });
      var cp = colorScale.pos(colorCol ? colorCol.get(i) : null);
      g.strokeStyle = cp === null ? "rgba(150,150,150," + alpha + ")" : ramp(colorCol && colorCol.dir === "max" ? 1 - cp : cp).replace("rgb", "rgba").replace(")", "," + alpha + ")");
      g.lineWidth = width; g.stroke();
    }
    var alpha = rows.length > 2000 ? 0.15 : rows.length > 200 ? 0.35 : 0.7;
    rows.forEach(function (i) { if (!state.selected.has(i)) line(i, 1, alpha); });
    rows.forEach(function (i) { if (state.selected.has(i)) line(i, 3, 1); });
    g.lineWidth = 1; g.strokeStyle = "#444"; g.fillStyle = "#222";
    axes.forEach(function (a, k) {
      var x = xAt(k);
      g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + H); g.stroke();
      g.textAlign = k === 0 ? "left" : k === axes.length - 1 ? "right" : "center";
      g.fillText(a.label, x, T - 10);
      g.textAlign = "left";
      scales[k].ticks.forEach(function (t) { g.fillText(t[1], x + 4, T + (1 - t[0]) * H + 4); });
    });
  }

  // ---- run details and registered models -----------------------------------------------
  var details = el("div", { id: "details" });
  root.appendChild(el("section", { id: "details-section" }, [el("h2", { text: "Run details" }), el("p", { cls: "meta", text: "Click a run's name in the table." }), details]));
  function kvTable(obj) {
    var t = el("table", { cls: "kv" });
    Object.keys(obj).forEach(function (k) { t.appendChild(el("tr", {}, [el("th", { text: k }), el("td", { text: obj[k] })])); });
    return t;
  }
  function drawDetails() {
    details.textContent = "";
    var i = state.focus;
    if (i < 0) return;
    var params = {}, tags = {}, metrics = {};
    Object.keys(D.params).forEach(function (k) { if (D.params[k][i] !== null) params[k] = D.params[k][i]; });
    Object.keys(D.tags).forEach(function (k) { if (D.tags[k][i] !== null) tags[k] = D.tags[k][i]; });
    metricKeys.forEach(function (k) { if (lastValues[k][i] !== null) metrics[k] = fmtNum(lastValues[k][i]); });
    var art = D.artifacts[i] || [[], 0], list = el("ul", { cls: "artifacts" });
    art[0].forEach(function (f) { list.appendChild(el("li", { text: f[0] + "  (" + fmtBytes(f[1]) + ")" })); });
    if (art[1] > art[0].length) list.appendChild(el("li", { cls: "meta", text: "… and " + (art[1] - art[0].length) + " more" }));
    if (!art[1]) list.appendChild(el("li", { cls: "meta", text: "no artifacts" }));
    var exp = D.runs.experiment[i];
    details.appendChild(el("h3", { text: (D.runs.name[i] || "") + "  " + D.runs.id[i] }));
    details.appendChild(el("p", { cls: "meta", text: "experiment " + (D.experiments[exp] || exp) + " · " + D.runs.status[i] + " · started " + fmtTime(D.runs.start[i]) + " · " + D.runs.user[i] }));
    details.appendChild(el("div", { cls: "pair" }, [
      el("div", {}, [el("h4", { text: "Params" }), kvTable(params), el("h4", { text: "Metrics (latest)" }), kvTable(metrics)]),
      el("div", {}, [el("h4", { text: "Tags" }), kvTable(tags), el("h4", { text: "Artifacts" }), list]),
    ]));
  }
  var models = el("table", { id: "models" });
  root.appendChild(el("section", { id: "models-section" }, [el("h2", { text: "Registered models of these runs" }), models]));
  if (!D.models.length) models.appendChild(el("tr", {}, [el("td", { cls: "meta", text: "None of these runs has a registered model version." })]));
  else {
    models.appendChild(el("tr", {}, ["model", "version", "stage", "aliases", "status", "run", "registered"].map(function (h) { return el("th", { text: h }); })));
    D.models.forEach(function (m) {
      var run = el("td", { cls: "link", text: D.runs.name[m.run] || D.runs.id[m.run] });
      run.addEventListener("click", function () { state.focus = m.run; drawTable(); drawDetails(); details.scrollIntoView(); });
      models.appendChild(el("tr", {}, [el("td", { text: m.name }), el("td", { cls: "num", text: String(m.version) }), el("td", { text: m.stage }),
        el("td", { text: m.aliases.map(function (a) { return "@" + a; }).join(" ") }), el("td", { text: m.status }), run, el("td", { text: fmtTime(m.created) })]));
    });
  }

  refresh();
  drawDetails();
  // For tests and benchmarks: when the table answered, and when the first charts were drawn.
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "1");
})();
