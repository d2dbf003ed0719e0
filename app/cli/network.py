"""``fplan network``: store a city's road network in PostGIS, real or labelled synthetic."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli._console import Stages, console, peak_memory_mb, progress_enabled
from app.cli._help import both, reader_lang
from app.cli._session import open_session
from app.db.plain import read_only
from geo import messages

network_app = typer.Typer(
    help=both("cli.network.help"), no_args_is_help=True, rich_markup_mode=None
)

CityOption = Annotated[str, typer.Option("--city", help=both("cli.network.city"))]


def _print_summary(summary: Any, population: Any | None, lang: messages.Lang) -> None:
    """The stored network (and the population surface rebuilt on it) as labelled rows."""
    from rich.table import Table

    def t(key: str) -> str:
        return messages.text(key, lang)

    source = t("source.synthetic") if summary.synthetic else summary.source
    rows = [
        (t("network.col.id"), str(summary.id)),
        (t("network.col.city"), summary.city_adcode or ""),
        (t("network.col.name"), summary.name),
        (t("network.col.source"), source),
        (t("network.col.nodes"), f"{summary.n_nodes:,}"),
        (t("network.col.edges"), f"{summary.n_edges:,}"),
        (t("cli.network.crs"), summary.crs),
    ]
    if population is not None:
        estimate = t("source.synthetic") if population.synthetic else t("source.real")
        rows += [
            (t("cli.network.cells"), f"{population.cells:,}"),
            (t("cli.network.people"), f"{population.population:,}"),
            (t("cli.network.urban_people"), f"{population.urban_population:,}"),
            (t("cli.network.spread"), estimate),
        ]
    table = Table(show_header=False)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _rebuild_population(  # type: ignore[no-untyped-def]
    session, city: str, network_id: int, *, lang: messages.Lang, stages: Stages | None = None
):
    from app.services import citydata, networks
    from app.settings import get_settings

    chosen = networks.find_network(session, city)
    if chosen is None or chosen.id != network_id:
        console.print(messages.text("cli.network.kept", lang))
        return None
    if stages is not None:
        stages.stage("population", city=city)
    net = networks.load_network(session, get_settings(), network_id)
    if stages is not None:
        return citydata.build_population(session, city, net, network_id)
    with console.status(messages.text("cli.network.building_population", lang)):
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

    lang = reader_lang()
    trunk = get_settings().data_file(*TRUNK_ROADS_FILE)
    with open_session() as session:
        with console.status(messages.text("cli.network.generating", lang, city=city)):
            summary = citydata.synthesize_network(
                session, city, target_nodes=nodes, seed=seed, trunk_roads=trunk
            )
            session.commit()
        population = _rebuild_population(session, city, summary.id, lang=lang)
        session.commit()
    console.print(messages.text("cli.network.synthetic_stored", lang), style="yellow")
    if trunk is not None:
        console.print(messages.text("network.trunk_real", lang, file=trunk.name))
    else:
        console.print(f"[yellow]{messages.text('network.trunk_missing', lang)}[/yellow]")
    _print_summary(summary, population, lang)


@network_app.command("import", help=both("cli.network.import"))
def import_osm(  # noqa: PLR0917 - typer options are keyword arguments to the user
    osm: Annotated[Path | None, typer.Option("--osm", help=both("cli.network.osm"))] = None,
    edges: Annotated[
        Path | None,
        typer.Option("--edges", help=both("cli.network.edges")),
    ] = None,
    city: Annotated[
        str | None, typer.Option("--city", help=both("cli.network.import_city"))
    ] = None,
    name: Annotated[str | None, typer.Option(help=both("cli.network.name"))] = None,
    class_column: Annotated[
        str | None, typer.Option("--class-column", help=both("cli.network.class_column"))
    ] = None,
    speed_column: Annotated[
        str | None, typer.Option("--speed-column", help=both("cli.network.speed_column"))
    ] = None,
    oneway_column: Annotated[
        str | None, typer.Option("--oneway-column", help=both("cli.network.oneway_column"))
    ] = None,
    map_classes: Annotated[
        Path | None,
        typer.Option("--map-classes", help=both("cli.network.map_classes")),
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
        msg = messages.text("cli.network.one_source", cli_lang(lang))
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
        population = (
            _rebuild_population(session, city, summary.id, lang=stages.lang, stages=stages)
            if city
            else None
        )
        session.commit()
    if json_out:
        record = {
            "network": vars(summary),
            "population": None if population is None else vars(population),
            "read": vars(tally) if tally.highway_ways else None,
        }
        return record
    _print_summary(summary, population, stages.lang)
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
                _rebuild_population(session, city, done.network.id, lang=stages.lang, stages=stages)
                if city
                else None
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
    lang = stages.lang

    def t(key: str, **fields: object) -> str:
        return messages.text(key, lang, **fields)

    _print_summary(done.network, population, lang)
    segments = t(
        "cli.network.segments",
        segments=f"{done.segments:,}",
        real=f"{done.real_segments:,}",
        synthetic=f"{done.synthetic_segments:,}",
        connectors=f"{done.connectors:,}",
    )
    console.print(segments, highlight=False)
    others = {k: v for k, v in done.segments_by_source.items() if k not in {path.name, "synthetic"}}
    for source, count in others.items():
        console.print(f"{t('network.trunk_segments', source=source)} {count:,}", highlight=False)
    assumed = [
        t(key)
        for flag, key in (
            (done.classes_assumed, "cli.network.assumed_classes"),
            (done.speeds_assumed, "cli.network.assumed_speeds"),
            (done.oneway_assumed, "cli.network.assumed_oneway"),
        )
        if flag
    ]
    if assumed:
        console.print(t("cli.network.assumed", what="；".join(assumed)), style="yellow")
    if done.unmapped_classes:
        unmapped = t("cli.network.unmapped", classes=", ".join(done.unmapped_classes))
        console.print(unmapped, style="yellow", markup=False)
    if share is not None:
        real_share = t(
            "cli.network.real_share",
            share=f"{share[0]:.1%}",
            cover=f"{done.city_cover_share or 0:.1%}",
        )
        console.print(real_share, highlight=False)
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
