"""Review inbox: masked messages the bot did not understand, and weekly understanding counts.

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-04 20:23:04.736993
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "understanding_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_understanding_counts")),
        sa.UniqueConstraint(
            "week", "language", "metric", name=op.f("uq_understanding_counts_week_language_metric")
        ),
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("predicted_label", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("triggers", sa.String(length=100), nullable=False),
        sa.Column("bot_action", sa.String(length=200), nullable=True),
        sa.Column("requested_slot", sa.String(length=64), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("consent_refused", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "labelled",
                "new_topic",
                "ignored",
                name="review_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["staff_users.id"],
            name=op.f("fk_review_items_reviewed_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint(
            "conversation", "message_id", name=op.f("uq_review_items_conversation_message_id")
        ),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_items_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_items_conversation"), ["conversation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_items_sender_id"), ["sender_id"], unique=False)
        batch_op.create_index("ix_review_items_status_at", ["status", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_status_at")
        batch_op.drop_index(batch_op.f("ix_review_items_sender_id"))
        batch_op.drop_index(batch_op.f("ix_review_items_conversation"))
        batch_op.drop_index(batch_op.f("ix_review_items_at"))

    op.drop_table("review_items")
    op.drop_table("understanding_counts")
