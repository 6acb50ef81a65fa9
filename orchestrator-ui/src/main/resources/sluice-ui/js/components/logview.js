// Log viewer for one attempt: tails while the attempt runs (offset polling per the contract), search with
// highlighted matches, download as a file.
import { get, qs } from '../api.js';
import { h } from '../dom.js';

const POLL_MS = 1000;

// extra: more query parameters of the log's URL (map_index for one instance of a mapped task).
export function logViewer(base, tryNumber, extra = {}) {
  let text = '';
  let offset = 0;
  let timer = null;
  let stopped = false;
  let follow = true;
  const pre = h('pre.log#log', { tabindex: 0, 'aria-label': `Log of attempt ${tryNumber}`, 'aria-live': 'off' });
  const status = h('span.small.muted#log-status');
  const search = h('input#log-search', { type: 'search', placeholder: 'Search the log…', 'aria-label': 'Search the log' });
  const count = h('span.small.muted#log-matches');
  const dl = h('a.btn.ghost.small#log-download', { href: `/api/v1${base}/logs${qs({ ...extra, try: tryNumber, download: true })}`, download: '' }, '⤓ Download');
  const el = h('div', h('div.row', { style: { marginBottom: '6px' } }, search, count, h('div.spacer'), status, dl), pre);

  pre.addEventListener('scroll', () => { follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20; });
  search.addEventListener('input', draw);
  search.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    const marks = [...pre.querySelectorAll('mark')];
    if (!marks.length) return;
    const i = (marks.findIndex((m) => m.classList.contains('cur')) + 1) % marks.length;
    marks.forEach((m) => m.classList.remove('cur'));
    marks[i].classList.add('cur');
    marks[i].scrollIntoView({ block: 'center' });
  });

  function draw() {
    const q = search.value;
    if (!q) { pre.textContent = text || '(empty log)'; count.textContent = ''; }
    else {
      // Highlight with text nodes and <mark>s, never innerHTML: the log is untrusted.
      const parts = [];
      const lower = text.toLowerCase(), ql = q.toLowerCase();
      let i = 0, n = 0, j;
      while ((j = lower.indexOf(ql, i)) >= 0) { parts.push(text.slice(i, j), h('mark', text.slice(j, j + q.length))); i = j + q.length; n++; }
      parts.push(text.slice(i));
      pre.replaceChildren(...parts);
      count.textContent = `${n} match${n === 1 ? '' : 'es'}`;
    }
    if (follow && !q) pre.scrollTop = pre.scrollHeight;
  }

  async function poll() {
    if (stopped) return;
    try {
      const r = await get(`${base}/logs`, { ...extra, try: tryNumber, offset });
      if (r.removed_at) {
        status.textContent = 'removed by log retention';
        pre.textContent = `This log was removed by log retention at ${r.removed_at}.`;
        return;
      }
      if (r.text) { text += r.text; draw(); }
      offset = r.next_offset ?? offset;
      if (r.complete && !r.text) { status.textContent = 'complete'; if (!text) draw(); return; }
      status.textContent = r.complete ? 'complete' : '● live tail';
      timer = setTimeout(poll, r.text ? 50 : POLL_MS);
    } catch (e) {
      status.textContent = 'log unavailable: ' + e.message;
      if (!text) pre.textContent = '';
      if (e.status !== 404) timer = setTimeout(poll, POLL_MS * 3);
    }
  }
  poll();
  return { el, stop() { stopped = true; clearTimeout(timer); } };
}
