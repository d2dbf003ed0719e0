// The map page: city and norm selectors, districts coloured by compliance, facilities, roads,
// underserved zones, the chosen norm's coverage areas, a legend and a layer switcher, and the
// scenario mode (js/scenario.js). Plain ES modules, no build step.
//
// The map object and the page state are exposed as `window.fplan` (used by the browser tests).
// With a scenario open (state.scenario) the verdicts, zones and areas are the scenario's.

import { ApiError, getJson, tileUrl } from './api.js';
import {
  areaCard,
  complianceCard,
  escapeHtml,
  facilityPopup,
  gapCard,
  isSpatial,
  scenarioCard,
  statusOf,
} from './cards.js';
import {
  cityName,
  formatNumber,
  language,
  otherRuleTitle,
  ruleTitle,
  setLanguage,
  t,
  translatePage,
} from './i18n.js';
import {
  AREA_COLORS,
  CELL_STOPS,
  COMPLIANCE_COLORS,
  FACILITY_GROUPS,
  GAP_STOPS,
  PROPOSED_RING,
  ROAD_CLASSES,
  SUGGESTED_COLOR,
  TOGGLES,
  buildStyle,
  styleImages,
} from './mapstyle.js';
import { scenarioMode } from './scenario.js';

const MAPLIBRE_URL = '/vendor/maplibre-gl/maplibre-gl.mjs';
// the city `make run` prepares for a first look
const DEFAULT_CITY = '430100';
// Hunan as a whole, before a city is chosen
const HUNAN_CENTER = [111.7, 27.6];
const HUNAN_ZOOM = 5.5;
// room around a city's outline when the map is fitted to it
const FIT_PADDING_PX = 30;
// the panel becomes a drawer below this width (keep in step with style.css)
const NARROW_PX = 720;
const EMPTY = { type: 'FeatureCollection', features: [] };

const $ = (id) => document.getElementById(id);

const state = {
  catalogues: [],
  city: null,
  catalogue: null,
  rule: null,
  report: null, // the city's compliance report, or null while loading or when unavailable
  results: new Map(), // `${rule}|${adcode}` → result row
  units: [], // the city's county-level units: {adcode, name, label: [lon, lat]}
  gaps: EMPTY,
  areas: EMPTY, // the chosen norm's coverage areas, when that layer is on
  areasKey: null, // what `areas` were drawn for: `${city}|${rule}|${scenario}`
  visible: Object.fromEntries(TOGGLES.map((toggle) => [toggle.key, toggle.visible])),
  card: null, // what the open card shows, to re-render it on a language change
  ready: false,
  ruleChanges: 0,
  scenario: null, // {id, name} of the scenario the map shows; null: the register
  verdictsFor: null, // the scenario id (or null) the loaded verdicts and zones belong to
  placing: false, // scenario mode: a click on the map places a site
};

let maplibre = null;
let map = null;
let popup = null;
let labelMarkers = [];
let cityRequest = 0;
let verdictRequest = 0;
let areasRequest = 0;

// ---- status line

function setStatus(text, kind = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

function describeError(error) {
  return error instanceof ApiError
    ? t('error.api', { message: error.message })
    : t('error.network', { message: error.message });
}

// ---- geometry helpers for labels and bounds

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function extendBounds(bounds, geometry) {
  for (const polygon of rings(geometry)) {
    for (const [lon, lat] of polygon[0]) {
      bounds[0] = Math.min(bounds[0], lon);
      bounds[1] = Math.min(bounds[1], lat);
      bounds[2] = Math.max(bounds[2], lon);
      bounds[3] = Math.max(bounds[3], lat);
    }
  }
  return bounds;
}

function ringArea(ring) {
  let area = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    area += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return Math.abs(area / 2);
}

// a point inside the largest polygon: the middle of the widest inside span of the horizontal
// line through its middle (holes included), so a crescent-shaped county is labelled inside it
function labelPoint(geometry) {
  const polygons = rings(geometry);
  if (!polygons.length) return null;
  const polygon = polygons.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
  const lats = polygon[0].map((p) => p[1]);
  const y = (Math.min(...lats) + Math.max(...lats)) / 2;
  const crossings = [];
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x1, y1] = ring[j];
      const [x2, y2] = ring[i];
      if (y1 > y !== y2 > y) crossings.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  crossings.sort((a, b) => a - b);
  let best = null;
  for (let i = 0; i + 1 < crossings.length; i += 2) {
    const width = crossings[i + 1] - crossings[i];
    if (!best || width > best.width) best = { width, x: (crossings[i] + crossings[i + 1]) / 2 };
  }
  return best ? [best.x, y] : polygon[0][0];
}

