"""The data version the database keeps (migration 0007): one number, bumped by every commit that
changes regions, facilities, population cells or road networks, and announced on a channel."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, SmallInteger, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

# the NOTIFY channel a bump is announced on, with the new version as payload
DATA_VERSION_CHANNEL = "fplan_data_version"
# set in a connection's ``info`` by a statement that may write (app.runtime.answers watches it);
# writers that bypass SQLAlchemy's execution (COPY on the driver's cursor) set it themselves
WROTE_FLAG = "fplan_wrote"


class DataVersion(Base):
    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="1")
    version: Mapped[int] = mapped_column(BigInteger, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DataVersionPending(Base):
    """A transaction that changed the data and has not committed yet (emptied at its commit)."""

    __tablename__ = "data_version_pending"

    txid: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
