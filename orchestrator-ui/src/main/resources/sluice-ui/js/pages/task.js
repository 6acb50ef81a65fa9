// Task instance: state, attempts with durations and errors, rendered config, output, the log with live tail,
// and (operators only) clear / mark success / mark failed behind a confirmation. A mapped task without a
// map_index shows its instances instead (counts by state, a page of them, each a link to its own page and log).
import { get, post, enc } from '../api.js';
import { h, append, clear, time, duration, durationBetween, toast, debounce } from '../dom.js';
import { link, setQuery } from '../router.js';
import { badge, deadlineMarker, label } from '../states.js';
import { countsText } from '../groups.js';
import { can } from '../session.js';
import { onEvent } from '../events.js';
import { confirmAction } from '../components/dialog.js';
import { logViewer } from '../components/logview.js';

export async function taskPage({ params, query, main }) {
  const base = `/dags/${enc(params.dag)}/runs/${enc(params.run)}/tasks/${enc(params.task)}`;
  const mapIndex = query.map_index !== undefined && query.map_index !== '' ? +query.map_index : null;
  const one = mapIndex === null ? {} : { map_index: mapIndex };
  let ti = await get(base, one);
  if (ti.map_count && mapIndex === null) return mappedTaskPage({ params, main, base, first: ti });
  let tryNo = +query.try || ti.try_number || 1;
  let log = null;
  const sections = []; // filled by section() below, refreshed with the task instance
  const head = h('div');
  const facts = h('div.panel');
  const attempts = h('tbody');
  const logBox = h('div');
  const trySel = h('select#log-try', { 'aria-label': 'Attempt' });
  main.append(head,
    h('div.cols', facts, h('div.panel', h('h2', { style: { marginTop: 0 } }, 'Attempts'),
      h('table.list#attempts', h('thead', h('tr', h('th', '#'), h('th', 'State'), h('th', 'Started'), h('th', 'Duration'), h('th', 'Worker'), h('th', 'Exit'), h('th', 'Error'))), attempts))),
    h('div.panel', h('div.row', h('h2', { style: { margin: 0 } }, 'Log'), h('span.muted', 'attempt'), trySel), logBox),
    h('div.cols', section('Rendered config', () => ti.rendered_config, 'rendered-config'), section('Output', () => ti.output, 'output')));

  function section(title, value, id) {
    const pre = h('pre.code', { id, tabindex: 0 });
    const el = h('div.panel', h('h2', { style: { marginTop: 0 } }, title), pre);
    el.refresh = () => { const v = value(); pre.textContent = v === null || v === undefined ? '(not recorded)' : JSON.stringify(v, null, 2); };
    sections.push(el);
    return el;
  }

  function drawHead() {
    // append() skips the banners that do not apply (replaceChildren would print them as "null").
    append(clear(head), [h('div.page-head',
      h('div', h('div.small', h('a', { href: link('dags') }, 'DAGs'), ' / ', h('a', { href: link('dags', params.dag, 'grid') }, params.dag), ' / ',
        h('a', { href: link('dags', params.dag, 'graph', { run: params.run }) }, params.run), ' /'),
        h('h1', params.task, mapIndex === null ? '' : h('span#task-map-index', ` [${mapIndex}]`), ' ', h('span#task-state', badge(ti.state))),
        mapIndex === null ? null : h('div.small', h('a#mapped-task-link', { href: link('dags', params.dag, 'runs', params.run, 'tasks', params.task) }, `← all instances of ${params.task}`))),
      h('div.spacer'), can('operator') ? actions() : null),
      // Late: say so, while the task goes on.
      ti.deadline?.state === 'missed' ? h('div.banner.warn#task-deadline', { role: 'status' }, h('strong', '⚠ Deadline missed: '),
        'this task was due to end by ', time(ti.deadline.due_at), '. It goes on; a deadline_missed notification was raised.') : null,
      // Queued with nobody to claim it: say so, rather than let the task look merely slow.
      ti.waiting_for ? h('div.banner.warn#task-waiting', { role: 'status' }, h('strong', 'Waiting: '), ti.waiting_for,
        '. Start a worker with ', h('code', `--queues ${ti.queue}`), ' to run it.') : null]);
    facts.replaceChildren(h('h2', { style: { marginTop: 0 } }, 'Task instance'), h('dl.facts',
      h('dt', 'State'), h('dd', badge(ti.state)), h('dt', 'Type'), h('dd', ti.type || '—'),
      h('dt', 'Queue'), h('dd#task-queue', ti.queue || '—'),
      h('dt', 'Attempts'), h('dd', `${ti.try_number} of ${ti.max_tries}`), h('dt', 'Started'), h('dd', time(ti.started_at)),
      h('dt', 'Ended'), h('dd', time(ti.ended_at)), h('dt', 'Duration'), h('dd', duration(ti.duration_ms ?? durationBetween(ti.started_at, ti.ended_at))),
      h('dt', 'Worker'), h('dd', ti.worker_id || '—'),
      ti.state_reason ? [h('dt', 'Why'), h('dd#task-state-reason', ti.state_reason)] : null,
      ti.next_check_at ? [h('dt', 'Next check'), h('dd#task-next-check', time(ti.next_check_at))] : null,
      ti.reschedule_count ? [h('dt', 'Rescheduled'), h('dd#task-reschedules', `${ti.reschedule_count} check${ti.reschedule_count === 1 ? '' : 's'} (no try spent)`)] : null,
      ti.deadline ? [h('dt', 'Deadline'), h('dd#task-deadline-state', time(ti.deadline.due_at), ' · ', deadlineMarker(ti.deadline, true))] : null,
      ti.error ? [h('dt', 'Error'), h('dd', h('pre.error-head', ti.error))] : null));
    attempts.replaceChildren(...(ti.attempts.length ? ti.attempts.map((a) => h('tr',
      h('td', h('a', { href: '#', onclick: (e) => { e.preventDefault(); showLog(a.try_number); } }, '#' + a.try_number)), h('td', badge(attemptState(a.state))),
      h('td', time(a.started_at)), h('td', duration(durationBetween(a.started_at, a.ended_at))), h('td.small', a.worker_id),
      h('td', a.exit_code ?? '—'), h('td', a.error ? h('pre.error-head.small', a.error.split('\n').slice(0, 3).join('\n')) : '—')))
      : [h('tr', h('td', { colspan: 7 }, h('span.muted', 'No attempt yet.')))]));
    trySel.replaceChildren(...(ti.attempts.length ? ti.attempts : [{ try_number: 1 }]).map((a) => h('option', { value: a.try_number, selected: a.try_number === tryNo }, '#' + a.try_number)));
    sections.forEach((s) => s.refresh());
  }
  const attemptState = (s) => ({ timed_out: 'failed', lost: 'failed', handed_back: 'queued', rescheduled: 'up_for_reschedule' }[s] || s);

  function actions() {
    const downstream = h('input#clear-downstream', { type: 'checkbox', checked: true });
    return h('div.row',
      h('button.btn#clear-btn', { type: 'button', onclick: () => act('Clear', 'clear', () => ({ downstream: downstream.checked, upstream: false }),
        `Clear ${params.task} so it runs again? Its state is reset and a new attempt starts.`, h('label.check', downstream, 'also clear the tasks downstream of it')) }, '↻ Clear…'),
      h('button.btn.ghost#mark-success-btn', { type: 'button', onclick: () => act('Mark success', 'mark', () => ({ state: 'success' }), `Mark ${params.task} as success without running it?`) }, '✓ Mark success…'),
      h('button.btn.ghost#mark-failed-btn', { type: 'button', onclick: () => act('Mark failed', 'mark', () => ({ state: 'failed' }), `Mark ${params.task} as failed?`, null, true) }, '✕ Mark failed…'));
  }

  async function act(title, verb, body, message, extra = null, danger = false) {
    if (!(await confirmAction(title, message, { confirm: title, extra, danger }))) return;
    try { await post(`${base}/${verb}`, body()); toast(`${title}: ${params.task}`); await refresh(); } catch (e) { toast(`${title} failed: ${e.message}`, 'err'); }
  }

  function showLog(n) {
    tryNo = n;
    if (log) log.stop();
    log = logViewer(base, n, one);
    logBox.replaceChildren(log.el);
    trySel.value = String(n);
    setQuery({ try: n });
  }
  trySel.addEventListener('change', () => showLog(+trySel.value));

  async function refresh() {
    const prevTry = ti.try_number;
    ti = await get(base, one);
    drawHead();
    // A new attempt started (retry or clear): follow it if the viewer was looking at the latest one.
    if (ti.try_number > prevTry && tryNo === prevTry) showLog(ti.try_number);
    else if (log === null && ti.try_number > 0) showLog(ti.try_number);
  }

  drawHead();
  if (ti.try_number > 0) showLog(tryNo); else logBox.replaceChildren(h('p.muted', 'No attempt has started yet.'));
  const reload = debounce(() => refresh().catch((e) => toast(e.message, 'err')), 250);
  const off = onEvent((type, ev) => {
    if (type === 'resync' || (ev.dag_id === params.dag && ev.run_id === params.run && (type === 'run' || (ev.task_id === params.task
      && (mapIndex === null || ev.map_index === undefined || ev.map_index === mapIndex))))) reload();
  });
  return () => { off(); if (log) log.stop(); };
}

