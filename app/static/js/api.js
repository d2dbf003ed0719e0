// The service's JSON API, same origin. Errors carry the service's own message (which names the
// command that fixes a city that is not prepared, e.g. `fplan demo --city …`).

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export async function getJson(path, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== null && value !== undefined),
  );
  const url = `${API}${path}${query.size ? `?${query}` : ''}`;
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, body?.error?.code);
  }
  return body;
}

// the URL template of a vector tile layer, absolute because MapLibre fetches it in a worker
export function tileUrl(layer, city) {
  const query = city ? `?city=${encodeURIComponent(city)}` : '';
  return `${window.location.origin}${API}/tiles/${layer}/{z}/{x}/{y}.pbf${query}`;
}
