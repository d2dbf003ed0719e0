// @ts-check
// Scenario mode: propose facilities on the map and see the norms re-checked; suggest sites.
//
// The panel (#scenario-panel) holds the planner's API token (kept in this browser's
// localStorage), the type of facility to propose, place mode (a click on the map adds a site:
// POST /scenarios/{id}/changes answers with a quick diff, shown in the map's card at once; the
// scenario's verdicts, zones and areas are then reloaded and the card completed), undo, the
// scenario's name (PATCH /scenarios/{id}) and site suggestion (POST /optimize, drawn as a layer of
// its own). The scenario is created on the server with its first site, or on Save.
//
// main.js calls toggle(ctx) from the panel's scenario button; ctx is what the page lends
// (scenario-state.js ScenarioContext). `view` is read by the browser tests. The panel and the
// sites' layers are drawn by scenario-panel.js.

import { TOKEN_KEY, hasToken, request, setToken } from './api.js';
import { ems, renderEmsPlan, renderEmsSection, resetEmsPlan, wireEmsPlan } from './ems-plan.js';
import { facilityTypeName, t } from './i18n.js';
import {
  drawSites,
  drawSuggestions,
  fillTypes,
  matchTypeToRule,
  renderButtons,
  renderSaved,
  renderSites,
  renderSuggestions,
  renderTypeNote,
} from './scenario-panel.js';
import {
  context,
  fail,
  message,
  mode,
  requireToken,
  scenario,
  siteProperties,
  typeCounts,
} from './scenario-state.js';
import { $ } from './state.js';

/**
 * @import { MapMouseEvent } from 'maplibre-gl'
 * @import { ScenarioCard } from './cards.js'
 * @import { ScenarioContext, ScenarioView } from './scenario-state.js'
 * @import { ChangeResult, OptimizeResult, ScenarioSummary } from './types.js'
 */

// sites a suggestion may ask for: a planner's shortlist, quick to solve and to read
const SUGGEST_MAX = 10;
// solver time limit for a suggestion, seconds: the panel waits for it
const SUGGEST_TIME_LIMIT_S = 30;

function render() {
  renderButtons();
  renderTypeNote();
  renderSites();
  renderSaved();
  renderSuggestions(addSuggested);
  renderEmsPlan();
}

// ---- writing the scenario

function defaultName() {
  const now = new Date();
  /** @param {number} n */
  const pad = (n) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  return t('scenario.default-name', { date: `${day} ${time}` });
}

function nameField() {
  const field = $('scenario-name', HTMLInputElement);
  if (!field.value.trim()) field.value = defaultName();
  return field.value.trim();
}

// create the scenario on the server unless it is there already
async function ensureScenario() {
  if (scenario.id) return;
  const ctx = context();
  const name = nameField();
  const created = /** @type {ScenarioSummary} */ (
    await request('POST', '/scenarios', { body: { name, city: ctx.state.city }, auth: true })
  );
  scenario.id = created.id;
  scenario.version = created.version;
  scenario.name = created.name;
  ctx.state.scenario = { id: created.id, name: created.name };
  ctx.scenarioChanged();
}

/**
 * Propose a facility of `type` at (lon, lat), WGS84; show its quick diff, then the scenario's
 * verdicts.
 *
 * @param {number} lon
 * @param {number} lat
 * @param {string} [type]
 * @returns {Promise<boolean>} whether the site was added
 */
async function addSite(lon, lat, type = $('scenario-type', HTMLSelectElement).value) {
  if (!requireToken()) return false;
  if (scenario.busy) {
    message(t('scenario.busy'), 'error');
    return false;
  }
  const ctx = context();
  scenario.busy = true;
  renderButtons();
  /** @type {ScenarioCard | null} */
  let card = null;
  try {
    message(t('scenario.adding'));
    await ensureScenario();
    const rule = ctx.state.rule;
    const zonesBefore = ctx.countZones(ctx.state.gaps);
    const n = scenario.sites.length + 1;
    const name = t('scenario.site-name', { type: facilityTypeName(type), n });
    const answer = /** @type {ChangeResult} */ (
      await request('POST', `/scenarios/${scenario.id}/changes`, {
        body: {
          kind: 'add',
          geometry: { type: 'Point', coordinates: [lon, lat] },
          properties: siteProperties(type, name, rule),
        },
        auth: true,
      })
    );
    const [siteLon, siteLat] = answer.change.geometry?.coordinates ?? [lon, lat];
    scenario.version = answer.scenario.version;
    scenario.sites.push({ changeId: answer.change.id, name, type, lon: siteLon, lat: siteLat });
    scenario.lastDiff = answer.quick_diff;
    drawSites();
    renderSites();
    renderSaved();
    card = {
      kind: 'scenario',
      city: ctx.state.city ?? '',
      scenarioName: scenario.name,
      siteName: name,
      siteType: type,
      n,
      diff: answer.quick_diff,
      zonesBefore,
      zonesAfter: null,
    };
    ctx.showCard(card);
    // a narrow window's card covers the lower map: bring the new site above it
    if (ctx.narrow()) {
      const cardPx = $('card').offsetHeight;
      ctx.map.easeTo({ center: [siteLon, siteLat], offset: [0, -cardPx / 2], duration: 300 });
    }
    message(t('scenario.added', { name }), 'ok');
  } catch (error) {
    fail(error);
    return false;
  } finally {
    scenario.busy = false;
    renderButtons();
  }
  // the quick diff is shown; the scenario's full verdicts, zones and areas follow
  if (await ctx.reloadVerdicts()) {
    card.zonesAfter = ctx.countZones(ctx.state.gaps);
    if (ctx.state.card === card) ctx.showCard(card);
  }
  return true;
}

