"""The lead queue, the lead page and what staff do to a lead (PRODUCT.md §8)."""

from __future__ import annotations

import io
import logging
from datetime import datetime

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from admin.queue import QueueQuery
from admin.rasa_api import fetch_transcript
from admin.replies import ReplyError, can_reply, send_reply
from admin.security import current_user, require_admin
from admin.settings import AdminSettings
from admin.web import flash, redirect, render
from leads import bookings, lead_queue, outbox, review
from leads.audit import audit
from leads.campaigns import list_campaigns
from leads.export import write_csv
from leads.lead_queue import LeadNotFound, StaleLead
from leads.lead_store import erase_lead_by_id
from leads.models import CAMPUSES, utcnow
from leads.rows import LeadDetail, StaffRow
from leads.staff import list_staff
from leads.trackers import erase_tracker
from leads.validation import InvalidValue
from passerelle_settings import LANGUAGES, STATUSES

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

PER_PAGE = 25
# The usual path of a lead (PRODUCT.md §8); the other statuses are side exits.
NEXT_STATUS = {
    "new": "contacted",
    "contacted": "invited",
    "invited": "enrolled",
    "nurture": "contacted",
    "no_response": "contacted",
}


@router.get("/", include_in_schema=False)
def home() -> Response:
    return redirect("/leads")


