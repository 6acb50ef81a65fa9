// How a DAG scheduled on assets shows its schedule (DAG list, DAG header): its assets instead of a cron.
import { h } from '../dom.js';
import { link } from '../router.js';

/** The schedule cell of a DAG scheduled on assets: its assets (linked by URI) and whether it needs all or any. */
export function assetSchedule(on, byUri = {}) {
  return h('span.asset-schedule', 'on ', on.when === 'any' ? 'any of ' : on.when === 'all' && on.assets.length > 1 ? 'all of ' : '',
    on.assets.map((u, i) => [i ? ', ' : '', byUri[u] ? h('a', { href: link('assets', String(byUri[u])) }, h('code', u)) : h('code', u)]));
}
