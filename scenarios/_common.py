"""What the planner scripts share: arguments, the database, a plan's rules on a city, the outputs.

Each script tests one proposal of a plan on a city's data (by default the plan's own city): it
reads the city's network, residents and facilities as a compliance run does, applies the
proposal in memory (:func:`app.services.scenario_runs.proposal_overlay`: the register is never
written), evaluates the plan's rules before and after, and writes ``report.md`` and GeoJSON
(WGS84) to ``--out``. ``--save-scenario NAME`` also stores the proposal as a scenario.
"""

import argparse
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import PopulationCell
from app.db.session import create_db_engine, create_session_factory
from app.schemas.optimize import ChosenSite, OptimizeRequest, OptimizeResult
from app.schemas.scenario import AddChange, ChangeIn, ScenarioCreate
from app.services import auth, demo, optimize, scenario_runs, scenarios
from app.services import inputs as city_inputs
from app.services.inputs import CityInputs, FacilityOverlay
from app.services.norms import NormCatalogues, get_catalogue, load_norms
from app.settings import Settings
from geo.norms import (
    SPATIAL_KINDS,
    FacilitySelector,
    Rule,
    RuleResult,
    SpatialOutcome,
    evaluate_rule,
    evaluate_spatial_rule,
    gap_zones,
)


