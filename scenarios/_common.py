"""What the planner scripts share: arguments, the database, a plan's rules on a city, the outputs.

Each script tests one proposal of a plan on a city's data (by default the plan's own city): it
reads the city's network, residents and facilities as a compliance run does, applies the
proposal in memory (:func:`app.services.scenario_runs.proposal_overlay`: the register is never
written), evaluates the plan's rules before and after, and writes ``report.md`` and GeoJSON
(WGS84) to ``--out``. ``--save-scenario NAME`` also stores the proposal as a scenario.

Every sentence of the report and of the progress lines comes from the message catalogue
(``geo/messages``, keys ``scenario.*``) in the reader's language: ``--lang``, else
``FPLAN_LANG``, else Chinese. Progress goes to stderr, one line per step with its time
(``--quiet``: none).
"""

import argparse
import json
import math
import os
import time
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
from geo import messages
from geo.messages import Lang
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
from scenarios._parser import ReaderParser, help_text, refusal


class Steps:
    """A script's progress on stderr: each step's label while it runs, then its time.

    Parameters
    ----------
    lang
        The reader's language of the labels.
    quiet
        True: say nothing (``--quiet``; ``fplan scenario run --json``).
    """

    def __init__(self, lang: Lang, *, quiet: bool = False) -> None:
        from rich.console import Console

        self.lang = lang
        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)

    @contextmanager
    def step(self, key: str, **fields: object) -> Iterator[None]:
        """Say ``scenario.step.<key>`` while the block runs, then how long it took (seconds)."""
        label = messages.text(f"scenario.step.{key}", self.lang, **fields)
        if self.quiet:
            yield
            return
        from rich.markup import escape

        started = time.perf_counter()
        with self.console.status(escape(label)):
            yield
        seconds = messages.number(time.perf_counter() - started, 1)
        done = messages.text("scenario.step_done", self.lang, step=label, s=seconds)
        self.console.print(done, markup=False, soft_wrap=True)


@dataclass
class Env:
    """A script's database session, settings, the plans' catalogues, language and progress."""

    session: Session
    settings: Settings
    norms: NormCatalogues
    steps: Steps

    @property
    def lang(self) -> Lang:
        """The reader's language of the report."""
        return self.steps.lang

    def t(self, key: str, /, **fields: object) -> str:
        """The catalogue's message ``scenario.<key>`` in the reader's language."""
        return messages.text(f"scenario.{key}", self.lang, **fields)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = refusal("scenario.args.positive_int", value=text)
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        msg = refusal("scenario.args.positive_float", value=text)
        raise argparse.ArgumentTypeError(msg)
    return value


def reader_lang(value: str | None) -> Lang:
    """The reader's language: ``--lang``, else ``FPLAN_LANG``, else Chinese."""
    return messages.parse_lang(value or os.environ.get("FPLAN_LANG")) or messages.DEFAULT_LANG


def parser(name: str, *, default_city: str) -> argparse.ArgumentParser:
    """The options every script takes, helped in the reader's language; a script adds its own.

    Parameters
    ----------
    name
        The script's module name (``yongzhou_ems``): its description is the catalogue's
        ``scenario.<name>.about``.
    default_city
        The adcode of the plan's own city.
    """
    p = ReaderParser(
        prog=f"python scenarios/{name}.py",
        description=help_text(f"scenario.{name}.about"),
    )
    p.add_argument("--city", default=default_city, help=help_text("scenario.opt.city"))
    p.add_argument(
        "--out", type=Path, default=Path("out") / name, help=help_text("scenario.opt.out")
    )
    p.add_argument(
        "--lang", choices=("zh", "en"), default=None, help=help_text("scenario.opt.lang")
    )
    p.add_argument("--quiet", action="store_true", help=help_text("scenario.opt.quiet"))
    p.add_argument("--database-url", default=None, help=help_text("scenario.opt.database_url"))
    p.add_argument("--cache-dir", type=Path, default=None, help=help_text("scenario.opt.cache_dir"))
    p.add_argument("--prepare", action="store_true", help=help_text("scenario.opt.prepare"))
    p.add_argument(
        "--target-nodes",
        type=positive_int,
        default=None,
        help=help_text("scenario.opt.target_nodes"),
    )
    p.add_argument(
        "--cell-size-m",
        type=positive_float,
        default=500.0,
        help=help_text("scenario.opt.cell_size_m"),
    )
    p.add_argument("--save-scenario", metavar="NAME", help=help_text("scenario.opt.save_scenario"))
    p.add_argument("--author", default="scenarios", help=help_text("scenario.opt.author"))
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
    steps = Steps(reader_lang(args.lang), quiet=args.quiet)
    engine = create_db_engine(settings, bounded=False)
    try:
        with create_session_factory(engine)() as session:
            if args.prepare:
                with steps.step("prepare", city=args.city):
                    demo.prepare_city(
                        session,
                        settings,
                        args.city,
                        target_nodes=args.target_nodes,
                        cell_size_m=args.cell_size_m,
                    )
            with steps.step("norms"):
                norms = load_norms(settings)
            yield Env(session, settings, norms, steps)
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
    env: Env,
    city: str,
    rules: Sequence[Rule],
    *,
    overlay: FacilityOverlay | None = None,
    what: str = "before",
) -> Evaluation:
    """Every rule in every region of ``city`` it applies to, the proposal applied in memory.

    ``what`` names the evaluation in the progress line (``scenario.what.<what>``).
    """
    with env.steps.step("evaluate", what=env.t(f"what.{what}")):
        return _evaluate(env, city, rules, overlay)


