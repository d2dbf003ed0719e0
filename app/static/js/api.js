// The service's JSON API, same origin. Errors carry the service's own message (which names the
// command that fixes a city that is not prepared, e.g. `fplan demo --city …`).
//
// Writes and a scenario's reads send the planner's API token (`Authorization: Bearer …`), set
// with setToken; other reads go without one, so a mistyped token never breaks the map.

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let token = '';

export function setToken(value) {
  token = (value ?? '').trim();
}

export function hasToken() {
  return token !== '';
}

// method and path under /api/v1; params: the query; body: sent as JSON; auth: send the token
export async function request(method, path, { params = {}, body, auth = false } = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== null && value !== undefined),
  );
  const url = `${API}${path}${query.size ? `?${query}` : ''}`;
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const message = answer?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, answer?.error?.code);
  }
  return answer;
}

export function getJson(path, params = {}, { auth = false } = {}) {
  return request('GET', path, { params, auth });
}

// the URL template of a vector tile layer, absolute because MapLibre fetches it in a worker
export function tileUrl(layer, city) {
  const query = city ? `?city=${encodeURIComponent(city)}` : '';
  return `${window.location.origin}${API}/tiles/${layer}/{z}/{x}/{y}.pbf${query}`;
}
