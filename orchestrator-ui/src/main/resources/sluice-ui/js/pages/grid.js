// Grid: runs as columns (oldest left), tasks as rows; a cell is a button with the state's colour, icon and
// label. One page of runs at a time (cursor paging); task and run events recolour cells in place.
import { get, enc } from '../api.js';
import { h, toast, debounce } from '../dom.js';
import { link, go, setQuery } from '../router.js';
import { icon, label, legend } from '../states.js';
import { onEvent, eventsSeen } from '../events.js';
import { makePager } from '../components/pager.js';
import { groupView, countStates, groupState, countsText, countsIcons } from '../groups.js';

export const GRID_PAGE = 25;
/**
 * Task rows drawn at once. A DAG of 10,000 tasks is 250,000 cells for a page of runs: 3.8–4.9 s to paint
 * (scripts/bench-ui-bigdag); past this many rows the grid shows them a slice at a time.
 */
export const GRID_ROWS = 500;

export async function gridTab({ dag, query, el, early, seenBefore }) {
  let cursor = query.cursor || '';
  let page = null;
  let rowFrom = 0; // the first task row shown, when there are more than GRID_ROWS
  const groups = groupView(dag);
  const wrap = h('div.grid-wrap');
  const nav = h('div');
  const pager = makePager((c) => { cursor = c; setQuery({ cursor }); load().catch(fail); });
  el.append(legend(), wrap, nav);

  // Events that arrive while a page is in flight may predate or postdate it: fetch again afterwards.
  let loading = 0, dirty = false;
  async function load() {
    loading++;
    dirty = false;
    try {
      const prefetched = early;
      early = null; // only the first load may use the page fetched alongside the DAG
      page = await (prefetched ? prefetched.catch(() => get(`/dags/${enc(dag.dag_id)}/grid`, { limit: GRID_PAGE, cursor }))
        : get(`/dags/${enc(dag.dag_id)}/grid`, { limit: GRID_PAGE, cursor }));
    } finally {
      loading--;
    }
    draw();
    nav.replaceChildren(pager(page.next_cursor, cursor));
    if (dirty && !loading) reload();
  }

  function draw() {
    const runs = [...page.runs].reverse();
    if (!runs.length) {
      wrap.replaceChildren(h('p.pad.muted', 'No runs yet.', ' ', h('span', 'Trigger one with the ▶ Trigger button, or wait for the schedule.')));
      return;
    }
    // Built as one escaped HTML string: 25 runs x 50 tasks is 1,250 cells, and one innerHTML parse is several
    // times faster than creating them node by node (the first paint budget is 1 s). Every value goes through esc().
    const head = runs.map((r) => `<th><a class="cell runhead st-${esc(r.state)}" data-run="${esc(r.run_id)}" data-state="${esc(r.state)}"
      href="${esc(link('dags', dag.dag_id, 'graph', { run: r.run_id }))}" title="${esc(`Run ${r.run_id}\n${label(r.state)}\nlogical date (UTC): ${r.logical_date}`)}"
      aria-label="${esc(`Run ${r.run_id}, ${label(r.state)}, open its graph`)}">${icon(r.state)}</a><div class="rundate" aria-hidden="true">${esc(shortDate(r.logical_date))}</div></th>`).join('');
    // Rows in task order; a collapsed group is one row, where its first task would be, whose cells count its
    // tasks by state (and open the group); an open group's tasks follow its header row, indented.
    const lines = [];
    const seen = new Set();
    for (const t of page.tasks) {
      const g = groups.groupOf(t);
      if (!g) { lines.push({ task: t }); continue; }
      if (seen.has(g)) continue;
      seen.add(g);
      lines.push({ group: g });
      if (!groups.collapsed(g)) for (const m of page.tasks) if (groups.groupOf(m) === g) lines.push({ task: m, inGroup: true });
    }
    const total = lines.length;
    if (rowFrom >= total) rowFrom = 0;
    const shown = total > GRID_ROWS ? lines.slice(rowFrom, rowFrom + GRID_ROWS) : lines;
    const rowsNav = total > GRID_ROWS
      ? `<div class="row grid-rows" id="grid-rows" data-total="${total}" data-from="${rowFrom}"><span class="muted small">tasks ${rowFrom + 1}–${rowFrom + shown.length} of ${total}</span>
        <button type="button" class="linkish" data-rows="-1"${rowFrom === 0 ? ' disabled' : ''}>‹ previous ${GRID_ROWS}</button>
        <button type="button" class="linkish" data-rows="1"${rowFrom + GRID_ROWS >= total ? ' disabled' : ''}>next ${GRID_ROWS} ›</button></div>`
      : '';
    const rows = shown.map((line, ri) => {
      if (line.group) {
        const g = line.group, open = !groups.collapsed(g);
        const headCell = `<th class="task" scope="row"><button type="button" class="linkish group-toggle" data-group-toggle="${esc(g)}" aria-expanded="${open}">${open ? '▾' : '▸'} ${esc(g)}</button> <span class="muted small">(${groups.members.get(g).length})</span></th>`;
        if (open) return `<tr class="group-row" data-group="${esc(g)}">${headCell}${runs.map(() => '<td></td>').join('')}</tr>`;
        return `<tr class="group-row" data-group="${esc(g)}">${headCell}${runs.map((r, ci) => groupCell(g, r, ri, ci)).join('')}</tr>`;
      }
      const t = line.task;
      return `<tr><th class="task${line.inGroup ? ' in-group' : ''}" scope="row">${esc(t)}</th>${runs.map((r, ci) => {
        const ti = r.tasks[t];
        if (!ti) return `<td><span class="cell st-none" title="${esc(`${t}: no task instance in ${r.run_id}`)}"></span></td>`;
        const tt = esc(title(t, r, ti));
        // A mapped task is one cell: its aggregate state, marked as stacked, its instances counted in the title.
        const mapped = ti.map_count ? ` mapped" data-map-count="${esc(ti.map_count)}` : '';
        return `<td><button type="button" class="cell st-${esc(ti.state)}${ti.waiting_for ? ' waiting' : ''}${mapped}" data-run="${esc(r.run_id)}" data-task="${esc(t)}" data-state="${esc(ti.state)}" data-r="${ri}" data-c="${ci}" title="${tt}" aria-label="${tt}">${icon(ti.state)}</button></td>`;
      }).join('')}</tr>`;
    }).join('');
    wrap.innerHTML = rowsNav + `<table class="grid" id="grid" data-dag="${esc(dag.dag_id)}"><thead><tr><th class="task"><span class="muted small">task \\ run</span></th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
  }

  // A collapsed group's cell in one run: coloured by its most pressing state, its tasks counted by state.
  function groupCell(g, r, ri, ci) {
    const counts = countStates(groups.members.get(g), (id) => r.tasks[id]?.state);
    const s = groupState(counts);
    const tt = esc(`group ${g} · run ${r.run_id} · ${countsText(counts)} · open the group`);
    return `<td><button type="button" class="cell group st-${esc(s)}" data-run="${esc(r.run_id)}" data-group="${esc(g)}" data-state="${esc(s)}" data-r="${ri}" data-c="${ci}" title="${tt}" aria-label="${tt}">${esc(countsIcons(counts))}</button></td>`;
  }

  const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  const shortDate = (iso) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const title = (t, r, ti) => `${t} · ${label(ti.state)}${ti.map_count ? ` · ${ti.map_count} instances: ${countsText(ti.instance_states || {})}` : ''}${ti.try_number > 1 ? ` · attempt ${ti.try_number}` : ''} · run ${r.run_id}${ti.waiting_for ? ` · ${ti.waiting_for}` : ''}${nextCheck(ti)}`;
  // A sensor waiting as up_for_reschedule: when its next check is, once the grid has loaded it.
  const nextCheck = (ti) => ti.state === 'up_for_reschedule' && ti.next_check_at ? ` · next check ${new Date(ti.next_check_at).toLocaleTimeString()}` : '';

  // Click opens the task instance; arrow keys move between cells (rows = tasks, columns = runs).
  wrap.addEventListener('click', (e) => {
    const more = e.target.closest('[data-rows]');
    if (more) { rowFrom = Math.max(0, rowFrom + (+more.dataset.rows) * GRID_ROWS); draw(); return; }
    const toggle = e.target.closest('[data-group-toggle]') || e.target.closest('button.cell.group');
    if (toggle) { groups.toggle(toggle.dataset.groupToggle || toggle.dataset.group); draw(); return; }
    const b = e.target.closest('button.cell');
    if (b) go(link('dags', dag.dag_id, 'runs', b.dataset.run, 'tasks', b.dataset.task));
  });
  wrap.addEventListener('keydown', (e) => {
    const b = e.target.closest('button.cell');
    const d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[e.key];
    if (!b || !d) return;
    const next = wrap.querySelector(`button.cell[data-r="${+b.dataset.r + d[0]}"][data-c="${+b.dataset.c + d[1]}"]`);
    if (next) { e.preventDefault(); next.focus(); }
  });

  function fail(e) { toast('Grid: ' + e.message, 'err'); }
  const reload = debounce(() => load().catch(fail), 300);

  // Subscribe before the first load so nothing falls between the snapshot and the stream.
  const off = onEvent((type, ev) => {
    if (type === 'resync') return reload();
    if (ev.dag_id !== dag.dag_id) return;
    if (loading) dirty = true;
    if (!page) return;
    const run = page.runs.find((r) => r.run_id === ev.run_id);
    if (!run) { if (!cursor && type === 'run') reload(); return; } // a new run appears on the first page
    if (type === 'run') {
      run.state = ev.state;
    } else if (type === 'task') {
      // One instance of a mapped task changed: its cell is an aggregate, which the server recounts.
      if (!run.tasks[ev.task_id] || (ev.map_index ?? -1) >= 0 || run.tasks[ev.task_id].map_count) return reload();
      // A task that left the queue waits for nobody; one that (re)entered it is judged at the next load.
      Object.assign(run.tasks[ev.task_id], { state: ev.state, try_number: ev.try_number, waiting_for: undefined, next_check_at: undefined });
      const g = groups.groupOf(ev.task_id);
      if (g && groups.collapsed(g)) {
        // The task is counted in its group's cell: recount that cell.
        const cell = wrap.querySelector(`button.cell.group[data-run="${CSS.escape(ev.run_id)}"][data-group="${CSS.escape(g)}"]`);
        if (cell) cell.parentElement.outerHTML = groupCell(g, run, +cell.dataset.r, +cell.dataset.c);
        return;
      }
    }
    // Recolour in place rather than redraw, so keyboard focus stays where it is.
    const sel = type === 'run' ? `a.runhead[data-run="${CSS.escape(ev.run_id)}"]`
      : `button.cell[data-run="${CSS.escape(ev.run_id)}"][data-task="${CSS.escape(ev.task_id)}"]`;
    const cell = wrap.querySelector(sel);
    if (!cell) return;
    cell.className = cell.className.replace(/\bst-\S+/, 'st-' + ev.state).replace(/\s*\bwaiting\b/, '');
    cell.dataset.state = ev.state;
    cell.textContent = icon(ev.state);
    if (type === 'task') { const t = title(ev.task_id, run, run.tasks[ev.task_id]); cell.title = t; cell.setAttribute('aria-label', t); }
  });
  try {
    await load();
    performance.mark('grid-drawn'); // cells are in the DOM; 'grid-painted' follows at the next frame
  } catch (e) {
    off();
    throw e;
  }
  // Events for this DAG that came while the prefetched page was in flight, before we subscribed.
  if (eventsSeen(dag.dag_id) !== seenBefore) reload();
  // A marker for the first paint of the grid (measured by the browser test, see BENCHMARKS-ui.md).
  requestAnimationFrame(() => { performance.mark('grid-painted'); document.body.dataset.gridPainted = '1'; });
  return off;
}
