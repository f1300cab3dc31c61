"""How many cases stand in each state, per organization and local day (or month) of receipt.

Kept by ``db.tallying`` in the same flush as every change of a case, so screens that count a
quarter's cases (a province's ``/status``) read a few rows per commune instead of the cases.
Each case counts twice: in its day's tally (with its kind), and in its month's (``month``,
``day`` the first of the month, ``kind`` empty), which whole months of a period are read
from: a few dozen rows per commune and month however many cases there are.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

NO_RATING = ""
"""``rating`` of cases not rated (key columns hold no NULL, so upserts find their row)."""
ANY_KIND = ""
"""``kind`` of a month's tally, which counts every kind."""


class CaseTally(Base):
    """The number of cases sharing an organization, day of receipt, kind and state."""

    __tablename__ = "case_tallies"

    # First in the primary key, so a period's months are read without its days' rows.
    month: Mapped[bool] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    rating: Mapped[str] = mapped_column(String(16), primary_key=True)
    # "on_time", "late", or "none" (not answered, or answered with no deadline).
    verdict: Mapped[str] = mapped_column(String(8), primary_key=True)
    reopened: Mapped[bool] = mapped_column(primary_key=True)
    answered: Mapped[bool] = mapped_column(primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)
