// Models: the registry's models, the versions of one with their kind (built-in or ONNX), metrics and aliases, a
// chart of a metric across versions, one version's params and metrics, a side-by-side comparison of the versions
// picked, the champion's confusion matrix and the drift of what it serves. Operators can promote a version to
// champion (rollback is the same action). Wide tables scroll inside their own box: the page never scrolls sideways.
import { get, post, enc } from '../api.js';
import { h, time, toast } from '../dom.js';
import { link, setQuery } from '../router.js';
import { can } from '../session.js';
import { chartJs } from '../lib.js';
import { confirmAction } from '../components/dialog.js';

export async function modelsPage({ params, query, main, rerender }) {
  const models = await get('/models');
  const side = h('nav.panel', { 'aria-label': 'Models', style: { alignSelf: 'start' } }, h('h2', { style: { marginTop: 0 } }, 'Models'),
    models.items.length ? h('ul#models-list', { style: { listStyle: 'none', padding: 0, margin: 0 } }, models.items.map((m) => h('li', { style: { marginBottom: '8px' } },
      h('a', { href: link('models', m.name), 'aria-current': m.name === params.model ? 'page' : null }, h('strong', m.name)),
      h('div.small.muted', `latest v${m.latest_version}`, m.champion_version ? ` · champion v${m.champion_version}` : ' · no champion', ' · ', time(m.updated_at, { short: true })))))
      : h('p.muted', 'No model registered yet. A DAG registers one with a train task.'));
  const content = h('div.models-content');
  main.append(h('div.page-head', h('div', h('h1', 'Models'), h('div.muted', 'Registry: versions, metrics and the champion'))),
    h('div.cols.models-layout', side, content));
  const name = params.model || (models.items[0] && models.items[0].name);
  if (!name) return;
  const versions = (await get(`/models/${enc(name)}/versions`)).items;
  const byNumber = new Map(versions.map((v) => [v.version, v]));
  // What the URL remembers besides the model: the charted metric, the version shown, the versions compared.
  const state = { metric: query.metric, version: byNumber.has(Number(query.version)) ? Number(query.version) : null,
    compare: (query.compare || '').split(',').map(Number).filter((n) => byNumber.has(n)) };
  const remember = () => setQuery({ metric: state.metric, version: state.version, compare: state.compare.join(',') });
  // Numbers only: the confusion matrix and per-class details are objects, neither charted nor a column.
  const metricNames = [...new Set(versions.flatMap((v) => Object.keys(v.metrics || {}).filter((m) => typeof v.metrics[m] === 'number')))].sort();
  state.metric = state.metric && metricNames.includes(state.metric) ? state.metric : metricNames[0];
  const metricSel = h('select#metric', { 'aria-label': 'Metric' }, metricNames.map((m) => h('option', { value: m, selected: m === state.metric }, m)));
  const canvas = h('canvas#metric-chart', { role: 'img', 'aria-label': `Metric across versions of ${name}` });

  const picked = new Set(state.compare);
  const compareBtn = h('button.btn.small#compare-btn', { type: 'button', onclick: () => showCompare([...picked]) });
  const pickedChanged = () => {
    compareBtn.disabled = picked.size < 2;
    compareBtn.textContent = picked.size < 2 ? 'Compare (pick 2 or more)' : `Compare ${picked.size} versions`;
  };
  pickedChanged();
  const detailBox = h('div#version-detail-box');
  const compareBox = h('div#compare-box');

  content.append(
    h('div.panel', h('div.row', h('h2', { style: { margin: 0 } }, name), h('div.spacer'), metricNames.length ? [h('span.muted', 'Metric'), metricSel] : null),
      // The chart follows its box's width (Chart.js resizes with it); the box never grows past the column.
      h('div.chart-box#metric-chart-box', { style: { height: '280px', marginTop: '10px', border: 0 } }, canvas)),
    h('div.panel', h('div.row', h('h3', { style: { margin: 0 } }, 'Versions'), h('span.muted.small', 'tick versions to compare them side by side'), h('div.spacer'), compareBtn),
      h('div.table-scroll#versions-scroll', { style: { marginTop: '10px' } },
        h('table.list.compact#versions-table', h('thead', h('tr', h('th', h('span.sr', 'Compare')), h('th', 'Version'), h('th', 'Kind'),
          metricNames.map((m) => h('th.metric', breakable(m))), h('th', 'Created'), h('th', 'From run'), h('th', h('span.sr', 'Actions')))),
        h('tbody', versions.map((v) => h('tr', { 'data-version': v.version },
          h('td', h('input.pick', { type: 'checkbox', checked: picked.has(v.version), 'aria-label': `Compare v${v.version}`,
            onchange: (e) => { if (e.target.checked) picked.add(v.version); else picked.delete(v.version); pickedChanged(); } })),
          h('td', h('button.linkish', { type: 'button', title: 'Params and metrics of this version', onclick: () => showDetail(v.version) }, h('strong', 'v' + v.version)),
            v.aliases.length ? h('div', v.aliases.map((a) => h('span.tag', a === 'champion' ? '★ champion' : a))) : null),
          h('td.kind', kindLabel(v), h('div.small.muted', [v.framework, v.algorithm !== 'onnx' ? v.algorithm : null].filter(Boolean).join(' · '))),
          metricNames.map((m) => h('td.mono', v.metrics && v.metrics[m] !== undefined ? fmt(v.metrics[m]) : '—')),
          h('td', time(v.created_at, { short: true })),
          h('td.run', v.run_id ? h('a.mono', { href: link('dags', v.dag_id, 'graph', { run: v.run_id }) }, v.run_id) : '—'),
          h('td.nowrap', can('operator') && !v.aliases.includes('champion') ? h('button.btn.ghost.small', { type: 'button', onclick: () => promote(v.version) }, 'Make champion…') : null))))))),
    detailBox, compareBox);
  const confusion = confusionPanel(versions.find((v) => v.aliases.includes('champion')) || versions[0]);
  if (confusion) content.append(confusion);
  if (versions.some((v) => v.aliases.includes('champion'))) content.append(driftPanel(name));
  if (state.version) showDetail(state.version, false);
  if (state.compare.length >= 2) showCompare(state.compare, false);

  function showDetail(version, scroll = true) {
    state.version = version; remember();
    const panel = detailPanel(byNumber.get(version), () => { state.version = null; remember(); detailBox.replaceChildren(); });
    detailBox.replaceChildren(panel);
    if (scroll) panel.scrollIntoView({ block: 'nearest' });
  }

  function showCompare(numbers, scroll = true) {
    state.compare = [...numbers].sort((a, b) => a - b); remember();
    const panel = comparePanel(state.compare.map((n) => byNumber.get(n)), () => { state.compare = []; remember(); compareBox.replaceChildren(); });
    compareBox.replaceChildren(panel);
    if (scroll) panel.scrollIntoView({ block: 'nearest' });
  }

  async function promote(version) {
    if (!(await confirmAction(`Make v${version} champion`, `Predictions of ${name} with alias "champion" will use version ${version}.`, { confirm: 'Make champion' }))) return;
    try { await post(`/models/${enc(name)}/aliases/champion`, { version }); toast(`${name}: v${version} is champion`); rerender(); } catch (e) { toast(e.message, 'err'); }
  }

  if (!state.metric) { canvas.replaceWith(h('p.muted', 'No metrics recorded.')); return; }
  const Chart = await chartJs();
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const champ = sorted.map((v) => v.aliases.includes('champion'));
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: sorted.map((v) => 'v' + v.version), datasets: [{ label: state.metric, data: sorted.map((v) => v.metrics ? v.metrics[state.metric] ?? null : null),
      borderColor: '#2456c9', backgroundColor: '#2456c9', pointRadius: champ.map((c) => (c ? 8 : 4)), pointStyle: champ.map((c) => (c ? 'star' : 'circle')), spanGaps: true }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false },
      tooltip: { callbacks: { afterLabel: (c) => (champ[c.dataIndex] ? '★ champion' : '') } } } },
  });
  metricSel.addEventListener('change', () => {
    state.metric = metricSel.value; remember();
    chart.data.datasets[0].label = state.metric;
    chart.data.datasets[0].data = sorted.map((v) => v.metrics ? v.metrics[state.metric] ?? null : null);
    chart.update();
  });
  return () => chart.destroy();
}

