"""Compliance as map layers for QGIS: verdicts joined to district polygons, and gap zones.

``verdicts``: one feature per county-level unit of the city (its polygon, WGS84) with, per norm,
its verdict, value, target and shortfall (columns ``<norm>_status`` …, the norm being the rule id
without the city), and the unit's counts of failing, passing and unknown norms. ``gaps``: the
underserved zones of the spatial norms with residents, area (km²) and residents per km². The
GeoPackage stores a QGIS style for each layer in its ``layer_styles`` table, so QGIS opens it
styled (units by failing norms, zones by residents per km²); GeoJSON holds both layers in one
collection, each feature's ``layer`` naming its own.
"""

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.schemas.compliance import ComplianceReport
from app.services.citydata import city_units
from app.services.gaps import report_gaps
from geo import messages
from geo.messages import Lang
from geo.norms import Catalogue

LayerFormat = Literal["geojson", "gpkg"]
GEOJSON_MEDIA = "application/geo+json"
GPKG_MEDIA = "application/geopackage+sqlite3"

# QGIS styles: units by their number of failing norms, zones by residents per km²
_VERDICT_CLASSES = (
    (0, 0, "26,150,65", "fail.0"),
    (1, 2, "253,174,97", "fail.few"),
    (3, 5, "244,109,67", "fail.some"),
    (6, 999, "165,0,38", "fail.many"),
)
_GAP_CLASSES = (
    (0, 100, "239,228,246", "density.low"),
    (100, 500, "195,155,223", "density.mid"),
    (500, 2000, "135,69,187", "density.high"),
    (2000, 1e9, "74,20,134", "density.top"),
)


def style_qml(layer: str, lang: Lang) -> str:
    """The QGIS style (QML) of an export layer: a graduated fill with labels in ``lang``."""
    field, classes = (
        ("fail_count", _VERDICT_CLASSES)
        if layer == "verdicts"
        else ("residents_per_km2", _GAP_CLASSES)
    )
    labels = [escape(messages.text(f"style.{c[3]}", lang), {'"': "&quot;"}) for c in classes]
    ranges = "".join(
        f'<range lower="{lo}" upper="{hi}" symbol="{i}" label="{labels[i]}" render="true"/>'
        for i, (lo, hi, _, _) in enumerate(classes)
    )
    symbols = "".join(
        f'<symbol type="fill" name="{i}" alpha="0.75" clip_to_extent="1" force_rhr="0">'
        '<layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map">'
        f'<Option name="color" type="QString" value="{rgb},255"/>'
        '<Option name="outline_color" type="QString" value="90,90,90,255"/>'
        '<Option name="outline_width" type="QString" value="0.26"/>'
        '<Option name="style" type="QString" value="solid"/>'
        "</Option></layer></symbol>"
        for i, (_, _, rgb, _) in enumerate(classes)
    )
    return (
        '<qgis version="3.28" styleCategories="Symbology">'
        f'<renderer-v2 type="graduatedSymbol" attr="{field}" graduatedMethod="GraduatedColor" '
        'symbollevels="0" enableorderby="0" forceraster="0">'
        f"<ranges>{ranges}</ranges><symbols>{symbols}</symbols></renderer-v2></qgis>"
    )


def _short(rule_id: str) -> str:
    return rule_id.split(".", 1)[-1]


