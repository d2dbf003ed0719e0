"""The map page at ``/``, its own files under ``/static``, and MapLibre GL JS under ``/vendor``.

MapLibre comes from npm at set-up (``make run`` / ``make test`` run ``npm ci``) and is never
committed; when ``node_modules`` is missing the API still works, the vendor route answers 404
naming the install command, and the page says the same.
"""

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from app.errors import NotFoundError
from app.settings import PROJECT_ROOT
from geo import messages

STATIC_DIR = PROJECT_ROOT / "app" / "static"
MAPLIBRE_DIST = PROJECT_ROOT / "node_modules" / "maplibre-gl" / "dist"
# the browser needs these types to run ES modules and apply the style sheet
_MEDIA_TYPES = {".mjs": "text/javascript", ".css": "text/css", ".map": "application/json"}
_VENDOR_NAME = re.compile(r"^maplibre-gl[a-z-]*\.(mjs|css)(\.map)?$")
# the page and its modules change with the code: revalidate each load (ETag / Last-Modified)
_NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    """The page's own modules, style sheet and translations, mounted at ``/static``."""
    return StaticFiles(directory=STATIC_DIR)


@router.get("/", response_class=FileResponse)
def get_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=_NO_CACHE)


VendorName = Annotated[str, PathParam(max_length=100, description="a file of maplibre-gl/dist")]


@router.get("/vendor/maplibre-gl/{name}", response_class=FileResponse)
def get_maplibre_file(name: VendorName) -> FileResponse:
    path = MAPLIBRE_DIST / name
    if not _VENDOR_NAME.match(name) or not path.is_file():
        key = (
            "error.vendor.maplibre_missing"
            if not MAPLIBRE_DIST.is_dir()
            else "error.vendor.no_file"
        )
        raise NotFoundError.worded(key, field="name", name=name)
    suffix = Path(name).suffix
    return FileResponse(path, media_type=_MEDIA_TYPES[suffix], headers=_NO_CACHE)


# the catalogue's words the map shows (geo/messages): its own sentences (``map.…``) and the
# labels of facility types, grades and units it names
MAP_PREFIXES = ("map.", "facility_type.", "grade.", "unit.")
LangName = Annotated[str, PathParam(pattern=r"^(zh|en)$", description="zh or en")]


@router.get("/i18n/{lang}.json")
def get_map_messages(lang: LangName) -> JSONResponse:
    """The map's words of the catalogue in ``lang`` (keys ``map.…`` and the labels it shows),
    for js/i18n.js."""
    words = messages.catalogue("en" if lang == "en" else "zh")
    chosen = {key: text for key, text in words.items() if key.startswith(MAP_PREFIXES)}
    return JSONResponse(chosen, headers=_NO_CACHE)
