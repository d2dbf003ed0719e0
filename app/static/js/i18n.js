// @ts-check
// Interface strings in Chinese (the planners' language, the default) and English.
// Place names stay as the register gives them (Chinese); rule titles come from the catalogue.
// Every word comes from the one message catalogue (geo/messages/*.po), loaded at start-up
// (loadMessages): the page's own sentences (keys `map.…`, asked for without the prefix) and the
// labels of facility types, grades and units.

/** @import { Catalogue, Rule } from './types.js' */

/** @typedef {'zh' | 'en'} Language */

/** @type {Language} */
let current = 'zh';

/** @type {Record<Language, Record<string, string>>} the catalogue's words the map shows */
const CATALOGUE = { zh: {}, en: {} };

/**
 * Load the map's sentences of the message catalogue, both languages (served by the app).
 *
 * @returns {Promise<void>}
 */
export async function loadMessages() {
  await Promise.all(
    /** @type {Language[]} */ (['zh', 'en']).map(async (lang) => {
      const response = await fetch(`/i18n/${lang}.json`, { headers: { Accept: 'application/json' } });
      if (response.ok) CATALOGUE[lang] = /** @type {Record<string, string>} */ (await response.json());
    }),
  );
}

/**
 * @param {string | null} lang `en`, else Chinese
 * @returns {Language}
 */
export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'zh';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  return current;
}

export function language() {
  return current;
}

/**
 * The string for key in the current language, with {name} placeholders filled from params.
 *
 * @param {string} key
 * @param {Record<string, string | number | null | undefined>} [params]
 */
export function t(key, params = {}) {
  const full = key.startsWith('map.') ? key : `map.${key}`;
  const text = CATALOGUE[current][full] ?? CATALOGUE.zh[full] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/**
 * The catalogue's label of a vocabulary value (`facility_type.village_clinic`), or the value.
 *
 * @param {string} key
 * @param {string} fallback
 */
function label(key, fallback) {
  return CATALOGUE[current][key] ?? CATALOGUE.zh[key] ?? fallback;
}

/** @param {string} type */
export function facilityTypeName(type) {
  const name = label(`facility_type.${type}`, type);
  // an English label stands alone here (a legend entry, a card's heading): capitalised
  return current === 'en' ? name.charAt(0).toUpperCase() + name.slice(1) : name;
}

/** @param {string | null | undefined} grade */
export function gradeName(grade) {
  return grade ? label(`grade.${grade}`, grade) : '';
}

// a catalogue entry's title in the current language (the other one stays available)
/** @param {Rule} rule */
export function ruleTitle(rule) {
  return current === 'zh' ? rule.title_zh : rule.title_en;
}

/** @param {Rule} rule */
export function otherRuleTitle(rule) {
  return current === 'zh' ? rule.title_en : rule.title_zh;
}

/** @param {Catalogue} catalogue */
export function cityName(catalogue) {
  return current === 'zh' ? catalogue.city_name_zh : catalogue.city_name_en;
}

/**
 * A number as the page writes it, at most `digits` decimals; '—' when there is none.
 *
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined) return '—';
  const locale = current === 'zh' ? 'zh-CN' : 'en-GB';
  return Number(value).toLocaleString(locale, { maximumFractionDigits: digits });
}

// fill every element marked data-i18n (text) or data-i18n-title (tooltip)
/** @param {ParentNode} [root] */
export function translatePage(root = document) {
  /** @type {NodeListOf<HTMLElement>} */
  const texts = root.querySelectorAll('[data-i18n]');
  for (const el of texts) el.textContent = t(el.dataset.i18n ?? '');
  /** @type {NodeListOf<HTMLElement>} */
  const titles = root.querySelectorAll('[data-i18n-title]');
  for (const el of titles) {
    el.title = t(el.dataset.i18nTitle ?? '');
    el.setAttribute('aria-label', el.title);
  }
}

/**
 * A result's unit in the page's language ("beds per 1,000 residents" → "每千人床位数").
 *
 * @param {string} unit
 */
export function unitName(unit) {
  if (current === 'en' || !unit) return unit;
  const own = CATALOGUE.zh[`unit.${unit}`];
  if (own) return own;
  const match = /^(.+?) per ([0-9,]+) residents$/.exec(unit);
  if (!match) return unit;
  // 1,000 → 千, 10,000 → 万, 30,000 → 3万: how the plans write per-population bases
  const people = Number(match[2].replaceAll(',', ''));
  let n = match[2];
  if (people === 1000) n = t('count.thousand');
  else if (people % 10000 === 0) n = `${people === 10000 ? '' : people / 10000}${t('count.ten_thousand')}`;
  const noun = CATALOGUE.zh[`unit.${match[1]}`] ?? match[1];
  const per = CATALOGUE.zh['unit.per_residents'];
  return per ? per.replace('{n}', n).replace('{noun}', noun) : unit;
}

/**
 * A result's outcome sentence in the page's language: the evaluator's Chinese one where it
 * words one, else the shortfall in its unit (as geo.messages.outcome words it).
 *
 * @param {{status: string, shortfall: number | null, shortfall_unit: string,
 *   shortfall_text: string, shortfall_text_zh?: string | null}} result
 */
export function outcomeText(result) {
  if (current === 'en') return result.shortfall_text;
  if (result.shortfall_text_zh) return result.shortfall_text_zh;
  if (result.status === 'fail' && result.shortfall !== null && result.shortfall > 0) {
    const share = result.shortfall_unit.startsWith('share');
    const amount = share ? formatNumber(result.shortfall * 100, 1) : formatNumber(result.shortfall, 0);
    return t('outcome.short', { amount, unit: share ? t('unit.points') : unitName(result.shortfall_unit) });
  }
  return t(`status.${result.status === 'not_applicable' ? 'na' : result.status}`);
}
