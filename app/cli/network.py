"""``fplan network``: store a city's road network in PostGIS, real or labelled synthetic."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import console
from app.cli._session import open_session

network_app = typer.Typer(
    help="Road networks: import OSM, synthesize, list.", no_args_is_help=True, rich_markup_mode=None
)

CityOption = Annotated[str, typer.Option("--city", help="6-digit adcode of the city, e.g. 433101")]


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


def _rebuild_population(session, city: str, network_id: int):  # type: ignore[no-untyped-def]
    from app.services import citydata, networks
    from app.settings import get_settings

    chosen = networks.find_network(session, city)
    if chosen is None or chosen.id != network_id:
        console.print("the city keeps its current network: population surface unchanged")
        return None
    net = networks.load_network(session, get_settings(), network_id)
    with console.status("building the population surface"):
        return citydata.build_population(session, city, net, network_id)


@network_app.command("synth")
def synth(
    city: CityOption,
    nodes: Annotated[
        int | None, typer.Option(help="target node count (default: ~10 per km², 5k–1M)")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="random seed; the same seed gives the same network")
    ] = 0,
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


@network_app.command("import")
def import_osm(  # noqa: PLR0917 - typer options are keyword arguments to the user
    osm: Annotated[
        Path | None, typer.Option("--osm", help=".osm.pbf, .osm (XML) or .graphml file")
    ] = None,
    edges: Annotated[
        Path | None,
        typer.Option("--edges", help="道路线图层 / road lines: .gpkg, .shp or .geojson (any CRS)"),
    ] = None,
    city: Annotated[
        str | None, typer.Option("--city", help="6-digit adcode of the city it serves")
    ] = None,
    name: Annotated[str | None, typer.Option(help="a name (default: the file name)")] = None,
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
) -> None:
    """Store a real network: OpenStreetMap (--osm) or a GIS road layer (--edges).

    A network covering the city replaces its synthetic one; a road layer covering part of it is
    joined to the synthetic network outside its area, and the share of residents on real roads
    is reported. Missing class / speed / one-way columns get documented defaults
    (geo/network/edges.py): every road 'unclassified' at its planning speed, two-way.
    """
    from app.services import citydata

    if (osm is None) == (edges is None):
        msg = "give exactly one of --osm FILE or --edges FILE / 须且仅须给出 --osm 或 --edges"
        raise typer.BadParameter(msg)
    if edges is not None:
        _import_edges(
            edges,
            city=city,
            name=name,
            class_column=class_column,
            speed_column=speed_column,
            oneway_column=oneway_column,
            map_classes=map_classes,
        )
        return
    assert osm is not None
    with open_session() as session:
        with console.status(f"reading {osm.name}"):
            summary = citydata.import_network(session, osm, city_adcode=city, name=name)
            session.commit()
        population = _rebuild_population(session, city, summary.id) if city else None
        session.commit()
    _print_summary(summary, population)


def _import_edges(
    path: Path,
    *,
    city: str | None,
    name: str | None,
    class_column: str | None,
    speed_column: str | None,
    oneway_column: str | None,
    map_classes: Path | None,
) -> None:
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from app.services import road_files
    from app.settings import get_settings
    from geo import messages

    started = time.monotonic()
    # the steps: read, synthetic network, join, store (then the population surface)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with open_session() as session:
        with bar:
            task = bar.add_task("", total=4)

            def step(what: str) -> None:
                bar.update(task, description=what, advance=1)

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
                progress=step,
            )
            session.commit()
        population = _rebuild_population(session, city, done.network.id) if city else None
        session.commit()
        share = road_files.real_road_share(session, city) if city else None
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
    console.print(f"time 用时 {time.monotonic() - started:.0f} s")


@network_app.command("list")
def list_networks(
    city: Annotated[str | None, typer.Option("--city", help="only this city's networks")] = None,
) -> None:
    """List stored networks (the one each city is analysed on is marked)."""
    from rich.table import Table

    from app.services import networks

    with open_session() as session:
        rows = networks.list_networks(session, city)
        chosen = {
            networks.find_network(session, c).id  # type: ignore[union-attr]
            for c in {r.city_adcode for r in rows if r.city_adcode}
        }
    table = Table("id", "city", "name", "source", "nodes", "edges", "used")
    for r in rows:
        source = "[yellow]synthetic[/yellow]" if r.synthetic else r.source
        table.add_row(
            str(r.id),
            r.city_adcode or "",
            r.name,
            source,
            f"{r.n_nodes:,}",
            f"{r.n_edges:,}",
            "✓" if r.id in chosen else "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
