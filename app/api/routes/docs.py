"""``/docs``: the API's Swagger UI, served from the app with no network.

Swagger UI comes from npm (``swagger-ui-dist``, installed with MapLibre by ``npm ci``) and is
served under ``/vendor/swagger-ui``; nothing is loaded from another host, so the page works on
a bureau's offline network. The page's title and the schema's description are bilingual.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import NotFoundError
from app.settings import PROJECT_ROOT

SWAGGER_DIST = PROJECT_ROOT / "node_modules" / "swagger-ui-dist"
_NAMES = re.compile(r"^(swagger-ui-bundle\.js|swagger-ui\.css|favicon-32x32\.png)$")
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
PREFIX = "/vendor/swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def get_docs(request: Request) -> HTMLResponse:
    """The Swagger UI page over ``openapi.json``, its files from this app."""
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title="fplan 接口文档 API",
        swagger_js_url=f"{root}{PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{root}{PREFIX}/favicon-32x32.png",
        swagger_ui_parameters={"defaultModelsExpandDepth": 0, "docExpansion": "list"},
    )


SwaggerName = Annotated[str, PathParam(max_length=40, description="a file of swagger-ui-dist")]


@router.get(PREFIX + "/{name}", response_class=FileResponse)
def get_swagger_file(name: SwaggerName) -> FileResponse:
    path = SWAGGER_DIST / name
    if not _NAMES.match(name) or not path.is_file():
        key = (
            "error.vendor.swagger_missing" if not SWAGGER_DIST.is_dir() else "error.vendor.no_file"
        )
        raise NotFoundError.worded(key, field="name", name=name)
    suffix = "." + name.rsplit(".", 1)[-1]
    return FileResponse(
        path, media_type=_MEDIA_TYPES[suffix], headers={"Cache-Control": "no-cache"}
    )


def api_description() -> str:
    """The schema's description: facility types for an import, datums and the error body.

    Words come from the message catalogue, Chinese first with the English beside it.
    """
    from geo import messages
    from geo.datum import DATUMS
    from geo.terms import FacilityType

    types = "\n".join(
        f"| `{t.value}` | {messages.label('facility_type', t.value)} | "
        f"{messages.label('facility_type', t.value, 'en')} |"
        for t in FacilityType
    )
    datums = ", ".join(f"`{d}`" for d in DATUMS)
    return (
        "卫生设施规划：可达覆盖、规划指标核查与情景。\n\n"
        "## 机构类型 Facility types (`type`)\n\n"
        "| type | 中文 | English |\n| --- | --- | --- |\n"
        f"{types}\n\n"
        "## 坐标系 Datums (`datum`)\n\n"
        f"{datums}：坐标以经纬度（度）给出；导入时按所给坐标系换算为 WGS84。"
        "Coordinates are longitude/latitude in degrees, converted to WGS84 from the datum given "
        "(GCJ-02 and BD-09 as Chinese web maps publish them).\n\n"
        "## 语言 Language\n\n"
        "`lang=zh|en` 或 `Accept-Language`（默认中文）决定错误信息与导出文件的语言。"
        "`lang=zh|en` or `Accept-Language` (Chinese by default) sets the language of error "
        "messages and exports.\n\n"
        "## 错误 Errors\n\n"
        '每个错误的应答体为 `{"error": {"code", "message", "details"}}`，`details` 中的 `field` '
        "指出出错的字段或行。Every error answer has the body "
        '`{"error": {"code", "message", "details"}}`; '
        "each detail's `field` names the field or row."
    )
