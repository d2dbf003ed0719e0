// @ts-check
// The map page's start-up: city and norm selectors, districts coloured by compliance,
// facilities, roads, underserved zones, the chosen norm's coverage areas, a legend and a layer
// switcher, and the scenario mode (js/scenario.js). Plain ES modules, no build step:
//   state.js   the page's state object (what is chosen, what is loaded, the map)
//   map.js     the map's sources and layers as the state drives them
//   panel.js   the panel's controls, status line and legend
//   clicks.js  what a click on the map shows (popup or card)
//   prepare.js a city not prepared yet: what to do, and an admin's "准备数据"
//
// The map object and the page state are exposed as `window.fplan` (used by the browser tests).
// With a scenario open (state.scenario) the verdicts, zones and areas are the scenario's.

import { getJson, withReadToken } from './api.js';
import { isSpatial } from './cards.js';
import { hideCard, onMapClick, onMapMove, rerenderCard, showCard } from './clicks.js';
import { unitsOf } from './geometry.js';
import { cityName, language, loadMessages, setLanguage, t, translatePage } from './i18n.js';
import {
  applyFacilityPaint,
  applyVerdicts,
  drawRule,
  fetchVerdicts,
  loadAreas,
  loadRuleFacilities,
  placeLabels,
  setLayerVisibility,
  showCityLayers,
  styleReady,
  theMap,
  whenIdle,
} from './map.js';
import { TOGGLES, buildStyle, styleImages } from './mapstyle.js';
import {
  describeError,
  fillCitySelect,
  followExport,
  fillRuleSelect,
  renderLayerSwitcher,
  renderExports,
  renderLegend,
  renderRuleInfo,
  reportGaps,
  setPanelOpen,
  setStatus,
} from './panel.js';
import { isUnprepared, loadCities, renderPrepareNote } from './prepare.js';
import { scenarioMode } from './scenario.js';
import { $, EMPTY, countZones, narrow, page, state } from './state.js';

/**
 * @import { ScenarioContext, ScenarioView } from './scenario-state.js'
 * @import { PageState } from './state.js'
 * @import { RegionCollection } from './types.js'
 */

/**
 * What the browser tests read and drive, as `window.fplan`.
 *
 * @typedef {object} TestHook
 * @property {import('maplibre-gl').Map} map
 * @property {PageState} state
 * @property {typeof selectCity} selectCity
 * @property {typeof selectRule} selectRule
 * @property {typeof whenIdle} whenIdle
 * @property {typeof setLayerVisibility} setLayerVisibility
 * @property {ScenarioView} scenario
 */

const MAPLIBRE_URL = '/vendor/maplibre-gl/maplibre-gl.mjs';
// the city `make run` prepares for a first look
const DEFAULT_CITY = '430100';
// Hunan as a whole, before a city is chosen
/** @type {[number, number]} */
const HUNAN_CENTER = [111.7, 27.6];
const HUNAN_ZOOM = 5.5;
// room around a city's outline when the map is fitted to it
const FIT_PADDING_PX = 30;

let cityRequest = 0;
let verdictRequest = 0;

// ---- the chosen norm, drawn everywhere it shows

function applyRule() {
  if (!page.map) return;
  drawRule();
  loadRuleFacilities();
  if (state.card?.kind === 'district' || state.card?.kind === 'scenario') rerenderCard();
  else if (state.card?.kind === 'gap' || state.card?.kind === 'area') hideCard();
  renderRuleInfo();
  if (state.ready) {
    reportGaps();
    loadAreas();
  }
  scenarioMode.ruleChanged();
  state.ruleChanges += 1;
}

/**
 * Choose a norm of the city (its first when `ruleId` is not one of them).
 *
 * @param {string | null} ruleId
 */
function selectRule(ruleId) {
  const rules = state.catalogue?.rules ?? [];
  state.rule = rules.find((rule) => rule.id === ruleId) ?? rules[0] ?? null;
  if (state.rule) $('rule-select', HTMLSelectElement).value = state.rule.id;
  updateUrl();
  applyRule();
}

function updateUrl() {
  const params = new URLSearchParams(window.location.search);
  if (state.city) params.set('city', state.city);
  if (state.rule) params.set('rule', state.rule.id);
  params.set('lang', language());
  window.history.replaceState(null, '', `${window.location.pathname}?${params}`);
}

