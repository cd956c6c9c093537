"""Campaigns: where a conversation came from (a poster, a tournament, a partner)."""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leads.audit import record, staff_actor
from leads.db import session_scope
from leads.models import CAMPAIGN_KINDS, Campaign, utcnow
from leads.rows import CampaignRow
from leads.validation import require

CAMPAIGN_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# No 0/o, 1/l/i: codes are read off posters and typed by hand.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


class DuplicateCampaign(ValueError):
    pass


def generate_campaign_code(name: str, location: str = "") -> str:
    """Readable but not guessable: `gent-lan-7f3k` (slug + 4 random no-lookalike chars)."""
    slug = "-".join(part for part in (_slug(location), _slug(name)) if part)[:40].strip("-")
    suffix = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    return f"{slug}-{suffix}" if slug else f"c-{suffix}"


def create_campaign(
    name: str,
    kind: str = "poster",
    location: str = "",
    notes: str = "",
    *,
    code: str | None = None,
    created_by: int | None = None,
    active: bool = True,
) -> CampaignRow:
    """A new campaign; without `code` a fresh one is generated. Raises DuplicateCampaign."""
    name = name.strip()
    require(bool(name) and len(name) <= 200, "name", name)
    require(kind in CAMPAIGN_KINDS, "kind", kind)
    require(code is None or bool(CAMPAIGN_CODE_RE.match(code)), "code", code)
    for _attempt in range(5):
        candidate = code or generate_campaign_code(name, location)
        try:
            with session_scope(write=True) as session:
                campaign = Campaign(
                    code=candidate,
                    name=name,
                    kind=kind,
                    location=location.strip()[:200],
                    notes=notes,
                    active=active,
                    created_by=created_by,
                    created_at=utcnow(),
                )
                session.add(campaign)
                session.flush()
                record(
                    session,
                    staff_actor(created_by),
                    "created",
                    f"campaign {campaign.id}",
                    candidate,
                )
                return _campaign_row(campaign)
        except IntegrityError:
            if code is not None:
                raise DuplicateCampaign(code) from None
    raise DuplicateCampaign("could not generate a unique code")


def update_campaign(
    campaign_id: int,
    *,
    name: str | None = None,
    kind: str | None = None,
    location: str | None = None,
    notes: str | None = None,
    active: bool | None = None,
    actor_id: int | None = None,
) -> CampaignRow:
    """Change what may change; the code never does (it is printed on posters)."""
    require(kind is None or kind in CAMPAIGN_KINDS, "kind", kind)
    require(name is None or 0 < len(name.strip()) <= 200, "name", name)
    with session_scope(write=True) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"no campaign {campaign_id}")
        if name is not None:
            campaign.name = name.strip()
        if kind is not None:
            campaign.kind = kind
        if location is not None:
            campaign.location = location.strip()[:200]
        if notes is not None:
            campaign.notes = notes
        if active is not None:
            campaign.active = active
        record(session, staff_actor(actor_id), "updated", f"campaign {campaign.id}")
        return _campaign_row(campaign)


def list_campaigns(include_inactive: bool = True) -> list[CampaignRow]:
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not include_inactive:
        query = query.where(Campaign.active.is_(True))
    with session_scope() as session:
        return [_campaign_row(c) for c in session.scalars(query)]


def get_campaign(campaign_id: int) -> CampaignRow | None:
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        return None if campaign is None else _campaign_row(campaign)


def get_campaign_by_code(code: str) -> CampaignRow | None:
    with session_scope() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.code == code))
        return None if campaign is None else _campaign_row(campaign)


def _campaign_row(c: Campaign) -> CampaignRow:
    return CampaignRow(
        id=c.id,
        code=c.code,
        name=c.name,
        kind=c.kind,
        location=c.location,
        notes=c.notes,
        active=c.active,
        created_by=c.created_by,
        created_at=c.created_at,
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:24].strip("-")
