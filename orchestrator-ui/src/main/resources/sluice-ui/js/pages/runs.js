// Runs: a table filtered by state and logical-date range, paged by cursor; trigger and backfill for operators.
import { get, post, enc } from '../api.js';
import { h, time, duration, durationBetween, toast, debounce } from '../dom.js';
import { link, setQuery } from '../router.js';
import { badge, RUN_STATES, label } from '../states.js';
import { can } from '../session.js';
import { onEvent } from '../events.js';
import { makePager } from '../components/pager.js';
import { confirmAction } from '../components/dialog.js';
import { openTriggerDialog, openBackfillDialog } from '../components/trigger.js';

export async function runsTab({ dag, query, el }) {
  const f = { state: query.state || '', from: query.from || '', to: query.to || '', cursor: query.cursor || '' };
  const stateSel = h('select#runs-state', { 'aria-label': 'State' }, h('option', { value: '' }, 'any state'),
    RUN_STATES.map((s) => h('option', { value: s, selected: s === f.state }, label(s))));
  const from = h('input#runs-from', { type: 'date', value: f.from, 'aria-label': 'From (logical date)' });
  const to = h('input#runs-to', { type: 'date', value: f.to, 'aria-label': 'To (logical date)' });
  const body = h('tbody');
  const nav = h('div');
  const pager = makePager((c) => { f.cursor = c; sync(); load().catch(fail); });
  el.append(
    h('div.row', { style: { marginBottom: '10px' } }, h('span.muted', 'State'), stateSel, h('span.muted', 'Logical date from'), from, h('span.muted', 'to'), to,
      h('div.spacer'),
      can('operator') ? [h('button.btn.ghost', { type: 'button', onclick: () => openBackfillDialog(dag) }, 'Backfill…'),
        h('button.btn', { type: 'button', id: 'runs-trigger', onclick: () => openTriggerDialog(dag) }, '▶ Trigger…')] : null),
    h('table.list#runs-table', h('thead', h('tr', h('th', 'Run'), h('th', 'State'), h('th', 'Type'), h('th', 'Logical date'),
      h('th', 'Started'), h('th', 'Duration'), h('th', 'Params'), h('th', 'By'), h('th', ''))), body), nav);

  async function load() {
    // The date inputs are local days; the API filters logical_date in UTC instants.
    const res = await get('/runs', { dag_id: dag.dag_id, state: f.state, from: f.from ? new Date(f.from + 'T00:00').toISOString() : '',
      to: f.to ? new Date(f.to + 'T23:59:59.999').toISOString() : '', cursor: f.cursor, limit: 50 });
    body.replaceChildren(...(res.items.length ? res.items.map(row) : [h('tr', h('td', { colspan: 9 }, h('span.muted', 'No run matches.')))]));
    nav.replaceChildren(pager(res.next_cursor, f.cursor));
  }
  function row(r) {
    const active = r.state === 'queued' || r.state === 'running';
    return h('tr', { 'data-run': r.run_id },
      h('td', h('a', { href: link('dags', dag.dag_id, 'graph', { run: r.run_id }) }, r.run_id)), h('td', badge(r.state)), h('td', r.run_type),
      h('td', time(r.logical_date)), h('td', time(r.started_at)), h('td', duration(durationBetween(r.started_at, r.ended_at))),
      h('td', h('code.small', JSON.stringify(r.params || {}))), h('td.small', r.triggered_by || ''),
      h('td', can('operator') ? (active ? action(r, 'cancel', 'Cancel', 'Cancel this run? Running tasks are stopped.')
        : r.state === 'failed' ? action(r, 'clear-failed', 'Clear failed', 'Clear the failed and upstream-failed tasks of this run so they run again?') : null) : null));
  }
  function action(r, verb, text, message) {
    return h('button.btn.ghost.small', { type: 'button', onclick: async () => {
      if (!(await confirmAction(`${text}: ${r.run_id}`, message, { confirm: text, danger: verb === 'cancel' }))) return;
      try { await post(`/dags/${enc(dag.dag_id)}/runs/${enc(r.run_id)}/${verb}`); toast(`${text}: ${r.run_id}`); load().catch(fail); } catch (e) { fail(e); }
    } }, text);
  }
  function sync() { setQuery({ ...f, cursor: f.cursor || undefined }); }
  function fail(e) { toast('Runs: ' + e.message, 'err'); }
  const refilter = () => { f.state = stateSel.value; f.from = from.value; f.to = to.value; f.cursor = ''; sync(); load().catch(fail); };
  for (const c of [stateSel, from, to]) c.addEventListener('change', refilter);

  await load();
  const reload = debounce(() => load().catch(fail), 400);
  return onEvent((type, ev) => { if (type === 'resync' || (type === 'run' && ev.dag_id === dag.dag_id)) reload(); });
}