// ---- the verdicts of the register or of the open scenario

/**
 * Reload the verdicts, zones and areas after the open scenario changed (or closed).
 *
 * @returns {Promise<boolean>} true once they are drawn, false when a newer change or another
 *   city overtook it
 */
async function reloadVerdicts() {
  const request = ++verdictRequest;
  const city = state.city;
  const scenario = state.scenario?.id ?? null;
  if (!city) return false;
  renderExports();
  setStatus(scenario === null ? t('status.computing') : t('scenario.refreshing'));
  try {
    const [report, gaps] = await fetchVerdicts(city, scenario);
    if (request !== verdictRequest || city !== state.city) return false;
    applyVerdicts(report, gaps, scenario);
    applyRule();
    return true;
  } catch (error) {
    if (request !== verdictRequest) return false;
    setStatus(describeError(error), 'error');
    return false;
  }
}

/**
 * Choose a city: its norms, tiles, units and verdicts.
 *
 * @param {string} city
 * @param {string | null} [ruleId] the norm to choose (else the city's first)
 * @param {RegionCollection | null} [regions] the city's /regions answer when the caller already
 *   has it (the first load)
 * @param {boolean} [reload] fetch the city's tiles anew (it was just prepared)
 */
async function selectCity(city, ruleId = null, regions = null, reload = false) {
  const request = ++cityRequest;
  verdictRequest += 1;
  state.ready = false;
  state.city = city;
  state.catalogue = state.catalogues.find((c) => c.city_adcode === city) ?? null;
  state.report = null;
  state.results = new Map();
  state.units = [];
  state.gaps = EMPTY;
  state.areasKey = null;
  state.facilitiesKey = null;
  state.ruleFacilities = null;
  // a scenario belongs to its city
  scenarioMode.cityChanged();
  state.scenario = null;
  hideCard();
  $('city-select', HTMLSelectElement).value = city;
  fillRuleSelect();
  renderExports();
  renderPrepareNote(openPrepared);
  setStatus(t('status.loading'));
  // a city not prepared has no verdicts to ask for: its outline and the note say what to do
  const unprepared = isUnprepared(city);
  $('scenario-button', HTMLButtonElement).disabled =
    !scenarioMode.available || (unprepared && !scenarioMode.view.open);
  // the verdicts and zones are asked for at once; the map is drawn meanwhile
  const verdicts = unprepared ? null : fetchVerdicts(city, null);
  verdicts?.catch(() => null);
  await styleReady();
  if (request !== cityRequest) return;
  selectRule(ruleId);
  showCityLayers(city, { reload });

  try {
    const { units, box } = unitsOf(regions ?? (await getJson('/regions', { city })));
    if (request !== cityRequest) return;
    state.units = units;
    placeLabels();
    if (box && !regions) theMap().fitBounds(box, { padding: FIT_PADDING_PX, animate: false });
    if (!verdicts) {
      setStatus(state.catalogue ? t('map.status.unprepared', { city: cityName(state.catalogue) }) : '');
      state.ready = true;
      applyRule();
      return;
    }
    setStatus(t('status.computing'));
    const [report, gaps] = await verdicts;
    if (request !== cityRequest) return;
    applyVerdicts(report, gaps, null);
    state.ready = true;
    applyRule();
  } catch (error) {
    if (request !== cityRequest) return;
    setStatus(describeError(error), 'error');
    state.ready = true;
    applyRule();
  }
}

/**
 * Load a city anew once it has been prepared (from the map): its tiles, units and verdicts.
 *
 * @param {string} city
 */
function openPrepared(city) {
  fillCitySelect();
  return selectCity(city, state.rule?.id ?? null, null, true);
}

// ---- language and controls

/** @param {string | null} lang */
function applyLanguage(lang) {
  setLanguage(lang);
  translatePage();
  fillCitySelect();
  fillRuleSelect();
  renderRuleInfo();
  renderLayerSwitcher(setLayerVisibility);
  renderLegend();
  renderExports();
  renderPrepareNote(openPrepared);
  rerenderCard();
  if (state.ready && !isUnprepared(state.city)) reportGaps();
  else if (state.ready && state.catalogue) {
    setStatus(t('map.status.unprepared', { city: cityName(state.catalogue) }));
  }
  scenarioMode.languageChanged();
  updateUrl();
}

