"""Norm catalogue I/O: each plan's rules with their parameters, targets and citations.

The catalogues are read-only (they ship with the code, cited to the plan texts), so the ladder
stops at the public models.
"""

from typing import Any

from pydantic import BaseModel, Field


class CitationPublic(BaseModel):
    """Where a plan states a rule."""

    document: str = Field(description="seed plan text, e.g. 004_d7d4906956ec28ce.txt")
    lines: str = Field(description="1-based line range in the seed text, e.g. L1136-1138")
    quote: str = Field(description="the exact words of the plan (Chinese)")


class TargetPublic(BaseModel):
    """The plan's headline figure: one value or a range, with its unit."""

    value: float | None
    min: float | None
    max: float | None
    unit: str


class RulePublic(BaseModel):
    """One norm of one plan."""

    id: str = Field(description="<city>.<name>, unique across the plans")
    title_zh: str
    title_en: str
    kind: str = Field(description="what is measured: travel_time_coverage, fleet_ratio …")
    applies_to: list[str] = Field(description="region levels with a result row; urban / rural")
    parameters: dict[str, Any] | None = Field(
        description="kind-specific parameters, units in the names; null when not evaluable"
    )
    target: TargetPublic
    binding: bool | None = Field(description="the plan calls it binding (约束性)")
    expected: bool | None = Field(description="the plan calls it expected (预期性)")
    year: int
    interpretation: str | None = Field(description="how an ambiguous or silent plan is read")
    data_gap: str | None = Field(description="why the data cannot evaluate it, if so")
    citations: list[CitationPublic]


class CataloguePublic(BaseModel):
    """The rules of one plan."""

    city: str
    city_adcode: str = Field(pattern=r"^[0-9]{6}$")
    city_name_zh: str
    city_name_en: str
    city_level: str
    document: str
    rules: list[RulePublic]


class NormCatalogueList(BaseModel):
    catalogues: list[CataloguePublic]