/** A metric name that may break after its underscores, so long names take two short lines, not one wide column. */
const breakable = (name) => name.split('_').flatMap((part, i, all) => (i < all.length - 1 ? [part + '_', h('wbr')] : [part]));

/** "built-in" for a model Sluice trained, "ONNX" for a graph brought from any framework. */
const kindLabel = (v) => h('span.tag.kind-' + (v.kind || 'builtin'), { style: { cursor: 'default' } }, v.kind === 'onnx' ? 'ONNX' : 'built-in');

/**
 * A version's params and metrics as flat name → value rows: nested objects (ml.train's validation scores) become
 * dotted names; the confusion matrix (its own panel), per-step histories and search traces are left out.
 */
function flat(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj || {})) {
    if (!prefix && (k === 'confusion_matrix' || k === 'history' || k === 'search')) continue;
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flat(v, key + '.', out);
    else out.set(key, v);
  }
  return out;
}

/** What the version is and what trained it: kind, framework, algorithm, its run, and its params and metrics. */
function detailPanel(v, close) {
  const sections = [['Params', flat(v.params), param], ['Evaluation metrics', flat(v.metrics), fmt], ['Logged by training', flat(v.logged_metrics), fmt]];
  return h('div.panel#version-detail', { 'data-version': v.version },
    h('div.row', h('h3', { style: { margin: 0 } }, `v${v.version}`, ' ', kindLabel(v)), h('div.spacer'), h('button.btn.ghost.small', { type: 'button', onclick: close }, 'Close')),
    h('dl.facts', { style: { margin: '10px 0' } },
      h('dt', 'Framework'), h('dd', v.framework || h('span.muted', 'not recorded')),
      h('dt', 'Algorithm'), h('dd.mono', v.algorithm || '—'),
      h('dt', 'Problem'), h('dd', v.problem || '—'),
      h('dt', 'Trained by'), h('dd', v.train_task ? h('span.mono', v.train_task) : h('span.muted', 'no experiment logged; params from the bundle')),
      h('dt', 'From run'), h('dd', v.run_id ? h('a.mono', { href: link('dags', v.dag_id, 'graph', { run: v.run_id }) }, `${v.dag_id} / ${v.run_id}`) : '—'),
      h('dt', 'Bundle'), h('dd.mono.wrap', v.bundle)),
    h('div.cols.fit', sections.map(([title, rows, show]) => h('div', h('h4', { style: { margin: '6px 0' } }, title),
      rows.size ? h('div.table-scroll', h('table.list', h('tbody', [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => h('tr', h('th.mono.data', k), h('td.mono', show(x)))))))
        : h('p.muted.small', 'none recorded')))));
}

