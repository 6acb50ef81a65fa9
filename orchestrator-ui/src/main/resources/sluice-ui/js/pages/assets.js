// Assets: data that tasks update (named by URI), who produces them (tasks with the asset in outlets), who consumes
// them (DAGs scheduled on them) and their latest events. An asset's page is a deep link by id: #/assets/ID.
import { get } from '../api.js';
import { h, time, toast, debounce } from '../dom.js';
import { link } from '../router.js';
import { onEvent } from '../events.js';

export async function assetsPage({ params, main }) {
  return params.asset ? assetPage(params.asset, main) : assetList(main);
}

async function assetList(main) {
  const body = h('tbody');
  main.append(h('div.page-head', h('div', h('h1', 'Assets'),
    h('div.muted', 'Data that tasks update (outlets) and DAGs run on (schedule: assets)'))),
  h('table.list#assets-table', h('thead', h('tr', h('th', 'Asset'), h('th', 'Producers'), h('th', 'Consumers'), h('th', 'Last updated'))), body));
  async function load() {
    const res = await get('/assets');
    body.replaceChildren(...(res.items.length ? res.items.map(row)
      : [h('tr', h('td', { colspan: 4 }, h('span.muted', 'No assets yet: give a task outlets, or schedule a DAG on assets.')))]));
  }
  function row(a) {
    return h('tr', { 'data-asset': a.uri },
      h('td', h('a', { href: link('assets', String(a.id)) }, h('code', a.uri))),
      h('td', a.producers.length ? a.producers.map((p) => h('div', producerLink(p))) : h('span.muted.small', 'none (external)')),
      h('td', a.consumers.length ? a.consumers.map((d) => h('div', h('a', { href: link('dags', d, 'grid') }, d))) : h('span.muted.small', 'none')),
      h('td', a.latest_event ? [time(a.latest_event.timestamp), h('div.muted.small', eventSource(a.latest_event))] : h('span.muted.small', 'never')));
  }
  await load();
  const refresh = debounce(() => load().catch((e) => toast(e.message, 'err')), 500);
  return onEvent((type) => { if (type === 'run' || type === 'dag' || type === 'resync') refresh(); });
}

async function assetPage(ref, main) {
  const a = await get('/assets/' + encodeURIComponent(ref));
  const events = h('tbody');
  main.append(
    h('div.page-head', h('div',
      h('div.small', h('a', { href: link('assets') }, 'Assets'), ' / '),
      h('h1#asset-uri', { style: { wordBreak: 'break-all' } }, a.uri),
      h('div.muted.small', 'known since ', time(a.created_at)))),
    h('div.cols',
      h('section#asset-producers', h('h2', 'Producers'), a.producers.length
        ? h('ul', a.producers.map((p) => h('li', producerLink(p))))
        : h('p.muted', 'No task names this asset in its outlets: it is updated from outside (POST /api/v1/assets/events).')),
      h('section#asset-consumers', h('h2', 'Consumers'), a.consumers.length
        ? h('ul', a.consumers.map((d) => h('li', h('a', { href: link('dags', d, 'grid') }, d))))
        : h('p.muted', 'No DAG is scheduled on this asset.'))),
    h('h2', 'Latest events'),
    h('table.list#asset-events', h('thead', h('tr', h('th', 'When'), h('th', 'Source'), h('th', 'Extra'))), events));
  events.replaceChildren(...(a.latest_events.length ? a.latest_events.map((e) => h('tr', { 'data-event': String(e.id) },
    h('td', time(e.timestamp)), h('td', eventSource(e, true)),
    h('td', Object.keys(e.extra || {}).length ? h('code.small', JSON.stringify(e.extra)) : h('span.muted', '—'))))
    : [h('tr', h('td', { colspan: 3 }, h('span.muted', 'No events yet.')))]));
}

function producerLink(p) {
  return h('a', { href: link('dags', p.dag_id, 'grid') }, `${p.dag_id} › ${p.task_id}`);
}

function eventSource(e, links = false) {
  if (e.source === 'api') return `API · ${e.created_by || 'unknown'}`;
  const text = `${e.source_dag_id} › ${e.source_task_id}`;
  return links && e.source_run_id
    ? h('a', { href: link('dags', e.source_dag_id, 'runs', e.source_run_id, 'tasks', e.source_task_id) }, text, h('span.muted.small', ' ' + e.source_run_id))
    : text;
}
