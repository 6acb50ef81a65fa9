// Trigger and backfill forms (operators only; the buttons that open them are not shown to viewers).
import { post, enc } from '../api.js';
import { h, toast } from '../dom.js';
import { go, link } from '../router.js';
import { openDialog } from './dialog.js';
import { paramInputs, readParams, showFieldError } from './paramform.js';

export function openTriggerDialog(dag) {
  const { nodes, fields } = paramInputs(dag.params);
  const general = h('div');
  const date = h('input#trigger-logical-date', { type: 'datetime-local', step: 1 });
  const dateErr = h('div.field-error', { hidden: true });
  fields.logical_date = { type: 'date', input: date, err: dateErr };
  const submit = h('button.btn#trigger-submit', { type: 'submit' }, '▶ Trigger');
  const form = h('form#trigger-form', { novalidate: true }, general,
    nodes.length ? nodes : h('p.muted', 'This DAG declares no params.'),
    h('label.field', { for: 'trigger-logical-date' }, h('span', 'Logical date ', h('span.muted.small', '(optional, your time zone; empty = now)')), date, dateErr),
    h('div.actions', h('button.btn.ghost', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), submit));
  const dlg = openDialog(`Trigger ${dag.dag_id}`, form, { id: 'trigger' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { logical_date: _skip, ...paramFields } = fields;
    let body;
    try {
      body = { params: readParams(paramFields) };
      if (date.value) body.logical_date = new Date(date.value).toISOString();
    } catch (bad) { showFieldError(fields, bad.field, bad.message, general); return; }
    submit.disabled = true;
    try {
      const run = await post(`/dags/${enc(dag.dag_id)}/runs`, body);
      dlg.close();
      toast(`Triggered ${run.run_id}`);
      go(link('dags', dag.dag_id, 'grid'));
    } catch (err) {
      // "params.rows" or "rows" both name the rows input.
      const f = err.field ? err.field.replace(/^params\./, '') : null;
      showFieldError(fields, f, err.message, general);
    } finally {
      submit.disabled = false;
    }
  });
  const first = form.querySelector('input, textarea');
  if (first) first.focus();
}

export function openBackfillDialog(dag) {
  const general = h('div');
  const mk = (name, attrs) => ({ type: 'text', input: h('input', { id: 'backfill-' + name, name, ...attrs }), err: h('div.field-error', { hidden: true }) });
  const fields = { from: mk('from', { type: 'date', required: true }), to: mk('to', { type: 'date', required: true }),
    max_active_runs: mk('max_active_runs', { type: 'number', min: 1, value: 4 }) };
  const rerun = h('input#backfill-rerun', { type: 'checkbox' });
  const submit = h('button.btn', { type: 'submit' }, 'Start backfill');
  const row = (label, f) => h('label.field', h('span', label), f.input, f.err);
  const form = h('form#backfill-form', { novalidate: true }, general,
    h('p.muted.small', 'Creates one run per schedule interval between the two dates (logical dates, UTC).'),
    row('From', fields.from), row('To', fields.to), row('Max active runs', fields.max_active_runs),
    h('label.check', rerun, 'Re-run dates that already have a run'),
    h('div.actions', h('button.btn.ghost', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), submit));
  const dlg = openDialog(`Backfill ${dag.dag_id}`, form, { id: 'backfill' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const b = await post(`/dags/${enc(dag.dag_id)}/backfills`, {
        from: fields.from.input.value, to: fields.to.input.value,
        max_active_runs: Number(fields.max_active_runs.input.value || 4), rerun_existing: rerun.checked,
      });
      dlg.close();
      toast(`Backfill ${b.backfill_id}: ${b.runs_created} runs created`);
      go(link('dags', dag.dag_id, 'runs'));
    } catch (err) {
      showFieldError(fields, err.field, err.message, general);
    } finally {
      submit.disabled = false;
    }
  });
  fields.from.input.focus();
}
