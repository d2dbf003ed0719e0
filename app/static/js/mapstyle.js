// @ts-check
// The map style: our own vector tiles and GeoJSON only (no internet basemap, no remote glyphs or
// sprites, so no text symbol layers: district names are HTML markers placed by main.js).

import { tileUrl } from './api.js';

/**
 * @import { ExpressionSpecification, StyleSpecification } from 'maplibre-gl'
 * @import { GapCollection } from './types.js'
 */

/** @typedef {[number, string][]} ColorStops value → colour, in increasing value */
/** @typedef {{width: number, height: number, data: Uint8Array}} RgbaImage */

/** @type {Record<'pass' | 'fail' | 'unknown' | 'na', string>} */
// a failing unit's shade by how far it is from the target (its shortfall as a share of the
// target): pale just short of it, deep far from it
/** @type {ColorStops} */
export const FAIL_GAP_STOPS = [
  [0, '#f6b8a8'],
  [0.1, '#ee8a78'],
  [0.25, '#d7443e'],
  [0.5, '#a11d1d'],
  [1, '#5c0a0a'],
];

export const COMPLIANCE_COLORS = {
  pass: '#2e9d5b',
  fail: '#d7443e',
  unknown: '#9a9a9a',
  na: '#d9d4c7',
};

/** @type {Record<'hospital' | 'primary' | 'ems' | 'other', {color: string, types: string[]}>} */
export const FACILITY_GROUPS = {
  hospital: {
    color: '#b0223a',
    types: [
      'general_hospital',
      'tcm_hospital',
      'maternal_child_hospital',
      'specialty_hospital',
      'psychiatric_hospital',
    ],
  },
  primary: {
    color: '#1f6fb2',
    types: [
      'township_health_center',
      'community_health_center',
      'community_health_station',
      'village_clinic',
    ],
  },
  ems: { color: '#e07b00', types: ['ems_center', 'ems_station'] },
  // the plans' further facilities (childcare, community mental rehabilitation, blood collection)
  other: {
    color: '#5b7a3a',
    types: ['childcare_institution', 'mental_rehab_institution', 'blood_collection_point'],
  },
};

// an underserved zone by its residents beyond reach per km²: pale (sparse) to deep purple
// (dense), apart from the green / red of the compliance colours beneath; a big sparse rural
// zone is not drawn as the worst
/** @type {ColorStops} */
export const GAP_STOPS = [
  [0, '#eadcf5'],
  [100, '#c39bdf'],
  [500, '#8745bb'],
  [2000, '#4a1486'],
];

// covered areas of the chosen norm: a sparse teal hatching of thin lines drawn opaque (so
// overlapping areas never thicken it) with a teal outline, between the compliance fill beneath
// and the gap zones above; the smaller (urban) threshold darker than the larger (rural) one
/** @type {Record<'urban' | 'all' | 'rural', string>} */
export const AREA_COLORS = { urban: '#0b6b64', all: '#0e8a80', rural: '#3fb3a6' };
const HATCH_PX = 10;

/**
 * A tile of diagonal hatching in `color` for a fill pattern (RGBA pixels, as map.addImage takes).
 *
 * @param {string} color `#rrggbb`
 * @param {{size?: number, stroke?: number}} [options] tile side and stroke width, pixels
 * @returns {RgbaImage}
 */
