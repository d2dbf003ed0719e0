// @ts-check
// The compliance card (a district under one norm), the gap card (an underserved zone), the
// coverage-area card, the scenario card (what a proposed site changes) and the facility popup,
// as `Html`: every value from the service is escaped by the `html` template.

import { Html, html } from './html.js';
import {
  facilityTypeName,
  formatNumber,
  gradeName,
  language,
  outcomeText,
  ruleTitle,
  t,
  unitName,
} from './i18n.js';

/**
 * @import { Citation, ComplianceResult, CoverageAreaProperties, GapProperties, QuickDiff,
 *   Rule, RuleQuickDiff, SiteProperties } from './types.js'
 */

/**
 * What the district card shows: a district under one norm.
 *
 * @typedef {object} DistrictCard
 * @property {'district'} kind
 * @property {string} adcode
 * @property {string} regionName
 * @property {Rule} rule
 * @property {ComplianceResult | null} result the district's own row, or the city-wide one
 * @property {boolean} citywide the row is the city's, shown on its district
 * @property {boolean} synthetic
 */

/**
 * Zones of a rule's underserved residents: rule id → counts.
 *
 * @typedef {Map<string, {zones: number, residents: number}>} ZoneCounts
 */

/**
 * What the scenario card shows: one proposed site and what it changes.
 *
 * @typedef {object} ScenarioCard
 * @property {'scenario'} kind
 * @property {string} city
 * @property {string} scenarioName
 * @property {string} siteName
 * @property {string} siteType
 * @property {number} n the site's number in the scenario
 * @property {QuickDiff | null} diff the quick diff, or null when the city has none
 * @property {ZoneCounts} zonesBefore
 * @property {ZoneCounts | null} zonesAfter null while the scenario's zones load
 */

/**
 * Whatever the map's card shows.
 *
 * @typedef {DistrictCard | ScenarioCard
 *   | {kind: 'gap', properties: GapProperties}
 *   | {kind: 'area', properties: CoverageAreaProperties}} Card
 */

/** @typedef {'pass' | 'fail' | 'unknown' | 'na'} Status */

// the kinds of norm measured on the network, with coverage areas and gap zones
// (geo.norms SPATIAL_KINDS)
const SPATIAL_KINDS = ['travel_time_coverage', 'radius_coverage', 'ems_response'];

/**
 * @param {Rule | null} rule
 * @returns {rule is Rule}
 */
export function isSpatial(rule) {
  return Boolean(rule && SPATIAL_KINDS.includes(rule.kind) && !rule.data_gap);
}

/**
 * @param {ComplianceResult | null} result
 * @returns {Status}
 */
export function statusOf(result) {
  if (!result) return 'na';
  if (result.passed === true) return 'pass';
  if (result.passed === false) return 'fail';
  return 'unknown';
}

/**
 * @param {string} label
 * @param {Html} value
 * @param {string} [className]
 */
function row(label, value, className = '') {
  return html`<tr class="${className}"><th>${label}</th><td>${value}</td></tr>`;
}

/**
 * A figure with its unit; shares (0..1) read better as percentages: 0.337 → "33.7 %".
 *
 * @param {number | null} value
 * @param {string} unit
 */
function withUnit(value, unit) {
  if (value === null || value === undefined) return html`—`;
  const shown = unit.startsWith('share') ? `${formatNumber(value * 100, 1)} %` : formatNumber(value);
  return html`${shown} <span class="unit">${unitName(unit)}</span>`;
}

/** @param {Citation | null | undefined} citation */
function citationHtml(citation) {
  if (!citation) return html``;
  return html`
    <figure class="quote">
      <figcaption>${t('card.quote')}</figcaption>
      <blockquote lang="zh-CN" data-field="quote">${citation.quote}</blockquote>
      <p class="cite" data-field="citation">${t('card.source')}:
        ${planName(citation)}${t('card.lines')} <code>${citation.lines}</code></p>
    </figure>`;
}

