"""Log in, log out, and the health check (the only routes that answer without a session)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from admin import security
from admin.passwords import verify_password
from admin.security import client_address, current_user
from admin.settings import AdminSettings
from admin.web import redirect, render, safe_next
from leads.audit import audit
from leads.rows import StaffRow
from leads.staff import get_staff_by_email, record_login_failure, record_login_success

router = APIRouter()

LOGIN_FAILED = "That e-mail and password don't match an active account (or it is locked for now)."
TOO_MANY = "Too many failed logins from this address. Wait 15 minutes, then try again."


@router.get("/health", include_in_schema=False)
async def health() -> JSONResponse:  # async: it needs no thread of the (maybe busy) pool
    return JSONResponse({"status": "ok"})


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/leads") -> Response:  # noqa: A002
    if security.session_user(request) is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    email: str = Form(..., max_length=320),
    password: str = Form(..., max_length=1024),
    next: str = Form("/leads", max_length=2000),  # noqa: A002
) -> Response:
    settings: AdminSettings = request.app.state.settings
    throttle: security.LoginThrottle = request.app.state.login_throttle
    address = client_address(request)
    if throttle.blocked(address):
        return render(request, "login.html", {"error": TOO_MANY, "email": email}, 429)
    staff = get_staff_by_email(email)
    usable = staff is not None and staff.active and not staff.is_locked()
    password_ok = verify_password(staff.password_hash if usable and staff else None, password)
    if not (usable and password_ok and staff):
        throttle.failed(address)
        if staff is not None and staff.active and not staff.is_locked():
            record_login_failure(
                staff.id,
                max_failures=settings.max_login_failures,
                lock_for=timedelta(minutes=settings.lock_minutes),
            )
        context = {"error": LOGIN_FAILED, "email": email, "next": safe_next(next)}
        return render(request, "login.html", context, 401)
    throttle.succeeded(address)
    record_login_success(staff.id)
    security.start_session(request, staff)
    audit(f"staff:{staff.id}", "logged in")
    return redirect(safe_next(next))


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    audit(f"staff:{user.id}", "logged out")
    security.end_session(request, user)
    return redirect("/login")
