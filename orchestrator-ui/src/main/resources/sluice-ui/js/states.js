// Every state has a colour, an icon and a label, so it is readable without colour vision.
import { h } from './dom.js';

const ICONS = {
  success: '✓', failed: '✕', running: '▶', queued: '…', pending: '○', up_for_retry: '↻', up_for_reschedule: '◔',
  upstream_failed: '⤓', skipped: '»', cancelled: '⊘', none: '·',
};
const LABELS = { up_for_retry: 'up for retry', up_for_reschedule: 'up for reschedule', upstream_failed: 'upstream failed', none: 'no run' };

export const TASK_STATES = ['pending', 'queued', 'running', 'success', 'failed', 'up_for_retry', 'up_for_reschedule', 'upstream_failed', 'skipped', 'cancelled'];
export const RUN_STATES = ['queued', 'running', 'success', 'failed', 'cancelled'];
export const TERMINAL = new Set(['success', 'failed', 'upstream_failed', 'skipped', 'cancelled']);

export const icon = (s) => ICONS[s] || '?';
/** States drawn with dark text on their (light) colour. */
export const DARK_TEXT = new Set(['pending', 'up_for_retry', 'none']);
export const label = (s) => LABELS[s] || s || 'no run';

/** Colours as hex for canvas libraries (cytoscape, chart.js), read from the CSS so there is one source. */
export function colour(s) {
  return getComputedStyle(document.documentElement).getPropertyValue('--s-' + s).trim() || '#eceff3';
}

export function badge(state) {
  const s = state || 'none';
  return h('span.st.st-' + s, { 'data-state': s }, h('span.ic', { 'aria-hidden': 'true' }, icon(s)), label(s));
}

export function legend(states = TASK_STATES) {
  return h('div.legend', { 'aria-label': 'Legend' }, states.map(badge));
}

/**
 * A task's deadline as a marker: visible (icon and words, not colour alone) when it was missed; with {@code always},
 * also "pending" or "met" (for the task page's facts).
 */
export function deadlineMarker(deadline, always = false) {
  if (!deadline) return null;
  if (deadline.state === 'missed') {
    return h('span.deadline-missed', { 'data-deadline': 'missed', title: `Deadline missed: due by ${deadline.due_at}` },
      h('span', { 'aria-hidden': 'true' }, '⚠ '), 'deadline missed');
  }
  return always ? h('span.muted', { 'data-deadline': deadline.state }, deadline.state === 'met' ? 'met' : 'pending') : null;
}
