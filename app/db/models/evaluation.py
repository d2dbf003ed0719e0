"""Compliance runs: every norm of a city's plan checked once, persisted with its inputs.

A run is keyed by the fingerprint of what it read (catalogue content, road network, facilities,
population cells, regions); a later check with the same fingerprint reuses it. Each result row is
one rule in one region; spatial rows keep the ids of the population cells they found underserved,
so gap maps need no new search.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class EvaluationRun(Base):
    __tablename__ = "evaluation_runs"
    # one run per city and inputs: a second check of unchanged inputs reuses it
    __table_args__ = (UniqueConstraint("city_adcode", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_adcode: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    # sha256 (hex) of the inputs below
    fingerprint: Mapped[str] = mapped_column(String(64))
    catalogue_sha256: Mapped[str] = mapped_column(String(64))
    # a run computed on a network goes when the network goes
    network_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("road_networks.id", ondelete="CASCADE"), index=True
    )
    # true when the network or any facility is synthetic: the figures are then not real
    synthetic: Mapped[bool] = mapped_column(Boolean)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # seconds per step of the evaluation
    timings: Mapped[dict[str, Any]] = mapped_column(JSONB)
    n_results: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # a baseline run's report as JSON text (``reused`` false), shaped by the code ``report_key``
    # names; loaded only when asked for (it is large)
    report: Mapped[str | None] = mapped_column(Text, deferred=True)
    report_key: Mapped[str | None] = mapped_column(String(64))
    # the data version at which a check last found this run's fingerprint to be the city's
    checked_version: Mapped[int | None] = mapped_column(BigInteger)


RESULT_STATUSES = ("pass", "fail", "unknown", "info", "not_applicable")


class EvaluationResult(Base):
    __tablename__ = "evaluation_results"
    __table_args__ = (CheckConstraint(f"status IN {RESULT_STATUSES!r}", name="status"),)

    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_runs.id", ondelete="CASCADE"), primary_key=True
    )
    # position in the report: rules in catalogue order, the city row first
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_adcode: Mapped[str] = mapped_column(String(6))
    region_name: Mapped[str] = mapped_column(String(100))
    rule_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    # NULL: unknown (the data cannot tell)
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    shortfall: Mapped[float | None] = mapped_column(Float)
    shortfall_unit: Mapped[str] = mapped_column(Text)
    shortfall_text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    # every citation of the rule: [{document, lines, quote}], the primary one first
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # pass, fail, unknown, info (not judged: a city-wide target), not_applicable; NULL in rows
    # stored before the column: their status follows passed
    status: Mapped[str | None] = mapped_column(String(16))
    # {shortfall_text_zh, unknown_facilities}: what the evaluator said beyond the English text
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # spatial rules: population cells whose residents the rule counts and finds beyond reach
    gap_cell_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