def verdict_frame(session: Session, report: ComplianceReport, lang: Lang) -> gpd.GeoDataFrame:
    """The city's county-level units (WGS84 polygons) with each norm's verdict as columns."""
    units = city_units(session, report.city).to_crs("EPSG:4326")
    frame = pd.DataFrame({"adcode": units["adcode"], "name": units["name"]})
    frame["synthetic"] = report.synthetic
    by_unit: dict[str, dict[str, Any]] = {code: {} for code in frame["adcode"]}
    for r in report.results:
        row = by_unit.get(r.region_adcode)
        if row is None:
            continue
        key = _short(r.rule_id)
        row[f"{key}_status"] = r.status
        row[f"{key}_label"] = messages.label("status", r.status, lang)
        row[f"{key}_value"] = r.value
        row[f"{key}_target"] = r.target
        row[f"{key}_shortfall"] = r.shortfall
    for status in ("fail", "pass", "unknown"):
        frame[f"{status}_count"] = [
            sum(1 for k, v in by_unit[code].items() if k.endswith("_status") and v == status)
            for code in frame["adcode"]
        ]
    wide = pd.DataFrame.from_records([by_unit[code] for code in frame["adcode"]])
    frame = pd.concat([frame.reset_index(drop=True), wide.reset_index(drop=True)], axis=1)
    return gpd.GeoDataFrame(frame, geometry=units.geometry.to_numpy(), crs="EPSG:4326")


def gap_frame(
    session: Session, report: ComplianceReport, catalogue: Catalogue, lang: Lang
) -> gpd.GeoDataFrame:
    """The run's underserved zones with residents, area (km²) and residents per km²."""
    features = [
        (f.properties, shape(f.geometry.model_dump()))
        for f in report_gaps(session, report, catalogue).features
        if f.properties is not None and f.geometry is not None
    ]
    titles = {r.rule_id: (r.title_zh if lang == "zh" else r.title_en) for r in report.results}
    geoms = [geom for _, geom in features]
    rows = [
        {
            "rule_id": p.rule_id,
            "rule_title": titles.get(p.rule_id, p.rule_title_en),
            "region_adcode": p.region_adcode,
            "region_name": p.region_name,
            "residents": p.residents,
            "area_km2": p.area_km2,
            "residents_per_km2": p.residents_per_km2,
            "synthetic": report.synthetic,
        }
        for p, _ in features
    ]
    columns = [
        "rule_id",
        "rule_title",
        "region_adcode",
        "region_name",
        "residents",
        "area_km2",
        "residents_per_km2",
        "synthetic",
    ]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def report_layers(
    session: Session,
    report: ComplianceReport,
    catalogue: Catalogue,
    fmt: LayerFormat,
    lang: Lang,
) -> bytes:
    """The verdict and gap layers of ``report`` as a GeoPackage or a GeoJSON collection."""
    verdicts = verdict_frame(session, report, lang)
    gaps = gap_frame(session, report, catalogue, lang)
    if fmt == "geojson":
        collection: dict[str, Any] = {"type": "FeatureCollection", "features": []}
        for layer, frame in (("verdicts", verdicts), ("gaps", gaps)):
            if frame.empty:
                continue
            part = json.loads(frame.to_json(na="null", drop_id=True))
            for feature in part["features"]:
                feature["properties"] = {"layer": layer, **feature["properties"]}
            collection["features"].extend(part["features"])
        return json.dumps(collection, ensure_ascii=False).encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"compliance-{report.city}.gpkg"
        pyogrio.write_dataframe(verdicts, path, layer="verdicts", driver="GPKG")
        pyogrio.write_dataframe(
            gaps,
            path,
            layer="gaps",
            driver="GPKG",
            geometry_type="MultiPolygon",
            promote_to_multi=True,
        )
        _store_styles(path, lang)
        return path.read_bytes()


def _store_styles(path: Path, lang: Lang) -> None:
    """Write the QGIS styles of both layers into the GeoPackage's ``layer_styles`` table."""
    with sqlite3.connect(path) as db:
        db.execute(
            """CREATE TABLE IF NOT EXISTS layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                f_table_catalog TEXT, f_table_schema TEXT, f_table_name TEXT,
                f_geometry_column TEXT, styleName TEXT, styleQML TEXT, styleSLD TEXT,
                useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
                update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"""
        )
        for layer in ("verdicts", "gaps"):
            qml = style_qml(layer, lang)
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description) "
                "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?)",
                (layer, layer, qml, "fplan"),
            )
