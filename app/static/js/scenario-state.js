// @ts-check
// Scenario mode's own state (the scenario being edited, the page it was lent) and what its
// panel and actions share: the rule's facility selectors and the panel's message line.

import { ApiError, hasToken } from './api.js';
import { t } from './i18n.js';
import { $ } from './state.js';

/**
 * @import { Map as MapLibreMap, Marker } from 'maplibre-gl'
 * @import { Card } from './cards.js'
 * @import { MapLibre, PageState } from './state.js'
 * @import { GapCollection, OptimizeResult, QuickDiff, Rule, ScenarioSummary } from './types.js'
 */

/**
 * What the page lends scenario mode (main.js scenarioContext).
 *
 * @typedef {object} ScenarioContext
 * @property {MapLibreMap} map
 * @property {MapLibre} maplibre
 * @property {PageState} state
 * @property {(card: Card) => void} showCard
 * @property {() => void} hideCard
 * @property {(text: string, kind?: string) => void} setStatus
 * @property {(error: unknown) => string} describeError
 * @property {() => Promise<boolean>} reloadVerdicts
 * @property {() => void} scenarioChanged the open scenario was made, renamed or closed (the
 *   exports and the report follow it)
 * @property {(gaps: GapCollection) => Map<string, {zones: number, residents: number}>} countZones
 * @property {(rule: Rule | null) => rule is Rule} isSpatial
 * @property {(open: boolean) => void} setPanelOpen
 * @property {() => boolean} narrow
 */

/**
 * A site proposed in the scenario.
 *
 * @typedef {object} ProposedSite
 * @property {number} changeId the scenario change that adds it
 * @property {string} name
 * @property {string} type
 * @property {number} lon
 * @property {number} lat
 */

/**
 * What the browser tests read of scenario mode (`window.fplan.scenario`).
 *
 * @typedef {object} ScenarioView
 * @property {boolean} open
 * @property {number | null} id
 * @property {number | null} version
 * @property {string} name
 * @property {number | null} saved the version last saved
 * @property {ProposedSite[]} sites
 * @property {OptimizeResult | null} suggestions
 * @property {QuickDiff | null} lastDiff
 * @property {boolean} busy
 * @property {OptimizeResult | null} emsPlan the last EMS station-and-fleet plan
 * @property {ScenarioSummary | null} emsSaved the scenario it was saved as
 */

// the type proposed when the chosen norm names none (the most common new primary facility)
export const DEFAULT_TYPE = 'community_health_center';

/**
 * The scenario being edited.
 *
 * @type {{open: boolean, id: number | null, version: number | null, name: string,
 *   saved: {version: number | null, at: Date} | null, sites: ProposedSite[],
 *   suggestions: OptimizeResult | null, added: Set<number>, lastDiff: QuickDiff | null,
 *   busy: boolean}}
 */
export const scenario = {
  open: false,
  id: null,
  version: null,
  name: '',
  saved: null, // {version, at} of the last Save
  sites: [], // proposed sites
  suggestions: null, // the last /optimize answer
  added: new Set(), // indices of suggestions added to the scenario
  lastDiff: null,
  busy: false,
};

/**
 * The page lent by the last toggle; the panel's wiring; the norm the type chooser was last
 * matched to (main.js re-applies the rule on every reload); the rank markers drawn.
 *
 * @type {{ctx: ScenarioContext | null, wired: boolean, matchedRule: string | null,
 *   numberMarkers: Marker[]}}
 */
export const mode = { ctx: null, wired: false, matchedRule: null, numberMarkers: [] };

/** The page scenario mode was opened on (only called once it is open). */
export function context() {
  if (!mode.ctx) throw new Error('scenario mode is not open');
  return mode.ctx;
}

// ---- the rule's facilities: which types count, and with what a new one must come

/** @param {Rule | null} rule */
export function selectors(rule) {
  return mode.ctx?.isSpatial(rule) ? (rule.parameters?.facilities ?? []) : [];
}

/**
 * @param {Rule | null} rule
 * @param {string} type
 */
export function typeCounts(rule, type) {
  return selectors(rule).some((s) => s.facility_types.includes(type));
}

/**
 * A proposed facility of `type` as the rule's selector wants it (grade, ownership, flags).
 *
 * @param {string} type
 * @param {string} name
 * @param {Rule | null} rule
 */
export function siteProperties(type, name, rule) {
  const selector = selectors(rule).find((s) => s.facility_types.includes(type));
  /** @type {Record<string, string | boolean>} */
  const properties = { name, type, source: 'proposed' };
  if (selector?.min_grade) properties.grade = selector.min_grade;
  if (selector?.ownership) properties.ownership = selector.ownership;
  for (const flag of selector?.flags ?? []) properties[flag] = true;
  return properties;
}

// ---- messages

/**
 * @param {string} text
 * @param {string} [kind] info, ok, error, muted (read by the style sheet)
 */
export function message(text, kind = 'info') {
  const el = $('scenario-message');
  el.textContent = text;
  el.dataset.kind = kind;
}

/** @param {unknown} error */
function explain(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return t('scenario.error.401');
    if (error.status === 403) return t('scenario.error.403');
    if (error.status === 409 || error.status === 412) {
      return t('scenario.error.409', { message: error.message });
    }
  }
  return context().describeError(error);
}

/** @param {unknown} error */
export function fail(error) {
  const ctx = context();
  message(explain(error), 'error');
  // the message is in the panel: a narrow window shows it again
  if (ctx.narrow()) ctx.setPanelOpen(true);
}

export function requireToken() {
  if (hasToken()) return true;
  const ctx = context();
  message(t('scenario.need-token'), 'error');
  if (ctx.narrow()) ctx.setPanelOpen(true);
  $('scenario-token').focus();
  return false;
}
