"""Session generation per staff user; API token expiry and scope.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite: staff_users is never recreated (dropping it would cascade to the rows that point
# at it: tokens, campaigns, leads); ADD/DROP COLUMN need no copy. api_tokens is recreated
# for its CHECK constraint, which is safe: nothing points at it.


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        # Tokens made before scopes existed keep what they could do.
        batch_op.add_column(sa.Column('scope', sa.Enum('read_write', 'read_only', name='token_scope', native_enum=False, create_constraint=True), server_default='read_write', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_api_tokens_token_scope'), type_='check')
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_generation')