def _evaluate(
    env: Env, city: str, rules: Sequence[Rule], overlay: FacilityOverlay | None
) -> Evaluation:
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
    with env.steps.step("optimize", model=model_label(env, request.model)):
        result = optimize.optimize_sites(
            env.session, env.settings, request, norms=env.norms, rule=rule
        )
    sites = [s for s in result.chosen if s.residents > 0]
    changes: list[ChangeIn] = [
        add_change(s.lon, s.lat, {"name": f"{name} {n}", "type": s.type})
        for n, s in enumerate(sites, start=1)
    ]
    overlay = scenario_runs.proposal_overlay(env.session, city, changes) if changes else None
    return GapSites(
        result, sites, changes, evaluate(env, city, rules, overlay=overlay, what="after")
    )


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
    with env.steps.step("save", name=args.save_scenario):
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
    """The population cells under ``mask`` dissolved into zones per county, as features.

    Each zone carries ``properties`` and its county-level unit: ``region`` (its name, as a
    person reads it) and ``region_adcode``.
    """
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
    names = {region.adcode: region.name for region in inputs.regions}
    return [
        {
            "type": "Feature",
            "geometry": mapping(zone.geometry),
            "properties": {
                **properties,
                "region": names.get(zone.key, zone.key),
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


def verdict(env: Env, status: str | None) -> str:
    """A verdict in the reader's language; a fail in bold."""
    if status is None:
        return "—"
    shown = messages.label("status", status, env.lang)
    return f"**{shown}**" if status == "fail" else shown


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return [*out, ""]


def title(env: Env, rule: Rule) -> str:
    """The rule's title in the reader's language."""
    return rule.title_zh if env.lang == "zh" else rule.title_en


def rule_properties(env: Env, rule: Rule) -> dict[str, str]:
    """A map layer's rule: its title in the reader's language beside its id (``rule_id``)."""
    return {"rule": title(env, rule), "rule_id": rule.id}


def outcome(env: Env, row: RuleResult) -> str:
    """A result's outcome sentence in the reader's language."""
    return messages.outcome(
        row.outcome.value,
        shortfall=row.shortfall,
        shortfall_unit=row.shortfall_unit,
        text_en=row.shortfall_text,
        text_zh=row.shortfall_text_zh,
        lang=env.lang,
        value=row.value,
        target=row.target,
        unit=row.unit,
    )


def compare_table(env: Env, rule: Rule, before: Evaluation, after: Evaluation) -> list[str]:
    """One rule: its title, citation and reading, then its rows before and after (value,
    verdict and the outcome in words)."""
    rows = []
    for new in after.results[rule.id]:
        old = before.row(rule.id, new.region_adcode)
        rows.append(
            [
                f"{new.region_name} {new.region_adcode}",
                fmt(old.value if old else None, new.unit),
                fmt(new.value, new.unit),
                f"{verdict(env, old.outcome.value if old else None)} → "
                f"{verdict(env, new.outcome.value)}",
                outcome(env, new),
            ]
        )
    header = [env.t(f"col.{key}") for key in ("region", "before", "after", "verdict", "outcome")]
    return [
        f"**{title(env, rule)}**",
        "",
        cite(env, rule),
        "",
        *reading(env, rule),
        *table(header, rows),
    ]


def lines_text(env: Env, first: int, last: int) -> str:
    """A plan's line range as a reader cites it (第1136～1142行 / L1136-1142)."""
    span = f"{first}" if first == last else f"{first}～{last}"
    if env.lang == "en":
        span = f"{first}" if first == last else f"{first}-{last}"
    return env.t("lines", span=span)


def cite(env: Env, rule: Rule, citation: int = 0) -> str:
    """A citation of ``rule`` (its first by default): the plan's title, lines and quote."""
    c = rule.citations[citation]
    # rule ids start with their plan's city (a rule derived from one keeps the prefix)
    plan = next(cat for cat in env.norms.catalogues if rule.id.startswith(f"{cat.city}."))
    first, last = c.lines
    return cite_plan(env, plan.city_adcode, first, last, c.quote)


def cite_plan(env: Env, plan_city: str, first: int, last: int, quote: str) -> str:
    """The plan of ``plan_city`` cited by title, lines and its own words."""
    plan = get_catalogue(env.norms, plan_city)
    name = plan.plan_title_zh if env.lang == "zh" else plan.plan_title_en
    return env.t("cite", plan=name, lines=lines_text(env, first, last), quote=quote)


def reading(env: Env, rule: Rule) -> list[str]:
    """The catalogue's interpretation of ``rule`` as a paragraph, if it gives one."""
    if rule.interpretation is None:
        return []
    return [env.t("reading", text=rule.interpretation.in_lang(env.lang)), ""]


def model_label(env: Env, model: str) -> str:
    """A location model as a reader names it (``lscp`` → 最少设施全覆盖)."""
    return env.t(f"model.{model}")


def solved(env: Env, result: OptimizeResult) -> str:
    """How the sites were chosen: model, optimal or bounded, solver, time, candidates."""
    quality = env.t("optimal") if result.exact else env.t("bound", bound=fmt(result.bound))
    solver = messages.label("scenario.solver", result.solver, env.lang)
    return env.t(
        "solved",
        model=model_label(env, result.model),
        quality=quality,
        solver=solver,
        s=messages.number(result.solve_s, 2),
        candidates=messages.number(result.candidates, 0),
    )


def header(env: Env, key: str, city_name: str, city: str, synthetic: bool) -> list[str]:
    """The report's title (``scenario.<key>.title``), the city, and the synthetic warning."""
    lines = [f"# {env.t(f'{key}.title')}", "", env.t("city_data", name=city_name, city=city), ""]
    if synthetic:
        lines += [f"> {env.t('synthetic')}", ""]
    return lines


def footer(env: Env, scenario_id: int | None, started: float) -> list[str]:
    """The saved scenario's id, if any, and the time the script took."""
    lines = [env.t("saved", id=scenario_id), ""] if scenario_id is not None else []
    return [*lines, env.t("computed", s=messages.number(time.perf_counter() - started, 1))]


def finish(env: Env, out: Path, written: Sequence[Path]) -> None:
    """Say where the outputs are: the report first, then the GeoJSON files (stdout)."""
    print(env.t("wrote", path=str(out.resolve())))
    for path in written:
        print(f"  {path.name}")


def city_name(inputs: CityInputs, city: str) -> str:
    return next((r.name for r in inputs.regions if r.adcode == city), city)


def run(main_body: Any, argv: Sequence[str] | None) -> int:
    """Run a script body, turning a domain, geo or option error into a message and exit status 2."""
    from pydantic import ValidationError

    from app.errors import AppError
    from geo.errors import GeoError
    from geo.messages.pydantic import pydantic_text

    given = list(argv) if argv is not None else []
    asked = given[given.index("--lang") + 1] if "--lang" in given[:-1] else None
    reader = reader_lang(asked)
    error = messages.text("error", reader)
    try:
        return int(main_body(argv))
    except AppError as exc:
        said = exc.localized(reader)
        print(f"{error}: {said}")
        # a detail that repeats the message (the one field it names) is not shown again
        for detail in exc.localized_details(reader):
            if detail.get("msg") == said:
                continue
            print(f"  {detail.get('field', '')}: {detail.get('msg', '')}")
        return 2
    except GeoError as exc:
        # the computation refused the input (an infeasible request, a solver out of time)
        print(f"{error}: {exc.localized(reader)}")
        return 2
    except ValidationError as exc:
        # pydantic's problems worded from the catalogue, each naming its field
        for problem in exc.errors():
            print(f"{error}: {pydantic_text(problem, reader)}")
        return 2
