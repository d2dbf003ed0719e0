// Scenario mode: propose facilities on the map and see the norms re-checked; suggest sites.
//
// The panel (#scenario-panel) holds the planner's API token (kept in this browser's
// localStorage), the type of facility to propose, place mode (a click on the map adds a site:
// POST /scenarios/{id}/changes answers with a quick diff, shown in the map's card at once; the
// scenario's verdicts, zones and areas are then reloaded and the card completed), undo, the
// scenario's name (PATCH /scenarios/{id}) and site suggestion (POST /optimize, drawn as a layer of
// its own). The scenario is created on the server with its first site, or on Save.
//
// main.js calls toggle(ctx) from the panel's scenario button; ctx is what the page lends:
// {map, maplibre, state, showCard, hideCard, setStatus, describeError, reloadVerdicts,
// countZones, isSpatial, setPanelOpen, narrow}. `view` is read by the browser tests.

import { ApiError, hasToken, request, setToken } from './api.js';
import { escapeHtml } from './cards.js';
import { facilityTypeName, formatNumber, language, t } from './i18n.js';
import { FACILITY_GROUPS } from './mapstyle.js';

const TOKEN_KEY = 'fplan.token';
// sites a suggestion may ask for: a planner's shortlist, quick to solve and to read
const SUGGEST_MAX = 10;
// solver time limit for a suggestion, seconds: the panel waits for it
const SUGGEST_TIME_LIMIT_S = 30;
// the type proposed when the chosen norm names none (the most common new primary facility)
const DEFAULT_TYPE = 'community_health_center';
// zoom when the map is brought to a suggested site: its streets and neighbours readable
const SITE_ZOOM = 13;

const $ = (id) => document.getElementById(id);

let ctx = null;
let wired = false;
let numberMarkers = [];
// the norm the type chooser was last matched to (main.js re-applies the rule on every reload)
let matchedRule = null;

const scenario = {
  open: false,
  id: null,
  version: null,
  name: '',
  saved: null, // {version, at} of the last Save
  sites: [], // proposed sites: {changeId, name, type, lon, lat}
  suggestions: null, // the last /optimize answer
  added: new Set(), // indices of suggestions added to the scenario
  lastDiff: null,
  busy: false,
};

// ---- the rule's facilities: which types count, and with what a new one must come

function selectors(rule) {
  return ctx?.isSpatial(rule) ? (rule.parameters?.facilities ?? []) : [];
}

function typeCounts(rule, type) {
  return selectors(rule).some((s) => s.facility_types.includes(type));
}

// a proposed facility of `type` as the rule's selector wants it (grade, ownership, flags)
function siteProperties(type, name, rule) {
  const selector = selectors(rule).find((s) => s.facility_types.includes(type));
  const properties = { name, type, source: 'proposed' };
  if (selector?.min_grade) properties.grade = selector.min_grade;
  if (selector?.ownership) properties.ownership = selector.ownership;
  for (const flag of selector?.flags ?? []) properties[flag] = true;
  return properties;
}

// ---- messages

function message(text, kind = 'info') {
  const el = $('scenario-message');
  el.textContent = text;
  el.dataset.kind = kind;
}

function explain(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return t('scenario.error.401');
    if (error.status === 403) return t('scenario.error.403');
    if (error.status === 409 || error.status === 412) {
      return t('scenario.error.409', { message: error.message });
    }
  }
  return ctx.describeError(error);
}

function fail(error) {
  message(explain(error), 'error');
  // the message is in the panel: a narrow window shows it again
  if (ctx.narrow()) ctx.setPanelOpen(true);
}

function requireToken() {
  if (hasToken()) return true;
  message(t('scenario.need-token'), 'error');
  if (ctx.narrow()) ctx.setPanelOpen(true);
  $('scenario-token').focus();
  return false;
}

// ---- the panel

