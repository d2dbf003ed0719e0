"""``fplan network``: store a city's road network in PostGIS, real or labelled synthetic."""

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, peak_memory_mb, progress_enabled
from app.cli._help import both
from app.cli._session import open_session
from app.db.plain import read_only
from geo import messages

network_app = typer.Typer(
    help=both("cli.network.help"), no_args_is_help=True, rich_markup_mode=None
)

CityOption = Annotated[str, typer.Option("--city", help=both("cli.network.city"))]


def _print_summary(summary: object, population: object | None) -> None:
    from rich.table import Table

    table = Table(show_header=False)
    for key, value in vars(summary).items():
        table.add_row(key, str(value))
    if population is not None:
        for key, value in vars(population).items():
            table.add_row(
                f"population.{key}", f"{value:,}" if isinstance(value, int) else str(value)
            )
    console.print(table)


def _rebuild_population(  # type: ignore[no-untyped-def]
    session, city: str, network_id: int, *, stages: Stages | None = None
):
    from app.services import citydata, networks
    from app.settings import get_settings

    chosen = networks.find_network(session, city)
    if chosen is None or chosen.id != network_id:
        console.print("the city keeps its current network: population surface unchanged")
        return None
    if stages is not None:
        stages.stage("population", city=city)
    net = networks.load_network(session, get_settings(), network_id)
    if stages is not None:
        return citydata.build_population(session, city, net, network_id)
    with console.status("building the population surface"):
        return citydata.build_population(session, city, net, network_id)


@network_app.command("synth", help=both("cli.network.synth"))
def synth(
    city: CityOption,
    nodes: Annotated[int | None, typer.Option(help=both("cli.network.nodes"))] = None,
    seed: Annotated[int, typer.Option(help=both("cli.network.seed"))] = 0,
) -> None:
    """Generate a synthetic network filling the city, on the real trunk roads when at hand."""
    from app.services import citydata
    from app.settings import TRUNK_ROADS_FILE, get_settings
    from geo import messages

    trunk = get_settings().data_file(*TRUNK_ROADS_FILE)
    with open_session() as session:
        with console.status(f"generating a synthetic network for {city}"):
            summary = citydata.synthesize_network(
                session, city, target_nodes=nodes, seed=seed, trunk_roads=trunk
            )
            session.commit()
        population = _rebuild_population(session, city, summary.id)
        session.commit()
    console.print("[yellow]synthetic[/yellow] network stored: figures on it are not real roads")
    lang = messages.DEFAULT_LANG
    if trunk is not None:
        console.print(messages.text("network.trunk_real", lang, file=trunk.name))
    else:
        console.print(f"[yellow]{messages.text('network.trunk_missing', lang)}[/yellow]")
    _print_summary(summary, population)


