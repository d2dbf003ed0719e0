// HTML of the compliance card (a district under one norm), the gap card (an underserved zone)
// and the facility popup. Every value from the service is escaped.

import { facilityTypeName, formatNumber, gradeName, otherRuleTitle, ruleTitle, t } from './i18n.js';

export function escapeHtml(value) {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
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
  lines.push(
    synthetic
      ? `<span class="synthetic-tag">${escapeHtml(t('facility.synthetic'))}</span>`
      : `${escapeHtml(t('facility.real'))} · ${escapeHtml(t('facility.source'))}: ${escapeHtml(p.source)}`,
  );
  return `<div class="facility-popup">${lines.join('<br>')}</div>`;
}
