"""City I/O: which plan cities are prepared for analysis, and the job that prepares one."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class PrepareRequest(BaseModel):
    """What ``POST /cities/{adcode}/prepare`` may set (as ``fplan demo --city`` does)."""

    nodes: int | None = Field(
        default=None,
        ge=500,
        le=200_000,
        description="nodes of the synthetic road network, if one is generated (fplan demo --nodes)",
    )


class PrepareJobPublic(BaseModel):
    """A city's preparation as a poll sees it."""

    id: int
    city: str = Field(pattern=r"^[0-9]{6}$")
    state: Literal["running", "done", "failed"]
    step: str | None = Field(description="the step running (or last run), as a message key")
    step_text: str | None = Field(description="that step in the reader's language")
    steps_done: int = Field(description="steps finished")
    steps_total: int
    message: str | None = Field(description="why it failed, in the reader's language")
    started_at: datetime
    finished_at: datetime | None


class CityPublic(BaseModel):
    """A city with a plan: whether it is prepared, and how to prepare it if not."""

    adcode: str = Field(pattern=r"^[0-9]{6}$")
    name_zh: str
    name_en: str
    prepared: bool = Field(description="network, residents and facilities are in the database")
    prepare_command: str = Field(description="the command that prepares it on the server")
    job: PrepareJobPublic | None = Field(description="its preparation running or last run here")


class CityList(BaseModel):
    cities: list[CityPublic]
    can_prepare: bool = Field(description="the request's token may start a preparation (admin)")