@network_app.command("import", help=both("cli.network.import"))
def import_osm(  # noqa: PLR0917 - typer options are keyword arguments to the user
    osm: Annotated[Path | None, typer.Option("--osm", help=both("cli.network.osm"))] = None,
    edges: Annotated[
        Path | None,
        typer.Option("--edges", help="道路线图层 / road lines: .gpkg, .shp or .geojson (any CRS)"),
    ] = None,
    city: Annotated[
        str | None, typer.Option("--city", help=both("cli.network.import_city"))
    ] = None,
    name: Annotated[str | None, typer.Option(help=both("cli.network.name"))] = None,
    class_column: Annotated[
        str | None, typer.Option("--class-column", help="道路等级列 / road class column")
    ] = None,
    speed_column: Annotated[
        str | None, typer.Option("--speed-column", help="车速列 km/h / speed column, km/h")
    ] = None,
    oneway_column: Annotated[
        str | None, typer.Option("--oneway-column", help="单行列 / one-way column")
    ] = None,
    map_classes: Annotated[
        Path | None,
        typer.Option(
            "--map-classes",
            help="等级对照 / class values to OSM highway classes (YAML or CSV value,highway)",
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help=both("cli.opt.json_no_progress"))
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    """Store a real network: OpenStreetMap (--osm) or a GIS road layer (--edges).

    A network covering the city replaces its synthetic one; a road layer covering part of it is
    joined to the synthetic network outside its area, and the share of residents on real roads
    is reported. Missing class / speed / one-way columns get documented defaults
    (geo/network/edges.py): every road 'unclassified' at its planning speed, two-way. A PBF is
    read in two streaming passes (ways, then their nodes) in bounded memory; the time and the
    peak memory are reported at the end.
    """
    from app.cli.check import cli_lang

    if (osm is None) == (edges is None):
        msg = "give exactly one of --osm FILE or --edges FILE / 须且仅须给出 --osm 或 --edges"
        raise typer.BadParameter(msg)
    reader = cli_lang(lang)
    started = time.monotonic()
    stages = Stages(reader, enabled=progress_enabled(json_mode=json_out))
    if edges is not None:
        record = _import_edges(
            edges,
            stages=stages,
            city=city,
            name=name,
            class_column=class_column,
            speed_column=speed_column,
            oneway_column=oneway_column,
            map_classes=map_classes,
            json_out=json_out,
        )
    else:
        assert osm is not None
        record = _import_osm(osm, stages=stages, city=city, name=name, json_out=json_out)
    seconds, peak_mb = time.monotonic() - started, peak_memory_mb()
    if json_out:
        record.update(seconds=round(seconds, 3), peak_rss_mb=round(peak_mb, 1))
        typer.echo(json.dumps(record, default=str, ensure_ascii=False))
        return
    took = messages.text(
        "network.took", reader, seconds=f"{seconds:,.1f}", peak_mb=f"{peak_mb:,.0f}"
    )
    console.print(took, highlight=False)


# PBF read stages (geo.network.osm.read_pbf) and the store, as catalogue keys
_OSM_STAGES = {"ways": "pbf_ways", "nodes": "pbf_nodes", "store": "store_network"}


def _import_osm(
    path: Path, *, stages: Stages, city: str | None, name: str | None, json_out: bool
) -> dict[str, object]:
    from app.services import citydata
    from geo.network.osm import PbfTally

    tally = PbfTally()
    current: list[str] = []

    def on_read(stage: str, done: int, total: int) -> None:
        if current[-1:] != [stage]:
            current.append(stage)
            stages.stage(_OSM_STAGES[stage], total=total, name=path.name)
        stages.update(done, total)

    with open_session() as session, stages:
        if not path.name.lower().endswith(".pbf"):
            stages.stage("read_file", name=path.name)
        summary = citydata.import_network(
            session, path, city_adcode=city, name=name, progress=on_read, tally=tally
        )
        session.commit()
        population = _rebuild_population(session, city, summary.id, stages=stages) if city else None
        session.commit()
    if json_out:
        record = {
            "network": vars(summary),
            "population": None if population is None else vars(population),
            "read": vars(tally) if tally.highway_ways else None,
        }
        return record
    _print_summary(summary, population)
    if tally.highway_ways:
        read = messages.text("network.pbf_read", stages.lang, **_thousands(vars(tally)))
        console.print(read, highlight=False)
    return {}


def _thousands(counts: dict[str, int]) -> dict[str, str]:
    return {key: f"{value:,}" for key, value in counts.items()}


def _import_edges(
    path: Path,
    *,
    stages: Stages,
    city: str | None,
    name: str | None,
    class_column: str | None,
    speed_column: str | None,
    oneway_column: str | None,
    map_classes: Path | None,
    json_out: bool,
) -> dict[str, object]:
    from app.services import road_files
    from app.settings import get_settings
    from geo import messages

    with open_session() as session:
        with stages:
            done = road_files.import_edges(
                session,
                get_settings(),
                path,
                city_adcode=city,
                class_column=class_column,
                speed_column=speed_column,
                oneway_column=oneway_column,
                class_map=road_files.read_class_map(map_classes),
                name=name,
                progress=lambda step: stages.stage(step, name=path.name),
            )
            session.commit()
            population = (
                _rebuild_population(session, city, done.network.id, stages=stages) if city else None
            )
            session.commit()
        share = road_files.real_road_share(session, city) if city else None
    if json_out:
        record = {
            "network": vars(done.network),
            "population": None if population is None else vars(population),
            "segments": done.segments,
            "real_segments": done.real_segments,
            "synthetic_segments": done.synthetic_segments,
            "connectors": done.connectors,
            "speeds_assumed": done.speeds_assumed,
            "classes_assumed": done.classes_assumed,
            "oneway_assumed": done.oneway_assumed,
            "real_road_share": None if share is None else share[0],
        }
        return record
    _print_summary(done.network, population)
    console.print(
        f"segments 路段: {done.segments:,} from the file 来自文件; "
        f"real 真实 {done.real_segments:,}, "
        f"synthetic 模拟 {done.synthetic_segments:,}, connectors 连接段 {done.connectors:,}"
    )
    others = {k: v for k, v in done.segments_by_source.items() if k not in {path.name, "synthetic"}}
    for source, count in others.items():
        line = messages.text("network.trunk_segments", messages.DEFAULT_LANG, source=source)
        console.print(f"{line} {count:,}")
    assumed = [
        label
        for flag, label in (
            (done.classes_assumed, "classes 等级 (unclassified)"),
            (done.speeds_assumed, "speeds 车速 (planning speed of the class 按等级规划车速)"),
            (done.oneway_assumed, "one-way 单行 (two-way 双向)"),
        )
        if flag
    ]
    if assumed:
        console.print(f"[yellow]assumed 假定: {'; '.join(assumed)}[/yellow]")
    if done.unmapped_classes:
        console.print(
            f"[yellow]unmapped classes 未对照等级 → unclassified: "
            f"{', '.join(done.unmapped_classes)}[/yellow]"
        )
    if share is not None:
        console.print(
            f"residents on real roads 真实路网上的居民: {share[0]:.1%} "
            f"(real area covers 真实路网覆盖 {done.city_cover_share or 0:.1%} of the city 城市面积)"
        )
    return {}


@network_app.command("list", help=both("cli.network.list"))
def list_networks(
    city: Annotated[str | None, typer.Option("--city", help=both("cli.network.list_city"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    """List stored networks (the one each city is analysed on is marked)."""
    from rich.console import Console
    from rich.table import Table

    from app.cli.check import cli_lang
    from app.services import listings
    from geo import messages

    reader = cli_lang(lang)

    def t(key: str) -> str:
        return messages.text(key, reader)

    # a plain read (no ORM, no numpy): the listing answers at once
    with read_only() as conn:
        rows = listings.network_rows(conn, city)
        # the network each listed city is analysed on, among all of that city's networks
        every = rows if city is None else listings.network_rows(conn)
        chosen = set(listings.chosen_networks(every).values())
    columns = ("id", "city", "name", "source", "nodes", "edges", "used")
    table = Table(*(t(f"network.col.{column}") for column in columns))
    for r in rows:
        source = f"[yellow]{t('source.synthetic')}[/yellow]" if r["synthetic"] else r["source"]
        table.add_row(
            str(r["id"]),
            r["city_adcode"] or "",
            r["name"],
            source,
            f"{r['n_nodes']:,}",
            f"{r['n_edges']:,}",
            "✓" if r["id"] in chosen else "",
        )
    # the listing is the answer: stdout, where `| cat` and redirects find it
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
