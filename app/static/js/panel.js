// @ts-check
// The panel: the status line, the city and norm selectors, the chosen norm's description and
// city verdict, the layer switcher (with the coverage areas' note) and the legend.

import { API, ApiError, fetchFile } from './api.js';
import { statusOf } from './cards.js';
import { html, renderHtml } from './html.js';
import {
  cityName,
  facilityTypeName,
  formatNumber,
  language,
  otherRuleTitle,
  outcomeText,
  ruleTitle,
  t,
} from './i18n.js';
import {
  AREA_COLORS,
  CELL_STOPS,
  COMPLIANCE_COLORS,
  FACILITY_GROUPS,
  FAIL_GAP_STOPS,
  GAP_STOPS,
  FAINT_OPACITY,
  PROPOSED_RING,
  REAL_OUTLINE,
  ROAD_CLASSES,
  SUGGESTED_COLOR,
  TOGGLES,
} from './mapstyle.js';
import { $, cityRow, countZones, page, state } from './state.js';

/**
 * @import { ColorStops, ToggleKey } from './mapstyle.js'
 */

/**
 * What the coverage-area layer is doing, shown beside its switch.
 *
 * @typedef {{kind: 'idle'} | {kind: 'loading'} | {kind: 'none'} | {kind: 'ready', n: number}
 *   | {kind: 'error', message: string}} AreasStatus
 */

// ---- status line

/**
 * @param {string} text
 * @param {string} [kind] info, error (read by the style sheet)
 */
