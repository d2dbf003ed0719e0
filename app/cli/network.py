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
    """Generate a synthetic network filling the city (labelled synthetic everywhere)."""
    from app.services import citydata

    with open_session() as session:
        with console.status(f"generating a synthetic network for {city}"):
            summary = citydata.synthesize_network(session, city, target_nodes=nodes, seed=seed)
            session.commit()
        population = _rebuild_population(session, city, summary.id)
        session.commit()
    console.print("[yellow]synthetic[/yellow] network stored: figures on it are not real roads")
    _print_summary(summary, population)


@network_app.command("import")
def import_osm(
    osm: Annotated[Path, typer.Option("--osm", help=".osm.pbf, .osm (XML) or .graphml file")],
    city: Annotated[
        str | None, typer.Option("--city", help="6-digit adcode of the city it serves")
    ] = None,
    name: Annotated[str | None, typer.Option(help="a name (default: the file name)")] = None,
) -> None:
    """Store a real OpenStreetMap network; it replaces a synthetic one when it covers the city."""
    from app.services import citydata

    with open_session() as session:
        with console.status(f"reading {osm.name}"):
            summary = citydata.import_network(session, osm, city_adcode=city, name=name)
            session.commit()
        population = _rebuild_population(session, city, summary.id) if city else None
        session.commit()
    _print_summary(summary, population)


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
