// Live state changes over Server-Sent Events (/api/v1/events). EventSource reconnects by itself and sends
// Last-Event-ID, so the server can replay what was missed; because that buffer is bounded, every page also
// refetches after a reconnect ("catch up"), so a long outage never leaves stale colours behind.
const listeners = new Set();
let source = null;
let wasDown = false;
let retryTimer = null;

function setLive(state) {
  const dot = document.getElementById('live');
  if (!dot) return;
  dot.className = 'live ' + state;
  dot.title = state === 'on' ? 'Live updates: connected' : 'Live updates: reconnecting…';
  dot.setAttribute('aria-label', dot.title);
}

const perDag = new Map(); // events seen per DAG, so a page can tell whether any arrived since a fetch began

/** How many events for dagId arrived so far (compare two readings to detect events during a fetch). */
export function eventsSeen(dagId) { return perDag.get(dagId) || 0; }

function dispatch(type, data) {
  if (data && data.dag_id) perDag.set(data.dag_id, eventsSeen(data.dag_id) + 1);
  for (const l of [...listeners]) {
    try { l(type, data); } catch (e) { console.error('event listener failed', e); }
  }
}

export function connect() {
  if (source) return;
  source = new EventSource('/api/v1/events');
  source.onopen = () => {
    setLive('on');
    if (wasDown) dispatch('resync', {});
    wasDown = false;
  };
  source.onerror = () => {
    setLive('off');
    wasDown = true;
    // A closed source (e.g. the server answered 401 or 5xx) does not retry by itself: reopen it later.
    if (source.readyState === EventSource.CLOSED) {
      source = null;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, 3000);
    }
  };
  for (const type of ['task', 'run', 'dag', 'deadline']) {
    source.addEventListener(type, (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch { return; }
      dispatch(type, data);
    });
  }
}

export function disconnect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
}

/** Subscribes fn(type, data) with type 'task' | 'run' | 'dag' | 'deadline' | 'resync'; returns the unsubscribe function. */
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
