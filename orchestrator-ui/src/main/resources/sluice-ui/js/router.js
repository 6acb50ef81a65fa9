// Hash routing: every page has a deep link such as #/dags/ID/grid or #/dags/ID/runs/RUN/tasks/TASK.
const routes = [];

/** route('/dags/:dag/:tab', fn) — fn({params, query}) renders into main and may return a cleanup function. */
export function route(pattern, handler) {
  const keys = [];
  const re = new RegExp('^' + pattern.replace(/:([a-z]+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '/?$');
  routes.push({ re, keys, handler });
}

export function current() {
  const raw = location.hash.replace(/^#/, '') || '/dags';
  const [path, q = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(q)) };
}

export function match(path) {
  for (const r of routes) {
    const m = path.match(r.re);
    if (m) return { handler: r.handler, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

/** Builds a hash link; path segments are encoded so IDs with odd characters still round-trip. */
export function link(...segments) {
  let query = '';
  while (segments.length && (segments[segments.length - 1] === undefined || segments[segments.length - 1] === null)) segments.pop();
  if (segments.length && typeof segments[segments.length - 1] === 'object') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(segments.pop())) if (v !== undefined && v !== null && v !== '') p.set(k, v);
    query = p.toString() ? '?' + p : '';
  }
  return '#/' + segments.map((s) => encodeURIComponent(s)).join('/') + query;
}

export function go(hash) { if (location.hash !== hash) location.hash = hash; }

/** Rewrites the query of the current route without adding a history step per keystroke. */
export function setQuery(query) {
  const { path } = current();
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  history.replaceState(null, '', '#' + path + (p.toString() ? '?' + p : ''));
}
