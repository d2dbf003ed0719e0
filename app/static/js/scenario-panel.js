// @ts-check
// Scenario mode's panel (type chooser, buttons, proposed sites, saved state, suggestions) and
// its two map layers: the proposed sites and the suggested ones with their ranks.

import { facilityTypeName, formatNumber, language, t } from './i18n.js';
import { html, renderHtml } from './html.js';
import { FACILITY_GROUPS } from './mapstyle.js';
import { DEFAULT_TYPE, context, mode, scenario, selectors, typeCounts } from './scenario-state.js';
import { $ } from './state.js';

/** @import { GeoJSONSource } from 'maplibre-gl' */

// zoom when the map is brought to a suggested site: its streets and neighbours readable
const SITE_ZOOM = 13;

// ---- the panel

export function fillTypes() {
  const select = $('scenario-type', HTMLSelectElement);
  const chosen = select.value;
  select.replaceChildren(
    ...Object.entries(FACILITY_GROUPS).map(([key, group]) => {
      const optgroup = document.createElement('optgroup');
      optgroup.label = t(`group.${key}`);
      optgroup.append(...group.types.map((type) => new Option(facilityTypeName(type), type)));
      return optgroup;
    }),
  );
  select.value = chosen || DEFAULT_TYPE;
}

// the chosen norm's first facility type, unless the chosen type already counts for it
export function matchTypeToRule() {
  const rule = context().state.rule;
  mode.matchedRule = rule?.id ?? null;
  const select = $('scenario-type', HTMLSelectElement);
  const first = selectors(rule)[0]?.facility_types[0];
  if (first && !typeCounts(rule, select.value)) select.value = first;
  renderTypeNote();
}

export function renderTypeNote() {
  const ctx = context();
  const rule = ctx.state.rule;
  const note = $('scenario-type-note');
  if (!ctx.isSpatial(rule)) {
    note.textContent = t('scenario.type.not-spatial');
    note.dataset.kind = 'muted';
  } else if (typeCounts(rule, $('scenario-type', HTMLSelectElement).value)) {
    note.textContent = t('scenario.type.counts');
    note.dataset.kind = 'ok';
  } else {
    note.textContent = t('scenario.type.not-counted');
    note.dataset.kind = 'warn';
  }
}

export function renderButtons() {
  const ctx = context();
  const placing = ctx.state.placing;
  const place = $('scenario-place');
  place.textContent = t(placing ? 'scenario.placing' : 'scenario.place');
  place.setAttribute('aria-pressed', String(placing));
  $('scenario-undo', HTMLButtonElement).disabled = scenario.busy || !scenario.sites.length;
  $('scenario-suggest', HTMLButtonElement).disabled = scenario.busy || !ctx.isSpatial(ctx.state.rule);
  const toggle = $('scenario-button');
  toggle.textContent = t(scenario.open ? 'scenario.close' : 'scenario.open');
  toggle.setAttribute('aria-expanded', String(scenario.open));
}

export function renderSites() {
  $('scenario-sites').replaceChildren(
    ...scenario.sites.map((site) => {
      const item = document.createElement('li');
      item.textContent = `${site.name} · ${facilityTypeName(site.type)}`;
      return item;
    }),
  );
}

export function renderSaved() {
  const el = $('scenario-saved');
  if (!scenario.id) {
    el.textContent = '';
    return;
  }
  el.textContent = scenario.saved
    ? t('scenario.saved', {
        version: scenario.saved.version,
        time: scenario.saved.at.toLocaleTimeString(language() === 'zh' ? 'zh-CN' : 'en-GB'),
      })
    : t('scenario.stored', { id: scenario.id, version: scenario.version });
  el.dataset.saved = String(Boolean(scenario.saved));
}

/**
 * The last suggestion's sites, each with its rank, a button to show it and one to add it
 * (`onAdd` with its index).
 *
 * @param {(index: number) => void} onAdd
 */
export function renderSuggestions(onAdd) {
  const ctx = context();
  const list = $('suggest-list');
  const result = scenario.suggestions;
  $('suggest-summary').textContent = result
    ? t('scenario.suggested', {
        n: result.chosen.length,
        people: formatNumber(result.gain ?? 0, 0),
        before: formatNumber((100 * result.population_baseline) / result.population_total, 1),
        after: formatNumber((100 * result.population_covered) / result.population_total, 1),
      })
    : '';
  list.replaceChildren(
    ...(result?.chosen ?? []).map((site, index) => {
      const item = document.createElement('li');
      item.dataset.residents = String(site.residents);
      const people = t('scenario.suggest.item', { people: formatNumber(site.residents, 0) });
      renderHtml(
        item,
        html`
        <span class="site-rank">${index + 1}</span>
        <span class="site-text">${facilityTypeName(site.type)}<br>
          <small>${people}</small></span>`,
      );
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'small-button';
      show.textContent = t('scenario.suggest.show');
      show.addEventListener('click', () =>
        ctx.map.flyTo({ center: [site.lon, site.lat], zoom: SITE_ZOOM }),
      );
      const add = document.createElement('button');
      const added = scenario.added.has(index);
      add.type = 'button';
      add.className = 'small-button suggest-add';
      add.disabled = added;
      add.textContent = t(added ? 'scenario.suggest.added' : 'scenario.suggest.add');
      add.addEventListener('click', () => onAdd(index));
      item.append(show, add);
      return item;
    }),
  );
}

// ---- the map's layers of proposed and suggested sites

export function drawSites() {
  const source = /** @type {GeoJSONSource} */ (context().map.getSource('proposed'));
  source.setData({
    type: 'FeatureCollection',
    features: scenario.sites.map((site) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [site.lon, site.lat] },
      properties: { name: site.name, type: site.type, proposed: true },
    })),
  });
}

export function drawSuggestions() {
  const ctx = context();
  for (const marker of mode.numberMarkers) marker.remove();
  const chosen = scenario.suggestions?.chosen ?? [];
  const source = /** @type {GeoJSONSource} */ (ctx.map.getSource('suggested'));
  source.setData({
    type: 'FeatureCollection',
    features: chosen.map((site, index) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [site.lon, site.lat] },
      properties: {
        name: `${index + 1}. ${site.name}`,
        type: site.type,
        suggested: true,
        residents: site.residents,
      },
    })),
  });
  // the rank beside each site, as HTML (the style has no fonts to draw text with)
  mode.numberMarkers = chosen.map((site, index) => {
    const el = document.createElement('div');
    el.className = 'site-number';
    el.textContent = String(index + 1);
    return new ctx.maplibre.Marker({ element: el, offset: [12, -12] })
      .setLngLat([site.lon, site.lat])
      .addTo(ctx.map);
  });
}
