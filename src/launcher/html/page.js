/* page.js: draws footprint's HTML report from the profile digest that
 * html.c puts in <script type="application/json" id="profile">.
 *
 * Program text (paths, source lines, function names, arguments) is data:
 * it reaches the page only through textContent and setAttribute, never as
 * markup. The page must open a profile of 10,000 lines in well under a
 * second, so only the lines that matter are built at first; a file's other
 * lines are built when the reader asks for them.
 *
 * Digest rows (see html.c): a line is
 *   [line, source, python_s, native_s, offcpu_s, gpu_s, alloc, peak, copy, gpu_alloc, gpu_peak, timeline?]
 * and a function [line, name, the same figures, end_line]. */
(function () {
  "use strict";
  var T0 = performance.now();
  var LINE = 0, TEXT = 1, PY = 2, NAT = 3, SYS = 4, GPU = 5, ALLOC = 6, PEAK = 7, COPY = 8, GALLOC = 9, GPEAK = 10, EXTRA = 11;
  var SHARE = 0.005;  /* a line matters from 0.5% of a total, as in the terminal report */
  var TOP = 15;       /* rows of the summary tables before "show all" */
  var SVGNS = "http://www.w3.org/2000/svg";
  var app = document.getElementById("app");
  var D, MEM, GPUM, T = {}, revealers = [];

  /* ---- formatting: the terminal report's units (textfmt.c) ---------------- */

  /* printf's %.Nf: the exact binary value rounded, ties to even (toFixed
   * breaks exact ties upward), so the page shows what the terminal shows */
  function fixed(x, d) {
    var e = x.toFixed(100), dot = e.indexOf(".");
    if (dot < 0 || !/^50*$/.test(e.slice(dot + 1 + d))) return x.toFixed(d);
    var down = d ? e.slice(0, dot + 1 + d) : e.slice(0, dot);
    return +down.charAt(down.length - 1) % 2 === 0 ? down : x.toFixed(d);
  }
  function fmtTime(s) {
    if (!(s >= 0.0005)) return "";
    if (s < 0.995) return fixed(s * 1000, 0) + "ms";
    if (s < 99.5) return fixed(s, 2) + "s";
    return fixed(s, 0) + "s";
  }
  var UNITS = ["B", "kB", "MB", "GB", "TB"];
  function fmtBytes(b) {
    if (!(b >= 0.5)) return "";
    var u = 0;
    while (b >= 999.5 && u < 4) { b /= 1000; u++; }
    return fixed(b, u > 0 && b < 9.95 ? 1 : 0) + UNITS[u];
  }
  function fmtPct(part, whole) {
    var p = whole > 0 ? part / whole * 100 : 0;
    return p < 0.05 ? "" : fixed(p, 1) + "%";
  }
  function orZero(text, zero) { return text || zero; }
  function base(path) { var i = path.lastIndexOf("/"); return i < 0 ? path : path.slice(i + 1); }
  function dir(path) { var i = path.lastIndexOf("/"); return i < 0 ? "" : path.slice(0, i + 1); }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* ---- DOM: text only ---------------------------------------------------------------- */

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function add(parent, tag, cls, text) { return parent.appendChild(h(tag, cls, text)); }
  function s(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function section(title, note, cls) {
    var sec = add(app, "section", cls);
    add(sec, "h2", null, title);
    if (note) add(sec, "p", "note", note);
    return sec;
  }

  /* ---- totals ----------------------------------------------------------------------------- */

  function time(r) { return r[PY] + r[NAT] + r[SYS]; }

  function totals() {
    var t = {py: 0, nat: 0, sys: 0, gpu: 0, alloc: 0, copy: 0, peakSum: 0, maxTime: 0, maxMem: 0, lines: 0,
             galloc: 0, gpeakSum: 0};
    D.files.forEach(function (f) {
      t.lines += f.lines.length;
      f.lines.forEach(function (r) {
        var x = time(r);
        t.py += r[PY]; t.nat += r[NAT]; t.sys += r[SYS]; t.gpu += r[GPU];
        t.alloc += r[ALLOC]; t.copy += r[COPY]; t.peakSum += r[PEAK];
        t.galloc += r[GALLOC] || 0; t.gpeakSum += r[GPEAK] || 0;
        if (x > t.maxTime) t.maxTime = x;
        if (r[ALLOC] > t.maxMem) t.maxMem = r[ALLOC];
        if (r[PEAK] > t.maxMem) t.maxMem = r[PEAK];
      });
    });
    t.lineTime = t.py + t.nat + t.sys;
    /* what shares of time are of: the whole program's sampled time, as in the terminal report */
    t.time = t.lineTime + D.other[0] + D.other[1] + D.other[2];
    t.peak = MEM ? MEM.peak : 0;
    /* each line's figure is at its own process's peak: with several, shares are of their sum */
    t.peakWhole = Math.max(t.peak, t.peakSum);
    t.gpeakWhole = Math.max(GPUM ? GPUM.peak : 0, t.gpeakSum);
    t.gpuMem = t.galloc > 0 || t.gpeakSum > 0;
    return t;
  }

  function matters(r) {
    var sh = SHARE;
    return (T.time > 0 && time(r) >= sh * T.time) || (T.gpu > 0 && r[GPU] >= sh * T.gpu) ||
      (T.galloc > 0 && r[GALLOC] >= sh * T.galloc) || (T.gpeakWhole > 0 && r[GPEAK] >= sh * T.gpeakWhole) ||
      (MEM !== null && ((T.alloc > 0 && r[ALLOC] >= sh * T.alloc) || (T.peakWhole > 0 && r[PEAK] >= sh * T.peakWhole) ||
                        (T.copy > 0 && r[COPY] >= sh * T.copy)));
  }
  /* 0 cold, 1 worth a look (5%), 2 hot (20%): of time or of memory at the peak */
  function heat(r) {
    var p = Math.max(T.time > 0 ? time(r) / T.time : 0, T.peakWhole > 0 ? r[PEAK] / T.peakWhole : 0,
                     T.alloc > 0 ? r[ALLOC] / T.alloc : 0);
    return p >= 0.2 ? 2 : p >= 0.05 ? 1 : 0;
  }
  function shareClass(part, whole) {
    var p = whole > 0 ? part / whole : 0;
    return p >= 0.2 ? " s2" : p >= 0.05 ? " s1" : "";
  }

  /* ---- small drawings ---------------------------------------------------------------- */

  function timeBar(r, max) {
    var bar = h("span", "tbar");
    var parts = [[PY, "py"], [NAT, "native"], [SYS, "offcpu"]];
    if (D.gpu) parts.push([GPU, "gpu"]);
    for (var i = 0; i < parts.length; i++) {
      var v = r[parts[i][0]];
      if (v > 0 && max > 0) bar.appendChild(h("span", parts[i][1])).style.width = (v / max * 100).toFixed(2) + "%";
    }
    bar.setAttribute("title", "Python " + orZero(fmtTime(r[PY]), "0") + ", native " + orZero(fmtTime(r[NAT]), "0") +
                     ", off-CPU " + orZero(fmtTime(r[SYS]), "0"));
    return bar;
  }

  function memBar(v, max) {
    var bar = h("span", "mbar");
    if (v > 0 && max > 0) bar.appendChild(h("span")).style.width = (v / max * 100).toFixed(2) + "%";
    return bar;
  }

  /* A line's live memory over the run, as a little area chart. */
  function sparkline(values) {
    var w = 84, ht = 18, n = values.length, max = 0, i, pts = [];
    for (i = 0; i < n; i++) if (values[i] > max) max = values[i];
    var g = s("svg", {"class": "spark", width: w, height: ht, viewBox: "0 0 " + w + " " + ht});
    if (n === 0 || max <= 0) return g;
    for (i = 0; i < n; i++) {
      var x = n === 1 ? w / 2 : i / (n - 1) * (w - 2) + 1;
      pts.push(x.toFixed(1) + "," + (ht - 1 - values[i] / max * (ht - 3)).toFixed(1));
    }
    s("polygon", {points: "1," + (ht - 1) + " " + pts.join(" ") + " " + (w - 1) + "," + (ht - 1)}, g);
    s("polyline", {points: pts.join(" ")}, g);
    var title = s("title", {}, g);
    title.textContent = "live memory of this line over the run, up to " + fmtBytes(max);
    return g;
  }

  /* ---- sortable tables ---------------------------------------------------------------------- */

  /* Columns: {key, label, num (numbers sort largest first), value(item), cell(td, item), title}.
   * A table shows at most LIMIT rows until "show all"; a click on a header sorts by it. */
  function Table(parent, o) {
    var self = this;
    this.o = o;
    this.items = o.items;
    this.sort = o.sort || null;
    this.dir = o.dir || (o.sort && this.col(o.sort).num ? -1 : 1);
    this.all = !o.limit;
    var wrap = add(parent, "div", "scroll");
    this.table = add(wrap, "table", o.cls);
    if (o.id) this.table.id = o.id;
    var tr = add(add(this.table, "thead"), "tr");
    this.heads = o.cols.map(function (c) {
      var th = add(tr, "th", c.num ? "num" : null, c.label);
      if (o.id) th.id = o.id + "-" + c.key;
      th.setAttribute("data-col", c.key);
      if (c.title) th.setAttribute("title", c.title);
      th.tabIndex = 0;
      th.addEventListener("click", function () { self.sortBy(c.key); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); self.sortBy(c.key); }
      });
      return th;
    });
    this.body = add(this.table, "tbody");
    if (o.limit && this.items.length > o.limit) {
      var more = add(parent, "div", "more");
      this.moreButton = add(more, "button", null, "");
      if (o.id) this.moreButton.id = o.id + "-more";
      this.moreButton.addEventListener("click", function () { self.all = !self.all; self.render(); });
    }
    this.render();
  }
  Table.prototype.col = function (key) {
    for (var i = 0; i < this.o.cols.length; i++) if (this.o.cols[i].key === key) return this.o.cols[i];
    return null;
  };
  Table.prototype.sortBy = function (key) {
    var c = this.col(key);
    if (this.sort === key) this.dir = -this.dir;
    else { this.sort = key; this.dir = c.num ? -1 : 1; }
    this.render();
  };
  Table.prototype.sorted = function () {
    if (!this.sort) return this.items.slice();
    var c = this.col(this.sort), dir = this.dir;
    var keyed = this.items.map(function (it, i) { return [c.value(it), i, it]; });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) return -dir;
      if (a[0] > b[0]) return dir;
      return a[1] - b[1];
    });
    return keyed.map(function (k) { return k[2]; });
  };
  Table.prototype.render = function () {
    var o = this.o, rows = this.sorted(), self = this;
    var shown = this.all ? rows : rows.slice(0, o.limit);
    this.heads.forEach(function (th) {
      if (th.getAttribute("data-col") === self.sort)
        th.setAttribute("aria-sort", self.dir < 0 ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    var frag = document.createDocumentFragment(), prev = null;
    for (var i = 0; i < shown.length; i++) {
      var it = shown[i], tr = document.createElement("tr");
      if (o.row) o.row(tr, it, prev, this.sort);
      for (var k = 0; k < o.cols.length; k++) {
        var c = o.cols[k], td = document.createElement("td");
        td.className = c.num ? "num" : (c.cls || "");
        td.setAttribute("data-col", c.key);
        c.cell(td, it);
        tr.appendChild(td);
      }
      frag.appendChild(tr);
      prev = it;
    }
    this.body.textContent = "";
    this.body.appendChild(frag);
    if (this.moreButton)
      this.moreButton.textContent = this.all ? "Show the top " + o.limit : "Show all " + rows.length;
  };
  Table.prototype.setItems = function (items) { this.items = items; this.render(); };

  /* Column makers; ROW(item) gives the digest row of an item. */
  function textCol(key, label, cls, get) {
    return {key: key, label: label, cls: cls, value: get,
            cell: function (td, it) { var v = get(it); td.textContent = v; if (cls === "src" || cls === "name") td.title = v; }};
  }
  function timeCol(key, label, idx, row) {
    return {key: key, label: label, num: true, value: function (it) { return row(it)[idx]; },
            cell: function (td, it) { td.textContent = fmtTime(row(it)[idx]); }};
  }
  function totalCol(row, max) {
    return {key: "time", label: "time", num: true, title: "Python + native + off-CPU",
            value: function (it) { return time(row(it)); },
            cell: function (td, it) {
              var r = row(it), x = time(r);
              td.appendChild(timeBar(r, max));
              td.appendChild(h("span", "strong" + shareClass(x, T.time), " " + fmtTime(x))).style.display = "inline-block";
              td.lastChild.style.minWidth = "5.2em";
            }};
  }
  function shareCol(row) {
    return {key: "share", label: "share", num: true, title: "of all the program's sampled time",
            value: function (it) { return time(row(it)); },
            cell: function (td, it) { var x = time(row(it)); td.textContent = fmtPct(x, T.time); td.className += shareClass(x, T.time); }};
  }
  function bytesCol(key, label, idx, row, whole, bar, title) {
    return {key: key, label: label, num: true, title: title, value: function (it) { return row(it)[idx]; },
            cell: function (td, it) {
              var v = row(it)[idx];
              if (bar) td.appendChild(memBar(v, T.maxMem));
              td.appendChild(h("span", whole ? shareClass(v, whole).trim() : null, (bar ? " " : "") + fmtBytes(v)));
            }};
  }
  function whereCol(get) { /* get(it) -> [fileIndex or -1, path, line] */
    return {key: "where", label: "where", cls: "where",
            value: function (it) { var w = get(it); return base(w[1]) + ":" + String(1e9 + w[2]); },
            cell: function (td, it) {
              var w = get(it), text = base(w[1]) + ":" + w[2];
              td.title = w[1] + ":" + w[2];
              if (w[0] < 0) { td.textContent = text; return; }
              var a = add(td, "a", null, text);
              a.href = "#f" + w[0] + "-L" + w[2];
              a.addEventListener("click", function (ev) { ev.preventDefault(); reveal(w[0], w[2]); });
            }};
  }
  function sparkCol(row) {
    return {key: "live", label: "live over time", num: true,
            title: "this line's memory still held, over the run",
            value: function (it) { var tl = row(it)[EXTRA]; return tl ? Math.max.apply(null, tl) : 0; },
            cell: function (td, it) { var tl = row(it)[EXTRA]; if (tl && tl.length) td.appendChild(sparkline(tl)); }};
  }
  function gpuCol(row) { return timeCol("gpu", "GPU", GPU, row); }
  function gpuMemCols(row) {
    return [bytesCol("galloc", "GPU alloc", GALLOC, row, T.galloc, false, "growth of the GPU memory while the line ran"),
            bytesCol("gpeak", "GPU at peak", GPEAK, row, T.gpeakWhole, false, "GPU memory from this line still held at the GPU peak")];
  }

  /* ---- header and summary ------------------------------------------------------------------- */

  function header() {
    var top = add(app, "div", "top");
    add(top, "span", "brand", "footprint");
    var h1 = add(top, "h1", null, D.program || "(unnamed program)");
    h1.id = "program";
    if (D.argv.length > 1) add(app, "p", "argv", D.argv.join(" ")).id = "argv";
    var chips = add(app, "div", "chips");
    var exit = add(chips, "span", "chip " + (D.exit === 0 ? "ok" : "bad"), "exit " + D.exit);
    exit.id = "exit-code";
    if (!D.complete) add(chips, "span", "chip warn", "incomplete: the process ended abruptly");
    if (D.python) add(chips, "span", "chip", "Python " + D.python).title = D.executable;
    if (D.interval > 0) add(chips, "span", "chip", "CPU sampled every " + fmtTime(D.interval));
    if (MEM && D.allocMean > 0) add(chips, "span", "chip", "allocations sampled every " + fmtBytes(D.allocMean));
    if (!MEM) add(chips, "span", "chip", "CPU only: memory not profiled");
    if (D.gpu) add(chips, "span", "chip", "GPU profiled");
  }

  function card(parent, id, label, value, sub, cls) {
    var c = add(parent, "div", "card" + (cls ? " " + cls : ""));
    c.id = id;
    add(c, "div", "label", label);
    var v = add(c, "div", "value", value);
    v.setAttribute("data-value", "");
    if (sub) add(c, "div", "sub", sub);
    return c;
  }

  function splitCard(parent) {
    var c = add(parent, "div", "card wide");
    c.id = "card-split";
    add(c, "div", "label", "Time in profiled lines");
    var parts = [["Python", T.py, "py"], ["native", T.nat, "native"], ["off-CPU", T.sys, "offcpu"]];
    if (D.gpu) parts.push(["GPU", T.gpu, "gpu"]);
    var whole = T.lineTime + (D.gpu ? T.gpu : 0);
    if (!(whole > 0)) { add(c, "div", "sub", "no time sampled in profiled lines"); return; }
    var bar = add(c, "div", "split");
    var legend = add(c, "div", "legend");
    parts.forEach(function (p) {
      if (p[1] > 0) bar.appendChild(h("span", p[2])).style.width = (p[1] / whole * 100).toFixed(2) + "%";
      var item = add(legend, "span");
      item.setAttribute("data-part", p[0]);
      add(item, "span", "swatch " + p[2]);
      item.appendChild(document.createTextNode(p[0] + " "));
      add(item, "strong", null, fixed(p[1] / whole * 100, 0) + "%");
      item.appendChild(document.createTextNode(" " + orZero(fmtTime(p[1]), "0ms")));
    });
  }

  function summary() {
    var cards = add(app, "div", "cards");
    card(cards, "card-elapsed", "Elapsed", orZero(fmtTime(D.elapsed), "0ms"), "CPU " + orZero(fmtTime(D.cpu), "0ms"));
    splitCard(cards);
    if (MEM)
      card(cards, "card-peak", "Peak memory", orZero(fmtBytes(MEM.peak), "0B"),
           "at " + orZero(fmtTime(MEM.at), "0ms") + (MEM.profiler > 0 ? "; the profiler's own " + fmtBytes(MEM.profiler) + " left out" : ""));
    else
      card(cards, "card-peak", "Peak memory", "not profiled", "run without --cpu-only to see memory").querySelector(".value").className += " small";
    if (MEM) card(cards, "card-alloc", "Allocated", orZero(fmtBytes(T.alloc), "0B"), "by profiled lines; copied " + orZero(fmtBytes(T.copy), "0B"));
    var nproc = Math.max(1, D.processes.length);
    card(cards, "card-processes", nproc === 1 ? "Process" : "Processes", String(nproc),
         "outside profiled files: " + orZero(fmtTime(D.other[0] + D.other[1] + D.other[2]), "0ms"));
    if (D.leaks.length)
      card(cards, "card-leaks", "Likely leaks", String(D.leaks.length),
           "largest " + fmtBytes(Math.max.apply(null, D.leaks.map(function (l) { return l[3]; }))), "leaky");
    else if (MEM)
      card(cards, "card-leaks", "Likely leaks", "none", "nothing grew steadily to the end").querySelector(".value").className += " small";
  }

  /* ---- the memory timeline ------------------------------------------------------------- */

  function niceStep(range, n) {
    var raw = range / n, mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }
  function axisTime(t, tmax) {
    if (t === 0) return "0";
    if (tmax < 1) return fixed(t * 1000, 0) + "ms";
    return (tmax < 20 ? t.toFixed(1).replace(/\.0$/, "") : fixed(t, 0)) + "s";
  }

  function memoryChart() {
    var sec = section("Memory over time", "The program's footprint (resident memory, the profiler's own left out), with its peak.");
    sec.id = "memory";
    chart(sec, MEM, "memory");
  }

  /* The GPU's memory beside the host's, and why any GPU figure is device-wide or missing. */
  function gpuChart() {
    var sec = section("GPU memory over time", "The program's own GPU memory (all its processes), with its peak.");
    sec.id = "gpu-memory";
    GPUM.notes.forEach(function (n) { add(sec, "p", "note gpu-note", n); });
    if (GPUM.peak > 0) chart(sec, GPUM, "gpu-memory");
    else add(sec, "p", "empty", "The program used no GPU memory.");
  }

  /* A timeline M ({timeline, peak, at}) in section SEC; ids start with ID. */
  function chart(sec, M, id) {
    var tl = M.timeline;
    if (tl.length < 2) { add(sec, "p", "empty", "The run was too short for a timeline."); return; }
    var W = 960, H = 240, L = 62, R = 18, TOP_ = 28, B = 26;
    var tmax = Math.max(tl[tl.length - 1][0], M.at, 1e-3), bmax = M.peak, i;
    for (i = 0; i < tl.length; i++) if (tl[i][1] > bmax) bmax = tl[i][1];
    if (!(bmax > 0)) bmax = 1;
    var ystep = niceStep(bmax, 4), ytop = Math.ceil(bmax / ystep) * ystep;
    var xstep = niceStep(tmax, 8);
    function X(t) { return L + t / tmax * (W - L - R); }
    function Y(b) { return H - B - b / ytop * (H - B - TOP_); }
    var g = s("svg", {"class": "chart", viewBox: "0 0 " + W + " " + H, role: "img"}, sec);
    g.id = id + "-chart";
    s("title", {}, g).textContent = id.replace("-", " ") + " over time, peak " + fmtBytes(M.peak) + " at " + orZero(fmtTime(M.at), "0ms");
    var grid = s("g", {"class": "grid"}, g), axis = s("g", {"class": "axis"}, g);
    for (var y = 0; y <= ytop + ystep / 2; y += ystep) {
      s("line", {x1: L, x2: W - R, y1: Y(y).toFixed(1), y2: Y(y).toFixed(1)}, grid);
      s("text", {x: L - 8, y: Y(y) + 4, "text-anchor": "end"}, axis).textContent = y === 0 ? "0" : fmtBytes(y);
    }
    for (var t = 0; t <= tmax + xstep / 1000; t += xstep)
      s("text", {x: X(t), y: H - 8, "text-anchor": "middle"}, axis).textContent = axisTime(t, tmax);
    var pts = [];
    for (i = 0; i < tl.length; i++) pts.push(X(tl[i][0]).toFixed(1) + "," + Y(tl[i][1]).toFixed(1));
    s("path", {"class": "area", d: "M" + X(tl[0][0]).toFixed(1) + "," + Y(0) + "L" + pts.join("L") + "L" +
               X(tl[tl.length - 1][0]).toFixed(1) + "," + Y(0) + "Z"}, g);
    s("path", {"class": "curve", d: "M" + pts.join("L")}, g);
    var px = X(M.at), py = Y(M.peak);
    var peak = s("g", {"class": "peak", id: id + "-peak"}, g);
    s("line", {"class": "peak-line", x1: px, x2: px, y1: Y(0), y2: py}, peak);
    s("circle", {"class": "peak-dot", cx: px, cy: py, r: 5}, peak);
    var right = px > W * 0.7;
    s("text", {"class": "peak-label", x: px + (right ? -10 : 10), y: Math.max(py - 8, 14), "text-anchor": right ? "end" : "start"}, peak)
      .textContent = "peak " + fmtBytes(M.peak) + " at " + orZero(fmtTime(M.at), "0ms");
    chartHover(g, tl, X, Y, tmax, W, L, R, H, B, TOP_);
  }

  function chartHover(g, tl, X, Y, tmax, W, L, R, H, B, TOP_) {
    var hover = s("g", {visibility: "hidden"}, g);
    var line = s("line", {"class": "hover-line", y1: TOP_, y2: H - B}, hover);
    var bg = s("rect", {"class": "hover-bg", height: 18, rx: 3}, hover);
    var text = s("text", {"class": "hover-text"}, hover);
    var zone = s("rect", {x: L, y: TOP_, width: W - L - R, height: H - B - TOP_, fill: "transparent"}, g);
    zone.addEventListener("mousemove", function (ev) {
      var box = g.getBoundingClientRect(), x = (ev.clientX - box.left) / box.width * W;
      var t = (x - L) / (W - L - R) * tmax, lo = 0, hi = tl.length - 1;
      while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (tl[mid][0] < t) lo = mid; else hi = mid; }
      var p = Math.abs(tl[lo][0] - t) < Math.abs(tl[hi][0] - t) ? tl[lo] : tl[hi];
      var px = X(p[0]);
      line.setAttribute("x1", px); line.setAttribute("x2", px);
      text.textContent = orZero(fmtTime(p[0]), "0ms") + ": " + orZero(fmtBytes(p[1]), "0B");
      var left = px > W - 170;
      text.setAttribute("x", left ? px - 8 : px + 8);
      text.setAttribute("text-anchor", left ? "end" : "start");
      text.setAttribute("y", Math.max(Y(p[1]) - 8, TOP_ + 12));
      var tw = text.textContent.length * 6.6 + 8;
      bg.setAttribute("x", left ? px - 8 - tw + 4 : px + 4);
      bg.setAttribute("y", Math.max(Y(p[1]) - 8, TOP_ + 12) - 13);
      bg.setAttribute("width", tw);
      hover.setAttribute("visibility", "visible");
    });
    zone.addEventListener("mouseleave", function () { hover.setAttribute("visibility", "hidden"); });
  }

  /* ---- leaks, functions, lines, processes ---------------------------------------------- */

  function fileIndex(path) {
    for (var i = 0; i < D.files.length; i++) if (D.files[i].path === path) return i;
    return -1;
  }

  function leaks() {
    if (!D.leaks.length) return;
    var sec = section("Likely leaks", "Memory allocated here was still held at the end and grew steadily through the run.", "leaks");
    sec.id = "leaks";
    var id = function (l) { return l; };
    new Table(sec, {id: "leaks-table", items: D.leaks, sort: "confidence", cols: [
      whereCol(function (l) { return [fileIndex(l[0]), l[0], l[1]]; }),
      textCol("function", "function", "name", function (l) { return l[2]; }),
      bytesCol("leaked", "leaked", 3, id, 0, false, "estimated bytes allocated there and never freed"),
      {key: "rate", label: "rate", num: true, value: function (l) { return l[4]; },
       cell: function (td, l) { td.textContent = l[4] > 0.5 ? fmtBytes(l[4]) + "/s" : ""; }},
      {key: "confidence", label: "confidence", num: true, value: function (l) { return l[5]; },
       cell: function (td, l) {
         td.appendChild(document.createTextNode(fixed(l[5] * 100, 0) + "%"));
         add(td, "span", "conf").appendChild(h("span")).style.width = Math.round(l[5] * 100) + "%";
       }}
    ]});
  }

  function functions() {
    var items = [];
    D.files.forEach(function (f, fi) { f.functions.forEach(function (r) { items.push({fi: fi, r: r}); }); });
    var sec = section("Hottest functions", "Each function's figures are the sum of its own lines. Click a column to sort by it.");
    sec.id = "functions";
    if (!items.length) { add(sec, "p", "empty", "No function has any figure."); return; }
    var row = function (it) { return it.r; }, max = 0;
    items.forEach(function (it) { max = Math.max(max, time(it.r)); });
    var cols = [textCol("function", "function", "name", function (it) { return it.r[TEXT]; }),
                whereCol(function (it) { return [it.fi, D.files[it.fi].path, it.r[LINE]]; }),
                timeCol("python", "Python", PY, row), timeCol("native", "native", NAT, row),
                timeCol("offcpu", "off-CPU", SYS, row), totalCol(row, max), shareCol(row)];
    if (D.gpu) cols.push(gpuCol(row));
    if (T.gpuMem) cols = cols.concat(gpuMemCols(row));
    if (MEM) cols.push(bytesCol("alloc", "allocated", ALLOC, row, T.alloc),
                       bytesCol("peak", "at peak", PEAK, row, T.peakWhole, false, "still live at the program's peak"),
                       bytesCol("copy", "copied", COPY, row, T.copy));
    new Table(sec, {id: "functions-table", items: items, cols: cols, sort: T.time > 0 || !MEM ? "time" : "alloc", limit: TOP});
  }

  function hotLines() {
    var items = [], memItems = [];
    D.files.forEach(function (f, fi) {
      f.lines.forEach(function (r) {
        if (time(r) > 0 || r[GPU] > 0) items.push({fi: fi, r: r});
        if (r[ALLOC] > 0 || r[PEAK] > 0 || r[COPY] > 0) memItems.push({fi: fi, r: r});
      });
    });
    var row = function (it) { return it.r; };
    var where = whereCol(function (it) { return [it.fi, D.files[it.fi].path, it.r[LINE]]; });
    var src = textCol("source", "source", "src", function (it) { return it.r[TEXT]; });
    var sec = section("Hottest lines", "By time: running Python, in native code called from the line, and off the CPU (sleeping, waiting).");
    sec.id = "lines";
    if (!items.length) add(sec, "p", "empty", "No line has any time sampled.");
    else {
      var cols = [where, src, timeCol("python", "Python", PY, row), timeCol("native", "native", NAT, row),
                  timeCol("offcpu", "off-CPU", SYS, row), totalCol(row, T.maxTime), shareCol(row)];
      if (D.gpu) cols.push(gpuCol(row));
      new Table(sec, {id: "lines-table", items: items, cols: cols, sort: "time", limit: TOP});
    }
    gpuMemoryLines(where, src, row);
    if (!MEM) return;
    var msec = section("Memory by line", "Allocated by the line; still live at the peak (what held the peak); copied (memcpy and friends).");
    msec.id = "memory-lines";
    if (!memItems.length) { add(msec, "p", "empty", "No line allocated or copied memory."); return; }
    var anyPeak = memItems.some(function (it) { return it.r[PEAK] > 0; });
    var mcols = [where, src, bytesCol("alloc", "allocated", ALLOC, row, T.alloc, true),
                 bytesCol("peak", "at peak", PEAK, row, T.peakWhole, false, "bytes from this line still live at the program's peak"),
                 {key: "peakshare", label: "of peak", num: true, value: function (it) { return it.r[PEAK]; },
                  cell: function (td, it) { td.textContent = fmtPct(it.r[PEAK], T.peakWhole); }},
                 bytesCol("copy", "copied", COPY, row, T.copy)];
    if (memItems.some(function (it) { return it.r[EXTRA]; })) mcols.push(sparkCol(row));
    new Table(msec, {id: "memory-table", items: memItems, cols: mcols, sort: anyPeak ? "peak" : "alloc", limit: TOP});
  }

  function gpuMemoryLines(where, src, row) {
    var items = [];
    D.files.forEach(function (f, fi) {
      f.lines.forEach(function (r) { if (r[GALLOC] > 0 || r[GPEAK] > 0) items.push({fi: fi, r: r}); });
    });
    if (!items.length) return;
    var sec = section("GPU memory by line", "The growth of the program's GPU memory while the line ran; what of it was still held at the GPU peak.");
    sec.id = "gpu-memory-lines";
    new Table(sec, {id: "gpu-memory-table", items: items, cols: [where, src].concat(gpuMemCols(row)),
                    sort: T.gpeakWhole > 0 ? "gpeak" : "galloc", limit: TOP});
  }

  function processes() {
    if (D.processes.length < 2) return;
    var sec = section("Processes", plural(D.processes.length, "process", "processes") + " profiled: the program and the children it started.");
    sec.id = "processes";
    var id = function (q) { return q; };
    var cols = [{key: "pid", label: "pid", num: true, value: function (q) { return q[0]; }, cell: function (td, q) { td.textContent = q[0]; }},
                {key: "parent", label: "parent", num: true, value: function (q) { return q[1]; }, cell: function (td, q) { td.textContent = q[1]; }},
                {key: "elapsed", label: "elapsed", num: true, value: function (q) { return q[3]; }, cell: function (td, q) { td.textContent = fmtTime(q[3]); }},
                {key: "cpu", label: "CPU", num: true, value: function (q) { return q[4]; }, cell: function (td, q) { td.textContent = fmtTime(q[4]); }}];
    if (MEM) cols.push(bytesCol("peak", "peak", 5, id, 0));
    cols.push(textCol("command", "command", "src", function (q) { return q[2].join(" "); }),
              {key: "state", label: "", value: function (q) { return q[6] ? 1 : 0; },
               cell: function (td, q) { if (!q[6]) add(td, "span", "chip warn", "ended abruptly"); }});
    new Table(sec, {id: "processes-table", items: D.processes, cols: cols});
  }

  /* The program's own imports, with what they imported in turn. */
  function imports() {
    if (!D.imports || !D.imports.length) return;
    var sec = section("Imports", "The program's own imports, costliest first: wall time and bytes allocated, " +
                      "the modules they imported included.");
    sec.id = "imports";
    var cols = [textCol("module", "module", "name", function (m) { return m[0]; }),
                {key: "time", label: "time", num: true, value: function (m) { return m[1]; },
                 cell: function (td, m) { td.textContent = fmtTime(m[1]); }}];
    if (MEM) cols.push({key: "alloc", label: "allocated", num: true, value: function (m) { return m[2]; },
                        cell: function (td, m) { td.textContent = m[2] < 0 ? "" : fmtBytes(m[2]); }});
    cols.push(whereCol(function (m) { return [fileIndex(m[3]), m[3], m[4]]; }));
    new Table(sec, {id: "imports-table", items: D.imports, sort: "time", cols: cols});
  }

  /* ---- source files -------------------------------------------------------------------- */

  function fileTotals(f) {
    var t = 0, a = 0, p = 0;
    f.lines.forEach(function (r) { t += time(r); a += r[ALLOC]; p += r[PEAK]; });
    return {time: t, alloc: a, peak: p};
  }

  function sourceFiles() {
    var sec = section("Source", "Every line with a figure, file by file. Lines under 0.5% of every total are folded away; " +
                      "highlighted lines take 5% or more, strongly highlighted 20% or more.");
    sec.id = "source";
    if (!D.files.length) { add(sec, "p", "empty", "No profiled file has any figure (the program ran too briefly, or its code is outside the profiled files: see --profile-all and --include)."); return; }
    var order = D.files.map(function (f, i) { return {i: i, t: fileTotals(f)}; });
    order.sort(function (a, b) { return (b.t.time - a.t.time) || (b.t.alloc - a.t.alloc) || (a.i - b.i); });
    order.forEach(function (o) { fileSection(sec, o.i, o.t); });
  }

  function codeColumns() {
    var row = function (r) { return r; };
    var cols = [{key: "line", label: "line", cls: "lineno", value: function (r) { return r[LINE]; },
                 cell: function (td, r) { td.textContent = r[LINE]; }},
                timeCol("python", "Python", PY, row), timeCol("native", "native", NAT, row),
                timeCol("offcpu", "off-CPU", SYS, row), totalCol(row, T.maxTime)];
    if (D.gpu) cols.push(gpuCol(row));
    if (T.gpuMem) cols = cols.concat(gpuMemCols(row));
    if (MEM) {
      cols.push(bytesCol("alloc", "allocated", ALLOC, row, T.alloc), bytesCol("peak", "at peak", PEAK, row, T.peakWhole),
                bytesCol("copy", "copied", COPY, row, T.copy));
      if (T.anyTimeline) cols.push(sparkCol(row));
    }
    cols.push(textCol("source", "source", "src", function (r) { return r[TEXT]; }));
    return cols;
  }

  function fileSection(sec, fi, tot) {
    var f = D.files[fi], box = add(sec, "div", "file"), headRow = add(box, "div", "file-head");
    box.id = "file-" + fi;
    var path = add(headRow, "span", "path");
    add(path, "span", null, dir(f.path));
    add(path, "strong", null, base(f.path));
    var bits = [plural(f.lines.length, "line", "lines")];
    if (tot.time > 0) bits.push("time " + fmtTime(tot.time) + " (" + orZero(fmtPct(tot.time, T.time), "0%") + ")");
    if (MEM && tot.alloc > 0) bits.push("allocated " + fmtBytes(tot.alloc));
    if (MEM && tot.peak > 0) bits.push("at peak " + fmtBytes(tot.peak));
    add(headRow, "span", "totals", bits.join(" · "));
    if (!f.lines.length) { add(box, "p", "empty", "No line of this file has a figure."); return; }
    var hot = f.lines.filter(matters), expanded = false, cold = f.lines.length - hot.length;
    var note = cold && !hot.length ? add(box, "p", "empty", plural(cold, "line", "lines") + ", each under 0.5% of every total.") : null;
    var button = null;
    var table = new Table(box, {id: "file-" + fi + "-table", cls: "code", items: hot, cols: codeColumns(), sort: "line",
                                row: codeRow(fi)});
    table.table.style.display = hot.length ? "" : "none";
    function setExpanded(on) {
      expanded = on;
      table.table.style.display = on || hot.length ? "" : "none";
      if (note) note.style.display = on ? "none" : "";
      table.setItems(on ? f.lines : hot);
      button.textContent = on ? "Fold the " + cold + " minor lines" : "Show all " + f.lines.length + " lines";
    }
    if (cold) {
      button = add(headRow, "button", null, "Show all " + f.lines.length + " lines");
      button.id = "file-" + fi + "-toggle";
      button.title = plural(cold, "line", "lines") + " under 0.5% of every total";
      button.addEventListener("click", function () { setExpanded(!expanded); });
    }
    revealers[fi] = function (line) {
      if (!expanded && cold && !hot.some(function (r) { return r[LINE] === line; })) setExpanded(true);
    };
  }

  function codeRow(fi) {
    return function (tr, r, prev, sortKey) {
      tr.id = "f" + fi + "-L" + r[LINE];
      var k = matters(r) ? heat(r) : -1;
      tr.className = (k === 2 ? "hot2" : k === 1 ? "hot1" : k < 0 ? "cold" : "") +
        (sortKey === "line" && prev && r[LINE] !== prev[LINE] + 1 ? " gap" : "");
    };
  }

  function reveal(fi, line) {
    if (revealers[fi]) revealers[fi](line);
    var tr = document.getElementById("f" + fi + "-L" + line);
    if (!tr) return;
    tr.scrollIntoView({block: "center"});
    tr.classList.remove("flash");
    void tr.offsetWidth; /* restart the animation */
    tr.classList.add("flash");
  }

  function footer() {
    var f = add(app, "footer");
    f.textContent = "footprint profile, format version " + D.version + " · " + plural(T.lines, "line", "lines") + " in " +
      plural(D.files.length, "file", "files") + " · self-contained: nothing is loaded from anywhere";
  }

  /* ---- flame graphs (icicles, the program at the top): time, memory at the peak
   * A canvas, drawn by hand: a calling-context tree of the digest's stacks
   * (D.stacks), each frame as wide as its figure, callers above callees.
   * Only frames at least half a pixel wide are drawn, so 50,000 stacks draw
   * at once. Click a frame to zoom to it (click it again to zoom out); the
   * bar below names it (as text) with a link to its line in the source;
   * the search box marks the frames whose function or file holds the text. */
  var FG_ROW = 17;

  /* The tree in flat arrays (node 0 is the root), built without a map:
   * the stacks sorted by their frames make the tree in depth-first order
   * (a stack shares with the one before it the prefix they have in
   * common), so children come in frame order, as flamegraph.pl draws them,
   * and a node's left edge x is the weight of all the stacks before its
   * first one. Objects per node cost too much at 50,000 stacks. */
  function byChain(a, b) {
    var p = a[0], q = b[0], n = Math.min(p.length, q.length);
    for (var i = 0; i < n; i++) if (p[i] !== q[i]) return p[i] - q[i];
    return p.length - q.length;
  }

  function flameTree(col) {
    var list = D.stacks.list.filter(function (s) { return s[col] > 0; }).sort(byChain);
    var cap = 1, n = 1, deepest = 0, total = 0, path = [0], lastKid = [0], prev = [];
    list.forEach(function (s) { cap += s[0].length; });
    /* first and next: 0 for none (the root is no one's child) */
    var parent = new Int32Array(cap), frame = new Int32Array(cap), depth = new Int32Array(cap);
    var first = new Int32Array(cap), next = new Int32Array(cap), w = new Float64Array(cap), x = new Float64Array(cap);
    frame[0] = -1;
    for (var s = 0; s < list.length; s++) {
      var chain = list[s][0], weight = list[s][col], common = 0, d;
      while (common < chain.length && common < prev.length && chain[common] === prev[common]) common++;
      for (d = common; d < chain.length; d++) {
        var c = n++, up = path[d];
        parent[c] = up; frame[c] = chain[d]; depth[c] = d + 1; x[c] = total;
        if (d === common && lastKid[d]) next[lastKid[d]] = c; else first[up] = c;
        lastKid[d] = c;       /* the newest child at this depth, under path[d] */
        lastKid[d + 1] = 0;   /* its own children start now */
        path[d + 1] = c;
      }
      for (d = 0; d <= chain.length; d++) w[path[d]] += weight;
      total += weight;
      if (chain.length > deepest) deepest = chain.length;
      prev = chain;
    }
    return {n: n, parent: parent, frame: frame, depth: depth, w: w, x: x, first: first, next: next, deepest: deepest};
  }

  /* A native frame (--native-stacks) is a C function of an object: "dgemm_ (libblas.so.3)". */
  function isNative(f) { return D.stacks.frames[f][3] === 1; }

  function frameLabel(f) {
    var fr = D.stacks.frames[f];
    return isNative(f) ? fr[1] + " (" + base(fr[0]) + ")" : fr[1] + "  " + base(fr[0]) + ":" + fr[2];
  }

  function frameHue(f) {
    var name = D.stacks.frames[f][1], h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    return isNative(f) ? 190 + Math.abs(h) % 40 /* blues: native code */ : 8 + Math.abs(h) % 42; /* reds to yellows */
  }

  function Flame(sec, id, title, col, fmt) {
    var self = this;
    this.t = flameTree(col);
    this.zoom = 0;
    this.fmt = fmt;
    this.query = "";
    var box = add(sec, "div", "flame");
    add(box, "h3", null, title);
    if (!(this.t.w[0] > 0)) { add(box, "p", "empty", "Nothing to draw."); return; }
    this.canvas = add(box, "canvas");
    this.canvas.id = id;
    this.tip = add(box, "div", "flame-tip");
    this.bar = add(box, "div", "flame-bar");
    this.canvas.addEventListener("click", function (ev) { self.click(self.at(ev)); });
    this.canvas.addEventListener("mousemove", function (ev) { self.hover(ev, self.at(ev)); });
    this.canvas.addEventListener("mouseleave", function () { self.tip.style.display = "none"; });
    this.draw();
    this.select(this.heaviest(0));
  }

  Flame.prototype.heaviest = function (node) {
    var best = -1;
    for (var k = this.t.first[node]; k > 0; k = this.t.next[k]) if (best < 0 || this.t.w[k] > this.t.w[best]) best = k;
    return best;
  };

  Flame.prototype.matches = function (node) {
    var f = this.t.frame[node];
    if (!this.query || f < 0) return false;
    var fr = D.stacks.frames[f];
    return fr[1].toLowerCase().indexOf(this.query) >= 0 || fr[0].toLowerCase().indexOf(this.query) >= 0;
  };

  Flame.prototype.draw = function () {
    var c = this.canvas, t = this.t, width = Math.max(300, (c.parentNode.clientWidth || 900) - 2);
    var ratio = window.devicePixelRatio || 1, rows = t.deepest + 1;
    c.width = width * ratio;
    c.height = rows * FG_ROW * ratio;
    c.style.width = width + "px";
    c.style.height = rows * FG_ROW + "px";
    var g = c.getContext("2d"), z = this.zoom, scale = width / t.w[z], self = this, drawn = 0, matched = 0;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    this.rows = [];
    function box(node, x, right) {
      (self.rows[t.depth[node]] = self.rows[t.depth[node]] || []).push([x, right, node]);
    }
    function paint(node, hit) {
      var x0 = (t.x[node] - t.x[z]) * scale, wd = t.w[node] * scale;
      if (wd < 0.5) return;
      var x = Math.max(0, x0), right = Math.min(width, x0 + wd), y = t.depth[node] * FG_ROW, f = t.frame[node];
      var isHit = self.matches(node);
      if (isHit && !hit) matched += t.w[node]; /* an outer match already counts its callees */
      hit = hit || isHit;
      g.fillStyle = f < 0 ? "#d7d9de" : self.query && !isHit ? "hsl(" + frameHue(f) + ",25%,82%)"
                  : isHit ? "#b05cc8" : "hsl(" + frameHue(f) + ",85%,62%)";
      g.fillRect(x, y, Math.max(0.5, right - x - 0.5), FG_ROW - 1);
      box(node, x, right);
      drawn++;
      if (right - x > 28) {
        var label = f < 0 ? "all (" + self.fmt(t.w[node]) + ")" : frameLabel(f), room = right - x - 6;
        if (g.measureText(label).width > room) label = label.slice(0, Math.max(1, Math.floor(room / 6.2))) + "…";
        g.fillStyle = "#1d1f24";
        g.fillText(label, x + 3, y + FG_ROW / 2);
      }
      for (var k = t.first[node]; k > 0; k = t.next[k]) paint(k, hit);
    }
    /* the zoomed frame's callers span the whole width above it */
    for (var a = z ? t.parent[z] : -1; a >= 0; a = a ? t.parent[a] : -1) {
      g.fillStyle = "#eceef2";
      g.fillRect(0, t.depth[a] * FG_ROW, width, FG_ROW - 1);
      box(a, 0, width);
    }
    paint(z, false);
    c.setAttribute("data-drawn", drawn);
    c.setAttribute("data-matched", this.query ? (matched / t.w[0]).toFixed(4) : "");
    c.setAttribute("data-zoom", z ? D.stacks.frames[t.frame[z]][1] : "all");
    this.matched = matched;
  };

  Flame.prototype.at = function (ev) {
    var r = this.canvas.getBoundingClientRect(), x = ev.clientX - r.left, row = this.rows[Math.floor((ev.clientY - r.top) / FG_ROW)];
    for (var i = 0; row && i < row.length; i++) if (x >= row[i][0] && x < row[i][1]) return row[i][2];
    return -1;
  };

  Flame.prototype.hover = function (ev, node) {
    if (node < 0) { this.tip.style.display = "none"; return; }
    var t = this.t;
    this.tip.textContent = (node ? frameLabel(t.frame[node]) : "all") + " — " + this.fmt(t.w[node]) + " (" +
                           orZero(fmtPct(t.w[node], t.w[0]), "0%") + ")";
    this.tip.style.display = "block";
    this.tip.style.left = Math.max(0, Math.min(ev.offsetX + 12, this.canvas.clientWidth - 260)) + "px";
    this.tip.style.top = (ev.offsetY + 14) + "px";
  };

  Flame.prototype.click = function (node) {
    if (node < 0) return;
    this.zoom = node === this.zoom && node ? this.t.parent[node] : node;
    this.draw();
    this.select(node);
  };

  /* The bar under the graph: the frame, its figure, a link to its line. */
  Flame.prototype.select = function (node) {
    this.bar.textContent = "";
    if (node <= 0) return;
    var fr = D.stacks.frames[this.t.frame[node]], fi = -1, wt = this.t.w[node];
    D.files.forEach(function (f, i) { if (f.path === fr[0]) fi = i; });
    add(this.bar, "strong", null, fr[1]);
    add(this.bar, "span", null, " " + this.fmt(wt) + " (" + orZero(fmtPct(wt, this.t.w[0]), "0%") + ") ");
    if (isNative(this.t.frame[node])) { add(this.bar, "span", null, "native code in " + fr[0]); return; }
    var a = add(this.bar, "a", null, fr[0] + ":" + fr[2]);
    a.href = "#" + (fi >= 0 ? "f" + fi + "-L" + fr[2] : "source");
    a.addEventListener("click", function (ev) { if (fi >= 0) { ev.preventDefault(); reveal(fi, fr[2]); } });
  };

  Flame.prototype.search = function (q) {
    if (!this.canvas) return;
    this.query = q.toLowerCase();
    this.draw();
  };

  function flameGraphs() {
    if (!D.stacks || !D.stacks.list.length) return;
    var sec = section("Flame graphs", "Call paths, the program at the top: each frame is as wide as what it and the frames " +
                      "under it (what it called) took. Click a frame to zoom; the bar under a graph links to its line.");
    sec.id = "flame";
    var tools = add(sec, "div", "flame-tools"), input = add(tools, "input");
    input.type = "search";
    input.id = "flame-search";
    input.placeholder = "Search functions and files";
    var found = add(tools, "span", "note");
    var graphs = [new Flame(sec, "flame-time", "Time (Python, native and off-CPU)", 1, fmtTime)];
    if (MEM) graphs.push(new Flame(sec, "flame-peak", "Memory at the peak", 2, fmtBytes));
    input.addEventListener("input", function () {
      graphs.forEach(function (g) { g.search(input.value); });
      var g = graphs[0];
      found.textContent = input.value && g.canvas ? " matches: " + orZero(fmtPct(g.matched, g.t.w[0]), "0%") + " of the time" : "";
    });
  }

  /* A test hook: "#search=TEXT" types TEXT into the flame graphs' search box. */
  function hashSearch() {
    var m = /^#search=(.*)$/.exec(location.hash), input = document.getElementById("flame-search");
    if (!m || !input) return;
    input.value = decodeURIComponent(m[1]);
    input.dispatchEvent(new Event("input"));
  }

  /* A test hook: "#click=ID,ID" clicks those elements once the page is drawn. */
  function hashClicks() {
    var m = /^#click=(.*)$/.exec(location.hash);
    if (!m) return;
    decodeURIComponent(m[1]).split(",").forEach(function (id) {
      var e = document.getElementById(id);
      if (e) e.click();
    });
    app.setAttribute("data-clicked", m[1]);
  }

  function draw() {
    D = JSON.parse(document.getElementById("profile").textContent);
    MEM = D.memory || null;
    GPUM = D.gpuMemory || null;
    T = totals();
    T.anyTimeline = D.files.some(function (f) { return f.lines.some(function (r) { return r[EXTRA] && r[EXTRA].length; }); });
    header();
    summary();
    if (MEM) memoryChart();
    if (GPUM) gpuChart();
    leaks();
    functions();
    hotLines();
    flameGraphs();
    processes();
    imports();
    sourceFiles();
    footer();
  }

  try {
    draw();
    hashClicks();
    hashSearch();
    app.setAttribute("data-status", "done");
  } catch (e) {
    app.setAttribute("data-status", "error");
    app.textContent = "";
    add(app, "p", "error", "footprint could not draw this report: " + (e && e.message ? e.message : e));
    if (window.console) console.error(e);
  }
  app.setAttribute("data-render-ms", (performance.now() - T0).toFixed(1));
  app.setAttribute("data-ready-ms", performance.now().toFixed(1));
})();