function fillTypes() {
  const select = $('scenario-type');
  const chosen = select.value;
  select.replaceChildren(
    ...Object.entries(FACILITY_GROUPS).map(([key, group]) => {
      const optgroup = document.createElement('optgroup');
      optgroup.label = t(`group.${key}`);
      optgroup.append(...group.types.map((type) => new Option(facilityTypeName(type), type)));
      return optgroup;
    }),
  );
  select.value = chosen || DEFAULT_TYPE;
}

// the chosen norm's first facility type, unless the chosen type already counts for it
function matchTypeToRule() {
  const rule = ctx.state.rule;
  matchedRule = rule?.id ?? null;
  const select = $('scenario-type');
  const first = selectors(rule)[0]?.facility_types[0];
  if (first && !typeCounts(rule, select.value)) select.value = first;
  renderTypeNote();
}

function renderTypeNote() {
  const rule = ctx.state.rule;
  const note = $('scenario-type-note');
  if (!ctx.isSpatial(rule)) {
    note.textContent = t('scenario.type.not-spatial');
    note.dataset.kind = 'muted';
  } else if (typeCounts(rule, $('scenario-type').value)) {
    note.textContent = t('scenario.type.counts');
    note.dataset.kind = 'ok';
  } else {
    note.textContent = t('scenario.type.not-counted');
    note.dataset.kind = 'warn';
  }
}

function renderButtons() {
  const placing = ctx.state.placing;
  const place = $('scenario-place');
  place.textContent = t(placing ? 'scenario.placing' : 'scenario.place');
  place.setAttribute('aria-pressed', String(placing));
  $('scenario-undo').disabled = scenario.busy || !scenario.sites.length;
  $('scenario-suggest').disabled = scenario.busy || !ctx.isSpatial(ctx.state.rule);
  const toggle = $('scenario-button');
  toggle.textContent = t(scenario.open ? 'scenario.close' : 'scenario.open');
  toggle.setAttribute('aria-expanded', String(scenario.open));
}

function renderSites() {
  $('scenario-sites').replaceChildren(
    ...scenario.sites.map((site) => {
      const item = document.createElement('li');
      item.textContent = `${site.name} · ${facilityTypeName(site.type)}`;
      return item;
    }),
  );
}

function renderSaved() {
  const el = $('scenario-saved');
  if (!scenario.id) {
    el.textContent = '';
    return;
  }
  el.textContent = scenario.saved
    ? t('scenario.saved', {
        version: scenario.saved.version,
        time: scenario.saved.at.toLocaleTimeString(language() === 'zh' ? 'zh-CN' : 'en-GB'),
      })
    : t('scenario.stored', { id: scenario.id, version: scenario.version });
  el.dataset.saved = String(Boolean(scenario.saved));
}

function renderSuggestions() {
  const list = $('suggest-list');
  const result = scenario.suggestions;
  $('suggest-summary').textContent = result
    ? t('scenario.suggested', {
        n: result.chosen.length,
        people: formatNumber(result.gain ?? 0, 0),
        before: formatNumber((100 * result.population_baseline) / result.population_total, 1),
        after: formatNumber((100 * result.population_covered) / result.population_total, 1),
      })
    : '';
  list.replaceChildren(
    ...(result?.chosen ?? []).map((site, index) => {
      const item = document.createElement('li');
      item.dataset.residents = String(site.residents);
      const people = t('scenario.suggest.item', { people: formatNumber(site.residents, 0) });
      item.innerHTML = `
        <span class="site-rank">${index + 1}</span>
        <span class="site-text">${escapeHtml(facilityTypeName(site.type))}<br>
          <small>${escapeHtml(people)}</small></span>`;
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'small-button';
      show.textContent = t('scenario.suggest.show');
      show.addEventListener('click', () =>
        ctx.map.flyTo({ center: [site.lon, site.lat], zoom: SITE_ZOOM }),
      );
      const add = document.createElement('button');
      const added = scenario.added.has(index);
      add.type = 'button';
      add.className = 'small-button suggest-add';
      add.disabled = added;
      add.textContent = t(added ? 'scenario.suggest.added' : 'scenario.suggest.add');
      add.addEventListener('click', () => addSuggested(index));
      item.append(show, add);
      return item;
    }),
  );
}

