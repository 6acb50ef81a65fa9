// Gantt: the selected run's task instances on a time axis; each attempt is its own bar, so retries show as
// separate segments. Chart.js draws floating horizontal bars; a table lists the same attempts for keyboards.
import { get, enc } from '../api.js';
import { h, time, duration, durationBetween, toast, debounce } from '../dom.js';
import { link } from '../router.js';
import { colour, label, badge, legend } from '../states.js';
import { onEvent } from '../events.js';
import { chartJs } from '../lib.js';
import { runPicker } from '../components/runpicker.js';

const ATTEMPT_STATE = { timed_out: 'failed', lost: 'failed', handed_back: 'queued' }; // attempt states drawn with the task palette

export async function ganttTab({ dag, query, el }) {
  const picker = await runPicker(dag, query, (r) => loadRun(r).catch(fail));
  const canvas = h('canvas#gantt', { role: 'img', 'aria-label': 'Gantt chart of the selected run' });
  const box = h('div.chart-box', canvas);
  const table = h('tbody');
  el.append(h('div.row', { style: { marginBottom: '10px' } }, picker.el, h('div.spacer'), legend()), box,
    h('h2', 'Attempts'), h('table.list#gantt-table', h('thead', h('tr', h('th', 'Task'), h('th', 'Attempt'), h('th', 'State'), h('th', 'Started'), h('th', 'Duration'))), table));
  const Chart = await chartJs();
  let chart = null;

  async function attemptsOf(run) {
    // The run answer has one row per task instance; only retried tasks need their attempt list.
    const rows = await Promise.all(run.tasks.map(async (t) => {
      if (t.try_number > 1) {
        const d = await get(`/dags/${enc(dag.dag_id)}/runs/${enc(run.run_id)}/tasks/${enc(t.task_id)}`);
        return d.attempts.map((a) => ({ task: t.task_id, try: a.try_number, state: ATTEMPT_STATE[a.state] || a.state, start: a.started_at, end: a.ended_at }));
      }
      return t.started_at ? [{ task: t.task_id, try: Math.max(1, t.try_number), state: t.state, start: t.started_at, end: t.ended_at }] : [];
    }));
    return rows.flat();
  }

  async function loadRun(runId) {
    if (!runId) { box.replaceChildren(h('p.muted', 'No runs yet.')); return; }
    const run = await get(`/dags/${enc(dag.dag_id)}/runs/${enc(runId)}`);
    const bars = await attemptsOf(run);
    const t0 = Math.min(...bars.map((b) => +new Date(b.start)), run.started_at ? +new Date(run.started_at) : Infinity);
    const now = Date.now();
    const order = dag.tasks.map((t) => t.task_id);
    const data = bars.map((b) => ({ y: b.task, x: [+new Date(b.start) - t0, (b.end ? +new Date(b.end) : now) - t0], b }));
    box.style.height = Math.max(160, order.length * 26 + 70) + 'px';
    const cfg = {
      type: 'bar',
      data: { labels: order, datasets: [{ label: 'attempts', data, backgroundColor: data.map((d) => colour(d.b.state)), borderColor: '#1d2330', borderWidth: 0.5, barPercentage: 0.7, minBarLength: 3 }] },
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false, grouped: false,
        scales: { x: { min: 0, title: { display: true, text: 'time since the run started' }, ticks: { callback: (v) => duration(v) } },
                  y: { ticks: { autoSkip: false } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => {
          const b = c.raw.b;
          return `attempt ${b.try} · ${label(b.state)} · ${duration(durationBetween(b.start, b.end))}`;
        } } } },
      },
    };
    if (chart) chart.destroy();
    chart = new Chart(canvas, cfg);
    table.replaceChildren(...bars.map((b) => h('tr',
      h('td', h('a', { href: link('dags', dag.dag_id, 'runs', run.run_id, 'tasks', b.task, { try: b.try }) }, b.task)), h('td', '#' + b.try),
      h('td', badge(b.state)), h('td', time(b.start)), h('td', duration(durationBetween(b.start, b.end)) + (b.end ? '' : ' (running)')))));
    if (!bars.length) table.replaceChildren(h('tr', h('td', { colspan: 5 }, h('span.muted', 'No task of this run has started yet.'))));
  }

  function fail(e) { toast('Gantt: ' + e.message, 'err'); }
  await loadRun(picker.selected());
  const reload = debounce(() => loadRun(picker.selected()).catch(fail), 500);
  const off = onEvent((type, ev) => {
    if (type === 'resync' || (ev.dag_id === dag.dag_id && ev.run_id === picker.selected())) reload();
  });
  return () => { off(); picker.off(); if (chart) chart.destroy(); };
}