export function hatchImage(color, { size = HATCH_PX, stroke = 1 } = {}) {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      if ((x + y) % size < stroke) data.set([...rgb, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

/**
 * The pattern images the style uses: name → image.
 *
 * @returns {Record<string, RgbaImage>}
 */
export function styleImages() {
  return Object.fromEntries(
    Object.entries(AREA_COLORS).map(([key, color]) => [`hatch-${key}`, hatchImage(color)]),
  );
}

// a proposed site of the scenario: a dark ring round the type's colour; a suggested site: gold
export const PROPOSED_RING = '#1b1b1b';
export const SUGGESTED_COLOR = '#f2b705';

// residents per km²: the census densities of Hunan's rural counties (≈100) to city cores (10⁴)
/** @type {ColorStops} */
export const CELL_STOPS = [
  [0, '#f1f4f7'],
  [100, '#c8d6e3'],
  [1000, '#7f9fbf'],
  [10000, '#2f5577'],
];

/** @typedef {{key: string, color: string, width: number}} RoadStyle */

/** @type {(RoadStyle & {classes: string[]})[]} */
export const ROAD_CLASSES = [
  { key: 'motorway', classes: ['motorway', 'motorway_link'], color: '#d9822b', width: 3 },
  { key: 'trunk', classes: ['trunk', 'trunk_link'], color: '#e8a33d', width: 2.6 },
  { key: 'primary', classes: ['primary', 'primary_link'], color: '#f2c65f', width: 2.2 },
  { key: 'secondary', classes: ['secondary', 'secondary_link'], color: '#f4dc97', width: 1.8 },
  { key: 'tertiary', classes: ['tertiary', 'tertiary_link'], color: '#ffffff', width: 1.4 },
];
/** @type {RoadStyle} */
const MINOR_ROAD = { key: 'minor', color: '#ffffff', width: 0.8 };

// every layer the switcher toggles, with the style layers it stands for
/**
 * @typedef {'districts' | 'cells' | 'roads' | 'areas' | 'gaps' | 'facilities' | 'others'
 *   | 'sites' | 'labels'} ToggleKey
 */

// `others`: the facilities the chosen norm does not count, faint when on, hidden when off
// (a paint of the facility layers, js/map.js); `label` names the switch when not layer.<key>
/** @type {{key: ToggleKey, layers: string[], visible: boolean, label?: string}[]} */
export const TOGGLES = [
  { key: 'districts', layers: ['districts-fill', 'districts-line'], visible: true },
  { key: 'cells', layers: ['cells-fill'], visible: false },
  { key: 'roads', layers: ['roads-casing', 'roads'], visible: true },
  { key: 'areas', layers: ['areas-fill', 'areas-line'], visible: false },
  { key: 'gaps', layers: ['gaps-fill', 'gaps-line'], visible: true },
  { key: 'facilities', layers: ['facilities', 'facilities-real'], visible: true },
  { key: 'others', layers: [], visible: true, label: 'map.layer.others' },
  { key: 'sites', layers: ['suggested-sites', 'proposed-ring', 'proposed-sites'], visible: true },
  { key: 'labels', layers: [], visible: true },
];

/**
 * A `match` expression: the output of the first case whose labels hold `input`, else `fallback`.
 *
 * @param {ExpressionSpecification} input
 * @param {[string[], string | number][]} cases labels → output, at least one
 * @param {string | number} fallback
 * @returns {ExpressionSpecification}
 */
function match(input, cases, fallback) {
  const [[labels, output], ...rest] = cases;
  return ['match', input, labels, output, ...rest.flat(), fallback];
}

// a facility's colour: its type's group
function typeColor() {
  const cases = Object.values(FACILITY_GROUPS).map(
    (group) => /** @type {[string[], string]} */ ([group.types, group.color]),
  );
  return match(['get', 'type'], cases, '#555555');
}

/**
 * A road's colour or width: its class's.
 *
 * @param {'color' | 'width'} property
 */
function roadMatch(property) {
  const cases = ROAD_CLASSES.map(
    (road) => /** @type {[string[], string | number]} */ ([road.classes, road[property]]),
  );
  return match(['get', 'highway'], cases, MINOR_ROAD[property]);
}

/**
 * @param {ColorStops} stops
 * @param {ExpressionSpecification} input
 * @returns {ExpressionSpecification}
 */
function ramp(stops, input) {
  return ['interpolate', ['linear'], input, ...stops.flat()];
}

/** @type {ExpressionSpecification} */
const SYNTHETIC = ['to-boolean', ['get', 'synthetic']];
/**
 * A generated road is drawn paler than a real one (road tiles say which is which).
 * @type {ExpressionSpecification}
 */
const SYNTHETIC_ROAD_OPACITY = ['case', SYNTHETIC, 0.55, 1];

/** @type {GapCollection} */
const EMPTY = { type: 'FeatureCollection', features: [] };

// the status a district's feature state carries; 'none' for units outside the chosen city
/** @type {ExpressionSpecification} */
const STATUS = ['coalesce', ['feature-state', 'status'], 'none'];

/** @param {string} type */
export function typeColorOf(type) {
  const group = Object.values(FACILITY_GROUPS).find((g) => g.types.includes(type));
  return group ? group.color : '#555555';
}

// a facility the chosen norm counts (feature state set from GET /norms/{rule}/facilities)
/** @type {ExpressionSpecification} */
const COUNTS = ['boolean', ['feature-state', 'counts'], false];
// a facility the chosen norm does not count: faint, or hidden when its switch is off
export const FAINT_OPACITY = 0.2;
const FAINT_SCALE = 0.6;
// a real facility is drawn this much larger than a synthetic one of its type, pixels
const REAL_EXTRA_PX = 2;
export const REAL_OUTLINE = '#1b1b1b';

/**
 * The paint of a facility layer.
 *
 * @param {{real: boolean, byRule: boolean, hideOthers: boolean}} options real: the layer of
 *   real facilities; byRule: a norm's counted facilities are known (feature state `counts`),
 *   the rest are faint; hideOthers: the rest are hidden
 * @returns {NonNullable<import('maplibre-gl').CircleLayerSpecification['paint']>}
 */
export function facilityPaint({ real, byRule, hideOthers }) {
  const other = hideOthers ? 0 : FAINT_OPACITY;
  /** @type {ExpressionSpecification | number} */
  const opacity = byRule ? ['case', COUNTS, 1, other] : 1;
  const extra = real ? REAL_EXTRA_PX : 0;
  /**
   * @param {number} primary radius of a primary-care facility, pixels
   * @param {number} larger radius of any other, pixels
   * @returns {ExpressionSpecification}
   */
  const size = (primary, larger) => {
    /** @type {ExpressionSpecification} */
    const full = ['match', ['get', 'type'], FACILITY_GROUPS.primary.types, primary + extra, larger + extra];
    return byRule ? ['case', COUNTS, full, ['*', FAINT_SCALE, full]] : full;
  };
  return {
    // real facilities are filled discs with a dark outline, synthetic ones hollow rings
    'circle-color': real ? typeColor() : '#ffffff',
    'circle-stroke-color': real ? REAL_OUTLINE : typeColor(),
    'circle-stroke-width': real ? 2 : 1.8,
    'circle-opacity': opacity,
    'circle-stroke-opacity': opacity,
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, size(2, 3.5), 14, size(5, 8)],
  };
}

/**
 * The page's style: every source empty or tiled for `city`, every layer in drawing order.
 *
 * @param {string | null | undefined} city
 * @returns {StyleSpecification}
 */
export function buildStyle(city) {
  /**
   * @param {number} scale
   * @returns {ExpressionSpecification}
   */
  const roadWidth = (scale) => [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    8,
    ['*', scale * 0.6, roadMatch('width')],
    12,
    ['*', scale * 1.2, roadMatch('width')],
    16,
    ['*', scale * 4, roadMatch('width')],
  ];
  return {
    version: 8,
    name: 'fplan',
    sources: {
      // every county of Hunan: the basemap; the chosen city's units carry a feature state
      regions: { type: 'vector', tiles: [tileUrl('regions')], minzoom: 0, maxzoom: 12 },
      roads: { type: 'vector', tiles: [tileUrl('roads', city)], minzoom: 5, maxzoom: 15 },
      facilities: { type: 'vector', tiles: [tileUrl('facilities', city)], maxzoom: 15 },
      cells: { type: 'vector', tiles: [tileUrl('cells', city)], minzoom: 10, maxzoom: 14 },
      gaps: { type: 'geojson', data: EMPTY },
      areas: { type: 'geojson', data: EMPTY },
      proposed: { type: 'geojson', data: EMPTY },
      suggested: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e9ecef' } },
      {
        id: 'districts-fill',
        type: 'fill',
        source: 'regions',
        'source-layer': 'regions',
        paint: {
          'fill-color': [
            'match',
            STATUS,
            'pass',
            COMPLIANCE_COLORS.pass,
            'fail',
            ramp(FAIL_GAP_STOPS, ['coalesce', ['feature-state', 'gap'], 1]),
            'unknown',
            COMPLIANCE_COLORS.unknown,
            'na',
            COMPLIANCE_COLORS.na,
            '#f7f6f2',
          ],
          // a city-wide verdict shown on its units is paler than a unit's own
          'fill-opacity': [
            'case',
            ['==', STATUS, 'none'],
            0.9,
            ['boolean', ['feature-state', 'citywide'], false],
            0.22,
            0.38,
          ],
        },
      },
      {
        id: 'cells-fill',
        type: 'fill',
        source: 'cells',
        'source-layer': 'cells',
        layout: { visibility: 'none' },
        paint: {
          'fill-color': ramp(CELL_STOPS, ['get', 'density_per_km2']),
          'fill-opacity': 0.6,
        },
      },
      {
        id: 'areas-fill',
        type: 'fill',
        source: 'areas',
        paint: {
          'fill-pattern': [
            'match',
            ['get', 'settlement'],
            'urban',
            'hatch-urban',
            'rural',
            'hatch-rural',
            'hatch-all',
          ],
          'fill-opacity': 1,
        },
      },
      {
        id: 'gaps-fill',
        type: 'fill',
        source: 'gaps',
        filter: ['==', ['get', 'rule_id'], ''],
        paint: {
          'fill-color': ramp(GAP_STOPS, ['coalesce', ['get', 'residents_per_km2'], 0]),
          'fill-opacity': 0.75,
        },
      },
      {
        id: 'gaps-line',
        type: 'line',
        source: 'gaps',
        filter: ['==', ['get', 'rule_id'], ''],
        paint: { 'line-color': '#3d1070', 'line-width': 0.8 },
      },
      // the areas' outline above the zones, so an area stays visible where a zone covers it
      {
        id: 'areas-line',
        type: 'line',
        source: 'areas',
        paint: { 'line-color': AREA_COLORS.urban, 'line-width': 1.4, 'line-opacity': 0.9 },
      },
      {
        id: 'roads-casing',
        type: 'line',
        source: 'roads',
        'source-layer': 'roads',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': '#7d766b',
          'line-width': roadWidth(1.6),
          'line-opacity': SYNTHETIC_ROAD_OPACITY,
        },
      },
      {
        id: 'roads',
        type: 'line',
        source: 'roads',
        'source-layer': 'roads',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': roadMatch('color'),
          'line-width': roadWidth(1),
          'line-opacity': SYNTHETIC_ROAD_OPACITY,
        },
      },
      {
        id: 'districts-line',
        type: 'line',
        source: 'regions',
        'source-layer': 'regions',
        paint: {
          'line-color': ['case', ['==', STATUS, 'none'], '#b9b4aa', '#4a4540'],
          'line-width': ['case', ['==', STATUS, 'none'], 0.8, 1.8],
        },
      },
      // synthetic facilities (hollow rings) beneath the real ones (filled, outlined, larger);
      // the chosen norm's own drawn in full, the rest faint (facilityPaint)
      {
        id: 'facilities',
        type: 'circle',
        source: 'facilities',
        'source-layer': 'facilities',
        filter: SYNTHETIC,
        paint: facilityPaint({ real: false, byRule: false, hideOthers: false }),
      },
      {
        id: 'facilities-real',
        type: 'circle',
        source: 'facilities',
        'source-layer': 'facilities',
        filter: ['!', SYNTHETIC],
        paint: facilityPaint({ real: true, byRule: false, hideOthers: false }),
      },
      {
        id: 'suggested-sites',
        type: 'circle',
        source: 'suggested',
        paint: {
          'circle-color': SUGGESTED_COLOR,
          'circle-radius': 8,
          'circle-stroke-color': '#5c4300',
          'circle-stroke-width': 2,
        },
      },
      {
        id: 'proposed-ring',
        type: 'circle',
        source: 'proposed',
        paint: { 'circle-color': PROPOSED_RING, 'circle-radius': 11 },
      },
      {
        id: 'proposed-sites',
        type: 'circle',
        source: 'proposed',
        paint: {
          'circle-color': typeColor(),
          'circle-radius': 6,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      },
    ],
  };
}
