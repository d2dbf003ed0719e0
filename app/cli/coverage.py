"""``fplan coverage``: population within N minutes of the nearest facility on a real road network.

Reads an OpenStreetMap file (``.osm`` XML, ``.osm.pbf``, or an osmnx ``.graphml``), snaps the
facilities and population points (CSV, WGS84 ``lon``/``lat``) to the network of the chosen
mode, runs one bounded multi-source search (:meth:`geo.access.context.AccessContext.coverage`, as
the ``/coverage`` report) and reports the covered population and each
facility's catchment. ``--json`` prints one object to stdout; otherwise a table and progress
bars go to stderr.
"""

import json
import math
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._console import console
from app.cli._help import both, reader_lang, say
from geo.terms import Direction

if TYPE_CHECKING:
    import pandas as pd

    from geo.errors import GeoError
    from geo.messages import Lang


class Mode(StrEnum):
    walk = "walk"
    drive = "drive"
    ems = "ems"


def _ids(frame: "pd.DataFrame") -> list[Any]:
    # the CSV's id column when present, else the 0-based row number
    if "id" in frame.columns:
        return [v.item() if hasattr(v, "item") else v for v in frame["id"].tolist()]
    return list(range(len(frame)))


def _refused(exc: "GeoError") -> typer.Exit:
    """Print geo's refusal as one line in the reader's language; the exit (code 2) to raise."""
    said = say("cli.chrome.error", message=exc.localized(reader_lang()))
    console.print(said, style="red", soft_wrap=True, markup=False)
    return typer.Exit(2)


