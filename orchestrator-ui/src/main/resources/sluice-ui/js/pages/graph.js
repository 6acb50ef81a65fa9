// Graph: the DAG left to right (dagre computes the layout, cytoscape draws it), nodes coloured by the selected
// run's task states and updated live. A list of the same tasks below the canvas serves keyboards and readers.
import { get, enc } from '../api.js';
import { h, toast, debounce, time } from '../dom.js';
import { link, go } from '../router.js';
import { colour, icon, label, badge, legend, deadlineMarker } from '../states.js';
import { onEvent } from '../events.js';
import { cytoscapeAndDagre } from '../lib.js';
import { runPicker } from '../components/runpicker.js';

export async function graphTab({ dag, query, el }) {
  const picker = await runPicker(dag, query, (r) => loadRun(r).catch(fail));
  const box = h('div#graph', { role: 'img', 'aria-label': `Task graph of ${dag.dag_id}` });
  const list = h('ul.row#graph-list', { style: { listStyle: 'none', padding: 0 }, 'aria-label': 'Tasks and their states' });
  // The selected run's deadline: a banner when it was missed (the run goes on), a quiet line while pending.
  const deadlineBox = h('div#run-deadline-box');
  el.append(h('div.row', { style: { marginBottom: '10px' } }, picker.el, h('div.spacer'), legend()), deadlineBox, box, list);

  const { cytoscape, dagre } = await cytoscapeAndDagre();
  const states = {};
  let deadlines = { run: null, tasks: {} };
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of dag.tasks) g.setNode(t.task_id, { width: Math.max(130, t.task_id.length * 8 + 40), height: 44 });
  for (const t of dag.tasks) for (const up of t.depends_on) g.setEdge(up, t.task_id);
  dagre.layout(g);

  const cy = cytoscape({
    container: box,
    elements: [
      ...dag.tasks.map((t) => ({ data: { id: t.task_id, w: g.node(t.task_id).width, bg: '#ffffff', fg: '#1d2330', text: t.task_id }, position: { x: g.node(t.task_id).x, y: g.node(t.task_id).y } })),
      ...dag.tasks.flatMap((t) => t.depends_on.map((up) => ({ data: { id: up + '->' + t.task_id, source: up, target: t.task_id } }))),
    ],
    layout: { name: 'preset' },
    style: [
      { selector: 'node', style: { shape: 'round-rectangle', width: 'data(w)', height: 44, 'background-color': 'data(bg)',
        label: 'data(text)', 'text-wrap': 'wrap', 'text-valign': 'center', 'font-size': 12, color: 'data(fg)',
        'border-width': 1, 'border-color': '#5d6677', 'font-family': 'system-ui, sans-serif' } },
      { selector: 'edge', style: { width: 1.5, 'line-color': '#9aa4b2', 'target-arrow-color': '#9aa4b2', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
    ],
    minZoom: 0.2,
    maxZoom: 2,
  });
  cy.fit(undefined, 20);
  if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
  cy.on('tap', 'node', (e) => { if (picker.selected()) go(link('dags', dag.dag_id, 'runs', picker.selected(), 'tasks', e.target.id())); });

  function paint() {
    cy.batch(() => {
      for (const t of dag.tasks) {
        const s = states[t.task_id] || 'none';
        const n = cy.getElementById(t.task_id);
        const late = deadlines.tasks[t.task_id]?.state === 'missed';
        n.data({ bg: s === 'none' ? '#ffffff' : colour(s), fg: ['pending', 'up_for_retry', 'none'].includes(s) ? '#1d2330' : '#ffffff',
          text: `${t.task_id}\n${icon(s)} ${label(s)}${late ? ' ⚠' : ''}`, state: s });
      }
    });
    // What the canvas shows, as text: for tests and assistive tools ("task=state ...", in DAG order).
    box.dataset.states = dag.tasks.map((t) => `${t.task_id}=${states[t.task_id] || 'none'}`).join(' ');
    list.replaceChildren(...dag.tasks.map((t) => h('li', picker.selected()
      ? h('a', { href: link('dags', dag.dag_id, 'runs', picker.selected(), 'tasks', t.task_id), 'data-task': t.task_id }, t.task_id, ' ', badge(states[t.task_id]),
        deadlineMarker(deadlines.tasks[t.task_id]))
      : h('span', t.task_id))));
    const d = deadlines.run;
    deadlineBox.replaceChildren(!d ? '' : d.state === 'missed'
      ? h('div.banner.warn#run-deadline', { role: 'status', 'data-state': 'missed' }, h('strong', '⚠ Deadline missed: '),
        'this run was due to end by ', time(d.due_at), '. It goes on; a deadline_missed notification was raised.')
      : h('p.small.muted#run-deadline', { 'data-state': d.state }, d.state === 'met' ? 'Deadline met (due by ' : 'Deadline: due to end by ', time(d.due_at), d.state === 'met' ? ').' : '.'));
  }

  // An event that arrives while a snapshot is in flight may be older or newer than the snapshot; rather than
  // guess, fetch once more afterwards, so the picture always ends on the latest state.
  let loading = 0, dirty = false;
  async function loadRun(runId) {
    loading++;
    dirty = false;
    let run = null;
    try {
      if (runId) run = await get(`/dags/${enc(dag.dag_id)}/runs/${enc(runId)}`);
    } finally {
      loading--;
    }
    for (const k of Object.keys(states)) delete states[k];
    deadlines = { run: run?.deadline || null, tasks: {} };
    if (run) for (const t of run.tasks) { states[t.task_id] = t.state; if (t.deadline) deadlines.tasks[t.task_id] = t.deadline; }
    paint();
    if (dirty && !loading) reload();
  }

  function fail(e) { toast('Graph: ' + e.message, 'err'); }
  const reload = debounce(() => loadRun(picker.selected()).catch(fail), 300);
  // Subscribed before the first snapshot, so no change falls between the two.
  const off = onEvent((type, ev) => {
    if (type === 'resync') return reload();
    if (type === 'deadline' && ev.dag_id === dag.dag_id && ev.run_id === picker.selected()) return reload();
    if (type === 'task' && ev.dag_id === dag.dag_id && ev.run_id === picker.selected()) { states[ev.task_id] = ev.state; if (loading) dirty = true; paint(); }
  });
  const cleanup = () => { off(); picker.off(); cy.destroy(); };
  try {
    await loadRun(picker.selected());
  } catch (e) {
    cleanup();
    throw e;
  }
  return cleanup;
}
