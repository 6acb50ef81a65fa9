// Cursor paging: the API gives only "next"; the stack of cursors we came through gives "back".
import { h } from '../dom.js';

/** makePager(onPage) → render(next, current): onPage(cursor) loads a page ('' is the first). */
export function makePager(onPage, { newer = '← Newer', older = 'Older →' } = {}) {
  const stack = [];
  return function render(next, current) {
    const nav = h('nav.row.pager', { 'aria-label': 'Pages', style: { margin: '10px 0' } });
    if (current) nav.append(h('button.btn.ghost.small', { type: 'button', onclick: () => onPage(stack.pop() || '') }, newer));
    if (next) nav.append(h('button.btn.ghost.small', { type: 'button', onclick: () => { stack.push(current || ''); onPage(next); } }, older));
    return nav;
  };
}
