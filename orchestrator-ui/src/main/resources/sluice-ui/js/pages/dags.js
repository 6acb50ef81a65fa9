// DAGs list: schedule in words and cron, next run, latest run states, pause toggle (operators), tag filter,
// import-error banner. Updates live on run/dag events.
import { get } from '../api.js';
import { h, time, toast, debounce } from '../dom.js';
import { link, setQuery } from '../router.js';
import { icon, label } from '../states.js';
import { onEvent } from '../events.js';
import { pauseToggle } from '../components/pause.js';
import { makePager } from '../components/pager.js';
import { assetSchedule } from '../components/asset-schedule.js';

export async function dagsPage({ query, main }) {
  const state = { tag: query.tag || '', q: query.q || '', cursor: query.cursor || '' };
  const errorsBox = h('div');
  const tagsBox = h('div.row.small');
  const body = h('tbody');
  const pageNav = h('div');
  const search = h('input', { type: 'search', placeholder: 'Filter by name…', value: state.q, 'aria-label': 'Filter DAGs by name' });
  main.append(
    h('div.page-head', h('div', h('h1', 'DAGs'), h('div.muted', 'Pipelines loaded from the DAG folder')), h('div.spacer'), search),
    errorsBox,
    h('div.row', { style: { marginBottom: '10px' } }, h('span.muted.small', 'Tags:'), tagsBox),
    h('table.list#dags-table', h('thead', h('tr',
      h('th', 'DAG'), h('th', 'Schedule'), h('th', 'Next run'), h('th', 'Recent runs'), h('th', 'Active'))), body),
    pageNav);

  const allTags = new Set();
  const pager = makePager((c) => { state.cursor = c; sync(); load().catch(fail); });
  // DAGs scheduled on assets show them instead of a cron: which DAG consumes which asset comes from /assets.
  let onAssets = {}, assetIds = {};
  async function loadAssets() {
    const res = await get('/assets');
    const by = {}, ids = {};
    for (const a of res.items) { ids[a.uri] = a.id; for (const d of a.consumers) (by[d] = by[d] || []).push(a.uri); }
    onAssets = by; assetIds = ids;
  }
  async function load() {
    await loadAssets().catch(() => { /* the list still shows without them */ });
    const res = await get('/dags', { tag: state.tag, q: state.q, cursor: state.cursor });
    res.items.forEach((d) => d.tags.forEach((t) => allTags.add(t)));
    body.replaceChildren(...(res.items.length ? res.items.map(row)
      : [h('tr', h('td', { colspan: 5 }, h('span.muted', state.q || state.tag ? 'No DAG matches this filter.' : 'No DAGs yet: add a YAML file to the DAG folder.')))]));
    renderTags();
    pageNav.replaceChildren(pager(res.next_cursor, state.cursor));
  }
  async function loadErrors() {
    const res = await get('/import-errors');
    errorsBox.replaceChildren(res.items.length ? h('div.banner.err#import-errors', { role: 'alert' },
      h('strong', `${res.items.length} DAG file${res.items.length > 1 ? 's' : ''} could not be loaded`),
      h('ul', res.items.map((e) => h('li', h('code', e.file), h('ul', e.errors.map((m) => h('li.mono', m))))))) : '');
  }
  function renderTags() {
    tagsBox.replaceChildren(...[...allTags].sort().map((t) => h('button.tag' + (t === state.tag ? '.on' : ''), {
      type: 'button', 'aria-pressed': String(t === state.tag),
      onclick: () => { state.tag = state.tag === t ? '' : t; state.cursor = ''; sync(); load().catch(fail); },
    }, t)));
    if (!allTags.size) tagsBox.append(h('span.muted.small', 'none'));
  }
  function row(d) {
    const runs = [...d.recent_runs].reverse(); // oldest left, newest right, as in the grid
    return h('tr', { 'data-dag': d.dag_id },
      h('td', h('a', { href: link('dags', d.dag_id, 'grid') }, h('strong', d.dag_id)),
        d.description ? h('div.muted.small', d.description) : null,
        h('div', d.tags.map((t) => h('span.tag', { onclick: () => { state.tag = t; sync(); load().catch(fail); } }, t)))),
      h('td', d.schedule ? [h('div', d.schedule_description || d.schedule), h('code.muted', d.schedule),
        d.timezone && d.timezone !== 'UTC' ? h('span.muted.small', ' ' + d.timezone) : null]
        : onAssets[d.dag_id] ? assetSchedule({ assets: onAssets[d.dag_id] }, assetIds) : h('span.muted', 'manual only')),
      h('td', d.is_paused ? h('span.muted', 'paused') : time(d.next_run_at)),
      h('td', runs.length ? h('span.strip', runs.map((r) => h('a.st-' + r.state, {
        href: link('dags', d.dag_id, 'grid'), title: `${label(r.state)} · ${r.run_id} · ${new Date(r.logical_date).toISOString()}`,
        'aria-label': `Run ${r.run_id}: ${label(r.state)}`,
      }, icon(r.state)))) : h('span.muted.small', 'no runs yet')),
      h('td', pauseToggle(d), d.is_active ? null : h('div.muted.small', 'file removed')));
  }
  function sync() { setQuery({ tag: state.tag, q: state.q, cursor: state.cursor }); }
  function fail(e) { toast(e.message, 'err'); }

  search.addEventListener('input', debounce(() => { state.q = search.value.trim(); state.cursor = ''; sync(); load().catch(fail); }, 250));
  await Promise.all([load(), loadErrors().catch((e) => errorsBox.replaceChildren(h('div.banner.warn', 'Import errors unavailable: ' + e.message)))]);
  // Run and pause changes refresh the list; bursts are coalesced.
  const refresh = debounce(() => { load().catch(fail); }, 400);
  return onEvent((type) => { if (type === 'run' || type === 'dag' || type === 'resync') refresh(); });
}