/**
 * The picked versions side by side: params, evaluation metrics and what training logged, one column per version;
 * a row whose values are not all equal is marked (a tint and a ≠, not colour alone).
 */
function comparePanel(vs, close) {
  const groups = [['Params', (v) => flat(v.params), param], ['Evaluation metrics', (v) => flat(v.metrics), fmt], ['Logged by training', (v) => flat(v.logged_metrics), fmt]];
  const body = [];
  for (const [title, of, show] of groups) {
    const maps = vs.map(of);
    const names = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
    if (!names.length) continue;
    body.push(h('tr.group', h('th', { colspan: vs.length + 1 }, title)));
    for (const n of names) {
      const shown = maps.map((m) => (m.has(n) ? show(m.get(n)) : '—'));
      const differs = new Set(shown).size > 1;
      body.push(h('tr', { class: differs ? 'differs' : null, 'data-name': n },
        h('th.mono.data', differs ? h('span', { title: 'differs between versions' }, '≠ ') : null, n), shown.map((x) => h('td.mono', x))));
    }
  }
  return h('div.panel#compare', h('div.row', h('h3', { style: { margin: 0 } }, `Comparing ${vs.map((v) => 'v' + v.version).join(', ')}`),
    h('span.muted.small', '≠ marks what differs'), h('div.spacer'), h('button.btn.ghost.small', { type: 'button', onclick: close }, 'Close')),
  h('div.table-scroll', { style: { marginTop: '10px' } }, h('table.list#compare-table',
    h('thead', h('tr', h('th', ''), vs.map((v) => h('th.data', { 'data-version': v.version }, `v${v.version} `, kindLabel(v))))), h('tbody', body))));
}

