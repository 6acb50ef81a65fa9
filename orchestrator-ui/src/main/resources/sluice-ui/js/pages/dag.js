// One DAG: header (schedule, pause, trigger) and the tabs Grid, Graph, Gantt, Code, Runs, each a deep link
// (#/dags/ID/grid, #/dags/ID/graph?run=RUN, ...).
import { get, enc } from '../api.js';
import { eventsSeen } from '../events.js';
import { h } from '../dom.js';
import { link } from '../router.js';
import { can } from '../session.js';
import { pauseToggle } from '../components/pause.js';
import { gridTab, GRID_PAGE } from './grid.js';
import { assetSchedule } from '../components/asset-schedule.js';

// The grid is the default view and is loaded with this module; the other tabs load when opened.
const TABS = {
  grid: ['Grid', async () => gridTab],
  graph: ['Graph', async () => (await import('./graph.js')).graphTab],
  gantt: ['Gantt', async () => (await import('./gantt.js')).ganttTab],
  code: ['Code', async () => (await import('./code.js')).codeTab],
  runs: ['Runs', async () => (await import('./runs.js')).runsTab],
};
const openTrigger = async (dag) => (await import('../components/trigger.js')).openTriggerDialog(dag);

export async function dagPage({ params, query, main }) {
  const tab = TABS[params.tab] ? params.tab : 'grid';
  const dagId = params.dag;
  const seenBefore = eventsSeen(dagId);
  const dagAnswer = get(`/dags/${enc(dagId)}`);
  // The grid is the default view: ask for its first page together with the DAG, not after it.
  const early = tab === 'grid' && !query.cursor ? get(`/dags/${enc(dagId)}/grid`, { limit: GRID_PAGE }) : null;
  if (early) early.catch(() => {}); // if it fails, the grid's own load reports it
  const dag = await dagAnswer;
  // A DAG scheduled on assets shows them instead of a cron, each linked to its page (by id: a URI in a path is awkward).
  const assetIds = {};
  if (dag.schedule_on_assets) {
    try { (await get('/assets')).items.forEach((a) => { assetIds[a.uri] = a.id; }); } catch { /* plain URIs then */ }
  }
  const body = h('section', { 'aria-label': TABS[tab][0] });
  main.append(
    h('div.page-head',
      h('div',
        h('div.small', h('a', { href: link('dags') }, 'DAGs'), ' / '),
        h('h1', dag.dag_id),
        dag.description ? h('div.muted', dag.description) : null,
        h('div.small.muted#dag-schedule', dag.schedule ? [dag.schedule_description || dag.schedule, ' · ', h('code', dag.schedule)]
          : dag.schedule_on_assets ? assetSchedule(dag.schedule_on_assets, assetIds) : 'manual only',
          ` · ${dag.tasks.length} tasks · version ${dag.latest_version}`, dag.file_path ? [' · ', h('code', dag.file_path)] : null)),
      h('div.spacer'),
      h('div.row', pauseToggle(dag),
        can('operator') ? h('button.btn#trigger-btn', { type: 'button', onclick: () => openTrigger(dag) }, '▶ Trigger') : null)),
    h('nav.tabs', { 'aria-label': 'DAG views' }, Object.entries(TABS).map(([k, [name]]) =>
      h('a' + (k === tab ? '.on' : ''), { href: link('dags', dagId, k, query.run ? { run: query.run } : undefined), 'aria-current': k === tab ? 'page' : null, 'data-tab': k }, name))),
    body);
  const render = await TABS[tab][1]();
  return render({ dag, query, el: body, early, seenBefore });
}
