// @ts-check
// A plan's city that is not prepared yet: the panel says so and what to do (the command that
// prepares it on the server) and, for an admin's token, offers "准备数据": POST
// /cities/{adcode}/prepare starts the preparation on the server (202 with a job), the page
// polls GET on the same path and shows each step, then loads the city anew.

import { ApiError, TOKEN_KEY, getJson, hasToken, request, setToken } from './api.js';
import { cityName, t } from './i18n.js';
import { html, renderHtml } from './html.js';
import { describeError, setStatus } from './panel.js';
import { $, state } from './state.js';

/** @import { CityList, PrepareJob } from './types.js' */

// how often a running preparation is polled, milliseconds
const POLL_MS = 2000;

let pollTimer = 0;

/**
 * Ask which plan cities are prepared and whether the page's token may prepare one. A token the
 * service refuses (401) counts as none.
 */
export async function loadCities() {
  /** @type {CityList} */
  let answer;
  try {
    answer = hasToken()
      ? /** @type {CityList} */ (await request('GET', '/cities', { auth: true }))
      : await getJson('/cities');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    answer = await getJson('/cities');
    answer.can_prepare = false;
  }
  state.cities = new Map(answer.cities.map((city) => [city.adcode, city]));
  state.canPrepare = answer.can_prepare;
}

/** @param {string | null} city */
export function isUnprepared(city) {
  return city !== null && state.cities.get(city)?.prepared === false;
}

/**
 * Show (or hide) the panel's note on the chosen city when it is not prepared.
 *
 * @param {(city: string) => Promise<void>} reload loads the city anew once it is prepared
 */
export function renderPrepareNote(reload) {
  const note = $('prepare-note');
  const city = state.city;
  const status = city ? state.cities.get(city) : undefined;
  if (!city || !status || status.prepared || !state.catalogue) {
    note.hidden = true;
    renderHtml(note, html``);
    return;
  }
  note.hidden = false;
  renderHtml(
    note,
    html`<h2>${t('map.prepare.title', { city: cityName(state.catalogue) })}</h2>
      <p>${t('map.prepare.what')}</p>
      <code class="command">${status.prepare_command}</code>
      ${
        state.canPrepare
          ? html`<p>${t('map.prepare.admin')}</p>
              <button id="prepare-button" type="button" class="action-button">
                ${t('map.prepare.button')}</button>`
          : html`<p class="hint">${t('map.prepare.need-admin')}</p>
              <label for="prepare-token">${t('map.prepare.token')}</label>
              <input id="prepare-token" type="password" autocomplete="off" spellcheck="false"
                placeholder="fpl_…">`
      }
      <p id="prepare-progress" class="hint" role="status" aria-live="polite"></p>`,
  );
  const button = document.getElementById('prepare-button');
  button?.addEventListener('click', () => startPreparation(city, reload));
  const field = /** @type {HTMLInputElement | null} */ (document.getElementById('prepare-token'));
  field?.addEventListener('change', () => useToken(field.value, reload));
  if (status.job?.state === 'running') follow(city, status.job, reload);
}

/**
 * Take the token entered in the note (kept as scenario mode keeps it) and ask again whether it
 * may prepare the city.
 *
 * @param {string} value
 * @param {(city: string) => Promise<void>} reload
 */
async function useToken(value, reload) {
  setToken(value);
  try {
    window.localStorage.setItem(TOKEN_KEY, value.trim());
  } catch {
    // storage refused (private window): the token lives for this page only
  }
  const field = /** @type {HTMLInputElement | null} */ (document.getElementById('scenario-token'));
  if (field) field.value = value.trim();
  try {
    await loadCities();
  } catch (error) {
    progress(describeError(error), 'error');
    return;
  }
  renderPrepareNote(reload);
}

/**
 * @param {string} text
 * @param {string} [kind] info, ok, error (read by the style sheet)
 */
function progress(text, kind = 'info') {
  const el = document.getElementById('prepare-progress');
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
}

/**
 * @param {string} city
 * @param {(city: string) => Promise<void>} reload
 */
async function startPreparation(city, reload) {
  const button = /** @type {HTMLButtonElement | null} */ (document.getElementById('prepare-button'));
  if (button) button.disabled = true;
  progress(t('map.prepare.started'));
  try {
    const job = /** @type {PrepareJob} */ (
      await request('POST', `/cities/${city}/prepare`, { auth: true })
    );
    follow(city, job, reload);
  } catch (error) {
    const text = describeError(error);
    progress(text, 'error');
    setStatus(text, 'error');
    if (button) button.disabled = false;
  }
}

/**
 * Show a running preparation's step and poll it until it ends.
 *
 * @param {string} city
 * @param {PrepareJob} job
 * @param {(city: string) => Promise<void>} reload
 */
function follow(city, job, reload) {
  window.clearTimeout(pollTimer);
  if (state.city !== city) return;
  const button = /** @type {HTMLButtonElement | null} */ (document.getElementById('prepare-button'));
  if (job.state === 'running') {
    if (button) button.disabled = true;
    progress(
      job.step_text === null
        ? t('map.prepare.started')
        : t('map.prepare.running', {
            step: job.step_text,
            n: Math.min(job.steps_done + 1, job.steps_total),
            total: job.steps_total,
          }),
    );
    pollTimer = window.setTimeout(async () => {
      try {
        follow(city, /** @type {PrepareJob} */ (await request('GET', `/cities/${city}/prepare`)), reload);
      } catch (error) {
        progress(describeError(error), 'error');
      }
    }, POLL_MS);
    return;
  }
  if (job.state === 'failed') {
    const text = t('map.prepare.failed', { message: job.message ?? '' });
    progress(text, 'error');
    setStatus(text, 'error');
    if (button) button.disabled = false;
    return;
  }
  progress(t('map.prepare.done'), 'ok');
  const status = state.cities.get(city);
  if (status) status.prepared = true;
  reload(city);
}