const INSTANCE_PAGE = 100;

// A mapped task: one line of counts by state, then its instances in map-index order, a page at a time; each
// opens its own page (attempts, log). Clearing the task reruns only the instances that did not succeed.
async function mappedTaskPage({ params, main, base, first }) {
  let ti = first;
  let shown = INSTANCE_PAGE;
  const head = h('div');
  const facts = h('div.panel');
  const rows = h('tbody');
  const more = h('button.btn.ghost.small#instances-more', { type: 'button', onclick: () => { shown += INSTANCE_PAGE; refresh().catch(fail); } }, 'Show more');
  main.append(head, facts, h('div.panel', h('h2', { style: { marginTop: 0 } }, 'Instances'),
    h('table.list#instances', h('thead', h('tr', h('th', 'Map index'), h('th', 'State'), h('th', 'Attempts'), h('th', 'Duration'), h('th', 'Item'), h('th', 'Error'), h('th', 'Log'))), rows), more));

  function clearAction() {
    return h('div.row', h('button.btn#clear-btn', { type: 'button', onclick: async () => {
      const downstream = h('input#clear-downstream', { type: 'checkbox', checked: true });
      if (!(await confirmAction('Clear', `Clear ${params.task}? Its instances that did not succeed run again; if all succeeded, all run again.`,
        { confirm: 'Clear', extra: h('label.check', downstream, 'also clear the tasks downstream of it') }))) return;
      try { await post(`${base}/clear`, { downstream: downstream.checked, upstream: false }); toast(`Clear: ${params.task}`); await refresh(); } catch (e) { toast(`Clear failed: ${e.message}`, 'err'); }
    } }, '↻ Clear…'));
  }

  async function refresh() {
    const [agg, page] = await Promise.all([get(base), get(`${base}/instances`, { offset: 0, limit: Math.min(shown, 500) })]);
    ti = agg;
    head.replaceChildren(h('div.page-head',
      h('div', h('div.small', h('a', { href: link('dags') }, 'DAGs'), ' / ', h('a', { href: link('dags', params.dag, 'grid') }, params.dag), ' / ',
        h('a', { href: link('dags', params.dag, 'graph', { run: params.run }) }, params.run), ' /'),
        h('h1', params.task, ' ', h('span#task-state', badge(ti.state)))),
      h('div.spacer'), can('operator') ? clearAction() : null));
    facts.replaceChildren(h('h2', { style: { marginTop: 0 } }, 'Mapped task'), h('dl.facts',
      h('dt', 'State'), h('dd', badge(ti.state)), h('dt', 'Type'), h('dd', ti.type || '—'),
      h('dt', 'Instances'), h('dd#mapped-counts', { 'data-map-count': ti.map_count }, `${ti.map_count}: ${countsText(ti.instance_states || {})}`),
      h('dt', 'Attempts'), h('dd', String(ti.try_number)), h('dt', 'Started'), h('dd', time(ti.started_at)),
      h('dt', 'Ended'), h('dd', time(ti.ended_at)),
      ti.error ? [h('dt', 'An error'), h('dd', h('pre.error-head', ti.error))] : null));
    const open = (i) => link('dags', params.dag, 'runs', params.run, 'tasks', params.task, { map_index: i.map_index });
    rows.replaceChildren(...page.instances.map((i) => h('tr', { 'data-map-index': i.map_index, 'data-state': i.state },
      h('td', h('a', { href: open(i) }, String(i.map_index))), h('td', badge(i.state)), h('td', String(i.try_number)),
      h('td', duration(i.duration_ms ?? durationBetween(i.started_at, i.ended_at))),
      h('td', h('code.small', shortItem(i.item))),
      h('td', i.error ? h('span.small', i.error.split('\n')[0]) : '—'),
      h('td', i.try_number > 0 ? h('a', { href: open(i), 'aria-label': `Log of instance ${i.map_index} (${label(i.state)})` }, 'log') : '—'))));
    more.hidden = page.instances.length >= page.map_count || shown >= 500;
  }
  const shortItem = (v) => { const s = JSON.stringify(v) ?? 'null'; return s.length > 80 ? s.slice(0, 77) + '…' : s; };
  function fail(e) { toast(e.message, 'err'); }

  await refresh();
  const reload = debounce(() => refresh().catch(fail), 300);
  return onEvent((type, ev) => {
    if (type === 'resync' || (ev.dag_id === params.dag && ev.run_id === params.run && (type === 'run' || ev.task_id === params.task))) reload();
  });
}
