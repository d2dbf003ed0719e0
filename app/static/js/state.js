// @ts-check
// The page's state: what is chosen (city, norm, layers, scenario), what is loaded for it
// (catalogue, verdicts, zones, areas) and the map once it is made. One object read and written
// by main.js, map.js, panel.js, clicks.js and scenario mode; the browser tests read it as
// `window.fplan.state`.

import { TOGGLES } from './mapstyle.js';

/**
 * @import { Map as MapLibreMap } from 'maplibre-gl'
 * @import { Card } from './cards.js'
 * @import { ToggleKey } from './mapstyle.js'
 * @import { Catalogue, CityStatus, ComplianceReport, ComplianceResult, CoverageAreaCollection,
 *   GapCollection, Rule, RuleFacilities } from './types.js'
 */

/** @typedef {typeof import('maplibre-gl')} MapLibre */

/**
 * A county-level unit of the chosen city.
 *
 * @typedef {object} Unit
 * @property {string} adcode
 * @property {string} name
 * @property {[number, number] | null} label where its name is placed, [lon, lat]
 */

/** @typedef {{id: number, name: string}} ScenarioRef a stored scenario the map shows */

// the panel becomes a drawer below this width (keep in step with style.css)
export const NARROW_PX = 720;

/** A feature collection without features: a layer with nothing to draw. */
export const EMPTY = /** @type {{type: 'FeatureCollection', features: never[]}} */ ({
  type: 'FeatureCollection',
  features: [],
});

/**
 * @typedef {object} PageState
 * @property {Catalogue[]} catalogues every city's norms
 * @property {string | null} city the chosen city's adcode
 * @property {Catalogue | null} catalogue the chosen city's norms
 * @property {Rule | null} rule the chosen norm
 * @property {ComplianceReport | null} report the city's compliance report, or null while
 *   loading or when unavailable
 * @property {Map<string, ComplianceResult>} results `${rule}|${adcode}` → result row
 * @property {Unit[]} units the city's county-level units
 * @property {GapCollection} gaps the underserved zones of every norm
 * @property {CoverageAreaCollection} areas the chosen norm's coverage areas, when that layer is on
 * @property {string | null} areasKey what `areas` were drawn for: `${city}|${rule}|${scenario}`
 * @property {Record<ToggleKey, boolean>} visible which layers of the switcher are on
 * @property {Card | null} card what the open card shows, to re-render it on a language change
 * @property {boolean} ready the city's verdicts are in (or failed) and drawn
 * @property {number} ruleChanges how often the norm was applied to the map
 * @property {ScenarioRef | null} scenario the scenario the map shows; null: the register
 * @property {number | null} verdictsFor the scenario id (or null) the loaded verdicts and zones
 *   belong to
 * @property {boolean} placing scenario mode: a click on the map places a site
 * @property {RuleFacilities | null} ruleFacilities the facilities the chosen norm counts
 * @property {string | null} facilitiesKey what `ruleFacilities` were asked for: `${city}|${rule}`
 * @property {Map<string, CityStatus>} cities each plan city: prepared or not (GET /cities)
 * @property {boolean} canPrepare the page's token may prepare a city (an admin's)
 */

/** @type {PageState} */
export const state = {
  catalogues: [],
  city: null,
  catalogue: null,
  rule: null,
  report: null,
  results: new Map(),
  units: [],
  gaps: EMPTY,
  areas: EMPTY,
  areasKey: null,
  visible: /** @type {Record<ToggleKey, boolean>} */ (
    Object.fromEntries(TOGGLES.map((toggle) => [toggle.key, toggle.visible]))
  ),
  card: null,
  ready: false,
  ruleChanges: 0,
  scenario: null,
  verdictsFor: null,
  placing: false,
  ruleFacilities: null,
  facilitiesKey: null,
  cities: new Map(),
  canPrepare: false,
};

/**
 * The map and its library, once start-up has loaded them.
 *
 * @type {{map: MapLibreMap | null, maplibre: MapLibre | null, styleLoaded: Promise<void> | null}}
 */
export const page = {
  map: null,
  maplibre: null,
  // settles once the style is parsed and its sources can be changed (set when the map is made:
  // MapLibre loads even an inline style asynchronously, after the constructor returns)
  styleLoaded: null,
};

/**
 * The page's element `#id`, of the kind asked for (an element of the page, so never missing).
 *
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @param {{new (): E, prototype: E}} [kind] e.g. HTMLSelectElement
 * @returns {E}
 */
export function $(id, kind) {
  const el = document.getElementById(id);
  if (!el || (kind && !(el instanceof kind))) {
    throw new Error(`the page has no ${kind?.name ?? 'element'} #${id}`);
  }
  return /** @type {E} */ (el);
}

export function narrow() {
  return window.innerWidth < NARROW_PX;
}

/**
 * The chosen city's own row of a rule (null when it has none or nothing is loaded).
 *
 * @param {string} ruleId
 */
export function cityRow(ruleId) {
  return state.results.get(`${ruleId}|${state.city}`) ?? null;
}

/**
 * A rule of the chosen city's catalogue.
 *
 * @param {string} ruleId
 */
export function findRule(ruleId) {
  return state.catalogue?.rules.find((rule) => rule.id === ruleId) ?? null;
}

/**
 * The underserved zones of each rule in `gaps`: rule id → {zones, residents}.
 *
 * @param {GapCollection} gaps
 */
export function countZones(gaps) {
  /** @type {Map<string, {zones: number, residents: number}>} */
  const counts = new Map();
  for (const feature of gaps.features) {
    const entry = counts.get(feature.properties.rule_id) ?? { zones: 0, residents: 0 };
    entry.zones += 1;
    entry.residents += feature.properties.residents;
    counts.set(feature.properties.rule_id, entry);
  }
  return counts;
}