async function undo() {
  const last = scenario.sites.at(-1);
  if (!last || scenario.busy || !requireToken()) return;
  const ctx = context();
  scenario.busy = true;
  renderButtons();
  try {
    const answer = /** @type {ScenarioSummary} */ (
      await request('DELETE', `/scenarios/${scenario.id}/changes/${last.changeId}`, {
        auth: true,
      })
    );
    scenario.version = answer.version;
    scenario.sites.pop();
    drawSites();
    renderSites();
    renderSaved();
    if (ctx.state.card?.kind === 'scenario') ctx.hideCard();
    message(t('scenario.undone', { name: last.name }), 'ok');
  } catch (error) {
    fail(error);
    return;
  } finally {
    scenario.busy = false;
    renderButtons();
  }
  await ctx.reloadVerdicts();
}

async function save() {
  if (!requireToken() || scenario.busy) return;
  const ctx = context();
  scenario.busy = true;
  renderButtons();
  try {
    const name = nameField();
    if (scenario.id) {
      const answer = /** @type {ScenarioSummary} */ (
        await request('PATCH', `/scenarios/${scenario.id}`, {
          body: { name, version: scenario.version },
          auth: true,
        })
      );
      scenario.version = answer.version;
      scenario.name = answer.name;
      ctx.state.scenario = { id: answer.id, name: answer.name };
      ctx.scenarioChanged();
    } else {
      await ensureScenario();
    }
    scenario.saved = { version: scenario.version, at: new Date() };
    renderSaved();
    message(t('scenario.saved-message', { name: scenario.name }), 'ok');
  } catch (error) {
    fail(error);
  } finally {
    scenario.busy = false;
    renderButtons();
  }
}

async function suggest() {
  const ctx = context();
  const rule = ctx.state.rule;
  const type = $('scenario-type', HTMLSelectElement).value;
  if (!ctx.isSpatial(rule)) {
    message(t('scenario.suggest.need-spatial'), 'error');
    return;
  }
  if (!requireToken() || scenario.busy) return;
  const countField = $('suggest-count', HTMLInputElement);
  const asked = Number.parseInt(countField.value, 10) || 1;
  const count = Math.min(SUGGEST_MAX, Math.max(1, asked));
  countField.value = String(count);
  scenario.busy = true;
  renderButtons();
  message(t('scenario.suggesting'));
  try {
    const result = /** @type {OptimizeResult} */ (
      await request('POST', '/optimize', {
        body: {
          city: ctx.state.city,
          model: 'mclp',
          rule_id: rule.id,
          k: count,
          // a type the rule does not count: the rule's own (an EMS station for an EMS rule)
          ...(typeCounts(rule, type) ? { facility_type: type } : {}),
          candidates: 'gaps',
          time_limit_s: SUGGEST_TIME_LIMIT_S,
          // on top of the sites already proposed, once the scenario exists
          ...(scenario.id ? { scenario_id: scenario.id } : {}),
        },
        auth: true,
      })
    );
    scenario.suggestions = result;
    scenario.added = new Set();
    drawSuggestions();
    renderSuggestions(addSuggested);
    $('suggest-list').scrollIntoView({ block: 'nearest' });
    message(t('scenario.suggest.done', { n: result.chosen.length }), 'ok');
  } catch (error) {
    fail(error);
  } finally {
    scenario.busy = false;
    renderButtons();
  }
}

