"""The report's maps and charts, drawn on the server (matplotlib) as images at print resolution.

The map shades each county-level unit by its number of failing norms, overlays the cells the
spatial norms find beyond reach (darker where more norms do) and draws the facilities, real ones
above and larger than synthetic ones. A chart per norm compares each unit's value with the
target. Both are PNG images: raster at print resolution keeps the PDF quick to typeset (an SVG of
text paths is thousands of elements WeasyPrint styles and draws one by one). Chinese is drawn
with Debian's WenQuanYi Micro Hei (``make browser`` installs it).
"""

import base64
import io
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import shapely

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.schemas.compliance import ComplianceResult
from geo import messages
from geo.messages import Lang

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_FAIL_COLOURS = ["#1a9641", "#fdae61", "#f46d43", "#a50026"]
_FAIL_BOUNDS = [0, 1, 3, 6, 1000]
_GAP_COLOUR = "#6a3d9a"
# the gap cells' shading by how many norms find them beyond reach: 1, 2, 3 or more
_GAP_ALPHAS = (0.12, 0.2, 0.3)
# print resolution: the A4 text width (180 mm) at 200 dpi, ≈ 1,400 pixels
_DPI = 200
# unit outlines simplified to about a pixel of the printed map (≈ 150 m), degrees
_OUTLINE_TOLERANCE_DEG = 0.0015


def _font() -> None:
    # the CJK font once per process; without it the labels fall back to DejaVu (no Chinese)
    if CJK_FONT.exists() and "WenQuanYi Micro Hei" not in mpl.rcParams["font.sans-serif"]:
        font_manager.fontManager.addfont(str(CJK_FONT))
        mpl.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "DejaVu Sans"]
    mpl.rcParams["svg.fonttype"] = "path"
    mpl.rcParams["axes.unicode_minus"] = False


def _png(figure: Figure, *, css_class: str = "map", tight: bool = True) -> str:
    # a map of thousands of cells and points, or a chart, is lighter as an image than as paths;
    # a tight box draws the figure twice (once to measure), so the charts set their margins and
    # their pixels are taken from the canvas as drawn (no PNG written and read back)
    drawn: Image.Image
    if tight:
        drawn_png = io.BytesIO()
        figure.savefig(drawn_png, format="png", dpi=_DPI, bbox_inches="tight")
        drawn = Image.open(drawn_png)
    else:
        figure.set_dpi(_DPI)
        canvas = FigureCanvasAgg(figure)
        # matplotlib's Agg canvas is not annotated
        canvas.draw()  # type: ignore[no-untyped-call]
        pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        drawn = Image.frombuffer("RGBA", canvas.get_width_height(physical=True), pixels)
    plt.close(figure)
    # a palette of 256 colours, no alpha: WeasyPrint re-encodes every image it embeds, and an
    # opaque palette image is a quarter of the bytes of RGBA and needs no separate alpha mask
    palette = drawn.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="png")
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img class="{css_class}" alt="" src="data:image/png;base64,{encoded}">'


def gap_cells(session: Session, run_id: int) -> gpd.GeoDataFrame:
    """The cells a run's spatial norms find beyond reach, dissolved by how many norms do.

    One row per class (``norms``: 1, 2, 3 meaning three or more) with the union of its cells
    (WGS84); empty when no norm finds anyone beyond reach.
    """
    rows = session.execute(
        text(
            "SELECT least(count(*), 3) AS norms, ST_AsBinary(c.geom) "
            "FROM evaluation_results r CROSS JOIN LATERAL unnest(r.gap_cell_ids) AS g(cell_id) "
            "JOIN population_cells c ON c.id = g.cell_id "
            "WHERE r.run_id = :run GROUP BY c.id, c.geom"
        ),
        {"run": run_id},
    ).all()
    classes: dict[int, list[bytes]] = {}
    for norms, wkb in rows:
        classes.setdefault(int(norms), []).append(bytes(wkb))
    keys = sorted(classes)
    # the cells are a grid: their union is a coverage union (edges shared, never overlapping)
    geometries = [shapely.coverage_union_all(shapely.from_wkb(classes[k])) for k in keys]
    return gpd.GeoDataFrame({"norms": keys}, geometry=geometries, crs="EPSG:4326")


def city_facilities(session: Session, city: str) -> gpd.GeoDataFrame:
    """The city's facilities (WGS84 points) with their type and whether they are synthetic."""
    rows = session.execute(
        select(
            Facility.type,
            Facility.source,
            func.ST_X(Facility.geom),
            func.ST_Y(Facility.geom),
        )
        .join(Region, Region.adcode == Facility.region_adcode)
        .where((Region.city_adcode == city) | (Region.adcode == city))
    ).all()
    frame = gpd.GeoDataFrame(
        {
            "type": [r[0] for r in rows],
            "synthetic": [r[1] == "synthetic" for r in rows],
        },
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs="EPSG:4326",
    )
    return frame


