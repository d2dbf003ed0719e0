// @ts-check
// Interface strings in Chinese (the planners' language, the default) and English.
// Place names stay as the register gives them (Chinese); rule titles come from the catalogue.
// The map's sentences of the message catalogue (geo/messages/*.po, keys `map.…`) are loaded
// at start-up (loadMessages) and looked up first; strings.js holds the older ones.

/** @import { Catalogue, Rule } from './types.js' */

/** @typedef {'zh' | 'en'} Language */

import { STRINGS } from './strings.js';

/** @type {Record<string, [string, string]>} facility type → [Chinese, English] */
const FACILITY_TYPES = {
  general_hospital: ['综合医院', 'General hospital'],
  tcm_hospital: ['中医医院', 'TCM hospital'],
  maternal_child_hospital: ['妇幼保健院', 'Maternal and child health hospital'],
  specialty_hospital: ['专科医院', 'Specialty hospital'],
  psychiatric_hospital: ['精神病医院', 'Psychiatric hospital'],
  township_health_center: ['乡镇卫生院', 'Township health centre'],
  community_health_center: ['社区卫生服务中心', 'Community health centre'],
  community_health_station: ['社区卫生服务站', 'Community health station'],
  village_clinic: ['村卫生室', 'Village clinic'],
  ems_center: ['急救中心', 'EMS centre'],
  ems_station: ['急救站', 'EMS station'],
  childcare_institution: ['托育机构', 'Childcare institution'],
  mental_rehab_institution: ['社区精神康复机构', 'Community mental-rehabilitation institution'],
  blood_collection_point: ['采血点', 'Blood-collection point'],
};

/** @type {Record<string, [string, string]>} grade → [Chinese, English] */
const GRADES = {
  tertiary: ['三级', 'tertiary'],
  secondary: ['二级', 'secondary'],
  primary: ['一级', 'primary'],
  none: ['未定级', 'ungraded'],
};

/** @type {Language} */
let current = 'zh';

/** @type {Record<Language, Record<string, string>>} the catalogue's `map.…` sentences */
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
  const text = CATALOGUE[current][key] ?? STRINGS[current][key] ?? CATALOGUE.zh[key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/**
 * @param {[string, string] | undefined} pair
 * @param {string} fallback
 */
function pick(pair, fallback) {
  return pair ? pair[current === 'zh' ? 0 : 1] : fallback;
}

/** @param {string} type */
export function facilityTypeName(type) {
  return pick(FACILITY_TYPES[type], type);
}

/** @param {string | null | undefined} grade */
export function gradeName(grade) {
  return pick(grade ? GRADES[grade] : undefined, grade ?? '');
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

// the evaluators' English units in Chinese (the words of geo/messages/zh.po)
/** @type {Record<string, string>} */
const UNITS_ZH = {
  'facilities': '机构',
  'ambulances': '救护车',
  'negative-pressure ambulances': '负压救护车',
  'share of residents': '居民占比',
  'residents': '人',
  's': '秒',
  'm': '米',
  'bed': '床位',
  'beds': '床位',
  'ICU beds': '重症监护床位',
  'licensed physicians': '执业（助理）医师',
  'registered nurses': '注册护士',
  'GPs': '全科医生',
  'pharmacists': '药师（士）',
  'TCM physicians': '中医类别医师',
  'public-health staff': '专业公共卫生人员',
  'infectious-disease beds': '可开放传染病床位',
  'childcare places': '托位',
};

/**
 * A result's unit in the page's language ("beds per 1,000 residents" → "每千人床位数").
 *
 * @param {string} unit
 */
export function unitName(unit) {
  if (current === 'en' || !unit) return unit;
  if (UNITS_ZH[unit]) return UNITS_ZH[unit];
  const match = /^(.+?) per ([0-9,]+) residents$/.exec(unit);
  if (!match) return unit;
  const base = { '1,000': '千', '10,000': '万', '30,000': '3万' }[match[2]] ?? match[2];
  return `每${base}人${UNITS_ZH[match[1]] ?? match[1]}数`;
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
    return t('outcome.short', { amount, unit: share ? '个百分点' : unitName(result.shortfall_unit) });
  }
  return t(`status.${result.status === 'not_applicable' ? 'na' : result.status}`);
}
