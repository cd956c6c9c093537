"""The JSON API for a CRM/ATS: leads and campaigns, with per-user API tokens.

Authenticate with `Authorization: Bearer <token>` (create a token on the dashboard's Account
page). A token acts with its owner's role. Documented at /docs (OpenAPI).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from admin.links import deep_link
from admin.security import current_user
from leads import campaigns, lead_queue
from leads.lead_queue import LeadNotFound, StaleLead
from leads.models import CAMPUSES
from leads.rows import LeadFilters, StaffRow
from passerelle_settings import Language, LeadStatus

# Declares the scheme for the OpenAPI page; the check itself is security.auth_guard.
bearer = HTTPBearer(auto_error=False, description="An API token from the Account page")
router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(bearer)])


class Lead(BaseModel):
    id: int
    first_name: str | None
    age: int | None
    campus: str | None
    situation: str | None
    contact_kind: str | None
    contact: str | None
    score: int
    qualified: bool
    status: str
    language: str
    campaign: str | None
    handoff_requested: bool
    handoff_at: datetime | None
    assigned_to_email: str | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back when changing the lead (conflict check)")


class Note(BaseModel):
    author_email: str | None
    text: str
    created_at: datetime


class StatusChange(BaseModel):
    from_status: str | None
    to_status: str
    changed_by_email: str | None
    at: datetime


class LeadDetail(Lead):
    registered: str | None
    experience: str | None
    motivation: str | None
    commitment: str | None
    consent: bool
    score_breakdown: dict[str, Any]
    notes: list[Note]
    history: list[StatusChange]


class LeadPage(BaseModel):
    items: list[Lead]
    total: int
    page: int
    per_page: int
    pages: int


class Campaign(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    location: str
    notes: str
    active: bool
    created_at: datetime
    deep_link: str


class StatusUpdate(BaseModel):
    status: LeadStatus
    version: int = Field(description="The `version` you last read")


class Conflict(BaseModel):
    detail: str
    changed_by: str | None
    current_version: int


@router.get("/leads", response_model=LeadPage, summary="The lead queue, filtered")
def list_leads(
    status: LeadStatus | None = None,
    campus: Literal[CAMPUSES] | None = None,  # type: ignore[valid-type]
    language: Language | None = None,
    campaign: str | None = Query(None, max_length=200),
    qualified: bool | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    search: str | None = Query(None, max_length=100, description="first name or contact"),
    page: int = Query(1, ge=1),
    per_page: int = Query(50, ge=1, le=500),
) -> LeadPage:
    """Handoff requests first, then `new` leads by score, then the rest (like the dashboard)."""
    filters = LeadFilters(
        status=status,
        campus=campus,
        language=language,
        campaign=campaign,
        qualified=qualified,
        date_from=created_from,
        date_to=created_to,
        search=search,
    )
    result = lead_queue.list_leads(filters, page=page, per_page=per_page)
    return LeadPage(
        items=[Lead.model_validate(row, from_attributes=True) for row in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
    )


@router.get("/leads/{lead_id}", response_model=LeadDetail, summary="One lead with its notes")
def get_lead(lead_id: int) -> LeadDetail:
    lead = lead_queue.get_lead(lead_id)
    if lead is None:
        raise HTTPException(404, "No such lead.")
    return LeadDetail.model_validate(lead, from_attributes=True)


@router.post(
    "/leads/{lead_id}/status",
    response_model=LeadDetail,
    responses={409: {"model": Conflict, "description": "Changed by someone else meanwhile"}},
    summary="Change a lead's status",
)
def change_status(
    lead_id: int, update: StatusUpdate, user: StaffRow = Depends(current_user)
) -> Any:
    try:
        lead = lead_queue.change_status(
            lead_id, update.status, expected_version=update.version, actor_id=user.id
        )
    except LeadNotFound:
        raise HTTPException(404, "No such lead.") from None
    except StaleLead as stale:
        body = Conflict(
            detail="Changed by someone else meanwhile: read the lead again and retry.",
            changed_by=stale.changed_by_email,
            current_version=stale.current_version,
        )
        return JSONResponse(body.model_dump(), status_code=409)
    return LeadDetail.model_validate(lead, from_attributes=True)


@router.get("/campaigns", response_model=list[Campaign], summary="Every campaign")
async def list_campaigns(request: Request) -> list[Campaign]:
    username = await request.app.state.bot_names.username()
    rows = await run_in_threadpool(campaigns.list_campaigns)
    return [
        Campaign(
            id=c.id,
            code=c.code,
            name=c.name,
            kind=c.kind,
            location=c.location,
            notes=c.notes,
            active=c.active,
            created_at=c.created_at,
            deep_link=deep_link(username, c.code),
        )
        for c in rows
    ]
