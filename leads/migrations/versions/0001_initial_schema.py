"""Initial schema: leads, campaigns, staff, tokens, notes, status history, audit, funnel.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 00:33:54.405876
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_target'), 'audit_log', ['target'], unique=False)

    op.create_table('funnel_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('started', 'asked_question', 'check_started', 'check_completed', 'qualified', 'handoff', name='funnel_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('campaign', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_events')),
    sa.UniqueConstraint('conversation', 'kind', name=op.f('uq_funnel_events_conversation_kind'))
    )
    op.create_index(op.f('ix_funnel_events_at'), 'funnel_events', ['at'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('admin', 'staff', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_users_email'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_api_tokens_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_staff_user_id'), 'api_tokens', ['staff_user_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('poster', 'tournament', 'event', 'partner', 'social', 'other', name='campaign_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_campaigns_created_by_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code'))
    )
    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('campus', sa.Enum('brussels', 'antwerp', 'ghent', 'liege', 'charleroi', 'other', name='campus', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('situation', sa.Enum('job_seeker', 'student', 'employed', 'other', name='situation', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('registered', sa.Enum('yes', 'no', 'unknown', name='registered', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('experience', sa.Enum('none', 'some', 'a_lot', name='experience', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('motivation', sa.Text(), nullable=True),
    sa.Column('commitment', sa.Enum('yes', 'no', 'unsure', name='commitment', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('contact_kind', sa.Enum('email', 'phone', name='contact_kind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('contact', sa.String(length=320), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('score_breakdown', sa.JSON(), nullable=False),
    sa.Column('qualified', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('new', 'contacted', 'invited', 'enrolled', 'declined', 'not_suitable', 'no_response', 'nurture', name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('handoff_requested', sa.Boolean(), nullable=False),
    sa.Column('handoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('campaign', sa.String(length=200), nullable=True),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('last_changed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['staff_users.id'], name=op.f('fk_leads_assigned_to_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_changed_by'], ['staff_users.id'], name=op.f('fk_leads_last_changed_by_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('sender_id', name=op.f('uq_leads_sender_id'))
    )
    op.create_index('ix_leads_campaign', 'leads', ['campaign'], unique=False)
    op.create_index('ix_leads_created_at', 'leads', ['created_at'], unique=False)
    op.create_index('ix_leads_handoff', 'leads', ['handoff_requested', 'handoff_at'], unique=False)
    op.create_index('ix_leads_status_score', 'leads', ['status', 'score'], unique=False)
    op.create_index('ix_leads_updated_at', 'leads', ['updated_at'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff_users.id'], name=op.f('fk_notes_author_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_notes_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    op.create_index(op.f('ix_notes_lead_id'), 'notes', ['lead_id'], unique=False)

    op.create_table('status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['staff_users.id'], name=op.f('fk_status_changes_changed_by_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_status_changes_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_changes'))
    )
    op.create_index(op.f('ix_status_changes_lead_id'), 'status_changes', ['lead_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_status_changes_lead_id'), table_name='status_changes')

    op.drop_table('status_changes')
    op.drop_index(op.f('ix_notes_lead_id'), table_name='notes')

    op.drop_table('notes')
    op.drop_index('ix_leads_updated_at', table_name='leads')
    op.drop_index('ix_leads_status_score', table_name='leads')
    op.drop_index('ix_leads_handoff', table_name='leads')
    op.drop_index('ix_leads_created_at', table_name='leads')
    op.drop_index('ix_leads_campaign', table_name='leads')

    op.drop_table('leads')
    op.drop_table('campaigns')
    op.drop_index(op.f('ix_api_tokens_staff_user_id'), table_name='api_tokens')

    op.drop_table('api_tokens')
    op.drop_table('staff_users')
    op.drop_index(op.f('ix_funnel_events_at'), table_name='funnel_events')

    op.drop_table('funnel_events')
    op.drop_index(op.f('ix_audit_log_target'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')

    op.drop_table('audit_log')
