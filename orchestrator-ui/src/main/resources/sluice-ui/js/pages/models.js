// Models: the registry's models, the versions of one with their metrics, which is champion, a chart of a metric
// across versions, the champion's confusion matrix and the drift of what it serves. Operators can promote a
// version to champion (rollback is the same action).
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
  const content = h('div');
  main.append(h('div.page-head', h('div', h('h1', 'Models'), h('div.muted', 'Registry: versions, metrics and the champion'))),
    h('div.cols', { style: { gridTemplateColumns: '280px 1fr' } }, side, content));
  const name = params.model || (models.items[0] && models.items[0].name);
  if (!name) return;
  const versions = (await get(`/models/${enc(name)}/versions`)).items;
  // Numbers only: the confusion matrix and per-class details are objects, neither charted nor a column.
  const metricNames = [...new Set(versions.flatMap((v) => Object.keys(v.metrics || {}).filter((m) => typeof v.metrics[m] === 'number')))].sort();
  let metric = query.metric && metricNames.includes(query.metric) ? query.metric : metricNames[0];
  const metricSel = h('select#metric', { 'aria-label': 'Metric' }, metricNames.map((m) => h('option', { value: m, selected: m === metric }, m)));
  const canvas = h('canvas#metric-chart', { role: 'img', 'aria-label': `Metric across versions of ${name}` });
  content.append(h('div.panel', h('div.row', h('h2', { style: { margin: 0 } }, name), h('div.spacer'), metricNames.length ? [h('span.muted', 'Metric'), metricSel] : null),
    h('div.chart-box', { style: { height: '280px', marginTop: '10px', border: 0 } }, canvas)),
    h('table.list#versions-table', h('thead', h('tr', h('th', 'Version'), h('th', 'Aliases'), metricNames.map((m) => h('th', m)), h('th', 'Created'), h('th', 'From run'), h('th', ''))),
      h('tbody', versions.map((v) => h('tr',
        h('td', h('strong', 'v' + v.version)),
        h('td', v.aliases.map((a) => h('span.tag', a === 'champion' ? '★ champion' : a))),
        metricNames.map((m) => h('td.mono', v.metrics && v.metrics[m] !== undefined ? fmt(v.metrics[m]) : '—')),
        h('td', time(v.created_at)),
        h('td', v.run_id ? h('a', { href: link('dags', v.dag_id, 'graph', { run: v.run_id }) }, v.run_id) : '—'),
        h('td', can('operator') && !v.aliases.includes('champion') ? h('button.btn.ghost.small', { type: 'button', onclick: () => promote(v.version) }, 'Make champion…') : null))))));
  const confusion = confusionPanel(versions.find((v) => v.aliases.includes('champion')) || versions[0]);
  if (confusion) content.append(confusion);
  if (versions.some((v) => v.aliases.includes('champion'))) content.append(driftPanel(name));

  async function promote(version) {
    if (!(await confirmAction(`Make v${version} champion`, `Predictions of ${name} with alias "champion" will use version ${version}.`, { confirm: 'Make champion' }))) return;
    try { await post(`/models/${enc(name)}/aliases/champion`, { version }); toast(`${name}: v${version} is champion`); rerender(); } catch (e) { toast(e.message, 'err'); }
  }

  if (!metric) { canvas.replaceWith(h('p.muted', 'No metrics recorded.')); return; }
  const Chart = await chartJs();
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const champ = sorted.map((v) => v.aliases.includes('champion'));
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: sorted.map((v) => 'v' + v.version), datasets: [{ label: metric, data: sorted.map((v) => v.metrics ? v.metrics[metric] ?? null : null),
      borderColor: '#2456c9', backgroundColor: '#2456c9', pointRadius: champ.map((c) => (c ? 8 : 4)), pointStyle: champ.map((c) => (c ? 'star' : 'circle')), spanGaps: true }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false },
      tooltip: { callbacks: { afterLabel: (c) => (champ[c.dataIndex] ? '★ champion' : '') } } } },
  });
  metricSel.addEventListener('change', () => {
    metric = metricSel.value; setQuery({ metric });
    chart.data.datasets[0].label = metric;
    chart.data.datasets[0].data = sorted.map((v) => v.metrics ? v.metrics[metric] ?? null : null);
    chart.update();
  });
  return () => chart.destroy();
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

const fmt = (x) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : String(x));