@router.get("/leads", response_class=HTMLResponse)
def queue(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    query = QueueQuery.from_params(request.query_params)
    filters = query.filters(user.id)
    page = lead_queue.list_leads(filters, page=query.page, per_page=PER_PAGE)
    context = {
        "query": query,
        "params": query.params(),
        "page": page,
        "counts": lead_queue.status_counts(filters),
        "statuses": STATUSES,
        "campuses": CAMPUSES,
        "languages": LANGUAGES,
        "campaigns": list_campaigns(),
    }
    return render(request, "queue.html", context)


@router.get("/leads/export.csv")
def export_csv(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    query = QueueQuery.from_params(request.query_params)
    out = io.StringIO(newline="")
    count = write_csv(out, query.filters(user.id))
    audit(f"staff:{user.id}", "exported", "leads", f"{count} leads as CSV")
    filename = f"passerelle-leads-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        # A BOM, so spreadsheet programs open the UTF-8 file with the right accents.
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
async def lead_page(request: Request, lead_id: int) -> Response:
    return await _lead_response(request, await run_in_threadpool(_lead_or_404, lead_id))


@router.post("/leads/{lead_id}/status")
async def change_status(
    request: Request,
    lead_id: int,
    status: str = Form(...),
    version: int = Form(...),
    user: StaffRow = Depends(current_user),
) -> Response:
    if status not in STATUSES:
        raise HTTPException(400, "Unknown status.")
    try:
        await run_in_threadpool(
            lead_queue.change_status, lead_id, status, expected_version=version, actor_id=user.id
        )
    except StaleLead as stale:
        return await _conflict(request, lead_id, stale)
    except LeadNotFound:
        raise HTTPException(404, "This lead does not exist (any more).") from None
    flash(request, f"Status changed to “{status.replace('_', ' ')}”.")
    return redirect(f"/leads/{lead_id}")


@router.post("/leads/{lead_id}/assign")
async def assign(
    request: Request,
    lead_id: int,
    version: int = Form(...),
    assignee: str = Form(...),
    user: StaffRow = Depends(current_user),
) -> Response:
    staff_id = _assignee(assignee, user)
    try:
        await run_in_threadpool(
            lead_queue.assign, lead_id, staff_id, expected_version=version, actor_id=user.id
        )
    except StaleLead as stale:
        return await _conflict(request, lead_id, stale)
    except LeadNotFound:
        raise HTTPException(404, "This lead does not exist (any more).") from None
    except InvalidValue:
        raise HTTPException(400, "No such colleague.") from None
    flash(request, "Assigned." if staff_id is not None else "Nobody is assigned now.")
    return redirect(f"/leads/{lead_id}")


@router.post("/leads/{lead_id}/handoff-done")
async def handoff_done(
    request: Request,
    lead_id: int,
    version: int = Form(...),
    user: StaffRow = Depends(current_user),
) -> Response:
    try:
        await run_in_threadpool(
            lead_queue.clear_handoff, lead_id, expected_version=version, actor_id=user.id
        )
    except StaleLead as stale:
        return await _conflict(request, lead_id, stale)
    except LeadNotFound:
        raise HTTPException(404, "This lead does not exist (any more).") from None
    flash(request, "The request for a person is marked as dealt with.")
    return redirect(f"/leads/{lead_id}")


@router.post("/leads/{lead_id}/notes")
def add_note(
    request: Request,
    lead_id: int,
    text: str = Form(..., max_length=10_000),
    user: StaffRow = Depends(current_user),
) -> Response:
    if not text.strip():
        flash(request, "The note was empty, so nothing was added.", "error")
        return redirect(f"/leads/{lead_id}")
    try:
        lead_queue.add_note(lead_id, text, user.id)
    except LeadNotFound:
        raise HTTPException(404, "This lead does not exist (any more).") from None
    flash(request, "Note added.")
    return redirect(f"/leads/{lead_id}#notes")


@router.post("/leads/{lead_id}/reply")
async def reply(
    request: Request,
    lead_id: int,
    text: str = Form(..., max_length=10_000),
    user: StaffRow = Depends(current_user),
) -> Response:
    settings: AdminSettings = request.app.state.settings
    lead = await run_in_threadpool(_lead_or_404, lead_id)
    try:
        result = await send_reply(settings, lead, text, user)
    except ReplyError as error:
        return await _lead_response(request, lead, reply_error=str(error), reply_text=text)
    if result.in_transcript:
        flash(request, "Reply queued: the bot sends it on Telegram within a few seconds.")
    else:
        flash(request, "Reply queued for Telegram; Rasa was unreachable, so it is kept as a note.")
    return redirect(f"/leads/{lead_id}#conversation")


@router.post("/leads/{lead_id}/erase")
def erase(
    request: Request,
    lead_id: int,
    confirm: str = Form(""),
    user: StaffRow = Depends(require_admin),
) -> Response:
    lead = _lead_or_404(lead_id)
    if confirm.strip().lower() != "erase":
        flash(request, "Nothing erased: type ERASE in the box to confirm.", "error")
        return redirect(f"/leads/{lead_id}#erase")
    erase_lead_by_id(lead_id, actor=f"staff:{user.id}")
    review.erase_conversation(lead.sender_id)  # the same database: its review items go too
    try:
        erase_tracker(lead.sender_id)
    except Exception:  # the tracker database is down: the lead is gone, say what is left
        log.exception("conversation of erased lead %s not erased", lead_id)
        flash(
            request,
            f"Lead {lead_id} is erased, but its conversation could not be erased "
            "right now (tracker database unreachable). Tell the administrator.",
            "error",
        )
        return redirect("/leads")
    flash(request, f"Lead {lead_id} and its conversation are erased.")
    return redirect("/leads")


# --- helpers ------------------------------------------------------------------------------


def _lead_or_404(lead_id: int) -> LeadDetail:
    lead = lead_queue.get_lead(lead_id)
    if lead is None:
        raise HTTPException(404, "This lead does not exist (any more).")
    return lead


def _assignee(value: str, user: StaffRow) -> int | None:
    if value == "me":
        return user.id
    if value in ("", "none"):
        return None
    if not value.isdigit():
        raise HTTPException(400, "No such colleague.")
    return int(value)


async def _conflict(request: Request, lead_id: int, stale: StaleLead) -> Response:
    who = stale.changed_by_email or "the bot"
    message = (
        f"Not saved: this lead was changed by {who} meanwhile. Reload to see the current "
        "version, then make your change again if it is still needed."
    )
    lead = await run_in_threadpool(_lead_or_404, lead_id)
    return await _lead_response(request, lead, conflict=message, status=409)


async def _lead_response(
    request: Request,
    lead: LeadDetail,
    *,
    conflict: str | None = None,
    reply_error: str | None = None,
    reply_text: str = "",
    status: int = 200,
) -> Response:
    settings: AdminSettings = request.app.state.settings
    transcript = await fetch_transcript(settings, lead.sender_id)
    staff = await run_in_threadpool(list_staff)
    outgoing = await run_in_threadpool(outbox.rows_for, sender_id=lead.sender_id, limit=20)
    booked = await run_in_threadpool(bookings.for_sender, lead.sender_id)
    context = {
        "lead": lead,
        "transcript": transcript,
        "statuses": STATUSES,
        "next_status": NEXT_STATUS.get(lead.status),
        "staff": [s for s in staff if s.active],
        "reply_problem": can_reply(settings, lead),
        "reply_error": reply_error,
        "reply_text": reply_text,
        "outgoing": outgoing,
        "bookings": booked,
        "conflict": conflict,
        "loaded_at": datetime.now().astimezone(),
        "breakdown": sorted(lead.score_breakdown.items(), key=lambda item: -_points(item[1])),
    }
    return render(request, "lead.html", context, status)


def _points(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
