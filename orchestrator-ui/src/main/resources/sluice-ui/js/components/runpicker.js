// The run selector shared by Graph, Gantt and Code: the latest runs, newest first; the choice goes in ?run=.
import { get } from '../api.js';
import { h, fmtLocal } from '../dom.js';
import { setQuery } from '../router.js';
import { icon, label } from '../states.js';

export async function runPicker(dag, query, onPick) {
  const res = await get('/runs', { dag_id: dag.dag_id, limit: 50 });
  const runs = res.items;
  let selected = query.run || (runs[0] && runs[0].run_id) || '';
  if (selected && !runs.some((r) => r.run_id === selected)) runs.unshift({ run_id: selected, state: null, logical_date: null });
  const select = h('select#run-picker', { 'aria-label': 'Run' }, runs.map((r) =>
    h('option', { value: r.run_id, selected: r.run_id === selected },
      `${icon(r.state)} ${r.run_id}${r.logical_date ? ' · ' + fmtLocal(new Date(r.logical_date), { short: true }) : ''}${r.state ? ' · ' + label(r.state) : ''}`)));
  select.addEventListener('change', () => { selected = select.value; setQuery({ ...query, run: selected }); onPick(selected); });
  const el = h('label.row', h('span.muted', 'Run'), select);
  return { el, selected: () => selected, empty: !runs.length };
}
