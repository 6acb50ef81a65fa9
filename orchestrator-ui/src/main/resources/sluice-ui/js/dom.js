// Tiny DOM helpers. Every text goes through textContent or attribute setters, never innerHTML, so names and
// error messages from the API cannot inject markup.

/** h('a.btn#id', {href, onclick}, child, ...) builds an element; children may be strings, nodes, arrays, null. */
export function h(spec, attrs, ...children) {
  if (attrs instanceof Node || Array.isArray(attrs) || typeof attrs !== 'object' || attrs === null) {
    if (attrs !== undefined && attrs !== null) children.unshift(attrs);
    attrs = {};
  }
  const [, tag = 'div', rest = ''] = spec.match(/^([a-z0-9-]*)(.*)$/i);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && k !== 'list' && k !== 'form' && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }

/** A time in the viewer's zone, with the UTC time in the title attribute (on hover). */
export function time(iso, opts = {}) {
  if (!iso) return h('span.muted', '—');
  const d = new Date(iso);
  return h('time', { datetime: iso, title: 'UTC: ' + d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') }, fmtLocal(d, opts));
}

export function fmtLocal(d, { short = false } = {}) {
  return short
    ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return ms + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  if (m < 60) return `${m} min ${r} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function durationBetween(a, b) {
  if (!a) return null;
  return (b ? new Date(b) : new Date()) - new Date(a);
}

/** An error panel: readable message, never a blank screen. */
export function errorBox(err, title = 'Something went wrong') {
  return h('div.banner.err', { role: 'alert' }, h('strong', title + ': '), err && err.message ? err.message : String(err));
}

let toastBox;
export function toast(msg, kind = '') {
  toastBox ||= document.getElementById('toasts');
  const t = h('div.toast' + (kind ? '.' + kind : ''), { role: kind === 'err' ? 'alert' : 'status' }, msg);
  toastBox.append(t);
  setTimeout(() => t.remove(), kind === 'err' ? 8000 : 4000);
}

export function debounce(fn, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
