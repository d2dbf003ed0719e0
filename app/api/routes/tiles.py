"""``/tiles``: Mapbox Vector Tiles of the map's own layers, cut by PostGIS and cached."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from app.api.deps import SessionDep
from app.services import tiles as service

router = APIRouter(prefix="/tiles", tags=["tiles"])

# the client revalidates every time; an unchanged tile costs one version query and a 304
CACHE_CONTROL = "no-cache"


def get_tile_cache(request: Request) -> service.TileCache:
    cache: service.TileCache = request.app.state.tile_cache
    return cache


TileCacheDep = Annotated[service.TileCache, Depends(get_tile_cache)]
LayerPath = Annotated[str, Path(description=f"one of {', '.join(service.TILE_LAYERS)}")]
ZPath = Annotated[int, Path(ge=0, le=service.MAX_ZOOM, description="zoom level")]
XYPath = Annotated[int, Path(ge=0, le=2**service.MAX_ZOOM - 1, description="0 … 2^z − 1")]
CityQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{6}$",
        description="6-digit adcode: a prefecture (its county-level units) or a county-level "
        "unit; all of Hunan when omitted",
    ),
]


@router.get(
    "/{layer}/{z}/{x}/{y}.pbf",
    response_class=Response,
    responses={
        200: {"content": {service.MEDIA_TYPE: {}}, "description": "the tile"},
        204: {"description": "no feature in the tile"},
        304: {"description": "the client's copy (If-None-Match) is current"},
        404: {"description": "unknown layer or city"},
        422: {"description": "z, x or y out of range"},
    },
)
def get_tile(
    *,
    session: SessionDep,
    cache: TileCacheDep,
    layer: LayerPath,
    z: ZPath,
    x: XYPath,
    y: XYPath,
    city: CityQuery = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    address = service.TileAddress(layer=layer, z=z, x=x, y=y)
    tile = service.get_tile(session, cache, address, city=city, if_none_match=if_none_match)
    headers = {"ETag": tile.etag, "Cache-Control": CACHE_CONTROL}
    if tile.not_modified:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if not tile.data:
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)
    return Response(tile.data, media_type=service.MEDIA_TYPE, headers=headers)
