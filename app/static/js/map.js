// @ts-check
// The map's sources and layers as the state drives them: layer visibility, district labels,
// the chosen norm's colours and zones, the city's tiles, the verdicts and zones of the register
// or of a scenario, and the chosen norm's coverage areas (drawn when their layer is on).

import { getJson, request as apiRequest, tileUrl } from './api.js';
import { isSpatial, statusOf } from './cards.js';
import { TOGGLES, facilityPaint } from './mapstyle.js';
import { describeError, renderLegend, setAreasStatus } from './panel.js';
import { EMPTY, cityRow, page, state } from './state.js';

/**
 * @import { AllPaintProperties, GeoJSONSource, Map as MapLibreMap, Marker, VectorTileSource }
 *   from 'maplibre-gl'
 * @import { AreasStatus } from './panel.js'
 * @import { ToggleKey } from './mapstyle.js'
 * @import { ComplianceReport, ComplianceResult, CoverageAreaCollection, GapCollection,
 *   RuleFacilities } from './types.js'
 */

/** @type {Marker[]} */
let labelMarkers = [];
let areasRequest = 0;
let facilitiesRequest = 0;

/** The map, once start-up has made it. */
export function theMap() {
  if (!page.map) throw new Error('the map is not made yet');
  return page.map;
}

/**
 * A GeoJSON source of the style.
 *
 * @param {MapLibreMap} map
 * @param {string} id
 */
export function geojsonSource(map, id) {
  return /** @type {GeoJSONSource} */ (map.getSource(id));
}

/** Settles once the style is parsed and its sources can be changed. */
export function styleReady() {
  return page.styleLoaded;
}

/** Resolves once the map has drawn everything asked of it so far (tiles, states, filters). */
export function whenIdle() {
  const map = theMap();
  return new Promise((resolve) => {
    map.once('idle', () => resolve(undefined));
    map.triggerRepaint();
  });
}

/**
 * Show or hide a layer of the switcher (the coverage areas are fetched when shown).
 *
 * @param {ToggleKey} key
 * @param {boolean} visible
 */
