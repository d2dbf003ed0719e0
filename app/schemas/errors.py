"""The one error body every 4xx and 5xx answer carries, for the OpenAPI description."""

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """One thing wrong: the field (or column), and for imports the row or feature."""

    model_config = {"extra": "allow"}

    field: str | None = Field(default=None, description="the parameter, property or column")
    msg: str | None = Field(default=None, description="what is wrong with it")
    loc: list[Any] | None = None
    type: str | None = None
    row: int | None = Field(default=None, description="CSV data row, from 1 (imports)")
    feature: int | None = Field(default=None, description="GeoJSON feature index, from 0")


class ErrorInfo(BaseModel):
    code: str = Field(description="machine-readable, e.g. invalid_input, unauthorized")
    message: str = Field(description="for a person: what went wrong and what to do")
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    error: ErrorInfo
