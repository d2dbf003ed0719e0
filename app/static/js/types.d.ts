// The shapes of the service's JSON answers the map reads (app/schemas), for the type check only:
// the browser never loads this file. Fields the page does not read are left out.

import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';

// ---- GET /norms (app/schemas/norms.py)

export interface Citation {
  document: string;
  lines: string;
  quote: string;
  plan_title_zh: string | null;
  plan_title_en: string | null;
  document_number: string | null;
  issuer_zh: string | null;
}

export interface Baseline {
  value: number;
  year: number;
  note: string | null;
}

export interface Target {
  value: number | null;
  min: number | null;
  max: number | null;
  unit: string;
}

/** The facilities a spatial rule counts: one selector of its `parameters.facilities`. */
export interface FacilitySelector {
  facility_types: string[];
  min_grade?: string | null;
  ownership?: string | null;
  flags?: string[] | null;
}

export interface Rule {
  id: string;
  title_zh: string;
  title_en: string;
  kind: string;
  applies_to: string[];
  /** `measure`: what a `fleet_ratio` rule counts (`fleet_size`: the ambulance fleet) */
  parameters: { facilities?: FacilitySelector[]; measure?: string } | null;
  target: Target;
  /** why the register cannot evaluate the norm, in both languages; null when it can */
  data_gap: { zh: string; en: string } | null;
  citations: Citation[];
}

export interface Catalogue {
  city: string;
  city_adcode: string;
  city_name_zh: string;
  city_name_en: string;
  rules: Rule[];
}

export interface NormCatalogueList {
  catalogues: Catalogue[];
}

// ---- GET /regions (app/schemas/region.py)

export interface RegionProperties {
  adcode: string;
  name: string;
}

export type RegionCollection = FeatureCollection<MultiPolygon | Polygon | null, RegionProperties>;

// ---- GET /compliance, GET /gaps (app/schemas/compliance.py)

export interface ComplianceResult {
  region_adcode: string;
  region_name: string;
  rule_id: string;
  kind: string;
  value: number | null;
  target: number | null;
  passed: boolean | null;
  shortfall: number | null;
  shortfall_unit: string;
  shortfall_text: string;
  unit: string;
  citation: Citation;
  citations: Citation[];
  status: 'pass' | 'fail' | 'unknown' | 'info' | 'not_applicable';
  shortfall_text_zh: string | null;
  unknown_facilities: number;
  title_zh: string;
  title_en: string;
  binding: 'binding' | 'expected' | null;
  year: number | null;
  baseline: Baseline | null;
  target_scope: 'city' | 'unit';
  /** the catalogue's reading in the reader's language (Accept-Language) */
  interpretation: string | null;
}

export interface ComplianceReport {
  city: string;
  city_name: string;
  scenario_id: number | null;
  synthetic: boolean;
  results: ComplianceResult[];
}

export interface GapProperties {
  rule_id: string;
  rule_title_en: string;
  kind: string;
  region_adcode: string;
  region_name: string;
  residents: number;
  cells: number;
  area_km2: number;
  residents_per_km2: number | null;
  region_passed: boolean | null;
  region_shortfall_text: string;
  synthetic: boolean;
  /** an object in the JSON answer; a JSON string once MapLibre has drawn it */
  citation: Citation | string;
}

export type GapFeature = Feature<Polygon | MultiPolygon, GapProperties>;
export type GapCollection = FeatureCollection<Polygon | MultiPolygon, GapProperties>;

// ---- GET /coverage/areas (app/schemas/coverage_areas.py)

export interface CoverageAreaProperties {
  rule_id: string;
  kind: string;
  region_adcode: string;
  region_name: string;
  settlement: 'urban' | 'rural' | 'all';
  threshold: number;
  threshold_unit: 'minutes' | 'km';
  measure: 'travel_time' | 'network_distance' | 'straight_distance';
  mode: string | null;
  residents_counted: number;
  residents_covered: number;
  area_km2: number;
  /** a boolean in the JSON answer; may read as a string once drawn */
  synthetic: boolean | string;
}

export type CoverageAreaCollection = FeatureCollection<
  Polygon | MultiPolygon,
  CoverageAreaProperties
>;

// ---- facilities as the vector tiles and the scenario layers carry them

