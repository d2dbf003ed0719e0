// HTML of the compliance card (a district under one norm), the gap card (an underserved zone),
// the coverage-area card, the scenario card (what a proposed site changes) and the facility
// popup. Every value from the service is escaped.

import { facilityTypeName, formatNumber, gradeName, otherRuleTitle, ruleTitle, t } from './i18n.js';

export function escapeHtml(value) {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

// the kinds of norm measured on the network, with coverage areas and gap zones
// (geo.norms SPATIAL_KINDS)
const SPATIAL_KINDS = ['travel_time_coverage', 'radius_coverage', 'ems_response'];

export function isSpatial(rule) {
  return Boolean(rule && SPATIAL_KINDS.includes(rule.kind) && !rule.data_gap);
}

export function statusOf(result) {
  if (!result) return 'na';
  if (result.passed === true) return 'pass';
  if (result.passed === false) return 'fail';
  return 'unknown';
}

function row(label, value, className = '') {
  return `<tr class="${className}"><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

// shares (0..1) read better as percentages: 0.337 → "33.7 %"
function withUnit(value, unit) {
  if (value === null || value === undefined) return '—';
  const shown = unit.startsWith('share') ? `${formatNumber(value * 100, 1)} %` : formatNumber(value);
  return `${escapeHtml(shown)} <span class="unit">${escapeHtml(unit)}</span>`;
}

function citationHtml(citation) {
  if (!citation) return '';
  return `
    <figure class="quote">
      <figcaption>${escapeHtml(t('card.quote'))}</figcaption>
      <blockquote lang="zh-CN" data-field="quote">${escapeHtml(citation.quote)}</blockquote>
      <p class="cite" data-field="citation">${escapeHtml(t('card.source'))}:
        <code>${escapeHtml(citation.document)}</code>, ${escapeHtml(t('card.lines'))}
        <code>${escapeHtml(citation.lines)}</code></p>
    </figure>`;
}

// result: the row for the district (or the city-wide row when citywide); rule: catalogue entry
export function complianceCard({ regionName, adcode, rule, result, citywide, synthetic }) {
  const status = statusOf(result);
  const parts = [
    `<header>
       <h3 data-field="region">${escapeHtml(regionName)} <small>${escapeHtml(adcode)}</small></h3>
       <p class="rule-title">${escapeHtml(ruleTitle(rule))}</p>
       <p class="rule-title other">${escapeHtml(otherRuleTitle(rule))}</p>
     </header>`,
    `<p class="badge badge-${status}" data-field="status">${escapeHtml(t(`status.${status}`))}
       ${citywide ? escapeHtml(t('status.city')) : ''}</p>`,
  ];
  if (!result) {
    parts.push(`<p>${escapeHtml(t('card.no-result'))}</p>`, citationHtml(rule.citations?.[0]));
    return parts.join('');
  }
  if (citywide) parts.push(`<p class="note">${escapeHtml(t('card.city-row'))}</p>`);
  const shortfall =
    result.shortfall === null || result.shortfall === undefined
      ? escapeHtml(result.shortfall_text || '—')
      : `${withUnit(result.shortfall, result.shortfall_unit)}
         <div class="shortfall-text">${escapeHtml(result.shortfall_text)}</div>`;
  parts.push(
    `<table class="figures">
       ${row(t('card.value'), withUnit(result.value, result.unit), 'value')}
       ${row(t('card.target'), withUnit(result.target, result.unit), 'target')}
       ${row(t('card.shortfall'), shortfall, 'shortfall')}
     </table>`,
    citationHtml(result.citation),
  );
  if (synthetic) parts.push(`<p class="note synthetic">${escapeHtml(t('card.synthetic'))}</p>`);
  return parts.join('');
}

export function gapCard(properties, rule) {
  const p = properties;
  const citation = typeof p.citation === 'string' ? JSON.parse(p.citation) : p.citation;
  const verdict = p.region_passed === true ? 'pass' : p.region_passed === false ? 'fail' : 'unknown';
  return `
    <header>
      <h3>${escapeHtml(t('card.gap-title'))} · ${escapeHtml(p.region_name)}</h3>
      <p class="rule-title">${escapeHtml(rule ? ruleTitle(rule) : p.rule_title_en)}</p>
    </header>
    <p class="residents" data-field="residents">${escapeHtml(t('card.residents'))}:
      <strong>${escapeHtml(formatNumber(p.residents, 0))}</strong> ${escapeHtml(t('card.people'))}</p>
    <table class="figures">
      ${row(t('card.cells'), escapeHtml(formatNumber(p.cells, 0)))}
      ${row(t('card.region-verdict'), `<span class="badge badge-${verdict}">${escapeHtml(t(`status.${verdict}`))}</span>
        <div class="shortfall-text">${escapeHtml(p.region_shortfall_text)}</div>`)}
    </table>
    ${citationHtml(citation)}
    ${p.synthetic ? `<p class="note synthetic">${escapeHtml(t('card.synthetic'))}</p>` : ''}`;
}

export function facilityPopup(properties) {
  const p = properties;
  if (p.proposed || p.suggested) return sitePopup(p);
  const synthetic = p.synthetic === true || p.synthetic === 'true';
  const lines = [
    `<strong>${escapeHtml(p.name)}</strong>`,
    escapeHtml(facilityTypeName(p.type)),
  ];
  if (p.grade) lines.push(`${escapeHtml(t('facility.grade'))}: ${escapeHtml(gradeName(p.grade))}`);
  if (p.beds !== undefined && p.beds !== null) {
    lines.push(`${escapeHtml(t('facility.beds'))}: ${escapeHtml(formatNumber(p.beds, 0))}`);
  }
  if (p.ambulances) {
    lines.push(`${escapeHtml(t('facility.ambulances'))}: ${escapeHtml(p.ambulances)}`);
  }
  lines.push(...planFieldLines(p));
  lines.push(
    synthetic
      ? `<span class="synthetic-tag">${escapeHtml(t('facility.synthetic'))}</span>`
      : `${escapeHtml(t('facility.real'))} · ${escapeHtml(t('facility.source'))}: ${escapeHtml(p.source)}`,
  );
  return `<div class="facility-popup">${lines.join('<br>')}</div>`;
}

// the plans' further register fields, each shown only when recorded (NULL means unknown)
const PLAN_COUNTS = ['tcm_physicians', 'public_health_staff', 'infectious_beds', 'childcare_places'];
const PLAN_FLAGS = [
  'central_township', 'geriatrics_dept', 'ophthalmology_dept', 'psychology_clinic',
  'rehabilitation_dept', 'hospice_care', 'tcm_hall', 'tcm_preventive_care', 'infectious_ward',
];
const PLAN_CHOICES = ['primary_care_standard', 'admin_level'];

function planFieldLines(p) {
  const lines = PLAN_COUNTS.filter((key) => p[key] !== undefined && p[key] !== null).map(
    (key) => `${escapeHtml(t(`facility.${key}`))}: ${escapeHtml(formatNumber(p[key], 0))}`,
  );
  for (const key of PLAN_CHOICES.filter((k) => p[k])) {
    lines.push(`${escapeHtml(t(`facility.${key}`))}: ${escapeHtml(t(`facility.${key}.${p[key]}`))}`);
  }
  const services = PLAN_FLAGS.filter((key) => p[key] === true || p[key] === 'true');
  if (services.length) {
    const names = services.map((key) => t(`facility.${key}`)).join('、');
    lines.push(`${escapeHtml(t('facility.services'))}: ${escapeHtml(names)}`);
  }
  return lines;
}

// a proposed site of the scenario, or a suggested one
function sitePopup(p) {
  const lines = [`<strong>${escapeHtml(p.name)}</strong>`, escapeHtml(facilityTypeName(p.type))];
  if (p.suggested) {
    lines.push(
      `<span class="suggested-tag">${escapeHtml(t('site.suggested'))}</span>`,
      escapeHtml(t('scenario.suggest.item', { people: formatNumber(p.residents, 0) })),
    );
  } else {
    lines.push(`<span class="proposed-tag">${escapeHtml(t('site.proposed'))}</span>`);
  }
  return `<div class="facility-popup">${lines.join('<br>')}</div>`;
}

// "15 minutes (urban residents, by car)" / "2.5 km (rural residents, straight line)"
function thresholdText(p) {
  return t('area.threshold-text', {
    amount: t(`area.${p.threshold_unit}`, { n: formatNumber(p.threshold, 2) }),
    who: t(`area.settlement.${p.settlement}`),
    how: p.measure === 'straight_distance' ? t('measure.straight') : t(`mode.${p.mode}`),
  });
}

export function areaCard(properties, rule) {
  const p = properties;
  const share = p.residents_counted ? p.residents_covered / p.residents_counted : null;
  const covered =
    `${formatNumber(p.residents_covered, 0)} / ${formatNumber(p.residents_counted, 0)} ` +
    `${t('card.people')}${share === null ? '' : ` (${formatNumber(share * 100, 1)} %)`}`;
  const synthetic = p.synthetic === true || p.synthetic === 'true';
  return `
    <header>
      <h3>${escapeHtml(t('area.title'))} · ${escapeHtml(p.region_name)}</h3>
      <p class="rule-title">${escapeHtml(rule ? ruleTitle(rule) : p.rule_id)}</p>
    </header>
    <table class="figures">
      ${row(t('area.threshold'), escapeHtml(thresholdText(p)), 'threshold')}
      ${row(t('area.covered'), escapeHtml(covered), 'covered')}
      ${row(t('area.size'), `${escapeHtml(formatNumber(p.area_km2, 1))} km²`)}
    </table>
    <p class="note">${escapeHtml(t('area.note'))}</p>
    ${synthetic ? `<p class="note synthetic">${escapeHtml(t('card.synthetic'))}</p>` : ''}`;
}

function signed(value) {
  return `${value > 0 ? '+' : ''}${formatNumber(value, 0)}`;
}

function ruleGained(ruleDiff, city) {
  const own = ruleDiff.regions.find((r) => r.region_adcode === city);
  return own ? own.residents_gained : ruleDiff.regions.reduce((n, r) => n + r.residents_gained, 0);
}

function verdictBadge(passed) {
  const status = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown';
  return `<span class="badge badge-${status}">${escapeHtml(t(`status.${status}`))}</span>`;
}

// "1,234 → 987", or "1,234 → computing…" while the new figure loads
function beforeAfter(before, after) {
  const to =
    after === null || after === undefined
      ? escapeHtml(t('diff.pending'))
      : `<strong>${escapeHtml(formatNumber(after, 0))}</strong>`;
  return `${escapeHtml(formatNumber(before, 0))} → ${to}`;
}

// the chosen norm before and after the site: residents gained, residents and zones underserved
function chosenRuleHtml(card, rule) {
  const chosen = card.diff.rules.find((r) => r.rule_id === rule.id) ?? null;
  const none = { zones: 0, residents: 0 };
  const before = card.zonesBefore.get(rule.id) ?? none;
  const after = card.zonesAfter ? (card.zonesAfter.get(rule.id) ?? none) : null;
  // the quick diff's city row has the residents at once; the zones follow
  const cityRow = chosen?.regions.find((r) => r.region_adcode === card.city) ?? null;
  const underserved = cityRow
    ? beforeAfter(cityRow.shortfall_before, cityRow.shortfall_after)
    : beforeAfter(before.residents, after?.residents);
  const gained = chosen ? ruleGained(chosen, card.city) : null;
  const gainedHtml =
    gained === null
      ? ''
      : row(
          t('diff.gained'),
          `<strong data-value="${gained}">${escapeHtml(signed(gained))}</strong>
           ${escapeHtml(t('card.people'))}`,
          'gained',
        );
  return `
    <h4>${escapeHtml(t('diff.chosen-rule'))}: ${escapeHtml(ruleTitle(rule))}</h4>
    ${chosen ? '' : `<p class="note">${escapeHtml(t('diff.not-counted'))}</p>`}
    <table class="figures">
      ${gainedHtml}
      ${row(t('diff.underserved'), underserved, 'underserved')}
      ${row(t('diff.gap-count'), beforeAfter(before.zones, after?.zones), 'gap-count')}
    </table>`;
}

// card: {city, scenarioName, siteName, siteType, n, diff (the quick diff, or null), zonesBefore,
// zonesAfter (rule id → {zones, residents}; null while the scenario's zones load)}
export function scenarioCard(card, { rule, findRule }) {
  const { diff } = card;
  const title = (ruleId) => {
    const found = findRule(ruleId);
    return found ? ruleTitle(found) : ruleId;
  };
  const parts = [
    `<header>
       <h3>${escapeHtml(t('diff.title', { type: facilityTypeName(card.siteType) }))}</h3>
       <p class="rule-title">
         ${escapeHtml(t('diff.scenario', { name: card.scenarioName, n: card.n }))}</p>
     </header>`,
  ];
  if (!diff) {
    parts.push(`<p class="note">${escapeHtml(t('diff.none'))}</p>`);
    return parts.join('');
  }
  if (diff.off_network) parts.push(`<p class="note warn">${escapeHtml(t('diff.off-network'))}</p>`);
  // the server's own time for the change: loading the previous state and re-checking
  const timing = diff.ms + diff.setup_ms;
  if (isSpatial(rule)) parts.push(chosenRuleHtml(card, rule));

  const gains = diff.rules.map(
    (r) => `<li data-rule="${escapeHtml(r.rule_id)}">${escapeHtml(title(r.rule_id))}:
      <strong>${escapeHtml(signed(ruleGained(r, card.city)))}</strong>
      ${escapeHtml(t('card.people'))}</li>`,
  );
  const flips = diff.rules.flatMap((r) =>
    r.regions
      .filter((region) => region.passed_before !== region.passed_after)
      .map(
        (region) => `<li>${escapeHtml(region.region_name)} · ${escapeHtml(title(r.rule_id))}:
          ${verdictBadge(region.passed_before)} → ${verdictBadge(region.passed_after)}</li>`,
      ),
  );
  // the other norms the site counts for (the chosen one is above)
  const othersOnly = isSpatial(rule) && diff.rules.every((r) => r.rule_id === rule.id);
  if (!othersOnly) {
    parts.push(
      `<h4>${escapeHtml(t('diff.per-rule'))}</h4>`,
      gains.length
        ? `<ul class="diff-list" data-field="per-rule">${gains.join('')}</ul>`
        : `<p class="note">${escapeHtml(t('diff.no-rules'))}</p>`,
    );
  }
  parts.push(
    `<h4>${escapeHtml(t('diff.flips'))}</h4>`,
    flips.length
      ? `<ul class="diff-list" data-field="flips">${flips.join('')}</ul>`
      : `<p class="note" data-field="flips">${escapeHtml(t('diff.no-flips'))}</p>`,
    `<p class="note">${escapeHtml(t('diff.timing', { ms: formatNumber(timing, 0) }))}</p>`,
  );
  return parts.join('');
}
