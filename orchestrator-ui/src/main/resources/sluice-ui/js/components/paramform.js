// Inputs generated from a DAG's declared params ({name: {type, default, description}}), typed by param type.
// The browser does not validate (novalidate): the API's answer names the bad field, shown under its input.
import { h } from '../dom.js';

export function paramInputs(params) {
  const fields = {};
  const nodes = Object.entries(params || {}).map(([name, spec]) => {
    const type = (spec.type || 'string').toLowerCase();
    const id = 'param-' + name;
    let input;
    if (type === 'boolean') input = h('input', { id, type: 'checkbox', checked: spec.default === true });
    else if (type === 'integer' || type === 'number') input = h('input', { id, type: 'number', step: type === 'integer' ? '1' : 'any', value: spec.default ?? '' });
    else if (type === 'list' || type === 'object') input = h('textarea.mono', { id, rows: 3, cols: 40 }, spec.default !== undefined && spec.default !== null ? JSON.stringify(spec.default) : '');
    else input = h('input', { id, type: 'text', value: spec.default ?? '', size: 40 });
    input.name = name;
    const err = h('div.field-error', { id: id + '-error', hidden: true, role: 'alert' });
    input.setAttribute('aria-describedby', id + '-error');
    fields[name] = { type, input, err };
    return h('label.field', { for: id },
      h('span', name, ' ', h('span.muted.small', `(${type})`)), input,
      spec.description ? h('div.field-help', spec.description) : null, err);
  });
  return { nodes, fields };
}

/** Reads typed values; throws {field, message} for input that cannot even be sent (bad JSON). */
export function readParams(fields) {
  const out = {};
  for (const [name, f] of Object.entries(fields)) {
    const el = f.input;
    if (f.type === 'boolean') { out[name] = el.checked; continue; }
    const raw = el.value.trim();
    if (raw === '') continue; // the DAG's default applies
    if (f.type === 'integer' || f.type === 'number') out[name] = Number(raw);
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