// ---- panel: selectors, rule information, layer switcher, legend

function fillCitySelect() {
  const select = $('city-select');
  select.replaceChildren(
    ...state.catalogues.map((c) => new Option(`${cityName(c)} · ${c.city_adcode}`, c.city_adcode)),
  );
  if (state.city) select.value = state.city;
}

function fillRuleSelect() {
  const select = $('rule-select');
  const rules = state.catalogue?.rules ?? [];
  select.replaceChildren(
    ...rules.map((rule) => {
      const option = new Option(ruleTitle(rule), rule.id);
      option.title = otherRuleTitle(rule);
      return option;
    }),
  );
  select.disabled = !rules.length;
  if (state.rule) select.value = state.rule.id;
}

function cityRow(ruleId) {
  return state.results.get(`${ruleId}|${state.city}`) ?? null;
}

function renderRuleInfo() {
  const rule = state.rule;
  if (!rule) {
    $('rule-info').textContent = state.catalogue ? t('rule.none') : '';
    $('city-verdict').replaceChildren();
    return;
  }
  const target = rule.target;
  const targetText =
    target.value !== null
      ? formatNumber(target.value)
      : [target.min, target.max].map((v) => formatNumber(v)).join(' – ');
  $('rule-info').innerHTML = `
    <p class="other-title">${escapeHtml(otherRuleTitle(rule))}</p>
    <p><span>${escapeHtml(t('rule.kind'))}:</span> <code>${escapeHtml(rule.kind)}</code>
       · <span>${escapeHtml(t('rule.target'))}:</span>
       ${escapeHtml(targetText)} ${escapeHtml(target.unit.replaceAll('_', ' '))}</p>`;
  const row = cityRow(rule.id);
  const status = state.report ? statusOf(row) : null;
  $('city-verdict').innerHTML = status
    ? `<span class="badge badge-${status}">${escapeHtml(t('verdict.city'))}:
         ${escapeHtml(t(`status.${status}`))}</span>
       ${row?.shortfall_text ? `<span class="shortfall-text">${escapeHtml(row.shortfall_text)}</span>` : ''}`
    : '';
}

