// @ts-check
// What a click on the map shows: a site's or facility's popup, else a gap's card, else a
// coverage area's, else the district's verdict under the chosen norm. The card is re-rendered
// when the norm, the verdicts or the language change. (In scenario mode's place mode a click
// places a site instead: js/scenario.js.)

import { areaCard, complianceCard, facilityPopup, gapCard, scenarioCard } from './cards.js';
import { fragment, renderHtml } from './html.js';
import { theMap } from './map.js';
import { $, cityRow, findRule, page, state } from './state.js';

/**
 * @import { MapGeoJSONFeature, MapMouseEvent, Popup } from 'maplibre-gl'
 * @import { Point } from 'geojson'
 * @import { Card, DistrictCard } from './cards.js'
 * @import { CoverageAreaProperties, GapProperties, SiteProperties } from './types.js'
 */

const SITES = ['proposed-sites', 'suggested-sites', 'facilities'];
const CLICKABLE = [...SITES, 'gaps-fill', 'areas-fill', 'districts-fill'];

/** @type {Popup | null} */
let popup = null;

// ---- the card

/** @param {Card} card */
function cardHtml(card) {
  if (card.kind === 'gap') return gapCard(card.properties, findRule(card.properties.rule_id));
  if (card.kind === 'area') return areaCard(card.properties, findRule(card.properties.rule_id));
  if (card.kind === 'scenario') return scenarioCard(card, { rule: state.rule, findRule });
  return complianceCard(card);
}

/** @param {Card} card */
export function showCard(card) {
  state.card = card;
  renderHtml($('card-body'), cardHtml(card));
  $('card').hidden = false;
  $('card').dataset.kind = card.kind;
}

export function hideCard() {
  state.card = null;
  $('card').hidden = true;
}

export function rerenderCard() {
  if (!state.card) return;
  if (state.card.kind === 'district') showCard(districtCard(state.card.adcode, state.card.regionName));
  else showCard(state.card);
}

/**
 * The card of a district under the chosen norm: its own row, else the city's.
 *
 * @param {string} adcode
 * @param {string} regionName
 * @returns {DistrictCard}
 */
function districtCard(adcode, regionName) {
  const rule = state.rule;
  if (!rule) throw new Error('a district card needs a chosen norm');
  const own = state.results.get(`${rule.id}|${adcode}`) ?? null;
  const city = own ? null : cityRow(rule.id);
  return {
    kind: 'district',
    adcode,
    regionName,
    rule,
    result: own ?? city,
    citywide: !own && Boolean(city),
    synthetic: Boolean(state.report?.synthetic),
  };
}

// ---- clicks: a site or facility, else a gap, else a coverage area, else a district

/**
 * The clickable features under a point, topmost first.
 *
 * @param {MapMouseEvent} event
 */
function featuresAt(event) {
  const map = theMap();
  const layers = CLICKABLE.filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
  return map.queryRenderedFeatures(event.point, { layers });
}

/**
 * A district of the chosen city (the basemap holds every county of Hunan).
 *
 * @param {MapGeoJSONFeature} feature
 */
function inCity(feature) {
  return state.units.some((u) => u.adcode === feature.properties.adcode);
}

/** @param {MapMouseEvent} event */
export function onMapClick(event) {
  if (state.placing) return;
  const map = theMap();
  const hits = featuresAt(event);
  const site = hits.find((f) => SITES.includes(f.layer.id));
  const gap = hits.find((f) => f.layer.id === 'gaps-fill');
  const area = hits.find((f) => f.layer.id === 'areas-fill');
  const district = hits.find((f) => f.layer.id === 'districts-fill' && inCity(f));
  popup?.remove();
  if (site && page.maplibre) {
    const [lon, lat] = /** @type {Point} */ (site.geometry).coordinates;
    popup = new page.maplibre.Popup({ closeButton: true, maxWidth: '280px' })
      .setLngLat([lon, lat])
      .setDOMContent(fragment(facilityPopup(/** @type {SiteProperties} */ (site.properties))))
      .addTo(map);
  } else if (gap) {
    const original = state.gaps.features[Number(gap.id)];
    /** @type {GapProperties} */
    const properties = original ? original.properties : /** @type {GapProperties} */ (gap.properties);
    showCard({ kind: 'gap', properties });
  } else if (area) {
    showCard({ kind: 'area', properties: /** @type {CoverageAreaProperties} */ (area.properties) });
  } else if (district && state.rule) {
    showCard(districtCard(district.properties.adcode, district.properties.name));
  } else {
    hideCard();
  }
}

/** @param {MapMouseEvent} event */
export function onMapMove(event) {
  const map = theMap();
  if (state.placing) {
    map.getCanvas().style.cursor = 'crosshair';
    return;
  }
  const hits = featuresAt(event);
  const clickable = hits.some((f) => f.layer.id !== 'districts-fill' || inCity(f));
  map.getCanvas().style.cursor = clickable ? 'pointer' : '';
}