function render() {
  renderButtons();
  renderTypeNote();
  renderSites();
  renderSaved();
  renderSuggestions();
}

// ---- the map's layers of proposed and suggested sites

function drawSites() {
  ctx.map.getSource('proposed').setData({
    type: 'FeatureCollection',
    features: scenario.sites.map((site) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [site.lon, site.lat] },
      properties: { name: site.name, type: site.type, proposed: true },
    })),
  });
}

function drawSuggestions() {
  for (const marker of numberMarkers) marker.remove();
  const chosen = scenario.suggestions?.chosen ?? [];
  ctx.map.getSource('suggested').setData({
    type: 'FeatureCollection',
    features: chosen.map((site, index) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [site.lon, site.lat] },
      properties: {
        name: `${index + 1}. ${site.name}`,
        type: site.type,
        suggested: true,
        residents: site.residents,
      },
    })),
  });
  // the rank beside each site, as HTML (the style has no fonts to draw text with)
  numberMarkers = chosen.map((site, index) => {
    const el = document.createElement('div');
    el.className = 'site-number';
    el.textContent = String(index + 1);
    return new ctx.maplibre.Marker({ element: el, offset: [12, -12] })
      .setLngLat([site.lon, site.lat])
      .addTo(ctx.map);
  });
}

// ---- writing the scenario

function defaultName() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  return t('scenario.default-name', { date: `${day} ${time}` });
}

function nameField() {
  const field = $('scenario-name');
  if (!field.value.trim()) field.value = defaultName();
  return field.value.trim();
}

async function ensureScenario() {
  if (scenario.id) return;
  const name = nameField();
  const created = await request('POST', '/scenarios', {
    body: { name, city: ctx.state.city },
    auth: true,
  });
  scenario.id = created.id;
  scenario.version = created.version;
  scenario.name = created.name;
  ctx.state.scenario = { id: created.id, name: created.name };
}