@dataclass
class Env:
    """A script's database session, settings and the plans' catalogues."""

    session: Session
    settings: Settings
    norms: NormCatalogues


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        msg = f"must be a number above 0, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def parser(description: str, *, default_city: str, name: str) -> argparse.ArgumentParser:
    """The options every script takes; a script adds its own."""
    p = argparse.ArgumentParser(
        prog=f"python scenarios/{name}.py",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--city", default=default_city, help="adcode of the city whose data to use")
    p.add_argument("--out", type=Path, default=Path("out") / name, help="folder for the outputs")
    p.add_argument(
        "--database-url", default=None, help="PostGIS URL (default: APP_DATABASE_URL or local)"
    )
    p.add_argument(
        "--cache-dir", type=Path, default=None, help="network cache folder (default: settings)"
    )
    p.add_argument(
        "--prepare",
        action="store_true",
        help="prepare the city's demo data first where missing (as `fplan demo`)",
    )
    p.add_argument(
        "--target-nodes", type=positive_int, default=None, help="with --prepare: network size"
    )
    p.add_argument(
        "--cell-size-m",
        type=positive_float,
        default=500.0,
        help="with --prepare: population cell side",
    )
    p.add_argument("--save-scenario", metavar="NAME", help="also store the proposal as a scenario")
    p.add_argument(
        "--author",
        default="scenarios",
        help=(
            "author of a saved scenario: the name of the API token that may change it "
            "(保存方案的作者：可修改该方案的 API 令牌名称)"
        ),
    )
    return p


@contextmanager
def environment(args: argparse.Namespace) -> Iterator[Env]:
    """A session on the configured database (``--database-url``), the city prepared if asked."""
    overrides: dict[str, Any] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.cache_dir:
        overrides["cache_dir"] = args.cache_dir
    settings = Settings(**overrides)
    engine = create_db_engine(settings, bounded=False)
    try:
        with create_session_factory(engine)() as session:
            if args.prepare:
                demo.prepare_city(
                    session,
                    settings,
                    args.city,
                    target_nodes=args.target_nodes,
                    cell_size_m=args.cell_size_m,
                )
            yield Env(session, settings, load_norms(settings))
    finally:
        engine.dispose()


def plan_rule(env: Env, plan_city: str, rule_id: str) -> Rule:
    """A rule of a plan's catalogue."""
    return next(r for r in get_catalogue(env.norms, plan_city).rules if r.id == rule_id)


def selectors(rule: Rule) -> tuple[FacilitySelector, ...]:
    """The facilities a rule measures (none for a rule without them)."""
    found = getattr(rule.parameters, "facilities", None)
    return tuple(found or ())


def add_change(lon: float, lat: float, properties: dict[str, Any]) -> AddChange:
    """A proposed facility at a WGS84 point."""
    return AddChange.model_validate(
        {
            "kind": "add",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties,
        }
    )


# ---- evaluating rules before and after


@dataclass
class Evaluation:
    """A plan's rules evaluated on a city's data (with a proposal applied, or not)."""

    inputs: CityInputs
    results: dict[str, list[RuleResult]]
    spatial: dict[str, SpatialOutcome] = field(default_factory=dict)

    def row(self, rule_id: str, region: str) -> RuleResult | None:
        return next((r for r in self.results[rule_id] if r.region_adcode == region), None)


def evaluate(
    env: Env, city: str, rules: Sequence[Rule], *, overlay: FacilityOverlay | None = None
) -> Evaluation:
    """Every rule in every region of ``city`` it applies to, the proposal applied in memory."""
    inputs = city_inputs.load_city_inputs(env.session, env.settings, city, overlay=overlay)
    evaluation = Evaluation(inputs, {})
    for rule in rules:
        if rule.kind in SPATIAL_KINDS and rule.data_gap is None:
            outcome = evaluate_spatial_rule(rule, inputs.regions, inputs.context, city_adcode=city)
            evaluation.spatial[rule.id] = outcome
            evaluation.results[rule.id] = list(outcome.results)
        else:
            evaluation.results[rule.id] = evaluate_rule(
                rule, inputs.regions, inputs.facilities, city_adcode=city, spatial=inputs.context
            )
    return evaluation


@dataclass
class GapSites:
    """New facilities chosen in the gap zones of a rule, proposed, and the rules re-evaluated."""

    result: OptimizeResult
    # the chosen sites that bring residents in, in rank order, and their proposed facilities
    sites: list[ChosenSite]
    changes: list[ChangeIn]
    after: Evaluation


def propose_gap_sites(
    env: Env,
    city: str,
    request: OptimizeRequest,
    *,
    rule: Rule,
    rules: Sequence[Rule],
    name: str,
) -> GapSites:
    """Sites for ``rule`` (``request`` gives the model, k, type and candidates), each one that
    brings residents in proposed as a new facility named ``name`` and its rank, and ``rules``
    evaluated with them (in memory: the register is never written)."""
    result = optimize.optimize_sites(env.session, env.settings, request, norms=env.norms, rule=rule)
    sites = [s for s in result.chosen if s.residents > 0]
    changes: list[ChangeIn] = [
        add_change(s.lon, s.lat, {"name": f"{name} {n}", "type": s.type})
        for n, s in enumerate(sites, start=1)
    ]
    overlay = scenario_runs.proposal_overlay(env.session, city, changes) if changes else None
    return GapSites(result, sites, changes, evaluate(env, city, rules, overlay=overlay))


def save_scenario(
    env: Env, args: argparse.Namespace, *, description: str, changes: Sequence[ChangeIn]
) -> int | None:
    """Store the proposal as a scenario when ``--save-scenario`` asks; its id."""
    if not args.save_scenario:
        return None
    body = ScenarioCreate(
        city=args.city, name=args.save_scenario, description=description, changes=list(changes)
    )
    # owned by the token of that name, if there is one (else admins only change it)
    owner = auth.holder_named(env.session, args.author)
    created, _ = scenarios.create_scenario(env.session, body, author=args.author, owner=owner)
    env.session.commit()
    return created.id


# ---- outputs


def to_lonlat(crs: str, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Metric coordinates of ``crs`` as WGS84 (lon, lat) rows."""
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.column_stack([np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)])


def point_feature(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "properties": properties,
    }


def zone_features(
    session: Session,
    inputs: CityInputs,
    mask: NDArray[np.bool_],
    properties: dict[str, Any],
) -> list[dict[str, Any]]:
    """The population cells under ``mask`` dissolved into zones per county, as features."""
    points = np.flatnonzero(mask)
    if points.size == 0:
        return []
    ids = inputs.cell_ids[points].tolist()
    rows = session.execute(
        select(
            PopulationCell.id,
            PopulationCell.region_adcode,
            PopulationCell.population,
            func.ST_AsBinary(PopulationCell.geom),
        ).where(PopulationCell.id == any_(bindparam("ids", ids, type_=ARRAY(Integer))))
    ).all()
    zones = gap_zones(
        shapely.from_wkb([bytes(r[3]) for r in rows]),
        [int(r[2]) for r in rows],
        [str(r[1]) for r in rows],
    )
    return [
        {
            "type": "Feature",
            "geometry": mapping(zone.geometry),
            "properties": {
                **properties,
                "region_adcode": zone.key,
                "residents": zone.population,
                "cells": zone.n_cells,
            },
        }
        for zone in zones
    ]


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_report(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def fmt(value: float | None, unit: str = "") -> str:
    """A figure for a report table: shares as percentages, counts with separators."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "?"
    if unit.startswith("share"):
        return f"{value:.1%}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def verdict(passed: bool | None) -> str:
    return {True: "pass", False: "**fail**", None: "unknown"}[passed]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return [*out, ""]


def compare_table(rule: Rule, before: Evaluation, after: Evaluation) -> list[str]:
    """One rule's rows before and after: value, verdict and the shortfall in words."""
    rows = []
    for new in after.results[rule.id]:
        old = before.row(rule.id, new.region_adcode)
        rows.append(
            [
                f"{new.region_name} {new.region_adcode}",
                fmt(old.value if old else None, new.unit),
                fmt(new.value, new.unit),
                f"{verdict(old.passed if old else None)} → {verdict(new.passed)}",
                new.shortfall_text,
            ]
        )
    title = f"**{rule.id}** — {rule.title_zh} ({rule.title_en}); {cite(rule)}"
    return [title, "", *table(["region", "before", "after", "verdict", "after, in words"], rows)]


def cite(rule: Rule) -> str:
    """The rule's primary citation: document, lines and quote."""
    c = rule.citation
    return f"{c.document} {c.lines_label}: 「{c.quote}」"


def header(title: str, city_name: str, city: str, synthetic: bool) -> list[str]:
    lines = [f"# {title}", "", f"City data: {city_name} ({city}).", ""]
    if synthetic:
        lines += [
            "> The road network or facilities are synthetic (`fplan demo`): the figures show "
            "the method, not the city.",
            "",
        ]
    return lines


def city_name(inputs: CityInputs, city: str) -> str:
    return next((r.name for r in inputs.regions if r.adcode == city), city)


def run(main_body: Any, argv: Sequence[str] | None) -> int:
    """Run a script body, turning a domain, geo or option error into a message and exit status 2."""
    from pydantic import ValidationError

    from app.errors import AppError
    from geo.errors import GeoError

    try:
        return int(main_body(argv))
    except AppError as exc:
        print(f"error: {exc.message}")
        for detail in exc.details:
            print(f"  {detail.get('field', '')}: {detail.get('msg', '')}")
        return 2
    except GeoError as exc:
        # the computation refused the input (an infeasible request, a solver out of time)
        print(f"error: {exc}")
        return 2
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            print(f"error: {where}: {error['msg']}")
        return 2