function wireControls() {
  $('lang-toggle').addEventListener('click', () => applyLanguage(language() === 'zh' ? 'en' : 'zh'));
  $('panel-toggle').addEventListener('click', () =>
    setPanelOpen(!$('panel').classList.contains('open')),
  );
  $('card-close').addEventListener('click', hideCard);
  $('exports').addEventListener('click', followExport);
  const citySelect = $('city-select', HTMLSelectElement);
  citySelect.addEventListener('change', () => selectCity(citySelect.value));
  const ruleSelect = $('rule-select', HTMLSelectElement);
  ruleSelect.addEventListener('change', () => {
    selectRule(ruleSelect.value);
    if (narrow()) setPanelOpen(false);
  });
  // enabled once the map is there (start)
  $('scenario-button').addEventListener('click', () => scenarioMode.toggle(scenarioContext()));
}

/**
 * What scenario mode may use of the page.
 *
 * @returns {ScenarioContext}
 */
function scenarioContext() {
  const { map, maplibre } = page;
  if (!map || !maplibre) throw new Error('scenario mode opened before the map was made');
  return {
    map,
    maplibre,
    state,
    showCard,
    hideCard,
    setStatus,
    describeError,
    reloadVerdicts,
    scenarioChanged: renderExports,
    countZones,
    isSpatial,
    setPanelOpen,
    narrow,
  };
}

// ---- start

async function start() {
  const params = new URLSearchParams(window.location.search);
  // the catalogue's sentences first: the page is worded from them
  await loadMessages().catch(() => null);
  applyLanguage(params.get('lang') ?? 'zh');
  wireControls();
  const [library, norms] = await Promise.allSettled([
    /** @type {Promise<import('./state.js').MapLibre>} */ (import(MAPLIBRE_URL)),
    getJson('/norms'),
  ]);
  if (library.status === 'rejected') {
    $('install-hint').textContent = t('install.hint');
    $('install-hint').hidden = false;
    setStatus(t('install.hint'), 'error');
    return;
  }
  const maplibre = library.value;
  page.maplibre = maplibre;
  if (norms.status === 'fulfilled') state.catalogues = norms.value.catalogues;
  else setStatus(describeError(norms.reason), 'error');
  // which cities are prepared: an error leaves every city offered as before
  await loadCities().catch((error) => setStatus(describeError(error), 'error'));
  fillCitySelect();
  const known = state.catalogues.map((c) => c.city_adcode);
  const asked = params.get('city');
  // the city asked for, else the first look's city if prepared, else the first one prepared
  const preferred = [DEFAULT_CITY, ...known].filter((code) => known.includes(code));
  const city =
    asked !== null && known.includes(asked)
      ? asked
      : (preferred.find((code) => !isUnprepared(code)) ?? preferred[0]);
  // the city's outline first, so the map opens on it and loads no tile it will not show
  const regions = city ? await getJson('/regions', { city }).catch(() => null) : null;
  const box = regions ? unitsOf(regions).box : null;

  const map = new maplibre.Map({
    container: 'map',
    style: buildStyle(city),
    ...(box
      ? { bounds: box, fitBoundsOptions: { padding: FIT_PADDING_PX } }
      : { center: HUNAN_CENTER, zoom: HUNAN_ZOOM }),
    attributionControl: false,
    // tiles carry the planner's token when the service requires one for reads
    transformRequest: withReadToken,
    // lets a test (or a planner's "save image") read the rendered pixels
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  page.map = map;
  page.styleLoaded = new Promise((resolve) => map.once('style.load', () => resolve()));
  map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibre.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('click', onMapClick);
  map.on('mousemove', onMapMove);
  window.fplan = {
    map,
    state,
    selectCity,
    selectRule,
    whenIdle,
    setLayerVisibility,
    scenario: scenarioMode.view,
  };
  await styleReady();
  for (const [name, image] of Object.entries(styleImages())) map.addImage(name, image);
  for (const toggle of TOGGLES) setLayerVisibility(toggle.key, state.visible[toggle.key]);
  applyFacilityPaint();
  $('scenario-button', HTMLButtonElement).disabled = !scenarioMode.available;
  if (city) await selectCity(city, params.get('rule'), box ? regions : null);
}

start();