async function addSite(lon, lat, type = $('scenario-type').value) {
  if (!requireToken()) return false;
  if (scenario.busy) {
    message(t('scenario.busy'), 'error');
    return false;
  }
  scenario.busy = true;
  renderButtons();
  let card = null;
  try {
    message(t('scenario.adding'));
    await ensureScenario();
    const rule = ctx.state.rule;
    const zonesBefore = ctx.countZones(ctx.state.gaps);
    const n = scenario.sites.length + 1;
    const name = t('scenario.site-name', { type: facilityTypeName(type), n });
    const answer = await request('POST', `/scenarios/${scenario.id}/changes`, {
      body: {
        kind: 'add',
        geometry: { type: 'Point', coordinates: [lon, lat] },
        properties: siteProperties(type, name, rule),
      },
      auth: true,
    });
    const [siteLon, siteLat] = answer.change.geometry.coordinates;
    scenario.version = answer.scenario.version;
    scenario.sites.push({ changeId: answer.change.id, name, type, lon: siteLon, lat: siteLat });
    scenario.lastDiff = answer.quick_diff;
    drawSites();
    renderSites();
    renderSaved();
    card = {
      kind: 'scenario',
      city: ctx.state.city,
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
      const cardPx = document.getElementById('card').offsetHeight;
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
  scenario.busy = true;
  renderButtons();
  try {
    const answer = await request('DELETE', `/scenarios/${scenario.id}/changes/${last.changeId}`, {
      auth: true,
    });
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
  scenario.busy = true;
  renderButtons();
  try {
    const name = nameField();
    if (scenario.id) {
      const answer = await request('PATCH', `/scenarios/${scenario.id}`, {
        body: { name, version: scenario.version },
        auth: true,
      });
      scenario.version = answer.version;
      scenario.name = answer.name;
      ctx.state.scenario = { id: answer.id, name: answer.name };
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
  const rule = ctx.state.rule;
  const type = $('scenario-type').value;
  if (!ctx.isSpatial(rule)) {
    message(t('scenario.suggest.need-spatial'), 'error');
    return;
  }
  if (!typeCounts(rule, type)) {
    message(t('scenario.suggest.type'), 'error');
    return;
  }
  if (!requireToken() || scenario.busy) return;
  const asked = Number.parseInt($('suggest-count').value, 10) || 1;
  const count = Math.min(SUGGEST_MAX, Math.max(1, asked));
  $('suggest-count').value = String(count);
  scenario.busy = true;
  renderButtons();
  message(t('scenario.suggesting'));
  try {
    const result = await request('POST', '/optimize', {
      body: {
        city: ctx.state.city,
        model: 'mclp',
        rule_id: rule.id,
        k: count,
        facility_type: type,
        candidates: 'gaps',
        time_limit_s: SUGGEST_TIME_LIMIT_S,
        // on top of the sites already proposed, once the scenario exists
        ...(scenario.id ? { scenario_id: scenario.id } : {}),
      },
      auth: true,
    });
    scenario.suggestions = result;
    scenario.added = new Set();
    drawSuggestions();
    renderSuggestions();
    $('suggest-list').scrollIntoView({ block: 'nearest' });
    message(t('scenario.suggest.done', { n: result.chosen.length }), 'ok');
  } catch (error) {
    fail(error);
  } finally {
    scenario.busy = false;
    renderButtons();
  }
}

async function addSuggested(index) {
  const site = scenario.suggestions?.chosen[index];
  if (!site) return;
  if (await addSite(site.lon, site.lat, site.type)) {
    scenario.added.add(index);
    renderSuggestions();
  }
}

// ---- place mode

function setPlacing(placing) {
  ctx.state.placing = placing;
  ctx.map.getCanvas().style.cursor = placing ? 'crosshair' : '';
  renderButtons();
  // in a narrow window the drawer covers the map: close it to click there
  if (placing && ctx.narrow()) ctx.setPanelOpen(false);
}

function onMapClick(event) {
  if (!ctx.state.placing) return;
  addSite(event.lngLat.lng, event.lngLat.lat);
}

// ---- opening, closing, following the page

function wire() {
  try {
    $('scenario-token').value = window.localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    // storage refused (private window): the token lives for this page only
  }
  setToken($('scenario-token').value);
  $('scenario-token').addEventListener('input', (event) => {
    setToken(event.target.value);
    try {
      window.localStorage.setItem(TOKEN_KEY, event.target.value.trim());
    } catch {
      // as above: kept for this page only
    }
    message('');
  });
  $('scenario-token-clear').addEventListener('click', () => {
    $('scenario-token').value = '';
    $('scenario-token').dispatchEvent(new Event('input'));
  });
  $('scenario-type').addEventListener('change', renderTypeNote);
  $('scenario-place').addEventListener('click', () => {
    if (ctx.state.placing || requireToken()) setPlacing(!ctx.state.placing);
  });
  $('scenario-undo').addEventListener('click', undo);
  $('scenario-save').addEventListener('click', save);
  $('scenario-suggest').addEventListener('click', suggest);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && ctx.state.placing) setPlacing(false);
  });
  ctx.map.on('click', onMapClick);
  wired = true;
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
  $('scenario-name').value = '';
  if (!ctx) return;
  ctx.state.placing = false;
  ctx.state.scenario = null;
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
  const hadScenario = ctx.state.scenario !== null;
  scenario.open = false;
  $('scenario-panel').hidden = true;
  reset();
  render();
  // back to the register's verdicts and zones
  if (hadScenario) ctx.reloadVerdicts();
}

export const scenarioMode = {
  available: true,

  toggle(context) {
    ctx = context;
    if (!wired) wire();
    if (scenario.open) close();
    else open();
  },

  cityChanged() {
    if (!ctx) return;
    reset();
    if (scenario.open) render();
  },

  ruleChanged() {
    if (!ctx || !scenario.open) return;
    if ((ctx.state.rule?.id ?? null) !== matchedRule) matchTypeToRule();
    renderButtons();
  },

  languageChanged() {
    if (!ctx) return;
    fillTypes();
    render();
  },

  // what the browser tests read
  view: {
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
  },
};
