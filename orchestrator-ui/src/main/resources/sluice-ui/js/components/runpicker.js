// The run selector shared by Graph, Gantt and Code: the latest runs, newest first; the choice goes in ?run=.
import { get } from '../api.js';
import { h, fmtLocal } from '../dom.js';
import { setQuery } from '../router.js';
import { icon, label } from '../states.js';
import { onEvent } from '../events.js';

const optionText = (r) =>
  `${icon(r.state)} ${r.run_id}${r.logical_date ? ' · ' + fmtLocal(new Date(r.logical_date), { short: true }) : ''}${r.state ? ' · ' + label(r.state) : ''}`;

export async function runPicker(dag, query, onPick) {
  const res = await get('/runs', { dag_id: dag.dag_id, limit: 50 });
  const runs = res.items;
  let selected = query.run || (runs[0] && runs[0].run_id) || '';
  if (selected && !runs.some((r) => r.run_id === selected)) runs.unshift({ run_id: selected, state: null, logical_date: null });
  const select = h('select#run-picker', { 'aria-label': 'Run' }, runs.map((r) =>
    h('option', { value: r.run_id, selected: r.run_id === selected }, optionText(r))));
  select.addEventListener('change', () => { selected = select.value; setQuery({ ...query, run: selected }); onPick(selected); });
  const el = h('label.row', h('span.muted', 'Run'), select);
  // Keep the option labels' states current; the owning tab calls off() when it goes away.
  const off = onEvent((type, ev) => {
    if (type !== 'run' || ev.dag_id !== dag.dag_id) return;
    const i = runs.findIndex((r) => r.run_id === ev.run_id);
    if (i < 0) return;
    runs[i].state = ev.state;
    select.options[i].textContent = optionText(runs[i]);
  });
  return { el, selected: () => selected, empty: !runs.length, off };
}