// the plan by its title and document number (文号) where the catalogue gives them
/** @param {Citation} citation */
function planName(citation) {
  const title = language() === 'en' ? citation.plan_title_en : citation.plan_title_zh;
  if (!title) return html`<code>${citation.document}</code>, `;
  const number = citation.document_number ? html` <span data-field="document-number">${citation.document_number}</span>` : '';
  return html`<span data-field="plan-title">${title}</span>${number}, `;
}

/**
 * What a verdict rests on: the plan's label, target year, baseline and how fplan reads the rule.
 *
 * @param {ComplianceResult} result
 */
function basisHtml(result) {
  const rows = [];
  if (result.binding) rows.push(row(t('card.plan'), html`${t(`card.${result.binding}`)}`, 'binding'));
  if (result.year !== null) rows.push(row(t('card.year'), html`${result.year}`, 'year'));
  if (result.baseline) {
    const base = result.baseline;
    rows.push(row(t('card.baseline'), html`${withUnit(base.value, result.unit)} (${base.year})`, 'baseline'));
  }
  const table = rows.length ? html`<table class="figures basis">${Html.join(rows)}</table>` : '';
  const unknown = result.unknown_facilities > 0
    ? html`<p class="note" data-field="unknown-facilities">${t('card.unknown-facilities', { n: String(result.unknown_facilities) })}</p>`
    : '';
  const reading = result.interpretation
    ? html`<details class="interpretation" data-field="interpretation"><summary>${t('card.interpretation')}</summary><p>${result.interpretation}</p></details>`
    : '';
  return html`${table}${unknown}${reading}`;
}

/**
 * The district card: its verdict under the rule, the figures and the plan's words.
 *
 * @param {DistrictCard} card
 */
export function complianceCard({ regionName, adcode, rule, result, citywide, synthetic }) {
  const status = statusOf(result);
  const parts = [
    html`<header>
       <h3 data-field="region">${regionName} <small>${adcode}</small></h3>
       <p class="rule-title">${ruleTitle(rule)}</p>
     </header>`,
    html`<p class="badge badge-${status}" data-field="status">${t(`status.${status}`)}
       ${citywide ? t('status.city') : ''}</p>`,
  ];
  if (!result) {
    parts.push(html`<p>${t('card.no-result')}</p>`, citationHtml(rule.citations?.[0]));
    return Html.join(parts);
  }
  if (citywide) parts.push(html`<p class="note">${t('card.city-row')}</p>`);
  const shortfall =
    result.shortfall === null || result.shortfall === undefined
      ? html`${outcomeText(result) || '—'}`
      : html`${withUnit(result.shortfall, result.shortfall_unit)}
         <div class="shortfall-text">${outcomeText(result)}</div>`;
  parts.push(
    html`<table class="figures">
       ${row(t('card.value'), withUnit(result.value, result.unit), 'value')}
       ${row(t('card.target'), withUnit(result.target, result.unit), 'target')}
       ${row(t('card.shortfall'), shortfall, 'shortfall')}
     </table>`,
    basisHtml(result),
    citationHtml(result.citation),
  );
  if (synthetic) parts.push(html`<p class="note synthetic">${t('card.synthetic')}</p>`);
  return Html.join(parts);
}

/**
 * The gap card: an underserved zone's residents and its region's verdict.
 *
 * @param {GapProperties} properties
 * @param {Rule | null} rule
 */
