"""Info sessions: everyone sees the list and who booked; admins create and change sessions.

Times are typed and shown in Brussels time. After a session, staff mark each booking
attended or no-show (that is the funnel's last step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from admin.security import current_user, require_admin
from admin.web import flash, redirect, render
from leads import bookings
from leads.audit import audit
from leads.models import CAMPUSES, utcnow
from leads.rows import StaffRow
from leads.sessions import (
    BRUSSELS,
    SESSION_LANGUAGES,
    SessionInput,
    SessionNotFound,
    SessionRow,
    create_session,
    get_session,
    list_sessions,
    set_active,
    update_session,
    validate,
)

router = APIRouter(include_in_schema=False)
STAFF_MARKS = {"attended", "no_show", "cancelled", "confirmed"}


@router.get("/sessions", response_class=HTMLResponse)
def session_list(request: Request, past: int = 0) -> Response:
    now = utcnow()
    sessions = list_sessions()
    shown = [s for s in sessions if (s.ends_at < now) == bool(past)]
    if past:
        shown.reverse()
    return render(request, "sessions.html", {"sessions": shown, "past": bool(past)})


@router.get("/sessions/new", response_class=HTMLResponse)
def new_session_form(request: Request, user: StaffRow = Depends(require_admin)) -> Response:
    return _form(request, None, {})


@router.post("/sessions")
async def create(request: Request, user: StaffRow = Depends(require_admin)) -> Response:
    values = dict(await request.form())
    return await run_in_threadpool(_create, request, values, user)


def _create(request: Request, values: dict[str, Any], user: StaffRow) -> Response:
    data, problems = _parse(values)
    if problems or data is None:
        return _form(request, None, values, problems, 400)
    created = create_session(data, created_by=user.id)
    audit(f"staff:{user.id}", "session created", f"session {created.id}")
    flash(request, "Session created: the bot offers it from now on.")
    return redirect(f"/sessions/{created.id}")


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: int) -> Response:
    session = _session_or_404(session_id)
    context = {
        "session": session,
        "bookings": bookings.for_session(session_id),
        "over": session.starts_at <= utcnow(),
    }
    return render(request, "session.html", context)


@router.get("/sessions/{session_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session_id: int, user: StaffRow = Depends(require_admin)
) -> Response:
    return _form(request, _session_or_404(session_id), {})


@router.post("/sessions/{session_id}")
async def update(
    request: Request, session_id: int, user: StaffRow = Depends(require_admin)
) -> Response:
    values = dict(await request.form())
    return await run_in_threadpool(_update, request, session_id, values, user)


def _update(request: Request, session_id: int, values: dict[str, Any], user: StaffRow) -> Response:
    session = _session_or_404(session_id)
    data, problems = _parse(values)
    if problems or data is None:
        return _form(request, session, values, problems, 400)
    update_session(session_id, data)
    audit(f"staff:{user.id}", "session changed", f"session {session_id}")
    flash(request, "Session saved.")
    return redirect(f"/sessions/{session_id}")


@router.post("/sessions/{session_id}/active")
async def activate(
    request: Request, session_id: int, user: StaffRow = Depends(require_admin)
) -> Response:
    active = (await request.form()).get("active") == "1"
    return await run_in_threadpool(_activate, request, session_id, active, user)


def _activate(request: Request, session_id: int, active: bool, user: StaffRow) -> Response:
    try:
        set_active(session_id, active)
    except SessionNotFound:
        raise HTTPException(404, "This session does not exist (any more).") from None
    audit(
        f"staff:{user.id}",
        "session " + ("reopened" if active else "closed"),
        f"session {session_id}",
    )
    flash(
        request,
        "The bot offers this session again."
        if active
        else "Closed: the bot no longer offers this session. Bookings stay as they are.",
    )
    return redirect(f"/sessions/{session_id}")


@router.post("/sessions/{session_id}/bookings/{booking_id}")
async def mark_booking(
    request: Request, session_id: int, booking_id: int, user: StaffRow = Depends(current_user)
) -> Response:
    state = str((await request.form()).get("state", ""))
    if state not in STAFF_MARKS:
        raise HTTPException(400, "Pick attended, no-show, confirmed or cancelled.")
    return await run_in_threadpool(_mark_booking, request, session_id, booking_id, state, user)


def _mark_booking(
    request: Request, session_id: int, booking_id: int, state: str, user: StaffRow
) -> Response:
    if not bookings.mark(booking_id, session_id, state):
        raise HTTPException(404, "This booking does not exist (any more).")
    audit(f"staff:{user.id}", f"booking marked {state}", f"session {session_id}")
    flash(request, f"Booking #{booking_id} marked {state.replace('_', '-')}.")
    return redirect(f"/sessions/{session_id}#bookings")


# --- helpers ------------------------------------------------------------------------------


def _session_or_404(session_id: int) -> SessionRow:
    session = get_session(session_id)
    if session is None:
        raise HTTPException(404, "This session does not exist (any more).")
    return session


def _form(
    request: Request,
    session: SessionRow | None,
    values: dict,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    if session is not None and not values:
        values = {
            "date": f"{session.local_start:%Y-%m-%d}",
            "time": f"{session.local_start:%H:%M}",
            "duration": session.duration_minutes,
            "campus": session.campus or "online",
            "online_url": session.online_url,
            "address": session.address,
            "directions": session.directions,
            "capacity": session.capacity,
            "notes": session.notes,
            **{f"lang_{lang}": "1" for lang in session.languages},
        }
    context = {
        "session": session,
        "values": values,
        "problems": problems or [],
        "campuses": [c for c in CAMPUSES if c != "other"],
        "languages": SESSION_LANGUAGES,
    }
    return render(request, "session_form.html", context, status)


def _parse(values: dict) -> tuple[SessionInput | None, list[str]]:
    try:
        starts_at = datetime.strptime(
            f"{values.get('date')} {values.get('time')}", "%Y-%m-%d %H:%M"
        ).replace(tzinfo=BRUSSELS)
    except ValueError:
        return None, ["Give the date (YYYY-MM-DD) and the time (HH:MM), in Brussels time."]
    campus = str(values.get("campus") or "")
    try:
        capacity = int(str(values.get("capacity") or "20"))
        duration = int(str(values.get("duration") or "90"))
    except ValueError:
        return None, ["The capacity and the duration are whole numbers."]
    data = SessionInput(
        starts_at=starts_at,
        campus=None if campus == "online" else campus,
        languages=tuple(lang for lang in SESSION_LANGUAGES if values.get(f"lang_{lang}")),
        duration_minutes=duration,
        online_url=str(values.get("online_url") or "")[:500],
        address=str(values.get("address") or "")[:300],
        directions=str(values.get("directions") or "")[:2000],
        capacity=capacity,
        notes=str(values.get("notes") or "")[:5000],
    )
    problems = validate(data)
    if not problems and starts_at <= utcnow():
        problems.append("This moment is in the past: give a date to come.")
    return data, problems