export function setStatus(text, kind = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

/**
 * What went wrong, for the status line: the service's own message, or the network's.
 *
 * @param {unknown} error
 */
export function describeError(error) {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof ApiError ? t('error.api', { message }) : t('error.network', { message });
}

// the city's verdict count and the chosen norm's underserved zones, in the status line
export function reportGaps() {
  if (!state.rule || !state.report || !state.catalogue) return;
  // the verdicts are the scenario's once they are loaded
  const shown = state.verdictsFor !== null && state.scenario;
  const prefix = shown ? t('scenario.in-status', { name: state.scenario?.name }) : '';
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

// ---- selectors and the chosen norm

export function fillCitySelect() {
  const select = $('city-select', HTMLSelectElement);
  select.replaceChildren(
    ...state.catalogues.map((c) => {
      // a city not prepared is offered too: choosing it says what to do
      const unprepared = state.cities.get(c.city_adcode)?.prepared === false;
      const mark = unprepared ? `（${t('map.city.unprepared')}）` : '';
      const option = new Option(`${cityName(c)} · ${c.city_adcode}${mark}`, c.city_adcode);
      option.dataset.prepared = String(!unprepared);
      return option;
    }),
  );
  if (state.city) select.value = state.city;
}

export function fillRuleSelect() {
  const select = $('rule-select', HTMLSelectElement);
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

export function renderRuleInfo() {
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
  renderHtml(
    $('rule-info'),
    html`
    <p><span>${t('rule.kind')}:</span> ${t(`kind.${rule.kind}`)}
       · <span>${t('rule.target')}:</span>
       ${targetText} ${t(`target-unit.${target.unit}`)}</p>`,
  );
  const row = cityRow(rule.id);
  const status = state.report ? statusOf(row) : null;
  renderHtml(
    $('city-verdict'),
    status
      ? html`<span class="badge badge-${status}">${t('verdict.city')}:
         ${t(`status.${status}`)}</span>
       ${row?.shortfall_text ? html`<span class="shortfall-text">${outcomeText(row)}</span>` : ''}`
      : html``,
  );
}

// ---- layer switcher

/** @type {AreasStatus} */
let areasStatus = { kind: 'idle' };

/**
 * The switches of every layer; `onToggle` is called with the layer and whether it is now on.
 *
 * @param {(key: ToggleKey, visible: boolean) => void} onToggle
 */
export function renderLayerSwitcher(onToggle) {
  $('layer-switcher').replaceChildren(
    ...TOGGLES.map((toggle) => {
      const label = document.createElement('label');
      label.className = 'switch';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = toggle.key;
      box.dataset.layer = toggle.key;
      box.checked = state.visible[toggle.key];
      box.addEventListener('change', () => onToggle(toggle.key, box.checked));
      label.append(box, ` ${t(toggle.label ?? `layer.${toggle.key}`)}`);
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

/**
 * Show what the coverage-area layer is doing beside its switch.
 *
 * @param {AreasStatus} status
 */
export function setAreasStatus(status) {
  areasStatus = status;
  renderAreasNote();
}

function renderAreasNote() {
  const note = document.getElementById('areas-note');
  if (!note) return;
  const status = areasStatus;
  note.textContent =
    status.kind === 'loading'
      ? ` · ${t('areas.loading')}`
      : status.kind === 'ready'
        ? ` · ${t('areas.count', { n: status.n })}`
        : status.kind === 'none'
          ? ` · ${t('areas.none')}`
          : status.kind === 'error'
            ? ` · ${status.message}`
            : '';
  note.dataset.kind = status.kind;
}

// ---- the report and the exports of the chosen city (baseline, or the open scenario)

const EXPORT_FORMATS = /** @type {const} */ (['xlsx', 'csv', 'gpkg', 'geojson']);

export function renderExports() {
  const nav = $('exports');
  const city = state.city;
  // a city not prepared has nothing to report or export yet
  if (!city || state.cities.get(city)?.prepared === false) {
    renderHtml(nav, html``);
    return;
  }
  const lang = language();
  const scenario = state.scenario ? `&scenario=${state.scenario.id}` : '';
  const report = `${API}/reports/${city}?format=html&lang=${lang}${scenario}`;
  const pdf = `${API}/reports/${city}?format=pdf&lang=${lang}${scenario}`;
  const links = EXPORT_FORMATS.map(
    (format) =>
      html`<a class="export-link" download
        href="${`${API}/compliance?city=${city}&format=${format}&lang=${lang}${scenario}`}"
        >${t(`export.${format}`)}</a>`,
  );
  const scope = state.scenario
    ? t('map.exports.scenario', { name: state.scenario.name })
    : t('map.exports.baseline');
  renderHtml(
    nav,
    html`<p id="exports-scope" class="export-scope"
        data-scenario="${String(state.scenario?.id ?? '')}">${scope}</p>
      <a id="report-link" class="report-link" target="_blank" rel="noopener"
        href="${report}">${t('export.report')}</a>
      <a class="export-link" download href="${pdf}">${t('export.pdf')}</a>
      <span class="export-label">${t('export.label')}</span>${links}`,
  );
}

// how long a fetched report or export stays at its object URL, milliseconds
const OBJECT_URL_MS = 60_000;

/**
 * A click on the report or an export while a scenario is open: the links name the scenario's
 * files (`?scenario=`), fetched here with the planner's token, which a plain link cannot send.
 *
 * @param {MouseEvent} event
 */
export async function followExport(event) {
  const link = event.target instanceof Element ? event.target.closest('a') : null;
  if (!link || !state.scenario) return;
  event.preventDefault();
  // the report's tab is opened at the click, so no pop-up blocker stops it
  const tab = link.id === 'report-link' ? window.open('', '_blank') : null;
  try {
    const { blob, filename } = await fetchFile(link.href);
    const url = URL.createObjectURL(blob);
    if (tab) {
      tab.location.href = url;
    } else {
      const save = document.createElement('a');
      save.href = url;
      save.download = filename;
      save.click();
    }
    window.setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_MS);
  } catch (error) {
    tab?.close();
    setStatus(describeError(error), 'error');
  }
}

// ---- legend

/**
 * @param {string} style inline CSS of the swatch
 * @param {string} text
 * @param {string} [entry] names the entry for the browser tests (data-legend)
 */
function swatch(style, text, entry = '') {
  return html`<li data-legend="${entry}"><span class="swatch" style="${style}"></span>${text}</li>`;
}

// the facilities of the chosen norm: what counts (in full) and what not (faint), real and
// synthetic with their numbers
function facilityLegend() {
  const known = state.ruleFacilities?.rule_id === state.rule?.id ? state.ruleFacilities : null;
  const grey = '#555';
  const real = `background:${grey}; border:2px solid ${REAL_OUTLINE}; border-radius:50%`;
  const synthetic = `background:#fff; border:2px solid ${grey}; border-radius:50%`;
  if (!known) {
    return [swatch(real, t('legend.real_point'), 'real'), swatch(synthetic, t('legend.synthetic_point'), 'synthetic')];
  }
  const counted = known.counted.real + known.counted.synthetic;
  const others = known.others.real + known.others.synthetic;
  const note = known.every_facility
    ? t('map.legend.every')
    : counted
      ? t('map.legend.types', { types: known.facility_types.map(facilityTypeName).join('、') })
      : t('map.legend.none');
  const faint = `background:${grey}; opacity:${FAINT_OPACITY}; border-radius:50%`;
  return [
    swatch(real, t('map.legend.real', { n: formatNumber(known.counted.real + known.others.real, 0) }), 'real'),
    swatch(
      synthetic,
      t('map.legend.synthetic', { n: formatNumber(known.counted.synthetic + known.others.synthetic, 0) }),
      'synthetic',
    ),
    swatch(`background:${grey}; border-radius:50%`, t('map.legend.counted', { n: formatNumber(counted, 0) }), 'counted'),
    ...(known.every_facility ? [] : [swatch(faint, t('map.legend.others', { n: formatNumber(others, 0) }), 'others')]),
    html`<li class="legend-note" data-legend="note">${note}</li>`,
  ];
}

/**
 * @param {ColorStops} stops
 * @param {number} [digits]
 */
function rampLegend(stops, digits = 0) {
  return stops.map(([value, color]) =>
    swatch(`background:${color}`, `≥ ${formatNumber(value, digits)}`),
  );
}

export function renderLegend() {
  const compliance = [
    swatch(`background:${COMPLIANCE_COLORS.pass}`, t('legend.target-met')),
    // a failing unit by its distance from the target, the target itself marked above
    ...FAIL_GAP_STOPS.map(([share, color]) =>
      swatch(`background:${color}`, t('legend.gap-share', { share: formatNumber(share * 100, 0) })),
    ),
    ...(/** @type {const} */ (['unknown', 'na'])).map((status) =>
      swatch(`background:${COMPLIANCE_COLORS[status]}`, t(`status.${status}`)),
    ),
  ];
  const facilities = Object.entries(FACILITY_GROUPS).map(([key, group]) =>
    swatch(`background:${group.color}; border-radius:50%`, t(`group.${key}`)),
  );
  const roads = [...ROAD_CLASSES, { key: 'minor', color: '#ffffff' }].map((road) =>
    swatch(`background:${road.color}; height:4px`, t(`road.${road.key}`)),
  );
  /** @param {string} color */
  const hatch = (color) =>
    `background: repeating-linear-gradient(-45deg, ${color} 0 1px, transparent 1px 6px);` +
    ` outline: 1.4px solid ${color}`;
  const areas = /** @type {const} */ (['urban', 'rural', 'all']).map((key) =>
    swatch(hatch(AREA_COLORS[key]), t(`legend.areas.${key}`)),
  );
  const ring = `border:3px solid ${PROPOSED_RING}; border-radius:50%`;
  const proposed = `background:${FACILITY_GROUPS.primary.color}; ${ring}`;
  const suggested = `background:${SUGGESTED_COLOR}; border:2px solid #5c4300; border-radius:50%`;
  renderHtml(
    $('legend'),
    html`
    <h3>${t('legend.compliance')}</h3><ul>${compliance}</ul>
    <h3>${t('legend.facilities')}</h3><ul>${facilities}${facilityLegend()}</ul>
    <h3>${t('legend.sites')}</h3><ul>
      ${swatch(proposed, t('legend.proposed'))}${swatch(suggested, t('legend.suggested'))}
    </ul>
    <h3>${t('legend.areas')}</h3><ul>${areas}</ul>
    <h3>${t('legend.gaps')}</h3><ul class="ramp">${rampLegend(GAP_STOPS)}</ul>
    <h3>${t('legend.cells')}</h3><ul class="ramp">${rampLegend(CELL_STOPS)}</ul>
    <h3>${t('legend.roads')}</h3><ul>${roads}</ul>`,
  );
}

// ---- the panel as a drawer (narrow windows)

/** @param {boolean} open */
export function setPanelOpen(open) {
  $('panel').classList.toggle('open', open);
  $('panel-toggle').setAttribute('aria-expanded', String(open));
  page.map?.resize();
}