export function setLayerVisibility(key, visible) {
  state.visible[key] = visible;
  const toggle = TOGGLES.find((item) => item.key === key);
  for (const id of toggle?.layers ?? []) {
    if (page.map?.getLayer(id)) page.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
  if (key === 'others') applyFacilityPaint();
  if (key === 'labels') {
    for (const marker of labelMarkers) marker.getElement().hidden = !visible;
  }
  if (key === 'areas' && visible) loadAreas();
}

// the units' names as HTML markers (the style has no fonts to draw text with)
export function placeLabels() {
  const { map, maplibre } = page;
  if (!map || !maplibre) return;
  for (const marker of labelMarkers) marker.remove();
  labelMarkers = state.units.flatMap((unit) => {
    if (!unit.label) return [];
    const el = document.createElement('div');
    el.className = 'district-label';
    el.textContent = unit.name;
    el.lang = 'zh-CN';
    el.hidden = !state.visible.labels;
    return [new maplibre.Marker({ element: el }).setLngLat(unit.label).addTo(map)];
  });
}

/**
 * How far a result is from its target, as a share of the target (0 at it, 1 at nothing or
 * twice over); 1 when the figures are unknown, so an unmeasured failure is shaded deepest.
 *
 * @param {ComplianceResult | null} result
 */
export function gapShare(result) {
  if (!result || result.value === null || result.target === null || !result.target) return 1;
  return Math.min(1, Math.abs(result.target - result.value) / Math.abs(result.target));
}

// colour the city's units by their verdict under the chosen norm and show only its zones
export function drawRule() {
  const map = page.map;
  if (!map) return;
  map.removeFeatureState({ source: 'regions', sourceLayer: 'regions' });
  const rule = state.rule;
  if (rule && state.report) {
    const city = cityRow(rule.id);
    for (const unit of state.units) {
      const own = state.results.get(`${rule.id}|${unit.adcode}`) ?? null;
      const citywide = !own && Boolean(city);
      map.setFeatureState(
        { source: 'regions', sourceLayer: 'regions', id: Number(unit.adcode) },
        { status: statusOf(own ?? city), citywide, gap: gapShare(own ?? city) },
      );
    }
  }
  /** @type {import('maplibre-gl').FilterSpecification} */
  const filter = ['==', ['get', 'rule_id'], rule ? rule.id : ''];
  map.setFilter('gaps-fill', filter);
  map.setFilter('gaps-line', filter);
}

/**
 * Point the city's tiled layers at `city`'s tiles and clear its drawn zones and areas.
 *
 * @param {string} city
 * @param {{reload?: boolean}} [options] reload: fetch the tiles anew (the city was prepared)
 */
export function showCityLayers(city, { reload = false } = {}) {
  const map = theMap();
  for (const layer of ['roads', 'facilities', 'cells']) {
    const source = /** @type {VectorTileSource} */ (map.getSource(layer));
    const url = tileUrl(layer, city);
    if (reload || source.tiles?.[0] !== url) source.setTiles([url]);
  }
  geojsonSource(map, 'gaps').setData(state.gaps);
  showAreas(EMPTY, { kind: 'idle' });
}

// ---- verdicts and zones

/**
 * The compliance report and the underserved zones of the city, or of one of its scenarios.
 *
 * @param {string} city
 * @param {number | null} scenario
 * @returns {Promise<[ComplianceReport, GapCollection]>}
 */
export async function fetchVerdicts(city, scenario) {
  if (scenario === null) {
    return Promise.all([getJson('/compliance', { city }), getJson('/gaps', { city })]);
  }
  // one after the other: the zones then reuse the scenario's stored run
  const report = await getJson('/compliance', { city, scenario }, { auth: true });
  const gaps = await getJson('/gaps', { city, scenario }, { auth: true });
  return [report, gaps];
}

/**
 * Hold and draw the verdicts and zones of the register (scenario null) or of a scenario.
 *
 * @param {ComplianceReport} report
 * @param {GapCollection} gaps
 * @param {number | null} scenario
 */
export function applyVerdicts(report, gaps, scenario) {
  state.report = report;
  state.results = new Map(report.results.map((r) => [`${r.rule_id}|${r.region_adcode}`, r]));
  gaps.features.forEach((feature, index) => {
    feature.id = index;
  });
  state.gaps = gaps;
  state.verdictsFor = scenario;
  geojsonSource(theMap(), 'gaps').setData(gaps);
}

// ---- coverage areas of the chosen norm (drawn when their layer is on)

/**
 * @param {CoverageAreaCollection} areas
 * @param {AreasStatus} status
 */
function showAreas(areas, status) {
  state.areas = areas;
  geojsonSource(theMap(), 'areas').setData(areas);
  setAreasStatus(status);
}

// fetch the chosen norm's areas (the open scenario's, if any) unless they are drawn already
export async function loadAreas() {
  if (!page.map || !state.visible.areas || !state.city || !state.ready) return;
  const rule = state.rule;
  const scenario = state.scenario?.id ?? null;
  const key = `${state.city}|${rule?.id}|${scenario}`;
  if (key === state.areasKey) return;
  const request = ++areasRequest;
  state.areasKey = key;
  if (!isSpatial(rule)) {
    showAreas(EMPTY, { kind: 'none' });
    return;
  }
  setAreasStatus({ kind: 'loading' });
  try {
    const params = { city: state.city, rule: rule.id, scenario };
    const areas = await getJson('/coverage/areas', params, { auth: scenario !== null });
    if (request !== areasRequest) return;
    showAreas(areas, { kind: 'ready', n: areas.features.length });
  } catch (error) {
    if (request !== areasRequest) return;
    // asked again on the next change
    state.areasKey = null;
    showAreas(EMPTY, { kind: 'error', message: describeError(error) });
  }
}

// ---- the facilities the chosen norm counts: drawn in full, the rest faint (or hidden)

// draw the facility layers as the chosen norm and the "others" switch want them
export function applyFacilityPaint() {
  const map = page.map;
  if (!map) return;
  const known = state.ruleFacilities;
  const byRule = Boolean(known && !known.every_facility && known.rule_id === state.rule?.id);
  const hideOthers = !state.visible.others;
  for (const [id, real] of /** @type {const} */ ([['facilities', false], ['facilities-real', true]])) {
    const paint = facilityPaint({ real, byRule, hideOthers });
    for (const [name, value] of Object.entries(paint)) {
      map.setPaintProperty(id, /** @type {keyof AllPaintProperties} */ (name), value);
    }
  }
}

// ask which facilities the chosen norm counts (as its evaluator selects them) and mark them
export async function loadRuleFacilities() {
  const map = page.map;
  const city = state.city;
  const rule = state.rule;
  if (!map || !city) return;
  const key = `${city}|${rule?.id}`;
  if (key === state.facilitiesKey) return;
  state.facilitiesKey = key;
  const asked = ++facilitiesRequest;
  map.removeFeatureState({ source: 'facilities', sourceLayer: 'facilities' });
  state.ruleFacilities = null;
  applyFacilityPaint();
  renderLegend();
  if (!rule) return;
  try {
    const answer = /** @type {RuleFacilities} */ (
      await apiRequest('GET', `/norms/${encodeURIComponent(rule.id)}/facilities`, {
        params: { city },
      })
    );
    if (asked !== facilitiesRequest) return;
    for (const id of answer.facility_ids) {
      map.setFeatureState({ source: 'facilities', sourceLayer: 'facilities', id }, { counts: true });
    }
    state.ruleFacilities = answer;
  } catch {
    if (asked !== facilitiesRequest) return;
    // every facility stays drawn in full; asked again on the next change
    state.facilitiesKey = null;
  }
  applyFacilityPaint();
  renderLegend();
}
