import { post } from '../api.js';
import { h } from '../dom.js';
import { go, link } from '../router.js';
import { signedIn } from '../app.js';

export function signInPage({ query, main }) {
  const err = h('div', { role: 'alert' });
  const user = h('input#username', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input#password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button.btn', { type: 'submit' }, 'Sign in');
  const form = h('form.panel.signin', { 'aria-labelledby': 'signin-title' },
    h('h1#signin-title', 'Sign in to Sluice'),
    err,
    h('label.field', h('span', 'Username'), user),
    h('label.field', h('span', 'Password'), pass),
    btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    err.replaceChildren();
    try {
      const me = await post('/auth/login', { username: user.value, password: pass.value });
      await signedIn(me);
      const next = query.next && query.next.startsWith('#/') && !query.next.startsWith('#/login') ? query.next : link('dags');
      go(next);
    } catch (ex) {
      err.replaceChildren(h('div.banner.err', ex.status === 401 ? 'Wrong username or password.' : ex.message));
      btn.disabled = false;
      pass.select();
    }
  });
  main.append(form);
  user.focus();
}