function setLayerVisibility(key, visible) {
  state.visible[key] = visible;
  const toggle = TOGGLES.find((item) => item.key === key);
  for (const id of toggle.layers) {
    if (map?.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
  if (key === 'labels') {
    for (const marker of labelMarkers) marker.getElement().hidden = !visible;
  }
  if (key === 'areas' && visible) loadAreas();
}

function renderLayerSwitcher() {
  $('layer-switcher').replaceChildren(
    ...TOGGLES.map((toggle) => {
      const label = document.createElement('label');
      label.className = 'switch';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = toggle.key;
      box.dataset.layer = toggle.key;
      box.checked = state.visible[toggle.key];
      box.addEventListener('change', () => setLayerVisibility(toggle.key, box.checked));
      label.append(box, ` ${t(`layer.${toggle.key}`)}`);
      if (toggle.key === 'areas') {
        const note = document.createElement('span');
        note.id = 'areas-note';
        note.className = 'layer-note';
        label.append(note);
      }
      return label;
    }),
  );
  renderAreasNote();
}

function swatch(style, text) {
  return `<li><span class="swatch" style="${style}"></span>${escapeHtml(text)}</li>`;
}

function rampLegend(stops, digits = 0) {
  return stops
    .map(([value, color]) => swatch(`background:${color}`, `≥ ${formatNumber(value, digits)}`))
    .join('');
}

function renderLegend() {
  const compliance = ['pass', 'fail', 'unknown', 'na']
    .map((status) => swatch(`background:${COMPLIANCE_COLORS[status]}`, t(`status.${status}`)))
    .join('');
  const facilities = Object.entries(FACILITY_GROUPS)
    .map(([key, group]) => swatch(`background:${group.color}; border-radius:50%`, t(`group.${key}`)))
    .join('');
  const roads = [...ROAD_CLASSES.map((road) => road), { key: 'minor', color: '#ffffff' }]
    .map((road) => swatch(`background:${road.color}; height:4px`, t(`road.${road.key}`)))
    .join('');
  const hatch = (color) =>
    `background: repeating-linear-gradient(-45deg, ${color} 0 2px, transparent 2px 5px)`;
  const areas = ['urban', 'rural', 'all']
    .map((key) => swatch(hatch(AREA_COLORS[key]), t(`legend.areas.${key}`)))
    .join('');
  const ring = `border:3px solid ${PROPOSED_RING}; border-radius:50%`;
  const proposed = `background:${FACILITY_GROUPS.primary.color}; ${ring}`;
  const suggested = `background:${SUGGESTED_COLOR}; border:2px solid #5c4300; border-radius:50%`;
  $('legend').innerHTML = `
    <h3>${escapeHtml(t('legend.compliance'))}</h3><ul>${compliance}</ul>
    <h3>${escapeHtml(t('legend.facilities'))}</h3><ul>${facilities}
      ${swatch('background:#555; border-radius:50%', t('legend.real'))}
      ${swatch('background:#fff; border:2px solid #555; border-radius:50%', t('legend.synthetic'))}
    </ul>
    <h3>${escapeHtml(t('legend.sites'))}</h3><ul>
      ${swatch(proposed, t('legend.proposed'))}${swatch(suggested, t('legend.suggested'))}
    </ul>
    <h3>${escapeHtml(t('legend.areas'))}</h3><ul>${areas}</ul>
    <h3>${escapeHtml(t('legend.gaps'))}</h3><ul class="ramp">${rampLegend(GAP_STOPS)}</ul>
    <h3>${escapeHtml(t('legend.cells'))}</h3><ul class="ramp">${rampLegend(CELL_STOPS)}</ul>
    <h3>${escapeHtml(t('legend.roads'))}</h3><ul>${roads}</ul>`;
}

// ---- the card

function cardHtml(card) {
  if (card.kind === 'gap') return gapCard(card.properties, findRule(card.properties.rule_id));
  if (card.kind === 'area') return areaCard(card.properties, findRule(card.properties.rule_id));
  if (card.kind === 'scenario') return scenarioCard(card, { rule: state.rule, findRule });
  return complianceCard(card);
}

function showCard(card) {
  state.card = card;
  $('card-body').innerHTML = cardHtml(card);
  $('card').hidden = false;
  $('card').dataset.kind = card.kind;
}

function hideCard() {
  state.card = null;
  $('card').hidden = true;
}

function rerenderCard() {
  if (!state.card) return;
  if (state.card.kind === 'district') showCard(districtCard(state.card.adcode, state.card.regionName));
  else showCard(state.card);
}

function findRule(ruleId) {
  return state.catalogue?.rules.find((rule) => rule.id === ruleId) ?? null;
}

function districtCard(adcode, regionName) {
  const rule = state.rule;
  const own = state.results.get(`${rule.id}|${adcode}`) ?? null;
  const city = own ? null : cityRow(rule.id);
  return {
    kind: 'district',
    adcode,
    regionName,
    rule,
    result: own ?? city,
    citywide: !own && Boolean(city),
    synthetic: Boolean(state.report?.synthetic),
  };
}

// ---- map layers driven by the state

function applyRule() {
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
        { status: statusOf(own ?? city), citywide },
      );
    }
  }
  const filter = ['==', ['get', 'rule_id'], rule ? rule.id : ''];
  map.setFilter('gaps-fill', filter);
  map.setFilter('gaps-line', filter);
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

