// Failures: recent failed task instances across DAGs, newest first, with the error's first lines, the attempt
// count and links to the log, the run and the DAG. Filter by DAG and time window.
import { get } from '../api.js';
import { h, time, toast, debounce } from '../dom.js';
import { link, setQuery } from '../router.js';
import { onEvent } from '../events.js';
import { makePager } from '../components/pager.js';

const WINDOWS = { '': 'any time', '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };
const MS = { h: 3600e3, d: 86400e3 };

export async function failuresPage({ query, main }) {
  const f = { dag_id: query.dag_id || '', window: query.window || '', cursor: query.cursor || '' };
  const dagSel = h('select#failures-dag', { 'aria-label': 'DAG' }, h('option', { value: '' }, 'all DAGs'));
  const winSel = h('select#failures-window', { 'aria-label': 'Time window' }, Object.entries(WINDOWS).map(([k, v]) => h('option', { value: k, selected: k === f.window }, v)));
  const body = h('tbody');
  const nav = h('div');
  const pager = makePager((c) => { f.cursor = c; sync(); load().catch(fail); });
  main.append(h('div.page-head', h('div', h('h1', 'Failures'), h('div.muted', 'Failed task instances across all DAGs, newest first')),
    h('div.spacer'), h('div.row', dagSel, winSel)),
    h('table.list#failures-table', h('thead', h('tr', h('th', 'When'), h('th', 'DAG'), h('th', 'Task'), h('th', 'Run'), h('th', 'Attempts'), h('th', 'Error'), h('th', ''))), body), nav);

  get('/dags', { limit: 500 }).then((res) => {
    dagSel.append(...res.items.map((d) => h('option', { value: d.dag_id, selected: d.dag_id === f.dag_id }, d.dag_id)));
  }).catch(() => { /* the filter still works by URL */ });

  function since() {
    if (!f.window) return '';
    const n = parseInt(f.window, 10), unit = f.window.slice(-1);
    return new Date(Date.now() - n * MS[unit]).toISOString();
  }
  async function load() {
    const res = await get('/failures', { dag_id: f.dag_id, since: since(), cursor: f.cursor, limit: 50 });
    body.replaceChildren(...(res.items.length ? res.items.map(row) : [h('tr', h('td', { colspan: 7 }, h('span.muted', 'No failures. ✓')))]));
    nav.replaceChildren(pager(res.next_cursor, f.cursor));
  }
  function row(x) {
    const taskLink = link('dags', x.dag_id, 'runs', x.run_id, 'tasks', x.task_id, { try: x.try_number });
    return h('tr', { 'data-task': x.task_id, 'data-run': x.run_id },
      h('td', time(x.ended_at)), h('td', h('a', { href: link('dags', x.dag_id, 'grid') }, x.dag_id)),
      h('td', h('a', { href: taskLink }, x.task_id)), h('td', h('a', { href: link('dags', x.dag_id, 'graph', { run: x.run_id }) }, x.run_id)),
      h('td', String(x.try_number)), h('td', h('pre.error-head.small', x.error_head || '')),
      h('td', h('a.btn.ghost.small.log-link', { href: taskLink, 'aria-label': `Log of ${x.task_id} in ${x.run_id}` }, 'Log')));
  }
  function sync() { setQuery(f); }
  function fail(e) { toast('Failures: ' + e.message, 'err'); }
  dagSel.addEventListener('change', () => { f.dag_id = dagSel.value; f.cursor = ''; sync(); load().catch(fail); });
  winSel.addEventListener('change', () => { f.window = winSel.value; f.cursor = ''; sync(); load().catch(fail); });
  await load();
  const reload = debounce(() => { if (!f.cursor) load().catch(fail); }, 500);
  return onEvent((type, ev) => { if (type === 'resync' || (type === 'task' && ev.state === 'failed')) reload(); });
}
