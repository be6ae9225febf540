"""Foundation: the county registry (seeded), tours and their counties, stages, tokens, audit.

The registry holds both county sets a tour may use: the 2020–2023 set (11 counties) and
the 2024 set (15), with the 2024 splits (30 → 31/32/33, 38 → 39/40, 54 → 55/56).

Revision ID: 20261127_01
Revises:
Create Date: 2026-11-27 22:45:16.952105
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

revision: str = "20261127_01"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (number, short name, official name, first year of its set, last year or None)
COUNTIES = [
    ("03", "Oslo", "Oslo", 2020, None),
    ("11", "Rogaland", "Rogaland", 2020, None),
    ("15", "Møre og Romsdal", "Møre og Romsdal", 2020, None),
    ("18", "Nordland", "Nordland – Nordlánnda", 2020, None),
    ("30", "Viken", "Viken", 2020, 2023),
    ("34", "Innlandet", "Innlandet", 2020, None),
    ("38", "Vestfold og Telemark", "Vestfold og Telemark", 2020, 2023),
    ("42", "Agder", "Agder", 2020, None),
    ("46", "Vestland", "Vestland", 2020, None),
    ("50", "Trøndelag", "Trøndelag – Trööndelage", 2020, None),
    (
        "54",
        "Troms og Finnmark",
        "Troms og Finnmark – Romsa ja Finnmárku – Tromssa ja Finmarkku",
        2020,
        2023,
    ),
    ("31", "Østfold", "Østfold", 2024, None),
    ("32", "Akershus", "Akershus", 2024, None),
    ("33", "Buskerud", "Buskerud", 2024, None),
    ("39", "Vestfold", "Vestfold", 2024, None),
    ("40", "Telemark", "Telemark", 2024, None),
    ("55", "Troms", "Troms – Romsa – Tromssa", 2024, None),
    ("56", "Finnmark", "Finnmark – Finnmárku – Finmarkku", 2024, None),
]

SUCCESSIONS = [
    ("30", "31"),
    ("30", "32"),
    ("30", "33"),
    ("38", "39"),
    ("38", "40"),
    ("54", "55"),
    ("54", "56"),
]


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=True),
        sa.Column("county", sa.String(length=2), nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_token_id"), ["token_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_tour_id"), ["tour_id"], unique=False)

    op.create_table(
        "county",
        sa.Column("number", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("official_name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_to", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_county")),
    )
    op.create_table(
        "token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("counties", JSON, nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_token_token_hash")),
    )
    op.create_table(
        "tour",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("speeds_kmh", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour")),
        sa.UniqueConstraint("name", name=op.f("uq_tour_name")),
    )
    op.create_table(
        "county_succession",
        sa.Column("predecessor", sa.String(length=2), nullable=False),
        sa.Column("successor", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor"], ["county.number"], name=op.f("fk_county_succession_predecessor_county")
        ),
        sa.ForeignKeyConstraint(
            ["successor"], ["county.number"], name=op.f("fk_county_succession_successor_county")
        ),
        sa.PrimaryKeyConstraint("predecessor", "successor", name=op.f("pk_county_succession")),
    )
    op.create_table(
        "tour_county",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("contacts", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["county"], ["county.number"], name=op.f("fk_tour_county_county_county")
        ),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_tour_county_tour_id_tour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour_county")),
        sa.UniqueConstraint("tour_id", "county", name=op.f("uq_tour_county_tour_id_county")),
    )
    with op.batch_alter_table("tour_county", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tour_county_tour_id"), ["tour_id"], unique=False)

    op.create_table(
        "stage",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_place", sa.String(length=200), nullable=True),
        sa.Column("finish_place", sa.String(length=200), nullable=True),
        sa.Column("bikes", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("speeds_kmh", JSON, nullable=False),
        sa.Column("needs", JSON, nullable=False),
        sa.Column("transfer_after", JSON, nullable=True),
        sa.ForeignKeyConstraint(["county"], ["county.number"], name=op.f("fk_stage_county_county")),
        sa.ForeignKeyConstraint(
            ["tour_id", "county"],
            ["tour_county.tour_id", "tour_county.county"],
            name=op.f("fk_stage_tour_id_tour_county"),
        ),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_stage_tour_id_tour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage")),
        sa.UniqueConstraint("tour_id", "sequence", name=op.f("uq_stage_tour_id_sequence")),
    )
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.create_index("ix_stage_tour_id_date", ["tour_id", "date"], unique=False)

    county = sa.table(
        "county",
        sa.column("number", sa.String),
        sa.column("name", sa.String),
        sa.column("official_name", sa.String),
        sa.column("valid_from", sa.Integer),
        sa.column("valid_to", sa.Integer),
    )
    op.bulk_insert(
        county,
        [
            {
                "number": n,
                "name": name,
                "official_name": official,
                "valid_from": start,
                "valid_to": end,
            }
            for n, name, official, start, end in COUNTIES
        ],
    )
    succession = sa.table(
        "county_succession", sa.column("predecessor", sa.String), sa.column("successor", sa.String)
    )
    op.bulk_insert(succession, [{"predecessor": p, "successor": s} for p, s in SUCCESSIONS])


def downgrade() -> None:
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_tour_id_date")

    op.drop_table("stage")
    with op.batch_alter_table("tour_county", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tour_county_tour_id"))

    op.drop_table("tour_county")
    op.drop_table("county_succession")
    op.drop_table("tour")
    op.drop_table("token")
    op.drop_table("county")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_tour_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_token_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
