"""Norm catalogue I/O: each plan's rules with their parameters, targets and citations.

The catalogues are read-only (they ship with the code, cited to the plan texts), so the ladder
stops at the public models.
"""

from typing import Any, Literal

from pydantic import BaseModel, Field


class CitationPublic(BaseModel):
    """Where a plan states a rule: the plan by title and document number, lines and quote."""

    document: str = Field(description="seed plan text, e.g. 004_d7d4906956ec28ce.txt")
    lines: str = Field(description="1-based line range in the seed text, e.g. L1136-1138")
    quote: str = Field(description="the exact words of the plan (Chinese)")
    plan_title_zh: str | None = Field(default=None, description="the plan's title as issued")
    plan_title_en: str | None = Field(default=None, description="the plan's title in English")
    document_number: str | None = Field(
        default=None,
        description="the plan's 文号, e.g. 长政办发〔2021〕62号; null when none printed",
    )
    issuer_zh: str | None = Field(default=None, description="the issuing body (发文机关)")


class BaselinePublic(BaseModel):
    """The plan's own figure for the indicator in its base year, in the target's unit."""

    value: float
    year: int
    note: str | None = None


class TargetPublic(BaseModel):
    """The plan's headline figure: one value or a range, with its unit."""

    value: float | None
    min: float | None
    max: float | None
    unit: str


class WordingPublic(BaseModel):
    """A sentence of the catalogue in both languages."""

    zh: str = Field(description="in Chinese")
    en: str = Field(description="in English, the same meaning")


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
    year: int | None = Field(description="the target year; null when the plan gives none")
    baseline: BaselinePublic | None = Field(description="the plan's own base-year figure")
    target_scope: Literal["city", "unit"] = Field(
        description="city: a city-wide target, judged on the city row only; unit: every unit"
    )
    target_share: float | None = Field(
        description="spatial rules: the share of residents that must be within reach"
    )
    interpretation: WordingPublic | None = Field(
        description="how an ambiguous or silent plan is read, in Chinese and English"
    )
    data_gap: WordingPublic | None = Field(
        description="why the data cannot evaluate it, if so, in Chinese and English"
    )
    needs: list[str] | None = Field(
        description="data-gap rules: ids of the register fields or data sets missing"
    )
    needs_labels: list[WordingPublic] | None = Field(
        default=None, description="the same, worded (e.g. 床位数 / beds)"
    )
    citations: list[CitationPublic]


class CataloguePublic(BaseModel):
    """The rules of one plan."""

    city: str
    city_adcode: str = Field(pattern=r"^[0-9]{6}$")
    city_name_zh: str
    city_name_en: str
    city_level: str
    document: str
    plan_title_zh: str
    plan_title_en: str
    document_number: str | None = Field(description="the plan's 文号; null when none printed")
    issuer_zh: str
    quotes_verified: bool = Field(
        description=(
            "引文已与规划原文核对 / the quotes were checked against the plan text; false when "
            "the text was not at hand (APP_PLANS_DIR unset): 引文未经核对 / quotes unverified"
        )
    )
    rules: list[RulePublic]


class NormCatalogueList(BaseModel):
    catalogues: list[CataloguePublic]