/** @param {number} index the suggested site's place in the last suggestion */
async function addSuggested(index) {
  const site = scenario.suggestions?.chosen[index];
  if (!site) return;
  if (await addSite(site.lon, site.lat, site.type)) {
    scenario.added.add(index);
    renderSuggestions(addSuggested);
  }
}

// ---- place mode

/** @param {boolean} placing */
function setPlacing(placing) {
  const ctx = context();
  ctx.state.placing = placing;
  ctx.map.getCanvas().style.cursor = placing ? 'crosshair' : '';
  renderButtons();
  // in a narrow window the drawer covers the map: close it to click there
  if (placing && ctx.narrow()) ctx.setPanelOpen(false);
}

/** @param {MapMouseEvent} event */
function onMapClick(event) {
  if (!context().state.placing) return;
  addSite(event.lngLat.lng, event.lngLat.lat);
}

// ---- opening, closing, following the page

function wire() {
  const ctx = context();
  const tokenField = $('scenario-token', HTMLInputElement);
  try {
    tokenField.value = window.localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    // storage refused (private window): the token lives for this page only
  }
  setToken(tokenField.value);
  tokenField.addEventListener('input', () => {
    setToken(tokenField.value);
    try {
      window.localStorage.setItem(TOKEN_KEY, tokenField.value.trim());
    } catch {
      // as above: kept for this page only
    }
    message('');
  });
  $('scenario-token-clear').addEventListener('click', () => {
    tokenField.value = '';
    tokenField.dispatchEvent(new Event('input'));
  });
  $('scenario-type').addEventListener('change', renderTypeNote);
  $('scenario-place').addEventListener('click', () => {
    if (ctx.state.placing || requireToken()) setPlacing(!ctx.state.placing);
  });
  $('scenario-undo').addEventListener('click', undo);
  $('scenario-save').addEventListener('click', save);
  $('scenario-suggest').addEventListener('click', suggest);
  wireEmsPlan();
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && ctx.state.placing) setPlacing(false);
  });
  ctx.map.on('click', onMapClick);
  mode.wired = true;
}

// forget the scenario (it stays stored on the server) and clear its layers
function reset() {
  Object.assign(scenario, {
    id: null,
    version: null,
    name: '',
    saved: null,
    sites: [],
    suggestions: null,
    added: new Set(),
    lastDiff: null,
  });
  resetEmsPlan();
  $('scenario-name', HTMLInputElement).value = '';
  const ctx = mode.ctx;
  if (!ctx) return;
  ctx.state.placing = false;
  ctx.state.scenario = null;
  ctx.scenarioChanged();
  drawSites();
  drawSuggestions();
  if (ctx.state.card?.kind === 'scenario') ctx.hideCard();
}

function open() {
  scenario.open = true;
  $('scenario-panel').hidden = false;
  fillTypes();
  matchTypeToRule();
  render();
  message(hasToken() ? '' : t('scenario.need-token'), hasToken() ? 'info' : 'muted');
}

function close() {
  const ctx = context();
  const hadScenario = ctx.state.scenario !== null;
  scenario.open = false;
  $('scenario-panel').hidden = true;
  reset();
  render();
  // back to the register's verdicts and zones
  if (hadScenario) ctx.reloadVerdicts();
}

/** @type {ScenarioView} */
const view = {
  get open() {
    return scenario.open;
  },
  get id() {
    return scenario.id;
  },
  get version() {
    return scenario.version;
  },
  get name() {
    return scenario.name;
  },
  get saved() {
    return scenario.saved ? scenario.saved.version : null;
  },
  get sites() {
    return scenario.sites.map((site) => ({ ...site }));
  },
  get suggestions() {
    return scenario.suggestions;
  },
  get lastDiff() {
    return scenario.lastDiff;
  },
  get busy() {
    return scenario.busy;
  },
  get emsPlan() {
    return ems.result;
  },
  get emsSaved() {
    return ems.saved;
  },
};

export const scenarioMode = {
  available: true,

  /** @param {ScenarioContext} ctx the page, lent anew on each toggle */
  toggle(ctx) {
    mode.ctx = ctx;
    if (!mode.wired) wire();
    if (scenario.open) close();
    else open();
  },

  cityChanged() {
    if (!mode.ctx) return;
    reset();
    if (scenario.open) render();
  },

  ruleChanged() {
    const ctx = mode.ctx;
    if (!ctx || !scenario.open) return;
    if ((ctx.state.rule?.id ?? null) !== mode.matchedRule) matchTypeToRule();
    renderButtons();
    renderEmsSection();
  },

  languageChanged() {
    if (!mode.ctx) return;
    fillTypes();
    render();
  },

  // what the browser tests read
  view,
};
