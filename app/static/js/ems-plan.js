// @ts-check
// Scenario mode's EMS plan: where new EMS stations go and how the ambulances the plan requires
// are shared among old and new stations (POST /optimize, model "ems"), offered when the chosen
// norm is the ambulance fleet rule or an EMS station rule. The card shows per county-level unit
// the stations, the fleet, the residents covered and the expected coverage (ambulances busy)
// before and after; "save as scenario" asks the same plan again with `save_as_scenario`, and the
// city's saved scenarios (GET /scenarios) are listed with the new one among them.

import { request } from './api.js';
import { cityName, formatNumber, language, t } from './i18n.js';
import { html, renderHtml } from './html.js';
import { context, fail, message, requireToken, scenario } from './scenario-state.js';
import { $ } from './state.js';

/**
 * @import { EmsCounty, OptimizeResult, Rule, ScenarioList, ScenarioSummary } from './types.js'
 */

// the solver's time limit for the plan, seconds: the panel waits for it
const EMS_TIME_LIMIT_S = 30;

/**
 * The plan last answered, and the scenario it was saved as.
 *
 * @type {{result: OptimizeResult | null, stationRule: string | null,
 *   saved: ScenarioSummary | null, scenarios: ScenarioSummary[]}}
 */
export const ems = { result: null, stationRule: null, saved: null, scenarios: [] };

/** @param {Rule} rule */
function countsStations(rule) {
  return (rule.parameters?.facilities ?? []).some((s) => s.facility_types.includes('ems_station'));
}

/**
 * The norm that places the stations: the chosen one when it is an EMS station rule; for the
 * ambulance fleet rule, the plan's EMS station rule; null for any other norm.
 *
 * @param {Rule | null} rule
 * @returns {Rule | null}
 */
export function stationRule(rule) {
  const ctx = context();
  if (!rule) return null;
  if (ctx.isSpatial(rule) && countsStations(rule)) return rule;
  if (rule.kind !== 'fleet_ratio' || rule.parameters?.measure !== 'fleet_size') return null;
  const rules = ctx.state.catalogue?.rules ?? [];
  return rules.find((r) => ctx.isSpatial(r) && countsStations(r)) ?? null;
}

/** Show the section for an EMS norm, hide it otherwise; the buttons follow the panel. */
export function renderEmsSection() {
  const ctx = context();
  const rule = stationRule(ctx.state.rule);
  $('ems-plan').hidden = rule === null;
  $('ems-plan-run', HTMLButtonElement).disabled = scenario.busy || rule === null;
  const save = $('ems-plan-save', HTMLButtonElement);
  save.hidden = ems.result === null;
  save.disabled = scenario.busy || ems.result === null;
}

/**
 * Before → after: counts as they are, residents in the reader's unit (万 or thousands).
 *
 * @param {number} before
 * @param {number} after
 * @param {number} [scale] residents per unit shown (1: a count)
 */
function change(before, after, scale = 1) {
  const digits = scale === 1 ? 0 : 1;
  return `${formatNumber(before / scale, digits)} → ${formatNumber(after / scale, digits)}`;
}

// residents are shown in 万 (10,000) on the Chinese page and in thousands on the English one
function residentsScale() {
  return language() === 'zh' ? 10_000 : 1_000;
}

/** @param {EmsCounty} unit */
function fleetRow(unit) {
  return html`<tr>
    <th scope="row">${unit.name}</th>
    <td>${change(unit.stations_before, unit.stations_after)}</td>
    <td>${change(unit.fleet_before, unit.fleet_after)}</td>
    <td>${formatNumber(unit.fleet_required, 0)}</td>
  </tr>`;
}

/** @param {EmsCounty} unit */
function coverageRow(unit) {
  const scale = residentsScale();
  return html`<tr>
    <th scope="row">${unit.name}</th>
    <td>${change(unit.covered_before, unit.covered_after, scale)}</td>
    <td>${change(unit.expected_before, unit.expected_after, scale)}</td>
  </tr>`;
}

