// Inputs generated from a DAG's declared params ({name: {type, default, description, minimum, maximum, enum}}),
// typed by param type: a select for an enum, min/max on numbers. The form checks what it can before sending (a
// finite number, a whole one for integers, the declared range); the browser's own validation is off (novalidate)
// so every message, the API's included, shows the same way under its input.
import { h } from '../dom.js';

const has = (v) => v !== undefined && v !== null;

export function paramInputs(params) {
  const fields = {};
  const nodes = Object.entries(params || {}).map(([name, spec]) => {
    const type = (spec.type || 'string').toLowerCase();
    const id = 'param-' + name;
    let input;
    if (Array.isArray(spec.enum) && type !== 'boolean') {
      input = h('select', { id }, spec.enum.map((v) => h('option', { value: String(v), selected: has(spec.default) && String(spec.default) === String(v) }, String(v))));
    } else if (type === 'boolean') input = h('input', { id, type: 'checkbox', checked: spec.default === true });
    else if (type === 'integer' || type === 'number') {
      input = h('input', { id, type: 'number', step: type === 'integer' ? '1' : 'any', value: spec.default ?? '' });
      if (has(spec.minimum)) input.min = String(spec.minimum);
      if (has(spec.maximum)) input.max = String(spec.maximum);
    } else if (type === 'list' || type === 'object') input = h('textarea.mono', { id, rows: 3, cols: 40 }, has(spec.default) ? JSON.stringify(spec.default) : '');
    else input = h('input', { id, type: 'text', value: spec.default ?? '', size: 40 });
    input.name = name;
    const err = h('div.field-error', { id: id + '-error', hidden: true, role: 'alert' });
    input.setAttribute('aria-describedby', id + '-error');
    fields[name] = { type, input, err, spec };
    const range = [has(spec.minimum) ? `≥ ${spec.minimum}` : null, has(spec.maximum) ? `≤ ${spec.maximum}` : null].filter(Boolean).join(', ');
    return h('label.field', { for: id },
      h('span', name, ' ', h('span.muted.small', `(${type}${range ? ', ' + range : ''})`)), input,
      spec.description ? h('div.field-help', spec.description) : null, err);
  });
  return { nodes, fields };
}

/** A number typed into the form, checked as the API will check it; throws {field, message}. */
function readNumber(name, f, raw) {
  const n = Number(raw);
  if (raw === '' || Number.isNaN(n) || !Number.isFinite(n)) throw { field: name, message: `must be a finite number, got "${raw}"` };
  if (f.type === 'integer') {
    if (!Number.isInteger(n)) throw { field: name, message: `expected integer, got ${raw}` };
    // beyond 2^53 a JavaScript number loses digits: the CLI or the API take such values exactly
    if (!Number.isSafeInteger(n)) throw { field: name, message: `${raw} is too large for this form (use the CLI or the API)` };
  }
  const { minimum, maximum } = f.spec || {};
  if (has(minimum) && n < minimum) throw { field: name, message: `must be at least ${minimum}, got ${raw}` };
  if (has(maximum) && n > maximum) throw { field: name, message: `must be at most ${maximum}, got ${raw}` };
  return n;
}

/** Reads typed values; throws {field, message} for input the API would refuse or that cannot even be sent. */
export function readParams(fields) {
  const out = {};
  for (const [name, f] of Object.entries(fields)) {
    const el = f.input;
    if (f.type === 'boolean') { out[name] = el.checked; continue; }
    // A number input empties its value when the text does not parse (or overflows, like 1e400): not "use the default".
    if (el.validity && el.validity.badInput) throw { field: name, message: 'must be a finite number' };
    const raw = el.value.trim();
    if (raw === '') continue; // the DAG's default applies
    if (f.type === 'integer' || f.type === 'number') out[name] = readNumber(name, f, raw);
    else if (f.type === 'list' || f.type === 'object') {
      try { out[name] = JSON.parse(raw); } catch { throw { field: name, message: `${name}: not valid JSON` }; }
    } else out[name] = raw;
  }
  return out;
}

export function showFieldError(fields, field, message, general) {
  for (const f of Object.values(fields)) { f.err.hidden = true; f.input.removeAttribute('aria-invalid'); }
  general.replaceChildren();
  if (field && fields[field]) {
    fields[field].err.textContent = message;
    fields[field].err.hidden = false;
    fields[field].input.setAttribute('aria-invalid', 'true');
    fields[field].input.focus();
  } else if (message) {
    general.replaceChildren(h('div.banner.err', { role: 'alert' }, message));
  }
}
