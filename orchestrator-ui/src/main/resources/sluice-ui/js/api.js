// The REST client (docs/api-contract.md). Errors become ApiError with the server's message and field, so pages
// can show them inline; a 401 sends the viewer to the sign-in page.
export class ApiError extends Error {
  constructor(status, message, field = null, retryable = false) {
    super(message);
    this.status = status;
    this.field = field;
    this.retryable = retryable;
  }
}

const BASE = '/api/v1';
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

// Every write says Content-Type: application/json, with or without a body (cancel, logout, DELETE): the server
// refuses cookie-authenticated writes without it, since only a same-origin page can send it without a preflight.
export async function api(path, { method = 'GET', body, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      credentials: 'same-origin',
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, 'Cannot reach the Sluice server (' + e.message + ')', null, true);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: handled below */ }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) onUnauthorized();
    const msg = data && data.error ? data.error
      : res.status === 404 ? `Not found: ${method} ${path}`
      : `${res.status} ${res.statusText || 'error'} from ${method} ${path}`;
    throw new ApiError(res.status, msg, data && data.field, !!(data && data.retryable));
  }
  if (data === null && text) throw new ApiError(res.status, `Unexpected non-JSON answer from ${path}`);
  return data;
}

export const get = (path, params) => api(path + qs(params));
export const post = (path, body = {}) => api(path, { method: 'POST', body });
export const patch = (path, body) => api(path, { method: 'PATCH', body });
export const del = (path) => api(path, { method: 'DELETE' });
export const enc = encodeURIComponent;
