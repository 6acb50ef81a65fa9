// Task groups (a task's `group`): the graph and the grid show a collapsed group as one node or row with its tasks'
// counts by state, and expand it on demand. Groups start collapsed; what was expanded is kept per DAG while the
// page lives, so switching between Grid and Graph keeps it.
import { icon, label } from './states.js';

const expandedByDag = new Map();

export function groupView(dag) {
  const expanded = expandedByDag.get(dag.dag_id) || new Set();
  expandedByDag.set(dag.dag_id, expanded);
  const members = new Map();
  for (const t of dag.tasks) if (t.group) { if (!members.has(t.group)) members.set(t.group, []); members.get(t.group).push(t.task_id); }
  const groupOf = new Map(dag.tasks.filter((t) => t.group).map((t) => [t.task_id, t.group]));
  const collapsed = (g) => members.has(g) && !expanded.has(g);
  return {
    members,
    groupOf: (taskId) => groupOf.get(taskId),
    collapsed,
    toggle(g) { if (expanded.has(g)) expanded.delete(g); else expanded.add(g); },
    /** What stands for the task: the group's key while its group is collapsed, else the task id. */
    shownAs: (taskId) => (collapsed(groupOf.get(taskId)) ? groupKey(groupOf.get(taskId)) : taskId),
  };
}

/** A group's key among task ids: task ids are lower case letters, digits and _, so ':' cannot clash. */
export const groupKey = (g) => 'group:' + g;

/** How many of the ids are in each state (absent: 'none'), in a fixed state order. */
export function countStates(ids, stateOf) {
  const counts = {};
  for (const id of ids) { const s = stateOf(id) || 'none'; counts[s] = (counts[s] || 0) + 1; }
  return counts;
}

const ORDER = ['failed', 'upstream_failed', 'up_for_retry', 'running', 'up_for_reschedule', 'queued', 'pending', 'cancelled', 'success', 'skipped', 'none'];

/** The state a group is coloured by: the most pressing of its tasks' (a failure shows through the group). */
export function groupState(counts) {
  return ORDER.find((s) => counts[s]) || 'none';
}

/** "2 success, 1 skipped", for titles, lists and screen readers. */
export const countsText = (counts) => ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${label(s)}`).join(', ');

/** "2✓ 1»", compact, for a node or a cell. */
export const countsIcons = (counts) => ORDER.filter((s) => counts[s]).map((s) => `${counts[s]}${icon(s)}`).join(' ');