/** The version's confusion matrix, rows the actual class and columns the predicted one; nothing if it has none. */
function confusionPanel(v) {
  const cm = v.metrics && v.metrics.confusion_matrix;
  if (!cm) return null;
  // {labels, matrix} name the classes by the data's values (binary: [positive, negative]). Binary versions
  // registered before labels were recorded have only the four counts: their classes are unknown, so the headings
  // say which side is which rather than invent names.
  const labels = (cm.labels || ['positive', 'negative']).map(String);
  const matrix = cm.matrix || [[cm.tp, cm.fn], [cm.fp, cm.tn]];
  if (!labels.length || matrix.length !== labels.length) return null;
  const title = v.problem === 'multiclass' ? `multiclass, ${labels.length} classes`
    : cm.labels ? `${v.problem}, positive class ${labels[0]}` : v.problem;
  return h('div.panel#confusion-matrix', { style: { marginTop: '14px' } },
    h('h3', { style: { marginTop: 0 } }, `Confusion matrix of v${v.version}`, h('span.muted.small', ` · ${title} · rows: actual, columns: predicted`)),
    h('table.list', { style: { width: 'auto' } },
      // Class labels are data: shown as they are, not upper-cased like column titles.
      h('thead', h('tr', h('th', 'actual ↓ predicted →'), labels.map((l) => h('th.mono', { style: { textTransform: 'none' } }, l)))),
      h('tbody', matrix.map((row, i) => h('tr', h('th.mono', { style: { textTransform: 'none' } }, labels[i]),
        row.map((n, j) => h('td.mono', { style: { fontWeight: i === j ? '700' : '400', textAlign: 'right' } }, String(n))))))));
}

/**
 * Whether the champion is asked about the population it was trained on: PSI per input column of the logged
 * (sampled) requests of the last 7 days against its training rows. Loaded after the page, it never holds it up.
 */
function driftPanel(name) {
  const body = h('div#drift-body', h('p.muted', 'Loading…'));
  const panel = h('div.panel#drift', { style: { marginTop: '14px' } },
    h('h3', { style: { marginTop: 0 } }, 'Served inputs vs training data', h('span.muted.small', ' · champion · last 7 days · PSI per input column')), body);
  get(`/models/${enc(name)}/drift?alias=champion&hours=168`).then((r) => {
    if (!r.rows) {
      body.replaceChildren(h('p.muted', 'No logged predictions in the last 7 days (a sample of requests is logged: SLUICE_PREDICTION_LOG_RATE).'));
      return;
    }
    const cols = Object.entries(r.psi).sort((a, b) => b[1] - a[1]);
    body.replaceChildren(
      h('p', r.drifted.length ? h('strong', `${r.drifted.length} column(s) drifted above ${r.max_psi}: ${r.drifted.join(', ')}`) : `No column above ${r.max_psi}.`,
        h('span.muted', ` ${r.rows} rows from ${r.requests} logged requests, against ${r.baseline_rows} training rows.`)),
      h('table.list#drift-table', { style: { width: 'auto' } }, h('thead', h('tr', h('th', 'Column'), h('th', 'PSI'), h('th', ''))),
        h('tbody', cols.map(([c, v]) => h('tr', { 'data-drifted': r.drifted.includes(c) ? 'true' : 'false' },
          h('td.mono', { style: { textTransform: 'none' } }, c), h('td.mono', { style: { textAlign: 'right' } }, v.toFixed(4)),
          h('td', r.drifted.includes(c) ? h('span.tag', '⚠ drifted') : ''))))));
  }).catch((e) => body.replaceChildren(h('p.muted', `Drift not available: ${e.message}`)));
  return panel;
}

/** A param as it was set (0.1 stays 0.1); a metric to four decimals. */
const param = (x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x));
const fmt = (x) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : Array.isArray(x) ? JSON.stringify(x) : String(x));
