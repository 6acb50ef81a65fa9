// Modal dialogs on the native <dialog>: focus stays inside, Esc closes, the opener gets focus back.
import { h } from '../dom.js';

export function openDialog(title, body, { id } = {}) {
  const opener = document.activeElement;
  const d = h('dialog', { id, 'aria-labelledby': (id || 'dlg') + '-title' }, h('h2', { id: (id || 'dlg') + '-title' }, title), body);
  d.addEventListener('close', () => { d.remove(); if (opener && opener.focus) opener.focus(); });
  document.body.append(d);
  d.showModal();
  return d;
}

/** Resolves true when confirmed. Used before every state change that cannot be undone in one click. */
export function confirmAction(title, message, { confirm = 'Confirm', danger = false, extra = null } = {}) {
  return new Promise((resolve) => {
    let ok = false;
    const yes = h('button.btn' + (danger ? '.danger' : ''), { type: 'button', id: 'confirm-yes' }, confirm);
    const no = h('button.btn.ghost', { type: 'button' }, 'Cancel');
    const d = openDialog(title, [h('p', message), extra, h('div.actions', no, yes)], { id: 'confirm' });
    yes.addEventListener('click', () => { ok = true; d.close(); });
    no.addEventListener('click', () => d.close());
    d.addEventListener('close', () => resolve(ok));
    yes.focus();
  });
}