def overview_map(
    verdicts: gpd.GeoDataFrame,
    gaps: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    lang: Lang,
) -> str:
    """The city map as an inline PNG: units by failing norms, the cells beyond reach
    (:func:`gap_cells`), facilities (real on top)."""
    _font()
    figure, axes = plt.subplots(figsize=(7.0, 6.2))
    cmap = ListedColormap(_FAIL_COLOURS)
    norm = BoundaryNorm(_FAIL_BOUNDS, cmap.N)
    outlines = verdicts.assign(geometry=verdicts.geometry.simplify(_OUTLINE_TOLERANCE_DEG))
    outlines.plot(
        ax=axes, column="fail_count", cmap=cmap, norm=norm, edgecolor="#555555", linewidth=0.6
    )
    # one layer per number of norms a cell fails, each drawn once: its shade says how many
    for count in sorted(gaps["norms"].unique()) if "norms" in gaps else ():
        alpha = _GAP_ALPHAS[min(int(count), len(_GAP_ALPHAS)) - 1]
        gaps[gaps["norms"] == count].plot(ax=axes, color=_GAP_COLOUR, alpha=alpha, linewidth=0)
    synthetic = facilities[facilities["synthetic"]]
    real = facilities[~facilities["synthetic"]]
    if not synthetic.empty:
        synthetic.plot(ax=axes, markersize=0.3, color="#7f7f7f", alpha=0.5)
    if not real.empty:
        real.plot(ax=axes, markersize=9, color="#08306b", edgecolor="white", linewidth=0.4)
    for _, row in outlines.iterrows():
        point = row.geometry.representative_point()
        axes.annotate(row["name"], (point.x, point.y), ha="center", fontsize=7)
    handles: list[Artist] = [
        Rectangle((0, 0), 1, 1, color=colour) for colour in (*_FAIL_COLOURS, _GAP_COLOUR)
    ]
    labels = [
        messages.text(key, lang)
        for key in (
            "style.fail.0",
            "style.fail.few",
            "style.fail.some",
            "style.fail.many",
            "export.gaps",
        )
    ]
    handles += [
        Line2D([], [], marker="o", linestyle="", color="#08306b", markersize=5),
        Line2D([], [], marker="o", linestyle="", color="#7f7f7f", markersize=3),
    ]
    labels += [
        messages.text("report.real_facilities", lang),
        messages.text("report.synthetic_facilities", lang),
    ]
    # beside the map, not over any unit
    axes.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    axes.set_axis_off()
    return _png(figure)


def rule_chart(results: Sequence[ComplianceResult], lang: Lang) -> str | None:
    """A bar per unit of a norm's value against its target (the target marked); None when
    the norm has no unit with both figures."""
    rows = [r for r in results if r.value is not None and r.target is not None]
    if len(rows) < 2:
        return None
    _font()
    share = rows[0].unit.startswith("share")
    scale = 100.0 if share else 1.0
    names = [r.region_name for r in rows]
    height_in = 0.28 * len(rows) + 0.9
    figure, axes = plt.subplots(figsize=(6.6, height_in))
    # margins in inches, set here: the names' width at 7 pt (a CJK character is 1 em) on the left,
    # the axis label below
    left_in = 0.2 + max(len(name) for name in names) * 7 / 72
    figure.subplots_adjust(
        left=left_in / 6.6, right=0.97, top=1 - 0.1 / height_in, bottom=0.55 / height_in
    )
    values = [float(r.value or 0) * scale for r in rows]
    targets = [float(r.target or 0) * scale for r in rows]
    colours = [{"pass": "#1a9641", "fail": "#d7191c"}.get(r.status, "#9e9e9e") for r in rows]
    positions = range(len(rows))
    axes.barh(positions, values, color=colours, height=0.6)
    axes.scatter(targets, positions, marker="|", s=180, color="black", zorder=3)
    axes.set_yticks(list(positions), names, fontsize=7)
    axes.invert_yaxis()
    unit = "%" if share else messages.unit_label(rows[0].unit, lang)
    axes.set_xlabel(
        f"{messages.text('col.value', lang)}（{unit}）｜ "
        f"{messages.text('report.target_mark', lang)}",
        fontsize=7,
    )
    axes.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure, css_class="chart", tight=False)