export function gapCard(properties, rule) {
  const p = properties;
  /** @type {Citation} */
  const citation = typeof p.citation === 'string' ? JSON.parse(p.citation) : p.citation;
  const verdict = p.region_passed === true ? 'pass' : p.region_passed === false ? 'fail' : 'unknown';
  return html`
    <header>
      <h3>${t('card.gap-title')} · ${p.region_name}</h3>
      <p class="rule-title">${rule ? ruleTitle(rule) : p.rule_title_en}</p>
    </header>
    <p class="residents" data-field="residents">${t('card.residents')}:
      <strong>${formatNumber(p.residents, 0)}</strong> ${t('card.people')}</p>
    <table class="figures">
      ${row(t('card.cells'), html`${formatNumber(p.cells, 0)}`)}
      ${p.residents_per_km2 === null || p.residents_per_km2 === undefined
    ? ''
    : row(t('card.density'), html`${formatNumber(p.residents_per_km2, 0)} ${t('card.per-km2')}`)}
      ${row(t('card.region-verdict'), html`<span class="badge badge-${verdict}">${t(`status.${verdict}`)}</span>
        ${language() === 'en' ? html`<div class="shortfall-text">${p.region_shortfall_text}</div>` : ''}`)}
    </table>
    ${citationHtml(citation)}
    ${p.synthetic ? html`<p class="note synthetic">${t('card.synthetic')}</p>` : ''}`;
}

/**
 * The popup of a facility of the register, or of a proposed or suggested site.
 *
 * @param {SiteProperties} properties
 */
export function facilityPopup(properties) {
  const p = properties;
  if (p.proposed || p.suggested) return sitePopup(p);
  const synthetic = p.synthetic === true || p.synthetic === 'true';
  const lines = [html`<strong>${p.name}</strong>`, html`${facilityTypeName(p.type)}`];
  if (p.grade) lines.push(html`${t('facility.grade')}: ${gradeName(p.grade)}`);
  if (p.beds !== undefined && p.beds !== null) {
    lines.push(html`${t('facility.beds')}: ${formatNumber(p.beds, 0)}`);
  }
  if (p.ambulances) {
    lines.push(html`${t('facility.ambulances')}: ${p.ambulances}`);
  }
  lines.push(...planFieldLines(p));
  lines.push(
    synthetic
      ? html`<span class="synthetic-tag">${t('facility.synthetic')}</span>`
      : html`${t('facility.real')} · ${t('facility.source')}: ${p.source}`,
  );
  return html`<div class="facility-popup">${Html.join(lines, html`<br>`)}</div>`;
}

// the plans' further register fields, each shown only when recorded (NULL means unknown)
/** @type {('tcm_physicians' | 'public_health_staff' | 'infectious_beds' | 'childcare_places')[]} */
const PLAN_COUNTS = ['tcm_physicians', 'public_health_staff', 'infectious_beds', 'childcare_places'];
/** @type {('primary_care_standard' | 'admin_level')[]} */
const PLAN_CHOICES = ['primary_care_standard', 'admin_level'];
/**
 * @type {('central_township' | 'geriatrics_dept' | 'ophthalmology_dept' | 'psychology_clinic' |
 *   'rehabilitation_dept' | 'hospice_care' | 'tcm_hall' | 'tcm_preventive_care' |
 *   'infectious_ward')[]}
 */
const PLAN_FLAGS = [
  'central_township',
  'geriatrics_dept',
  'ophthalmology_dept',
  'psychology_clinic',
  'rehabilitation_dept',
  'hospice_care',
  'tcm_hall',
  'tcm_preventive_care',
  'infectious_ward',
];

/**
 * The plans' further register fields of a facility, each only where recorded.
 *
 * @param {SiteProperties} p
 * @returns {Html[]}
 */
function planFieldLines(p) {
  /** @type {Html[]} */
  const lines = [];
  for (const key of PLAN_COUNTS) {
    const value = p[key];
    if (value !== undefined && value !== null) {
      lines.push(html`${t(`facility.${key}`)}: ${formatNumber(value, 0)}`);
    }
  }
  for (const key of PLAN_CHOICES) {
    const value = p[key];
    if (value) lines.push(html`${t(`facility.${key}`)}: ${t(`facility.${key}.${value}`)}`);
  }
  const services = PLAN_FLAGS.filter((key) => p[key] === true || p[key] === 'true');
  if (services.length) {
    const names = services.map((key) => t(`facility.${key}`)).join('、');
    lines.push(html`${t('facility.services')}: ${names}`);
  }
  return lines;
}