// the underserved zones of each rule in `gaps`: rule id → {zones, residents}
function countZones(gaps) {
  const counts = new Map();
  for (const feature of gaps.features) {
    const entry = counts.get(feature.properties.rule_id) ?? { zones: 0, residents: 0 };
    entry.zones += 1;
    entry.residents += feature.properties.residents;
    counts.set(feature.properties.rule_id, entry);
  }
  return counts;
}

function reportGaps() {
  if (!state.rule || !state.report) return;
  // the verdicts are the scenario's once they are loaded
  const shown = state.verdictsFor !== null && state.scenario;
  const prefix = shown ? t('scenario.in-status', { name: state.scenario.name }) : '';
  const ready = t('status.ready', { city: cityName(state.catalogue), n: state.report.results.length });
  const zones = countZones(state.gaps).get(state.rule.id);
  if (!zones) {
    setStatus(`${prefix}${ready} ${t('status.no-gaps')}`);
    return;
  }
  setStatus(
    `${prefix}${ready} ` +
      t('status.gaps', { n: zones.zones, people: formatNumber(zones.residents, 0) }) +
      (state.report.synthetic ? ` ${t('status.synthetic')}` : ''),
  );
}

// ---- coverage areas of the chosen norm (drawn when their layer is on)

let areasStatus = { kind: 'idle' };

function renderAreasNote() {
  const note = $('areas-note');
  if (!note) return;
  const { kind, n, message } = areasStatus;
  note.textContent =
    kind === 'loading'
      ? ` · ${t('areas.loading')}`
      : kind === 'ready'
        ? ` · ${t('areas.count', { n })}`
        : kind === 'none'
          ? ` · ${t('areas.none')}`
          : kind === 'error'
            ? ` · ${message}`
            : '';
  note.dataset.kind = kind;
}

function showAreas(areas, status) {
  state.areas = areas;
  map.getSource('areas').setData(areas);
  areasStatus = status;
  renderAreasNote();
}

