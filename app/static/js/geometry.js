// @ts-check
// Geometry of the city's units for the map: where each name is placed and the box around them.
// Coordinates are WGS84 degrees, [lon, lat].

/**
 * @import { MultiPolygon, Polygon, Position } from 'geojson'
 * @import { Unit } from './state.js'
 * @import { RegionCollection } from './types.js'
 */

/** @typedef {[[number, number], [number, number]]} Box [[west, south], [east, north]] */

/**
 * The polygons of a geometry, each a list of rings (the outer ring first).
 *
 * @param {Polygon | MultiPolygon | null} geometry
 * @returns {Position[][][]}
 */
function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/**
 * Widen `bounds` ([west, south, east, north]) to hold the outer rings of `geometry`.
 *
 * @param {number[]} bounds
 * @param {Polygon | MultiPolygon} geometry
 */
function extendBounds(bounds, geometry) {
  for (const polygon of rings(geometry)) {
    for (const [lon, lat] of polygon[0]) {
      bounds[0] = Math.min(bounds[0], lon);
      bounds[1] = Math.min(bounds[1], lat);
      bounds[2] = Math.max(bounds[2], lon);
      bounds[3] = Math.max(bounds[3], lat);
    }
  }
  return bounds;
}

/**
 * The area a ring encloses, square degrees (shoelace formula).
 *
 * @param {Position[]} ring
 */
function ringArea(ring) {
  let area = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    area += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return Math.abs(area / 2);
}

/**
 * A point inside the largest polygon: the middle of the widest inside span of the horizontal
 * line through its middle (holes included), so a crescent-shaped county is labelled inside it.
 *
 * @param {Polygon | MultiPolygon} geometry
 * @returns {[number, number] | null}
 */
function labelPoint(geometry) {
  const polygons = rings(geometry);
  if (!polygons.length) return null;
  const polygon = polygons.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
  const lats = polygon[0].map((p) => p[1]);
  const y = (Math.min(...lats) + Math.max(...lats)) / 2;
  /** @type {number[]} */
  const crossings = [];
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x1, y1] = ring[j];
      const [x2, y2] = ring[i];
      if (y1 > y !== y2 > y) crossings.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  crossings.sort((a, b) => a - b);
  /** @type {{width: number, x: number} | null} */
  let best = null;
  for (let i = 0; i + 1 < crossings.length; i += 2) {
    const width = crossings[i + 1] - crossings[i];
    if (!best || width > best.width) best = { width, x: (crossings[i] + crossings[i + 1]) / 2 };
  }
  const [lon, lat] = best ? [best.x, y] : polygon[0][0];
  return [lon, lat];
}

/**
 * The county-level units of a city with polygons, their labels and the box around them.
 *
 * @param {RegionCollection} regions the city's /regions answer
 * @returns {{units: Unit[], box: Box | null}}
 */
export function unitsOf(regions) {
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  /** @type {Unit[]} */
  const units = [];
  for (const f of regions.features) {
    if (!f.geometry) continue;
    extendBounds(bounds, f.geometry);
    units.push({ adcode: f.properties.adcode, name: f.properties.name, label: labelPoint(f.geometry) });
  }
  /** @type {Box | null} */
  const box = Number.isFinite(bounds[0])
    ? [
        [bounds[0], bounds[1]],
        [bounds[2], bounds[3]],
      ]
    : null;
  return { units, box };
}