/**
 * A proposed site of the scenario, or a suggested one.
 *
 * @param {SiteProperties} p
 */
function sitePopup(p) {
  const lines = [html`<strong>${p.name}</strong>`, html`${facilityTypeName(p.type)}`];
  if (p.suggested) {
    lines.push(
      html`<span class="suggested-tag">${t('site.suggested')}</span>`,
      html`${t('scenario.suggest.item', { people: formatNumber(p.residents, 0) })}`,
    );
  } else {
    lines.push(html`<span class="proposed-tag">${t('site.proposed')}</span>`);
  }
  return html`<div class="facility-popup">${Html.join(lines, html`<br>`)}</div>`;
}

/**
 * "15 minutes (urban residents, by car)" / "2.5 km (rural residents, straight line)"
 *
 * @param {CoverageAreaProperties} p
 */
function thresholdText(p) {
  return t('area.threshold-text', {
    amount: t(`area.${p.threshold_unit}`, { n: formatNumber(p.threshold, 2) }),
    who: t(`area.settlement.${p.settlement}`),
    how: p.measure === 'straight_distance' ? t('measure.straight') : t(`mode.${p.mode}`),
  });
}

/**
 * The coverage-area card: a unit's area within one threshold of the rule.
 *
 * @param {CoverageAreaProperties} properties
 * @param {Rule | null} rule
 */
export function areaCard(properties, rule) {
  const p = properties;
  const share = p.residents_counted ? p.residents_covered / p.residents_counted : null;
  const covered =
    `${formatNumber(p.residents_covered, 0)} / ${formatNumber(p.residents_counted, 0)} ` +
    `${t('card.people')}${share === null ? '' : ` (${formatNumber(share * 100, 1)} %)`}`;
  const synthetic = p.synthetic === true || p.synthetic === 'true';
  return html`
    <header>
      <h3>${t('area.title')} · ${p.region_name}</h3>
      <p class="rule-title">${rule ? ruleTitle(rule) : p.rule_id}</p>
    </header>
    <table class="figures">
      ${row(t('area.threshold'), html`${thresholdText(p)}`, 'threshold')}
      ${row(t('area.covered'), html`${covered}`, 'covered')}
      ${row(t('area.size'), html`${formatNumber(p.area_km2, 1)} km²`)}
    </table>
    <p class="note">${t('area.note')}</p>
    ${synthetic ? html`<p class="note synthetic">${t('card.synthetic')}</p>` : ''}`;
}

/** @param {number} value */
function signed(value) {
  return `${value > 0 ? '+' : ''}${formatNumber(value, 0)}`;
}

/**
 * Residents the site brings within the rule's reach: the city's row, else the sum of its units.
 *
 * @param {RuleQuickDiff} ruleDiff
 * @param {string} city
 */
function ruleGained(ruleDiff, city) {
  const own = ruleDiff.regions.find((r) => r.region_adcode === city);
  return own ? own.residents_gained : ruleDiff.regions.reduce((n, r) => n + r.residents_gained, 0);
}

/** @param {boolean | null} passed */
function verdictBadge(passed) {
  const status = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown';
  return html`<span class="badge badge-${status}">${t(`status.${status}`)}</span>`;
}

/**
 * "1,234 → 987", or "1,234 → computing…" while the new figure loads
 *
 * @param {number | null} before
 * @param {number | null | undefined} after
 */
function beforeAfter(before, after) {
  const to =
    after === null || after === undefined
      ? html`${t('diff.pending')}`
      : html`<strong>${formatNumber(after, 0)}</strong>`;
  return html`${formatNumber(before, 0)} → ${to}`;
}

/**
 * The chosen norm before and after the site: residents gained, residents and zones underserved.
 *
 * @param {ScenarioCard} card
 * @param {QuickDiff} diff the card's quick diff
 * @param {Rule} rule
 */
