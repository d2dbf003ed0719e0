// @ts-check
// The service's JSON API, same origin. Errors carry the service's own message (which names the
// command that fixes a city that is not prepared, e.g. `fplan demo --city …`).
//
// Writes and a scenario's reads send the planner's API token (`Authorization: Bearer …`), set
// with setToken; other reads go without one, so a mistyped token never breaks the map — unless
// the service requires a token for reads (APP_AUTH_REQUIRED_FOR_READS): a read refused with 401
// is sent again with the token, and from then on every read and every map tile carries it.

/** @import { ErrorResponse, GetAnswers } from './types.js' */

/** @typedef {Record<string, string | number | null | undefined>} QueryParams */

export const API = '/api/v1';

export class ApiError extends Error {
  /**
   * @param {string} message the service's own words
   * @param {number} status the HTTP status
   * @param {string | undefined} code the service's error code, e.g. `unauthorized`
   */
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

// where the page keeps the planner's token between visits
export const TOKEN_KEY = 'fplan.token';

/** The token kept from an earlier visit, so the first reads can carry it. */
function storedToken() {
  try {
    return (window.localStorage.getItem(TOKEN_KEY) ?? '').trim();
  } catch {
    // storage refused (private window): no token until one is entered
    return '';
  }
}

let token = storedToken();
// learnt from a 401 on a read without a token: this service wants one for every read
let readsNeedToken = false;

/** @param {string | null | undefined} value */
export function setToken(value) {
  token = (value ?? '').trim();
}

export function hasToken() {
  return token !== '';
}

/**
 * The JSON answer of `method` on `path` under /api/v1 (null for 204 No Content).
 *
 * @param {string} method
 * @param {string} path
 * @param {{params?: QueryParams, body?: unknown, auth?: boolean}} [options] params: the query;
 *   body: sent as JSON; auth: send the token
 * @returns {Promise<unknown>}
 */
export async function request(method, path, { params = {}, body, auth = false } = {}) {
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([key, value]) =>
      value === null || value === undefined ? [] : [[key, String(value)]],
    ),
  );
  const url = `${API}${path}${query.size ? `?${query}` : ''}`;
  /** @param {boolean} withToken */
  const send = (withToken) => {
    /** @type {Record<string, string>} */
    // the service words its errors in the page's language (zh-CN by default)
    const headers = {
      Accept: 'application/json',
      'Accept-Language': document.documentElement.lang || 'zh-CN',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (withToken && token) headers.Authorization = `Bearer ${token}`;
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  const withToken = auth || readsNeedToken;
  let response = await send(withToken);
  if (response.status === 401 && !withToken) {
    readsNeedToken = true;
    if (token) response = await send(true);
  }
  /** @type {unknown} */
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = /** @type {Partial<ErrorResponse> | null} */ (answer)?.error;
    const message = error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, error?.code);
  }
  return answer;
}

/**
 * A file the service answers at `url` (same origin), fetched with the token: a scenario's
 * report or export, which a plain link could not open (a scenario is the planner's own).
 *
 * @param {string} url
 * @returns {Promise<{blob: Blob, filename: string}>}
 */
export async function fetchFile(url) {
  /** @type {Record<string, string>} */
  const headers = { 'Accept-Language': document.documentElement.lang || 'zh-CN' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers });
  if (!response.ok) {
    const answer = /** @type {Partial<ErrorResponse> | null} */ (
      await response.json().catch(() => null)
    );
    const message = answer?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, answer?.error?.code);
  }
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'fplan';
  return { blob: await response.blob(), filename };
}

/**
 * The answer of a GET the page makes, typed by its path.
 *
 * @template {keyof GetAnswers} P
 * @param {P} path
 * @param {QueryParams} [params]
 * @param {{auth?: boolean}} [options]
 * @returns {Promise<GetAnswers[P]>}
 */
export async function getJson(path, params = {}, { auth = false } = {}) {
  return /** @type {GetAnswers[P]} */ (await request('GET', path, { params, auth }));
}

/**
 * MapLibre's transformRequest: the map's own tile requests carry the token when reads need one.
 *
 * @param {string} url
 * @returns {{url: string, headers?: Record<string, string>}}
 */
export function withReadToken(url) {
  const ours = url.startsWith(`${window.location.origin}${API}/`);
  return ours && readsNeedToken && token
    ? { url, headers: { Authorization: `Bearer ${token}` } }
    : { url };
}

/**
 * The URL template of a vector tile layer, absolute because MapLibre fetches it in a worker.
 *
 * @param {string} layer
 * @param {string | null} [city]
 */
export function tileUrl(layer, city) {
  const query = city ? `?city=${encodeURIComponent(city)}` : '';
  return `${window.location.origin}${API}/tiles/${layer}/{z}/{x}/{y}.pbf${query}`;
}
