// Boot: who am I, header, routes. Each page module renders into <main> and may return a cleanup function
// (unsubscribe from events, stop timers) that runs when the route changes.
import { api, get, post, setUnauthorizedHandler, ApiError } from './api.js';
import { h, errorBox, toast, debounce } from './dom.js';
import { route, current, match, go, link } from './router.js';
import { session, can } from './session.js';
import { connect, disconnect } from './events.js';

// Pages load on first use, so opening one page does not fetch the modules of all the others.
const lazy = (load, name) => async (ctx) => (await load())[name](ctx);
const signInPage = lazy(() => import('./pages/signin.js'), 'signInPage');
const dagsPage = lazy(() => import('./pages/dags.js'), 'dagsPage');
const dagPage = lazy(() => import('./pages/dag.js'), 'dagPage');
const taskPage = lazy(() => import('./pages/task.js'), 'taskPage');
const failuresPage = lazy(() => import('./pages/failures.js'), 'failuresPage');
const assetsPage = lazy(() => import('./pages/assets.js'), 'assetsPage');
const modelsPage = lazy(() => import('./pages/models.js'), 'modelsPage');
const adminPage = lazy(() => import('./pages/admin.js'), 'adminPage');

const main = document.getElementById('main');
let cleanup = null;
let renderSeq = 0;

route('/login', signInPage);
route('/dags', dagsPage);
route('/dags/:dag', dagPage);
route('/dags/:dag/:tab', dagPage);
route('/dags/:dag/runs/:run/tasks/:task', taskPage);
route('/failures', failuresPage);
route('/assets', assetsPage);
route('/assets/:asset', assetsPage);
route('/models', modelsPage);
route('/models/:model', modelsPage);
route('/admin', adminPage);
route('/admin/:section', adminPage);

async function render() {
  const seq = ++renderSeq;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const { path, query } = current();
  if (!session.user && path !== '/login') { go(link('login', { next: location.hash })); return; }
  const m = match(path);
  markNav(path);
  // Each render draws into a container of its own: a page still awaiting its data when the route changes
  // then finishes into a detached element instead of appending itself under the next page.
  const view = document.createElement('div');
  view.className = 'view';
  main.replaceChildren(view);
  if (!m) { view.append(errorBox(new Error('No page at ' + path), 'Not found')); return; }
  try {
    const c = await m.handler({ params: m.params, query, main: view, rerender: render });
    if (seq === renderSeq) cleanup = typeof c === 'function' ? c : null; else if (typeof c === 'function') c();
  } catch (e) {
    console.warn('page failed', e); // shown to the viewer below; a warning, not an uncaught error
    if (seq === renderSeq) view.append(errorBox(e, e instanceof ApiError && e.status === 403 ? 'Not allowed' : 'Could not load this page'));
  }
}

function markNav(path) {
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('on', path.startsWith('/' + a.dataset.nav));
}

export async function signedIn(user) {
  session.user = user;
  const top = document.getElementById('top');
  top.hidden = false;
  document.getElementById('who-name').textContent = user.username;
  document.getElementById('who-role').textContent = user.role;
  for (const el of top.querySelectorAll('[data-role]')) el.hidden = !can(el.dataset.role);
  connect();
}

function signedOut() {
  session.user = null;
  document.getElementById('top').hidden = true;
  disconnect();
}

function setupHeader() {
  document.getElementById('logout').addEventListener('click', async () => {
    try { await post('/auth/logout'); } catch (e) { toast(e.message, 'err'); }
    signedOut();
    go(link('login'));
  });
  // Global DAG search: suggestions as you type, Enter opens the DAG (exact id) or the filtered list.
  const form = document.getElementById('dag-search');
  const input = document.getElementById('dag-search-input');
  const list = document.getElementById('dag-search-list');
  input.addEventListener('input', debounce(async () => {
    if (!input.value.trim()) return;
    try {
      const res = await get('/dags', { q: input.value.trim(), limit: 10 });
      list.replaceChildren(...res.items.map((d) => h('option', { value: d.dag_id }, d.description || '')));
    } catch { /* suggestions are optional */ }
  }, 200));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return go(link('dags'));
    const exact = [...list.options].some((o) => o.value === q);
    go(exact ? link('dags', q, 'grid') : link('dags', { q }));
  });
  // "/" focuses the search, as in many dashboards.
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName) && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      input.focus();
    }
  });
}

async function boot() {
  setUnauthorizedHandler(() => {
    if (current().path === '/login') return;
    signedOut();
    go(link('login', { next: location.hash }));
  });
  setupHeader();
  window.addEventListener('unhandledrejection', (e) => toast(e.reason && e.reason.message ? e.reason.message : String(e.reason), 'err'));
  try {
    const me = await api('/auth/me', { quiet401: true });
    await signedIn(me);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      main.replaceChildren(errorBox(e, 'Cannot reach Sluice'));
      return;
    }
  }
  window.addEventListener('hashchange', render);
  render();
}

boot();
