"""Broadcasts: pick a segment, write the text per language, preview who it reaches, send;
then watch the progress (sent / blocked / failed) on the broadcast's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from admin.security import current_user
from admin.web import flash, redirect, render
from leads import broadcasts
from leads.audit import audit
from leads.broadcasts import BroadcastError, Segment
from leads.campaigns import list_campaigns
from leads.models import CAMPUSES, utcnow
from leads.outbox import out_of_quiet_hours
from leads.rows import StaffRow
from passerelle_settings import LANGUAGES, STATUSES

router = APIRouter(include_in_schema=False)


@router.get("/broadcasts", response_class=HTMLResponse)
def broadcast_list(request: Request) -> Response:
    return render(request, "broadcasts.html", {"broadcasts": broadcasts.list_all()})


@router.get("/broadcasts/new", response_class=HTMLResponse)
def new_broadcast(request: Request) -> Response:
    return _form(request, {})


@router.post("/broadcasts/preview", response_class=HTMLResponse)
async def preview(request: Request) -> Response:
    values = dict(await request.form())
    counts = await run_in_threadpool(broadcasts.preview, _segment(values))
    return await run_in_threadpool(_form, request, values, counts=counts)


@router.post("/broadcasts")
async def create_and_send(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    values = dict(await request.form())
    return await run_in_threadpool(_create_and_send, request, values, user)


def _create_and_send(request: Request, values: dict[str, Any], user: StaffRow) -> Response:
    segment = _segment(values)
    if values.get("confirm") != "1":
        return _form(
            request,
            values,
            counts=broadcasts.preview(segment),
            error="Look at the preview, then tick the box to send.",
            status=400,
        )
    texts = {lang: str(values.get(f"text_{lang}") or "") for lang in LANGUAGES}
    try:
        created = broadcasts.create(str(values.get("title") or ""), segment, texts, user.id)
    except BroadcastError as error:
        return _form(
            request, values, counts=broadcasts.preview(segment), error=str(error), status=400
        )
    queued = broadcasts.send(created.id)
    audit(f"staff:{user.id}", "broadcast sent", f"broadcast {created.id}", f"{queued} recipients")
    now = utcnow()
    if out_of_quiet_hours(now) > now:
        flash(
            request,
            f"Broadcast queued for {queued} people. Nobody gets messages between "
            "21:00 and 09:00, so it goes out at 09:00.",
        )
    else:
        flash(request, f"Broadcast queued for {queued} people: the bot sends it now, paced.")
    return redirect(f"/broadcasts/{created.id}")


@router.get("/broadcasts/{broadcast_id}", response_class=HTMLResponse)
def broadcast_page(request: Request, broadcast_id: int) -> Response:
    broadcast = broadcasts.get(broadcast_id)
    if broadcast is None:
        raise HTTPException(404, "This broadcast does not exist (any more).")
    return render(request, "broadcast.html", {"broadcast": broadcast})


def _segment(values: dict) -> Segment:
    def pick(name: str, allowed: tuple[str, ...]) -> str | None:
        value = str(values.get(name) or "")
        return value if value in allowed else None

    booked = {"yes": True, "no": False}.get(str(values.get("booked") or ""))
    campaign = str(values.get("campaign") or "").strip()[:200] or None
    return Segment(
        status=pick("status", STATUSES),
        campus=pick("campus", CAMPUSES),
        language=pick("language", LANGUAGES),
        campaign=campaign,
        booked=booked,
    )


def _form(
    request: Request,
    values: dict,
    counts: dict[str, int] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "values": values,
        "counts": counts,
        "error": error,
        "statuses": STATUSES,
        "campuses": CAMPUSES,
        "languages": LANGUAGES,
        "campaigns": [c.code for c in list_campaigns()],
    }
    return render(request, "broadcast_form.html", context, status)
