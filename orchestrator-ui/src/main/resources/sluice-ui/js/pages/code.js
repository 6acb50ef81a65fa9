// Code: the YAML of a DAG version (by default the selected run's), the version history, and a diff against
// the version before it.
import { get, enc } from '../api.js';
import { h, time } from '../dom.js';
import { setQuery } from '../router.js';
import { lineDiff } from '../components/diff.js';

export async function codeTab({ dag, query, el }) {
  const [versions, run] = await Promise.all([
    get(`/dags/${enc(dag.dag_id)}/versions`),
    query.run ? get(`/dags/${enc(dag.dag_id)}/runs/${enc(query.run)}`) : null,
  ]);
  let version = +query.version || (run && run.dag_version) || dag.latest_version;
  const viewBox = h('div');
  const list = h('ol#versions', { style: { listStyle: 'none', padding: 0, margin: 0 } });
  el.append(h('div.cols', { style: { gridTemplateColumns: '1fr 260px' } },
    h('div', viewBox),
    h('aside.panel', h('h2', { style: { marginTop: 0 } }, 'Versions'), list)));

  function drawList() {
    list.replaceChildren(...versions.items.map((v) => h('li', { style: { margin: '0 0 6px' } },
      h('button.btn.small' + (v.version === version ? '' : '.ghost'), {
        type: 'button', 'aria-pressed': String(v.version === version), onclick: () => { version = v.version; setQuery({ ...query, version }); show(); },
      }, 'v' + v.version), ' ', time(v.created_at, { short: true }),
      run && run.dag_version === v.version ? h('span.small.muted', ' · this run') : null,
      v.version === dag.latest_version ? h('span.small.muted', ' · latest') : null)));
  }

  async function show(mode = 'source') {
    drawList();
    const cur = await get(`/dags/${enc(dag.dag_id)}/source`, { version });
    const prevV = versions.items.map((v) => v.version).filter((v) => v < version).sort((a, b) => b - a)[0];
    const tabs = h('div.row', { style: { marginBottom: '8px' } },
      h('strong', `Version ${version}`), h('span.muted.small', ['created ', time(cur.created_at)]), h('div.spacer'),
      h('button.btn.small' + (mode === 'source' ? '' : '.ghost'), { type: 'button', onclick: () => show('source') }, 'Source'),
      prevV ? h('button.btn.small' + (mode === 'diff' ? '' : '.ghost'), { type: 'button', onclick: () => show('diff') }, `Diff from v${prevV}`) : null);
    if (mode === 'diff' && prevV) {
      const prev = await get(`/dags/${enc(dag.dag_id)}/source`, { version: prevV });
      const d = lineDiff(prev.source || '', cur.source || '');
      viewBox.replaceChildren(tabs, h('div.diff#diff', { 'aria-label': `Changes from version ${prevV} to ${version}` }, d.map(([k, line]) => h('div.' + k, line))));
    } else {
      viewBox.replaceChildren(tabs, h('pre.code#source', { tabindex: 0 }, cur.source || '(no source stored for this version)'));
    }
  }
  await show(query.diff ? 'diff' : 'source');
}