export interface SiteProperties {
  name: string;
  type: string;
  grade?: string | null;
  beds?: number | null;
  ambulances?: number | null;
  // the plans' further register fields (null: unknown; tile properties may be strings)
  tcm_physicians?: number | null;
  public_health_staff?: number | null;
  infectious_beds?: number | null;
  childcare_places?: number | null;
  primary_care_standard?: 'basic' | 'recommended' | null;
  admin_level?: 'prefecture' | 'county' | 'district' | null;
  central_township?: boolean | string | null;
  geriatrics_dept?: boolean | string | null;
  ophthalmology_dept?: boolean | string | null;
  psychology_clinic?: boolean | string | null;
  rehabilitation_dept?: boolean | string | null;
  hospice_care?: boolean | string | null;
  tcm_hall?: boolean | string | null;
  tcm_preventive_care?: boolean | string | null;
  infectious_ward?: boolean | string | null;
  source?: string;
  /** tile properties are flat: a boolean may arrive as the string 'true' */
  synthetic?: boolean | string;
  proposed?: boolean;
  suggested?: boolean;
  residents?: number;
}

// ---- scenarios (app/schemas/scenario.py)

export interface ScenarioSummary {
  id: number;
  name: string;
  city: string;
  version: number;
  n_changes?: number;
}

export interface ScenarioList {
  scenarios: ScenarioSummary[];
}

export interface ChangePublic {
  id: number;
  kind: 'add' | 'close' | 'move' | 'update';
  geometry: Point | null;
}

export interface RegionQuickDiff {
  region_adcode: string;
  region_name: string;
  passed_before: boolean | null;
  passed_after: boolean | null;
  shortfall_before: number | null;
  shortfall_after: number | null;
  residents_gained: number;
}

export interface RuleQuickDiff {
  rule_id: string;
  kind: string;
  regions: RegionQuickDiff[];
}

export interface QuickDiff {
  ms: number;
  setup_ms: number;
  off_network: boolean;
  rules: RuleQuickDiff[];
}

export interface ChangeResult {
  scenario: ScenarioSummary;
  change: ChangePublic;
  quick_diff: QuickDiff | null;
}

// ---- POST /optimize (app/schemas/optimize.py)

export interface ChosenSite {
  rank: number;
  lon: number;
  lat: number;
  type: string;
  name: string;
  residents: number;
  marginal: number;
  county_name: string | null;
}

/** One county-level unit of an EMS station-and-fleet plan (model `ems`). */
export interface EmsCounty {
  adcode: string;
  name: string;
  residents: number;
  stations_before: number;
  stations_after: number;
  fleet_required: number;
  fleet_before: number;
  fleet_after: number;
  covered_before: number;
  covered_after: number;
  expected_before: number;
  expected_after: number;
}

export interface EmsSummary {
  busy_fraction: number;
  calls_per_1000_per_year: number;
  minutes_per_call: number;
  fleet_required: number;
  fleet_before: number;
  fleet_after: number;
  stations_before: number;
  stations_after: number;
  new_stations: number;
  stations_without_ambulance: number;
  covered_before: number;
  covered_after: number;
  expected_before: number;
  expected_after: number;
  counties: EmsCounty[];
}

export interface OptimizeResult {
  /** model `ems`: the stations and fleet per county-level unit */
  ems?: EmsSummary | null;
  /** the scenario the answer was saved as (`save_as_scenario`) */
  scenario_id?: number | null;
  chosen: ChosenSite[];
  population_total: number;
  population_baseline: number;
  population_covered: number;
  gain: number | null;
  candidates: number;
  summary_zh: string;
  summary_en: string;
  gap_zh: string;
  gap_en: string;
}

// ---- what each GET the page makes answers, by path (api.js getJson)

// ---- GET /norms/{rule}/facilities (app/schemas/norms.py RuleFacilities)

export interface FacilityTally {
  real: number;
  synthetic: number;
}

/** The city's facilities a norm counts, as its evaluator selects them. */
export interface RuleFacilities {
  city: string;
  rule_id: string;
  every_facility: boolean;
  facility_types: string[];
  facility_ids: number[];
  counted: FacilityTally;
  others: FacilityTally;
}

// ---- GET /cities, POST and GET /cities/{adcode}/prepare (app/schemas/city.py)

export interface PrepareJob {
  id: number;
  city: string;
  state: 'running' | 'done' | 'failed';
  step: string | null;
  step_text: string | null;
  steps_done: number;
  steps_total: number;
  message: string | null;
}

export interface CityStatus {
  adcode: string;
  name_zh: string;
  name_en: string;
  prepared: boolean;
  prepare_command: string;
  job: PrepareJob | null;
}

export interface CityList {
  cities: CityStatus[];
  can_prepare: boolean;
}

export interface GetAnswers {
  '/norms': NormCatalogueList;
  '/regions': RegionCollection;
  '/compliance': ComplianceReport;
  '/gaps': GapCollection;
  '/coverage/areas': CoverageAreaCollection;
  '/cities': CityList;
}

// ---- the error body of every 4xx and 5xx answer (app/schemas/errors.py)

export interface ErrorResponse {
  error: { code: string; message: string };
}

// ---- the browser tests' hook on the page (main.js)

declare global {
  interface Window {
    fplan?: import('./main.js').TestHook;
  }
}
