"""Pending erasures: conversations whose Rasa tracker still has to be erased after /forget.

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_erasures")),
    )
    op.create_index(
        op.f("ix_pending_erasures_sender_id"), "pending_erasures", ["sender_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_erasures_sender_id"), table_name="pending_erasures")
    op.drop_table("pending_erasures")