// fetch the chosen norm's areas (the open scenario's, if any) unless they are drawn already
async function loadAreas() {
  if (!map || !state.visible.areas || !state.city || !state.ready) return;
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
  areasStatus = { kind: 'loading' };
  renderAreasNote();
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

function placeLabels() {
  for (const marker of labelMarkers) marker.remove();
  labelMarkers = state.units
    .filter((unit) => unit.label)
    .map((unit) => {
      const el = document.createElement('div');
      el.className = 'district-label';
      el.textContent = unit.name;
      el.lang = 'zh-CN';
      el.hidden = !state.visible.labels;
      return new maplibre.Marker({ element: el }).setLngLat(unit.label).addTo(map);
    });
}

// ---- choosing a city and a rule

function selectRule(ruleId) {
  const rules = state.catalogue?.rules ?? [];
  state.rule = rules.find((rule) => rule.id === ruleId) ?? rules[0] ?? null;
  if (state.rule) $('rule-select').value = state.rule.id;
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

// the county-level units of a city with polygons, their labels and the box around them
function unitsOf(regions) {
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  const units = regions.features
    .filter((f) => f.geometry)
    .map((f) => {
      extendBounds(bounds, f.geometry);
      return { adcode: f.properties.adcode, name: f.properties.name, label: labelPoint(f.geometry) };
    });
  const box = Number.isFinite(bounds[0])
    ? [
        [bounds[0], bounds[1]],
        [bounds[2], bounds[3]],
      ]
    : null;
  return { units, box };
}

// settles once the style is parsed and its sources can be changed (set when the map is made:
// MapLibre loads even an inline style asynchronously, after the constructor returns)
let styleLoaded = null;

function styleReady() {
  return styleLoaded;
}

// the compliance report and the underserved zones of the city, or of one of its scenarios
async function fetchVerdicts(city, scenario) {
  if (scenario === null) {
    return Promise.all([getJson('/compliance', { city }), getJson('/gaps', { city })]);
  }
  // one after the other: the zones then reuse the scenario's stored run
  const report = await getJson('/compliance', { city, scenario }, { auth: true });
  const gaps = await getJson('/gaps', { city, scenario }, { auth: true });
  return [report, gaps];
}

function applyVerdicts(report, gaps, scenario) {
  state.report = report;
  state.results = new Map(report.results.map((r) => [`${r.rule_id}|${r.region_adcode}`, r]));
  gaps.features.forEach((feature, index) => {
    feature.id = index;
  });
  state.gaps = gaps;
  state.verdictsFor = scenario;
  map.getSource('gaps').setData(gaps);
}

// reload the verdicts, zones and areas after the open scenario changed (or closed); resolves
// to true once they are drawn, false when a newer change or another city overtook it
async function reloadVerdicts() {
  const request = ++verdictRequest;
  const city = state.city;
  const scenario = state.scenario?.id ?? null;
  if (!city) return false;
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

// regions: the city's /regions answer when the caller already has it (the first load)
async function selectCity(city, ruleId = null, regions = null) {
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
  // a scenario belongs to its city
  scenarioMode.cityChanged();
  state.scenario = null;
  hideCard();
  $('city-select').value = city;
  fillRuleSelect();
  setStatus(t('status.loading'));
  // the verdicts and zones are asked for at once; the map is drawn meanwhile
  const verdicts = fetchVerdicts(city, null);
  verdicts.catch(() => null);
  await styleReady();
  if (request !== cityRequest) return;
  selectRule(ruleId);
  for (const layer of ['roads', 'facilities', 'cells']) {
    const source = map.getSource(layer);
    const url = tileUrl(layer, city);
    if (source.tiles?.[0] !== url) source.setTiles([url]);
  }
  map.getSource('gaps').setData(state.gaps);
  showAreas(EMPTY, { kind: 'idle' });

  try {
    const { units, box } = unitsOf(regions ?? (await getJson('/regions', { city })));
    if (request !== cityRequest) return;
    state.units = units;
    placeLabels();
    if (box && !regions) map.fitBounds(box, { padding: FIT_PADDING_PX, animate: false });
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

// ---- clicks: a site or facility, else a gap, else a coverage area, else a district
// (in scenario mode's place mode a click places a site instead: js/scenario.js)

const SITES = ['proposed-sites', 'suggested-sites', 'facilities'];
const CLICKABLE = [...SITES, 'gaps-fill', 'areas-fill', 'districts-fill'];

function onMapClick(event) {
  if (state.placing) return;
  const layers = CLICKABLE.filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
  const hits = map.queryRenderedFeatures(event.point, { layers });
  const site = hits.find((f) => SITES.includes(f.layer.id));
  const gap = hits.find((f) => f.layer.id === 'gaps-fill');
  const area = hits.find((f) => f.layer.id === 'areas-fill');
  const district = hits.find(
    (f) => f.layer.id === 'districts-fill' && state.units.some((u) => u.adcode === f.properties.adcode),
  );
  popup?.remove();
  if (site) {
    popup = new maplibre.Popup({ closeButton: true, maxWidth: '280px' })
      .setLngLat(site.geometry.coordinates)
      .setHTML(facilityPopup(site.properties))
      .addTo(map);
  } else if (gap) {
    const original = state.gaps.features[gap.id];
    showCard({ kind: 'gap', properties: original ? original.properties : gap.properties });
  } else if (area) {
    showCard({ kind: 'area', properties: area.properties });
  } else if (district && state.rule) {
    showCard(districtCard(district.properties.adcode, district.properties.name));
  } else {
    hideCard();
  }
}

function onMapMove(event) {
  if (state.placing) {
    map.getCanvas().style.cursor = 'crosshair';
    return;
  }
  const layers = CLICKABLE.filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
  const hits = map.queryRenderedFeatures(event.point, { layers });
  const clickable = hits.some(
    (f) => f.layer.id !== 'districts-fill' || state.units.some((u) => u.adcode === f.properties.adcode),
  );
  map.getCanvas().style.cursor = clickable ? 'pointer' : '';
}

// ---- language and layout

function applyLanguage(lang) {
  setLanguage(lang);
  translatePage();
  fillCitySelect();
  fillRuleSelect();
  renderRuleInfo();
  renderLayerSwitcher();
  renderLegend();
  rerenderCard();
  if (state.ready) reportGaps();
  scenarioMode.languageChanged();
  updateUrl();
}

function setPanelOpen(open) {
  $('panel').classList.toggle('open', open);
  $('panel-toggle').setAttribute('aria-expanded', String(open));
  map?.resize();
}

function wireControls() {
  $('lang-toggle').addEventListener('click', () => applyLanguage(language() === 'zh' ? 'en' : 'zh'));
  $('panel-toggle').addEventListener('click', () =>
    setPanelOpen(!$('panel').classList.contains('open')),
  );
  $('card-close').addEventListener('click', hideCard);
  $('city-select').addEventListener('change', (event) => selectCity(event.target.value));
  $('rule-select').addEventListener('change', (event) => {
    selectRule(event.target.value);
    if (window.innerWidth < NARROW_PX) setPanelOpen(false);
  });
  // enabled once the map is there (start)
  $('scenario-button').addEventListener('click', () => scenarioMode.toggle(scenarioContext()));
}

// what scenario mode may use of the page
function scenarioContext() {
  return {
    map,
    maplibre,
    state,
    showCard,
    hideCard,
    setStatus,
    describeError,
    reloadVerdicts,
    countZones,
    isSpatial,
    setPanelOpen,
    narrow: () => window.innerWidth < NARROW_PX,
  };
}

// ---- start

// resolves once the map has drawn everything asked of it so far (tiles, states, filters)
function whenIdle() {
  return new Promise((resolve) => {
    map.once('idle', () => resolve());
    map.triggerRepaint();
  });
}

async function start() {
  const params = new URLSearchParams(window.location.search);
  applyLanguage(params.get('lang') ?? 'zh');
  wireControls();
  const [library, norms] = await Promise.allSettled([import(MAPLIBRE_URL), getJson('/norms')]);
  if (library.status === 'rejected') {
    $('install-hint').textContent = t('install.hint');
    $('install-hint').hidden = false;
    setStatus(t('install.hint'), 'error');
    return;
  }
  maplibre = library.value;
  if (norms.status === 'fulfilled') state.catalogues = norms.value.catalogues;
  else setStatus(describeError(norms.reason), 'error');
  fillCitySelect();
  const known = state.catalogues.map((c) => c.city_adcode);
  const asked = params.get('city');
  const city = known.includes(asked) ? asked : known.includes(DEFAULT_CITY) ? DEFAULT_CITY : known[0];
  // the city's outline first, so the map opens on it and loads no tile it will not show
  const regions = city ? await getJson('/regions', { city }).catch(() => null) : null;
  const box = regions ? unitsOf(regions).box : null;

  map = new maplibre.Map({
    container: 'map',
    style: buildStyle(city),
    ...(box
      ? { bounds: box, fitBoundsOptions: { padding: FIT_PADDING_PX } }
      : { center: HUNAN_CENTER, zoom: HUNAN_ZOOM }),
    attributionControl: false,
    // lets a test (or a planner's "save image") read the rendered pixels
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  styleLoaded = new Promise((resolve) => map.once('style.load', () => resolve()));
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
  $('scenario-button').disabled = !scenarioMode.available;
  if (city) await selectCity(city, params.get('rule'), box ? regions : null);
}

start();