def coverage(
    *,
    osm: Annotated[
        Path,
        typer.Option("--osm", help=both("cli.coverage.osm")),
    ],
    facilities: Annotated[Path, typer.Option("--facilities", help=both("cli.coverage.facilities"))],
    population: Annotated[Path, typer.Option("--population", help=both("cli.coverage.population"))],
    minutes: Annotated[
        float,
        typer.Option("--minutes", min=0, help=both("cli.coverage.minutes")),
    ],
    mode: Annotated[Mode, typer.Option("--mode", help=both("cli.coverage.mode"))] = Mode.drive,
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.opt.json_object"))] = False,
    direction: Annotated[
        Direction | None,
        typer.Option(
            "--direction",
            help=both("cli.coverage.direction"),
        ),
    ] = None,
    max_snap_m: Annotated[
        float,
        typer.Option("--max-snap-m", min=0, help=both("cli.coverage.max_snap_m")),
    ] = 500.0,  # geo.snap.MAX_SNAP_M, not imported here to keep `fplan --help` fast
) -> None:
    """Population covered within MINUTES of the nearest facility, and each facility's catchment.

    ``off_network_points`` counts facility and population points farther than --max-snap-m
    from the network: they are reported, never covered (an off-network facility covers nobody).
    """
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from geo.access.context import AccessContext
    from geo.access.points import points_xy
    from geo.errors import GeoError, PopulationError
    from geo.network.readers import read_network
    from geo.network.snap import project_lonlat

    mode_name = mode.value
    # patients travel to care; an ambulance travels from its station (geo.access.coverage)
    search_direction = (
        direction.value
        if direction is not None
        else ("from_facility" if mode_name == "ems" else "to_facility")
    )
    from geo.population.points import read_points

    try:
        fac = read_points(facilities)
        pop = read_points(population, weight_column="population")
    except PopulationError as exc:
        # exit code 2, as for any bad command-line input
        raise _refused(exc) from exc

    timings: dict[str, float] = {}
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    )
    try:
        with progress:
            step = progress.add_task(say("cli.coverage.reading", name=osm.name), total=4)
            start = time.perf_counter()
            net = read_network(osm, mode=mode_name)
            timings["load_s"] = time.perf_counter() - start
            progress.update(
                step,
                advance=1,
                description=say(
                    "cli.coverage.building", mode=say(f"cli.coverage.mode.{mode_name}")
                ),
            )

            start = time.perf_counter()
            graph = net.mode_graph(mode_name)
            timings["build_s"] = time.perf_counter() - start
            progress.update(step, advance=1, description=say("cli.coverage.snapping"))

            start = time.perf_counter()
            # the one coverage path of geo.access, as the /coverage report
            context = AccessContext(
                net,
                points_xy(*project_lonlat(pop["lon"], pop["lat"], net.crs)),
                points_xy(*project_lonlat(fac["lon"], fac["lat"], net.crs)),
                max_snap_m=max_snap_m,
            )
            snapped_fac = context.snapped_sites(mode_name)
            context.snapped_points(mode_name)
            timings["snap_s"] = time.perf_counter() - start
            progress.update(
                step, advance=1, description=say("cli.coverage.searching", minutes=f"{minutes:g}")
            )

            start = time.perf_counter()
            result = context.coverage(
                list(range(context.n_sites)),
                pop["population"].to_numpy(),
                mode=mode_name,
                minutes=minutes,
                direction=search_direction,
            )
            timings["search_s"] = time.perf_counter() - start
            progress.update(step, advance=1)
    except GeoError as exc:
        # the computation refused its input: one line and exit code 2, as main() answers
        raise _refused(exc) from exc

    share = result.covered_share
    summary: dict[str, Any] = {
        "nodes": net.n_mode_nodes(mode_name),
        "edges": int(graph.edges.edge.shape[0]),
        "facilities": len(fac),
        "population_total": result.population_total,
        "population_covered": result.population_covered,
        "covered_share": None if math.isnan(share) else share,
        "off_network_points": snapped_fac.n_off_network + result.off_network_points,
        "per_facility": [
            {"id": fid, "population": float(p)}
            for fid, p in zip(_ids(fac), result.facility_population, strict=True)
        ],
        "timings": {k: round(v, 6) for k, v in timings.items()},
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    _print_table(
        summary,
        mode=say(f"cli.coverage.mode.{mode_name}"),
        minutes=minutes,
        direction=search_direction,
        lang=reader_lang(),
    )
    if net.synthetic:
        console.print(say("cli.coverage.synthetic"), style="yellow")


def _print_table(
    summary: dict[str, Any], *, mode: str, minutes: float, direction: str, lang: "Lang"
) -> None:
    from rich.table import Table

    from geo import messages

    def t(key: str, **fields: object) -> str:
        return messages.text(f"cli.coverage.{key}", lang, **fields)

    towards = t(f"direction.{direction}")
    table = Table(title=t("title", mode=mode, minutes=f"{minutes:g}", direction=towards))
    table.add_column(t("col.figure"))
    table.add_column(t("col.value"), justify="right")
    share = summary["covered_share"]
    rows = [
        (t("row.nodes"), f"{summary['nodes']:,}"),
        (t("row.edges"), f"{summary['edges']:,}"),
        (t("row.facilities"), f"{summary['facilities']:,}"),
        (t("row.population"), f"{summary['population_total']:,.0f}"),
        (t("row.covered"), f"{summary['population_covered']:,.0f}"),
        (t("row.covered_share"), messages.value_text(share, "share", lang)),
        (t("row.off_network"), f"{summary['off_network_points']:,}"),
    ]
    rows += [
        (t(f"row.{name}"), t("seconds", seconds=f"{seconds:.3f}"))
        for name, seconds in summary["timings"].items()
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)

    # the ten largest catchments: the full list is in --json
    top = sorted(summary["per_facility"], key=lambda f: -f["population"])[:10]
    catchments = Table(title=t("catchments"))
    catchments.add_column(t("col.facility"))
    catchments.add_column(t("col.population"), justify="right")
    for item in top:
        catchments.add_row(str(item["id"]), f"{item['population']:,.0f}")
    console.print(catchments)


def register(app: typer.Typer) -> None:
    app.command("coverage", help=both("cli.coverage.help"))(coverage)
