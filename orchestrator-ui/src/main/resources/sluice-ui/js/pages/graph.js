// Graph: the DAG left to right (dagre computes the layout, cytoscape draws it), nodes coloured by the selected
// run's task states and updated live. A list of the same tasks below the canvas serves keyboards and readers.
import { get, enc } from '../api.js';
import { h, toast, debounce, time } from '../dom.js';
import { link, go } from '../router.js';
import { colour, icon, label, badge, legend, deadlineMarker, DARK_TEXT } from '../states.js';
import { onEvent } from '../events.js';
import { cytoscapeAndDagre } from '../lib.js';
import { runPicker } from '../components/runpicker.js';
import { groupView, groupKey, countStates, groupState, countsText, countsIcons } from '../groups.js';

/** More nodes than this are not laid out (dagre's layout time grows much faster than the node count). */
export const GRAPH_LIMIT = 2000;

export async function graphTab({ dag, query, el }) {
  const picker = await runPicker(dag, query, (r) => loadRun(r).catch(fail));
  const box = h('div#graph', { role: 'img', 'aria-label': `Task graph of ${dag.dag_id}` });
  const list = h('ul.row#graph-list', { style: { listStyle: 'none', padding: 0 }, 'aria-label': 'Tasks and their states' });
  // The selected run's deadline: a banner when it was missed (the run goes on), a quiet line while pending.
  const deadlineBox = h('div#run-deadline-box');
  el.append(h('div.row', { style: { marginBottom: '10px' } }, picker.el, h('div.spacer'), legend()), deadlineBox, box, list);

  const { cytoscape, dagre } = await cytoscapeAndDagre();
  const states = {};
  // Sensors waiting as up_for_reschedule: when their next check is due (from the run's snapshot).
  const nextChecks = {};
  const mapped = {}; // task id → its instances' counts by state, for mapped tasks of the selected run
  let deadlines = { run: null, tasks: {} };
  const groups = groupView(dag);
  let cy = null;

  // The canvas for the current collapse state: a collapsed group is one node, edges inside it vanish and edges
  // into or out of it join the group's node. Rebuilt (and laid out again) when a group opens or closes.
  function build() {
    if (cy) cy.destroy();
    cy = null;
    const nodes = [...new Set(dag.tasks.map((t) => groups.shownAs(t.task_id)))];
    // dagre's layout of 10,000 nodes did not finish in a minute (scripts/bench-ui-bigdag): past the limit the canvas
    // is not drawn, and the list below (every task with its state) is the page.
    if (nodes.length > GRAPH_LIMIT) {
      box.dataset.tooLarge = String(nodes.length);
      box.replaceChildren(h('p.pad.muted#graph-too-large', `${nodes.length.toLocaleString()} tasks are too many to lay out as a graph here `
        + `(the limit is ${GRAPH_LIMIT.toLocaleString()})${groups.members.size ? '; collapse task groups to draw fewer' : ''}. `
        + 'Their states are listed below, and the grid shows them by run.'));
      box.style.height = 'auto';
      return;
    }
    delete box.dataset.tooLarge;
    box.style.height = '';
    const edges = new Map();
    for (const t of dag.tasks) for (const up of t.depends_on) {
      const a = groups.shownAs(up), b = groups.shownAs(t.task_id);
      if (a !== b) edges.set(a + '->' + b, { id: a + '->' + b, source: a, target: b });
    }
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n, { width: Math.max(130, n.length * 8 + 40), height: n.startsWith('group:') ? 52 : 44 });
    for (const e of edges.values()) g.setEdge(e.source, e.target);
    dagre.layout(g);
    cy = cytoscape({
      container: box,
      elements: [
        ...nodes.map((n) => ({ data: { id: n, w: g.node(n).width, h: g.node(n).height, bg: '#ffffff', fg: '#1d2330', text: n, border: n.startsWith('group:') ? 3 : 1 },
          position: { x: g.node(n).x, y: g.node(n).y } })),
        ...[...edges.values()].map((e) => ({ data: e })),
      ],
      layout: { name: 'preset' },
      style: [
        { selector: 'node', style: { shape: 'round-rectangle', width: 'data(w)', height: 'data(h)', 'background-color': 'data(bg)',
          label: 'data(text)', 'text-wrap': 'wrap', 'text-valign': 'center', 'font-size': 12, color: 'data(fg)',
          'border-width': 'data(border)', 'border-color': '#5d6677', 'border-style': 'solid', 'font-family': 'system-ui, sans-serif' } },
        { selector: 'edge', style: { width: 1.5, 'line-color': '#9aa4b2', 'target-arrow-color': '#9aa4b2', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
      ],
      minZoom: 0.2,
      maxZoom: 2,
    });
    cy.fit(undefined, 20);
    if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
    cy.on('tap', 'node', (e) => {
      const id = e.target.id();
      if (id.startsWith('group:')) return toggle(id.slice('group:'.length));
      if (picker.selected()) go(link('dags', dag.dag_id, 'runs', picker.selected(), 'tasks', id));
    });
  }

  function toggle(group) {
    groups.toggle(group);
    build();
    paint();
  }

  function paint() {
    if (cy) cy.batch(() => {
      for (const t of dag.tasks) {
        if (groups.shownAs(t.task_id) !== t.task_id) continue;
        const s = states[t.task_id] || 'none';
        const n = cy.getElementById(t.task_id);
        const late = deadlines.tasks[t.task_id]?.state === 'missed';
        const counts = mapped[t.task_id];
        n.data({ bg: s === 'none' ? '#ffffff' : colour(s), fg: DARK_TEXT.has(s) ? '#1d2330' : '#ffffff',
          text: `${counts ? '⧉ ' : ''}${t.task_id}\n${icon(s)} ${label(s)}${late ? ' ⚠' : ''}${nextCheckLine(t.task_id, s)}${counts ? `\n${countsIcons(counts)}` : ''}`, state: s });
      }
      for (const [g, ids] of groups.members) {
        if (!groups.collapsed(g)) continue;
        const counts = countStates(ids, (id) => states[id]);
        const s = groupState(counts);
        cy.getElementById(groupKey(g)).data({ bg: s === 'none' ? '#ffffff' : colour(s), fg: DARK_TEXT.has(s) ? '#1d2330' : '#ffffff',
          text: `▸ ${g} (${ids.length})\n${countsIcons(counts) || ''}`, state: s });
      }
    });
    // What the canvas shows, as text: for tests and assistive tools ("task=state ...", in DAG order).
    box.dataset.states = dag.tasks.map((t) => `${t.task_id}=${states[t.task_id] || 'none'}`).join(' ');
    box.dataset.nodes = cy ? cy.nodes().map((n) => n.id()).join(' ') : '';
    const taskItem = (t) => h('li', { style: t.group ? { marginLeft: '1.5em' } : undefined }, picker.selected()
      ? h('a', { href: link('dags', dag.dag_id, 'runs', picker.selected(), 'tasks', t.task_id), 'data-task': t.task_id }, t.task_id, ' ', badge(states[t.task_id]),
        deadlineMarker(deadlines.tasks[t.task_id]), nextCheck(t.task_id),
        mapped[t.task_id] ? h('span.muted.small.map-counts', { 'data-map-count': Object.values(mapped[t.task_id]).reduce((a, b) => a + b, 0) },
          ` ${Object.values(mapped[t.task_id]).reduce((a, b) => a + b, 0)} instances: ${countsText(mapped[t.task_id])}`) : null)
      : h('span', t.task_id));
    // A group's line (a button that opens or closes it, with its counts), then its tasks while it is open.
    const items = [];
    const listed = new Set();
    for (const t of dag.tasks) {
      const g = groups.groupOf(t.task_id);
      if (!g) { items.push(taskItem(t)); continue; }
      if (listed.has(g)) continue;
      listed.add(g);
      const ids = groups.members.get(g);
      const counts = countStates(ids, (id) => states[id]);
      const open = !groups.collapsed(g);
      items.push(h('li', { 'data-group': g, 'data-state': groupState(counts) },
        h('button.btn.small', { type: 'button', 'aria-expanded': String(open), 'data-group-toggle': g, onclick: () => toggle(g) },
          open ? '▾ ' : '▸ ', `group ${g}`), ' ',
        h('span.muted.group-counts', `${ids.length} tasks${picker.selected() ? ': ' + countsText(counts) : ''}`)));
      if (open) for (const t2 of dag.tasks) if (t2.group === g) items.push(taskItem(t2));
    }
    list.replaceChildren(...items);
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
    for (const k of Object.keys(nextChecks)) delete nextChecks[k];
    for (const k of Object.keys(mapped)) delete mapped[k];
    deadlines = { run: run?.deadline || null, tasks: {} };
    if (run) for (const t of run.tasks) {
      states[t.task_id] = t.state;
      if (t.deadline) deadlines.tasks[t.task_id] = t.deadline;
      if (t.next_check_at) nextChecks[t.task_id] = t.next_check_at;
      if (t.map_count) mapped[t.task_id] = t.instance_states || {};
    }
    paint();
    if (dirty && !loading) reload();
  }

  // A waiting sensor's next check: a line on its node, a time in the list beside its badge.
  function nextCheckLine(id, s) {
    const at = s === 'up_for_reschedule' && nextChecks[id];
    return at ? `\nnext check ${new Date(at).toLocaleTimeString()}` : '';
  }
  function nextCheck(id) {
    const at = states[id] === 'up_for_reschedule' && nextChecks[id];
    return at ? h('span.small.next-check', { 'data-next-check': at }, ' next check ', time(at)) : null;
  }

  function fail(e) { toast('Graph: ' + e.message, 'err'); }
  const reload = debounce(() => loadRun(picker.selected()).catch(fail), 300);
  // Subscribed before the first snapshot, so no change falls between the two.
  const off = onEvent((type, ev) => {
    if (type === 'resync') return reload();
    if (type === 'deadline' && ev.dag_id === dag.dag_id && ev.run_id === picker.selected()) return reload();
    if (type === 'task' && ev.dag_id === dag.dag_id && ev.run_id === picker.selected()) {
      // An instance of a mapped task: the node shows an aggregate, which the server recounts.
      if ((ev.map_index ?? -1) >= 0 || mapped[ev.task_id]) return reload();
      states[ev.task_id] = ev.state;
      delete nextChecks[ev.task_id];
      if (loading) dirty = true;
      paint();
      // The event says the state, not when the next check is: the run's snapshot does.
      if (ev.state === 'up_for_reschedule') reload();
    }
  });
  const cleanup = () => { off(); picker.off(); if (cy) cy.destroy(); };
  build();
  try {
    await loadRun(picker.selected());
  } catch (e) {
    cleanup();
    throw e;
  }
  return cleanup;
}