function chosenRuleHtml(card, diff, rule) {
  const chosen = diff.rules.find((r) => r.rule_id === rule.id) ?? null;
  const none = { zones: 0, residents: 0 };
  const before = card.zonesBefore.get(rule.id) ?? none;
  const after = card.zonesAfter ? (card.zonesAfter.get(rule.id) ?? none) : null;
  // the quick diff's city row has the residents gained at once; the zones follow. Residents
  // beyond reach are the zones' (a row's shortfall is what its target share still needs)
  const cityRow = chosen?.regions.find((r) => r.region_adcode === card.city) ?? null;
  const gained = chosen ? ruleGained(chosen, card.city) : null;
  const underserved =
    cityRow && gained !== null
      ? beforeAfter(before.residents, before.residents - gained)
      : beforeAfter(before.residents, after?.residents);
  const gainedHtml =
    gained === null
      ? html``
      : row(
          t('diff.gained'),
          html`<strong data-value="${gained}">${signed(gained)}</strong>
           ${t('card.people')}`,
          'gained',
        );
  return html`
    <h4>${t('diff.chosen-rule')}: ${ruleTitle(rule)}</h4>
    ${chosen ? '' : html`<p class="note">${t('diff.not-counted')}</p>`}
    <table class="figures">
      ${gainedHtml}
      ${row(t('diff.underserved'), underserved, 'underserved')}
      ${row(t('diff.gap-count'), beforeAfter(before.zones, after?.zones), 'gap-count')}
    </table>`;
}

/**
 * The scenario card: what one proposed site changes, the chosen norm first.
 *
 * @param {ScenarioCard} card
 * @param {{rule: Rule | null, findRule: (ruleId: string) => Rule | null}} page
 */
export function scenarioCard(card, { rule, findRule }) {
  const { diff } = card;
  /** @param {string} ruleId */
  const title = (ruleId) => {
    const found = findRule(ruleId);
    return found ? ruleTitle(found) : ruleId;
  };
  const parts = [
    html`<header>
       <h3>${t('diff.title', { type: facilityTypeName(card.siteType) })}</h3>
       <p class="rule-title">
         ${t('diff.scenario', { name: card.scenarioName, n: card.n })}</p>
     </header>`,
  ];
  if (!diff) {
    parts.push(html`<p class="note">${t('diff.none')}</p>`);
    return Html.join(parts);
  }
  if (diff.off_network) parts.push(html`<p class="note warn">${t('diff.off-network')}</p>`);
  // the server's own time for the change: loading the previous state and re-checking
  const timing = diff.ms + diff.setup_ms;
  if (isSpatial(rule)) parts.push(chosenRuleHtml(card, diff, rule));

  const gains = diff.rules.map(
    (r) => html`<li data-rule="${r.rule_id}">${title(r.rule_id)}:
      <strong>${signed(ruleGained(r, card.city))}</strong>
      ${t('card.people')}</li>`,
  );
  const flips = diff.rules.flatMap((r) =>
    r.regions
      .filter((region) => region.passed_before !== region.passed_after)
      .map(
        (region) => html`<li>${region.region_name} · ${title(r.rule_id)}:
          ${verdictBadge(region.passed_before)} → ${verdictBadge(region.passed_after)}</li>`,
      ),
  );
  // the other norms the site counts for (the chosen one is above)
  const othersOnly = isSpatial(rule) && diff.rules.every((r) => r.rule_id === rule.id);
  if (!othersOnly) {
    parts.push(
      html`<h4>${t('diff.per-rule')}</h4>`,
      gains.length
        ? html`<ul class="diff-list" data-field="per-rule">${gains}</ul>`
        : html`<p class="note">${t('diff.no-rules')}</p>`,
    );
  }
  parts.push(
    html`<h4>${t('diff.flips')}</h4>`,
    flips.length
      ? html`<ul class="diff-list" data-field="flips">${flips}</ul>`
      : html`<p class="note" data-field="flips">${t('diff.no-flips')}</p>`,
    html`<p class="note">${t('diff.timing', { ms: formatNumber(timing, 0) })}</p>`,
  );
  return Html.join(parts);
}
