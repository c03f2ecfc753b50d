"""The HHU catalogue: partners, pillars, coalitions, phases and ready-made ballots."""

from __future__ import annotations

import enum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum


class Tier(enum.StrEnum):
    FOUNDER = "founder"
    FRIEND = "friend"
    FAN = "fan"


class Pillar(Base):
    """One of the six "bloedgroepen" of the movement."""

    __tablename__ = "pillar"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)


organisation_pillar = Table(
    "organisation_pillar",
    Base.metadata,
    Column(
        "organisation_id",
        Integer,
        ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("pillar_id", Integer, ForeignKey("pillar.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    """A partner organisation of Health Hub Utrecht."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    tier: Mapped[Tier] = mapped_column(str_enum(Tier))
    pillars: Mapped[list[Pillar]] = relationship(
        secondary=organisation_pillar, order_by=Pillar.position
    )


class Phase(Base):
    """Samen Starten, Meters Maken, Doelen Halen."""

    __tablename__ = "phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    start_year: Mapped[int]
    end_year: Mapped[int]


class Coalition(Base):
    __tablename__ = "coalition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="coalition", order_by="FocusArea.position", cascade="all, delete-orphan"
    )


class FocusArea(Base):
    __tablename__ = "focus_area"
    __table_args__ = (UniqueConstraint("coalition_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coalition_id: Mapped[int] = mapped_column(ForeignKey("coalition.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    coalition: Mapped[Coalition] = relationship(back_populates="focus_areas")


class CatalogueList(Base):
    """A ready-made ballot a facilitator can start a round from."""

    __tablename__ = "catalogue_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    items: Mapped[list[CatalogueItem]] = relationship(
        back_populates="catalogue_list",
        order_by="CatalogueItem.position",
        cascade="all, delete-orphan",
    )


class CatalogueItem(Base):
    """An item that can be ranked in many sessions; round items point back to it for history."""

    __tablename__ = "catalogue_item"
    __table_args__ = (UniqueConstraint("catalogue_list_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_list_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_list.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    catalogue_list: Mapped[CatalogueList] = relationship(back_populates="items")
