// Admin (admins only; the nav link is hidden for others and the API refuses them): users and roles, API
// tokens (the secret is shown once, at creation; with an owner and an expiry), and the audit log.
import { get, post, patch, del, enc } from '../api.js';
import { h, time, toast } from '../dom.js';
import { link } from '../router.js';
import { can } from '../session.js';
import { confirmAction } from '../components/dialog.js';
import { makePager } from '../components/pager.js';

const ROLES = ['viewer', 'operator', 'admin'];
const SECTIONS = { users: 'Users', tokens: 'API tokens', audit: 'Audit log' };

export async function adminPage({ params, main }) {
  if (!can('admin')) { main.append(h('div.banner.warn', 'The admin pages are for admins. Your role: ', h('strong', 'not admin'), '.')); return; }
  const section = SECTIONS[params.section] ? params.section : 'users';
  const body = h('section');
  main.append(h('div.page-head', h('h1', 'Admin')),
    h('nav.tabs', Object.entries(SECTIONS).map(([k, v]) => h('a' + (k === section ? '.on' : ''), { href: link('admin', k), 'aria-current': k === section ? 'page' : null }, v))), body);
  await ({ users, tokens, audit })[section](body);
}

const roleSelect = (value, attrs = {}) => h('select', attrs, ROLES.map((r) => h('option', { value: r, selected: r === value }, r)));

async function users(el) {
  const list = await get('/users');
  const name = h('input#new-user', { placeholder: 'username', 'aria-label': 'New username' });
  const pass = h('input#new-password', { type: 'password', placeholder: 'password', 'aria-label': 'Password', autocomplete: 'new-password' });
  const role = roleSelect('viewer', { 'aria-label': 'Role', id: 'new-role' });
  const err = h('div');
  el.append(h('form.panel.row#user-form', { onsubmit: async (e) => {
    e.preventDefault();
    try { await post('/users', { username: name.value, password: pass.value, role: role.value }); toast(`User ${name.value} created`); el.replaceChildren(); await users(el); }
    catch (ex) { err.replaceChildren(h('div.banner.err', ex.message)); }
  } }, h('strong', 'New user'), name, pass, role, h('button.btn', { type: 'submit' }, 'Create'), err),
  h('table.list#users-table', h('thead', h('tr', h('th', 'User'), h('th', 'Role'), h('th', ''))), h('tbody', list.items.map((u) => {
    const sel = roleSelect(u.role, { 'aria-label': `Role of ${u.username}` });
    sel.addEventListener('change', async () => {
      try { await patch(`/users/${enc(u.username)}`, { role: sel.value }); toast(`${u.username} is now ${sel.value}`); } catch (e) { toast(e.message, 'err'); sel.value = u.role; }
    });
    return h('tr', h('td', u.username), h('td', sel), h('td', h('button.btn.ghost.small', { type: 'button', onclick: async () => {
      if (!(await confirmAction(`Delete ${u.username}`, `Delete the user ${u.username}? Their sessions end.`, { confirm: 'Delete', danger: true }))) return;
      try { await del(`/users/${enc(u.username)}`); el.replaceChildren(); await users(el); } catch (e) { toast(e.message, 'err'); }
    } }, 'Delete…')));
  }))));
}

// A token may expire; the form offers a bounded lifetime first ("never" stays possible, as in the API).
const LIFETIMES = [['30d', '30 days'], ['90d', '90 days'], ['365d', '1 year'], ['1d', '1 day'], ['7d', '7 days'], ['', 'never expires']];

async function tokens(el) {
  const list = await get('/tokens');
  const name = h('input#token-name', { placeholder: 'name, e.g. ci', 'aria-label': 'Token name' });
  const role = roleSelect('viewer', { 'aria-label': 'Token role', id: 'token-role' });
  const lifetime = h('select#token-expiry', { 'aria-label': 'Token expires in' },
    LIFETIMES.map(([v, label], i) => h('option', { value: v, selected: i === 1 }, v ? `expires in ${label}` : label)));
  const shown = h('div');
  el.append(h('form.panel.row#token-form', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const t = await post('/tokens', { name: name.value, role: role.value, ...(lifetime.value ? { expires_in: lifetime.value } : {}) });
      el.replaceChildren();
      await tokens(el);
      // Shown once: the server keeps only a hash.
      el.prepend(h('div.panel', h('strong', `Token "${t.name}" (${t.role}) — copy it now, it will not be shown again:`),
        h('div.once.mono#new-token', t.token), h('button.btn.small', { type: 'button', onclick: () => navigator.clipboard.writeText(t.token).then(() => toast('Copied')) }, 'Copy')));
    } catch (ex) { shown.replaceChildren(h('div.banner.err', ex.message)); }
  } }, h('strong', 'New API token'), name, role, lifetime, h('button.btn', { type: 'submit' }, 'Create'), shown),
  h('p.muted.small', 'A token belongs to the user who created it: it is deleted with that user and never does more than that user\'s current role allows.'),
  h('table.list#tokens-table', h('thead', h('tr', h('th', 'Name'), h('th', 'Role'), h('th', 'Owner'), h('th', 'Created'), h('th', 'Expires'), h('th', ''))), h('tbody', list.items.map((t) =>
    h('tr' + (t.expired ? '.muted' : ''), h('td', t.name), h('td', t.role), h('td', t.created_by), h('td', time(t.created_at)),
      h('td', t.expires_at ? [time(t.expires_at), t.expired ? ' (expired)' : ''] : h('span.muted', 'never')),
      h('td', h('button.btn.ghost.small', { type: 'button', onclick: async () => {
      if (!(await confirmAction(`Revoke ${t.name}`, `Revoke the token "${t.name}"? Clients using it get 401.`, { confirm: 'Revoke', danger: true }))) return;
      try { await del(`/tokens/${enc(t.id)}`); el.replaceChildren(); await tokens(el); } catch (e) { toast(e.message, 'err'); }
    } }, 'Revoke…')))))));
}

async function audit(el) {
  let cursor = '';
  const body = h('tbody');
  const nav = h('div');
  const pager = makePager((c) => { cursor = c; load().catch((e) => toast(e.message, 'err')); });
  el.append(h('table.list#audit-table', h('thead', h('tr', h('th', 'When'), h('th', 'Who'), h('th', 'Action'), h('th', 'Target'), h('th', 'Details'))), body), nav);
  async function load() {
    const res = await get('/audit', { cursor, limit: 50 });
    body.replaceChildren(...(res.items.length ? res.items.map((a) => h('tr', h('td', time(a.at)), h('td', a.actor), h('td', h('code', a.action)), h('td', a.target),
      h('td', h('code.small', JSON.stringify(a.details || {}))))) : [h('tr', h('td', { colspan: 5 }, h('span.muted', 'Nothing recorded yet.')))]));
    nav.replaceChildren(pager(res.next_cursor, cursor));
  }
  await load();
}