/** The plan's card: its summary, the busy fraction, and per unit before and after. */
export function renderEmsPlan() {
  const box = $('ems-plan-result');
  const plan = ems.result?.ems;
  const result = ems.result;
  if (!result || !plan) {
    box.replaceChildren();
  } else {
    const zh = language() === 'zh';
    /** @type {EmsCounty} the city: the units summed */
    const total = { ...plan, adcode: '', name: t('ems.total'), residents: 0 };
    renderHtml(
      box,
      html`
      <p class="ems-summary">${zh ? result.summary_zh : result.summary_en}</p>
      <p class="hint">${t('ems.busy', {
        busy: formatNumber(100 * plan.busy_fraction, 1),
        calls: formatNumber(plan.calls_per_1000_per_year, 0),
        minutes: formatNumber(plan.minutes_per_call, 0),
      })} ${zh ? result.gap_zh : result.gap_en}</p>
      <table class="ems-table ems-fleet">
        <caption>${t('ems.fleet-caption')}</caption>
        <thead><tr>
          <th scope="col">${t('ems.col.unit')}</th>
          <th scope="col">${t('ems.col.stations')}</th>
          <th scope="col">${t('ems.col.fleet')}</th>
          <th scope="col">${t('ems.col.required')}</th>
        </tr></thead>
        <tbody>${plan.counties.map(fleetRow)}</tbody>
        <tfoot>${fleetRow(total)}</tfoot>
      </table>
      <table class="ems-table ems-coverage">
        <caption>${t('ems.coverage-caption')}</caption>
        <thead><tr>
          <th scope="col">${t('ems.col.unit')}</th>
          <th scope="col">${t('ems.col.covered')}</th>
          <th scope="col">${t('ems.col.expected')}</th>
        </tr></thead>
        <tbody>${plan.counties.map(coverageRow)}</tbody>
        <tfoot>${coverageRow(total)}</tfoot>
      </table>`,
    );
  }
  const saved = $('ems-plan-saved');
  saved.textContent = ems.saved
    ? t('ems.saved', { name: ems.saved.name, id: ems.saved.id, n: ems.saved.n_changes ?? 0 })
    : '';
  saved.dataset.kind = ems.saved ? 'ok' : '';
  $('ems-plan-scenarios').replaceChildren(
    ...ems.scenarios.map((s) => {
      const item = document.createElement('li');
      item.dataset.scenarioId = String(s.id);
      item.textContent = t('ems.scenario-item', { name: s.name, id: s.id, n: s.n_changes ?? 0 });
      return item;
    }),
  );
  $('ems-plan-scenarios-title').hidden = ems.scenarios.length === 0;
  renderEmsSection();
}

/**
 * The request of the plan for the chosen norm (saved as a scenario when `name` is given).
 *
 * @param {Rule} rule the station rule
 * @param {string} [name]
 */
function body(rule, name) {
  const ctx = context();
  return {
    city: ctx.state.city,
    model: 'ems',
    rule_id: rule.id,
    candidates: 'gaps',
    time_limit_s: EMS_TIME_LIMIT_S,
    ...(name ? { save_as_scenario: name } : {}),
  };
}

/**
 * Ask the plan (or save it); the panel is busy meanwhile.
 *
 * @param {string} [name] save it as the scenario of this name
 */
async function ask(name) {
  const ctx = context();
  const rule = stationRule(ctx.state.rule);
  if (!rule || !requireToken() || scenario.busy) return;
  scenario.busy = true;
  renderEmsSection();
  message(t(name ? 'ems.saving' : 'ems.running'));
  try {
    const result = /** @type {OptimizeResult} */ (
      await request('POST', '/optimize', { body: body(rule, name), auth: true })
    );
    ems.result = result;
    ems.stationRule = rule.id;
    if (name && result.scenario_id) {
      ems.saved = /** @type {ScenarioSummary} */ (
        await request('GET', `/scenarios/${result.scenario_id}`, { auth: true })
      );
      await listScenarios();
      // the card says where it was saved
      message('');
    } else {
      ems.saved = null;
      message(t('ems.done', { stations: result.ems?.new_stations ?? 0 }), 'ok');
    }
  } catch (error) {
    fail(error);
  } finally {
    scenario.busy = false;
    renderEmsPlan();
  }
}

/** The city's saved scenarios, newest first. */
async function listScenarios() {
  const ctx = context();
  const answer = /** @type {ScenarioList} */ (
    await request('GET', '/scenarios', { params: { city: ctx.state.city }, auth: true })
  );
  ems.scenarios = [...answer.scenarios].sort((a, b) => b.id - a.id);
}

/** The scenario's name: the panel's name field, else the plan's default for the city. */
function scenarioName() {
  const ctx = context();
  const typed = $('scenario-name', HTMLInputElement).value.trim();
  if (typed) return typed;
  const city = ctx.state.catalogue ? cityName(ctx.state.catalogue) : ctx.state.city;
  return t('ems.default-name', { city });
}

export function wireEmsPlan() {
  $('ems-plan-run').addEventListener('click', () => ask());
  $('ems-plan-save').addEventListener('click', () => ask(scenarioName()));
}

/** Forget the plan (another city, or scenario mode closed). */
export function resetEmsPlan() {
  Object.assign(ems, { result: null, stationRule: null, saved: null, scenarios: [] });
}
