/* charts.js: draws the sweep and compare page (see chartpage.h) from the
 * JSON in #data with Chart.js. Program text is set with textContent only.
 * When everything is drawn, #app gets data-status="done"; each chart's
 * canvas gets data-ink (how many sampled pixels are painted) and
 * data-series (how many data sets it shows), which the tests read. */
'use strict';
(function () {
  const app = document.getElementById('app');
  const COLORS = ['#1a56c4', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0b7285', '#c2255c', '#5c940d',
                  '#495057', '#364fc7'];
  const REST = '#ced4da';

  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const kid of kids || []) e.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    return e;
  }

  /* The terminal report's units (textfmt.c): powers of 1000. */
  function fmtBytes(b) {
    if (b === null || b === undefined || !isFinite(b)) return '-';
    if (Math.abs(b) < 0.5) return '.';
    const units = [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];
    for (const [u, s] of units) {
      if (Math.abs(b) >= s) {
        const v = b / s;
        return (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(1)) + u;
      }
    }
    return Math.round(b) + 'B';
  }
  function fmtTime(s) {
    if (s === null || s === undefined || !isFinite(s)) return '-';
    if (s < 0.0005) return '.';
    if (s < 1) return Math.round(s * 1000) + 'ms';
    if (s < 100) return s.toFixed(2) + 's';
    return s.toFixed(0) + 's';
  }
  function fmtValue(v) { return typeof v === 'number' ? String(v) : String(v); }

  /* Marks a drawn chart for the tests: painted pixels and data sets. */
  function mark(canvas, chart) {
    const ctx = canvas.getContext('2d');
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 3; i < img.length; i += 4 * 7) if (img[i] > 0) ink++;
    canvas.setAttribute('data-ink', String(ink));
    canvas.setAttribute('data-series', String(chart.data.datasets.length));
  }

  function chart(parent, id, config, height) {
    const canvas = el('canvas', {id: id, width: '1040', height: String(height || 340)});
    const box = el('div', {class: 'chart'}, [canvas]);
    parent.appendChild(box);
    config.options = Object.assign({animation: false, responsive: false, devicePixelRatio: 1,
                                    plugins: {legend: {position: 'bottom'}}}, config.options || {});
    const c = new Chart(canvas.getContext('2d'), config);
    mark(canvas, c);
    return {canvas: canvas, chart: c, box: box};
  }

  function logToggle(parent, charts, label) {
    const b = el('button', {type: 'button', 'aria-pressed': 'false', id: 'log-' + charts[0].canvas.id,
                            text: label || 'log axes'});
    b.addEventListener('click', function () {
      const on = b.getAttribute('aria-pressed') !== 'true';
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      for (const c of charts) {
        c.chart.options.scales.x.type = on ? 'logarithmic' : 'linear';
        c.chart.options.scales.y.type = on ? 'logarithmic' : 'linear';
        c.chart.update();
        mark(c.canvas, c.chart);
      }
    });
    parent.appendChild(el('p', {class: 'note'}, [b]));
  }

  function table(id, head, rows) {
    const thead = el('thead', {}, [el('tr', {}, head.map(h => el('th', {class: h.text ? 'text' : '', text: h.label})))]);
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr', r.cls ? {class: r.cls} : {});
      head.forEach(function (h, i) {
        const v = r.cells[i];
        const td = el('td', {'data-col': h.key, class: h.text ? 'text' : ''});
        if (v instanceof Node) td.appendChild(v); else td.textContent = v;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    return el('table', {id: id}, [thead, tbody]);
  }

  /* ---- sweep ---------------------------------------------------------- */

  function paramText(params, skip) {
    return Object.entries(params || {}).filter(([k]) => k !== skip).map(([k, v]) => k + '=' + fmtValue(v)).join(' ');
  }

  /* The parameter on the x axis: the first numeric one that varies. */
  function xParam(d) {
    for (const p of d.parameters) {
      const vals = d.values[p];
      if (vals.length > 1 && vals.every(v => typeof v === 'number' && v > 0)) return p;
    }
    return null;
  }

  function sweepSeries(d, xp, get) {
    const groups = new Map();
    for (const c of d.configs) {
      if (c.status !== 'ok') continue;
      const y = get(c);
      if (y === null || y === undefined || !isFinite(y)) continue;
      const key = paramText(c.params, xp) || 'all';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({x: c.params[xp], y: y});
    }
    return Array.from(groups.entries()).map(function ([key, pts], i) {
      pts.sort((a, b) => a.x - b.x);
      return {label: key, data: pts, borderColor: COLORS[i % COLORS.length],
              backgroundColor: COLORS[i % COLORS.length], showLine: true, pointRadius: 4};
    });
  }

  function axes(xp, yFmt, yTitle) {
    return {x: {type: 'linear', title: {display: true, text: xp}},
            y: {type: 'linear', beginAtZero: true, title: {display: true, text: yTitle},
                ticks: {callback: v => yFmt(v)}}};
  }

  /* The functions that held most at the peak (largest share anywhere). */
  function topFunctions(d, key, n) {
    const best = new Map();
    for (const c of d.configs) {
      for (const f of c.functions || []) {
        const id = f.name + '\u0000' + f.file;
        best.set(id, Math.max(best.get(id) || 0, f[key] || 0));
      }
    }
    return Array.from(best.entries()).filter(e => e[1] > 0).sort((a, b) => b[1] - a[1]).slice(0, n).map(e => e[0]);
  }

  function fnFigure(c, id, key) {
    for (const f of c.functions || []) if (f.name + '\u0000' + f.file === id) return f[key] || 0;
    return 0;
  }

  function configLabel(d, c) { return paramText(c.params) || 'run'; }

  function peakByFunction(parent, d, percent) {
    const shown = d.configs.filter(c => c.peak_bytes !== null);
    const ids = topFunctions(d, 'peak_bytes', 8);
    const datasets = ids.map(function (id, i) {
      return {label: id.split('\u0000')[0], backgroundColor: COLORS[i % COLORS.length],
              data: shown.map(function (c) {
                const v = fnFigure(c, id, 'peak_bytes');
                return percent ? 100 * v / c.peak_bytes : v;
              })};
    });
    datasets.push({label: 'rest of the process (interpreter, libraries, outside profiled files)',
                   backgroundColor: REST, data: shown.map(function (c) {
                     const held = ids.reduce((s, id) => s + fnFigure(c, id, 'peak_bytes'), 0);
                     const rest = Math.max(0, c.peak_bytes - held);
                     return percent ? 100 * rest / c.peak_bytes : rest;
                   })});
    const fmt = percent ? (v => Math.round(v) + '%') : fmtBytes;
    return chart(parent, percent ? 'peak-by-function-pct' : 'peak-by-function', {
      type: 'bar', data: {labels: shown.map(c => configLabel(d, c)), datasets: datasets},
      options: {scales: {x: {stacked: true}, y: {stacked: true, max: percent ? 100 : undefined,
                                                 ticks: {callback: v => fmt(v)}}},
                plugins: {legend: {position: 'bottom'},
                          tooltip: {callbacks: {label: ctx => ctx.dataset.label + ': ' + fmt(ctx.parsed.y)}}}}});
  }

  function timeSeries(d, xp) {
    /* one group ("all") needs no group in its labels */
    const named = (what, s) => s.label === 'all' ? what : what + ' ' + s.label;
    const sets = sweepSeries(d, xp, c => c.elapsed_s).map(s => Object.assign(s, {label: named('wall', s)}));
    const imports = sweepSeries(d, xp, c => c.imports ? c.imports.time_s : null);
    imports.forEach(s => sets.push(Object.assign(s, {label: named('imports', s), borderDash: [6, 4]})));
    topFunctions(d, 'time_s', 4).forEach(function (id) {
      sweepSeries(d, xp, c => fnFigure(c, id, 'time_s')).forEach(
        s => sets.push(Object.assign(s, {label: named(id.split('\u0000')[0], s)})));
    });
    sets.forEach(function (s, i) { s.borderColor = s.backgroundColor = COLORS[i % COLORS.length]; });
    return sets;
  }

  function sweepCharts(d) {
    const xp = xParam(d);
    if (!xp) {
      app.appendChild(el('p', {class: 'note', text: 'No numeric parameter with several values: nothing to draw against.'}));
    } else {
      app.appendChild(el('h2', {text: 'Peak memory against ' + xp}));
      const peak = chart(app, 'peak-vs-size', {type: 'scatter',
        data: {datasets: sweepSeries(d, xp, c => c.peak_bytes).map(s => Object.assign(s, {label: s.label === 'all' ? 'peak' : s.label}))},
        options: {scales: axes(xp, fmtBytes, 'peak')}});
      logToggle(app, [peak]);
      app.appendChild(el('h2', {text: 'Time against ' + xp}));
      const time = chart(app, 'time-vs-size', {type: 'scatter', data: {datasets: timeSeries(d, xp)},
                                               options: {scales: axes(xp, fmtTime, 'time')}});
      logToggle(app, [time]);
    }
    app.appendChild(el('h2', {text: 'Memory at the peak, by function'}));
    peakByFunction(app, d, false);
    app.appendChild(el('p', {class: 'note', text: 'The same, as a share of each configuration\u2019s peak:'}));
    peakByFunction(app, d, true);
  }

  function link(href, text) { return href ? el('a', {href: href, text: text}) : '-'; }

  function configTable(d) {
    const head = d.parameters.map(p => ({key: 'param-' + p, label: p, text: true})).concat([
      {key: 'status', label: 'status', text: true}, {key: 'wall', label: 'wall'}, {key: 'cpu', label: 'CPU'},
      {key: 'peak', label: 'peak'}, {key: 'alloc', label: 'allocated'}, {key: 'imports', label: 'imports'},
      {key: 'report', label: 'report', text: true}, {key: 'profiles', label: 'profiles', text: true}]);
    const rows = d.configs.map(function (c) {
      const profiles = el('span');
      (c.profiles || []).forEach(function (p, i) {
        if (i) profiles.appendChild(document.createTextNode(' '));
        profiles.appendChild(link(p, d.runs > 1 ? 'run ' + (i + 1) : 'json'));
      });
      return {cls: 'status-' + c.status, cells: d.parameters.map(p => fmtValue(c.params[p])).concat([
        c.status, fmtTime(c.elapsed_s), fmtTime(c.cpu_s), fmtBytes(c.peak_bytes), fmtBytes(c.alloc_bytes),
        fmtTime(c.imports ? c.imports.time_s : null), link(c.report, 'report'), profiles])};
    });
    return table('configs', head, rows);
  }

  function fitTable(d) {
    const head = [{key: 'target', label: 'target', text: true}, {key: 'figure', label: 'figure', text: true},
                  {key: 'parameter', label: 'parameter', text: true}, {key: 'k', label: 'k (exponent)'},
                  {key: 'r2', label: 'R\u00b2'}, {key: 'flag', label: '', text: true}];
    return table('fits', head, d.fits.map(f => ({cells: [f.target, f.figure, f.parameter, f.exponent.toFixed(2),
      f.r2.toFixed(3), f.superlinear ? 'superlinear' : '']})));
  }

  function predictionTable(d) {
    const head = [{key: 'at', label: 'at', text: true}, {key: 'target', label: 'target', text: true},
                  {key: 'figure', label: 'figure', text: true}, {key: 'estimate', label: 'about'},
                  {key: 'interval', label: '95% interval'}];
    return table('predictions', head, d.predictions.map(function (p) {
      const f = p.figure === 'time_s' ? fmtTime : fmtBytes;
      const at = p.parameter + '=' + p.value + (paramText(p.params) ? ' (' + paramText(p.params) + ')' : '');
      const loose = p.high > 100 * p.estimate; /* as the terminal says: too loose to bound */
      return {cells: [at, p.target, p.figure, f(p.estimate), loose ? 'too loose to bound' : f(p.low) + ' to ' + f(p.high)]};
    }));
  }

  function sweep(d) {
    const ok = d.configs.filter(c => c.status === 'ok').length;
    app.appendChild(el('h1', {text: 'footprint sweep \u00b7 ' + d.program}));
    const sub = d.parameters.map(p => p + ' = ' + d.values[p].join(', ')).join('; ') + ' (' + d.mode + ', ' +
                d.runs + (d.runs === 1 ? ' run' : ' runs') + ' each): ' + d.configs.length + ' configurations run, ' +
                ok + ' ok';
    app.appendChild(el('p', {class: 'sub', text: sub}));
    if (!d.complete) app.appendChild(el('p', {class: 'bad', text: 'Interrupted: only the configurations that finished are here.'}));
    sweepCharts(d);
    app.appendChild(el('h2', {text: 'Configurations'}));
    app.appendChild(configTable(d));
    app.appendChild(el('h2', {text: 'Growth: figure \u2248 c \u00b7 size^k'}));
    if (d.fits.length) app.appendChild(fitTable(d));
    else app.appendChild(el('p', {class: 'note', text: 'Nothing fitted: that takes a numeric parameter with at least three sizes that ran ok.'}));
    if (d.predictions.length) {
      app.appendChild(el('h2', {text: 'Predictions'}));
      app.appendChild(predictionTable(d));
    }
  }

  /* ---- compare -------------------------------------------------------- */

  function compare(d) {
    app.appendChild(el('h1', {text: 'footprint compare'}));
    app.appendChild(el('p', {class: 'sub', text: d.profiles.map((p, i) => (i ? 'vs ' : '') + p.label).join(' ')}));
    const totals = ['elapsed_s', 'cpu_s', 'peak_bytes', 'alloc_bytes', 'imports_time_s'];
    const names = {elapsed_s: 'wall', cpu_s: 'CPU', peak_bytes: 'peak', alloc_bytes: 'allocated',
                   imports_time_s: 'imports', gpu_s: 'GPU'};
    if (d.profiles.some(p => p.totals.gpu_s !== null && p.totals.gpu_s !== undefined)) totals.push('gpu_s');
    app.appendChild(el('h2', {text: 'Totals, relative to the first profile'}));
    chart(app, 'totals', {type: 'bar', data: {labels: totals.map(k => names[k]), datasets: d.profiles.map(function (p, i) {
      return {label: p.label, backgroundColor: COLORS[i % COLORS.length], data: totals.map(function (k) {
        const base = d.profiles[0].totals[k];
        return base ? p.totals[k] / base : null;
      })};
    })}, options: {scales: {y: {title: {display: true, text: '\u00d7 the first'}}}}}, 280);
    const head = [{key: 'figure', label: 'total', text: true}].concat(d.profiles.map((p, i) => ({key: 'p' + i, label: p.label})));
    app.appendChild(table('totals-table', head, totals.map(function (k) {
      const f = k.endsWith('_bytes') ? fmtBytes : fmtTime;
      return {cells: [names[k]].concat(d.profiles.map(p => f(p.totals[k])))};
    })));
    for (const [key, title] of [['functions', 'Functions'], ['lines', 'Lines'], ['imports', 'Imports']]) {
      const rows = d[key] || [];
      app.appendChild(el('h2', {text: title + ', biggest differences first'}));
      if (!rows.length) {
        app.appendChild(el('p', {class: 'note', text: key === 'lines' ? 'No file is in more than one profile.' : 'None.'}));
        continue;
      }
      const head2 = [{key: 'name', label: key === 'lines' ? 'line' : 'name', text: true}, {key: 'figure', label: 'figure', text: true}]
        .concat(d.profiles.map((p, i) => ({key: 'p' + i, label: p.label}))).concat([{key: 'delta', label: 'change'},
                                                                                    {key: 'ratio', label: 'ratio'}]);
      app.appendChild(table(key, head2, rows.map(function (r) {
        const f = r.figure.endsWith('_bytes') ? fmtBytes : fmtTime;
        return {cells: [r.name, r.figure].concat(r.values.map(f)).concat([
          (r.delta > 0 ? '+' : r.delta < 0 ? '-' : '') + f(Math.abs(r.delta)), r.ratio === null ? (r.only ? 'only in ' + r.only : '-') : r.ratio.toFixed(2) + '\u00d7'])};
      })));
    }
  }

  try {
    const d = JSON.parse(document.getElementById('data').textContent);
    if (d.format === 'footprint-sweep') sweep(d);
    else if (d.format === 'footprint-compare') compare(d);
    else throw new Error('not a sweep or a comparison');
    app.setAttribute('data-status', 'done');
  } catch (e) {
    app.appendChild(el('p', {class: 'bad', text: 'This page could not be drawn: ' + e.message}));
    app.setAttribute('data-status', 'error');
  }
})();
