"""The staff member's own account: API tokens (create, revoke), password change; and the
audit log for admins."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from admin import security
from admin.passwords import WeakPassword, hash_password, verify_password
from admin.security import current_user, require_admin
from admin.web import flash, redirect, render
from leads.audit import audit, list_audit
from leads.models import TOKEN_SCOPES, utcnow
from leads.rows import StaffRow
from leads.staff import (
    create_api_token,
    get_staff,
    list_api_tokens,
    list_staff,
    revoke_api_token,
    set_password_hash,
)

router = APIRouter(include_in_schema=False)

MAX_TOKEN_DAYS = 3650


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    return _account_page(request, user)


@router.post("/account/tokens")
def create_token(
    request: Request,
    name: str = Form("", max_length=100),
    scope: str = Form("read_write"),
    expires_days: str = Form("", max_length=10),
    user: StaffRow = Depends(current_user),
) -> Response:
    days = expires_days.strip()
    if scope not in TOKEN_SCOPES or not (
        days == "" or (days.isdigit() and 1 <= int(days) <= MAX_TOKEN_DAYS)
    ):
        problem = (
            "No token created: pick read-only or read & write, and leave “expires after” "
            f"empty (never) or give a number of days from 1 to {MAX_TOKEN_DAYS}."
        )
        return _account_page(request, user, token_problem=problem)
    expires_at = utcnow() + timedelta(days=int(days)) if days else None
    plaintext, token = create_api_token(
        user.id, name or "API token", scope=scope, expires_at=expires_at
    )
    # Shown once, on this response only: only its hash is stored.
    return _account_page(request, user, new_token=plaintext, new_token_name=token.name)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: int, user: StaffRow = Depends(current_user)
) -> Response:
    owned = {t.id for t in list_api_tokens(user.id)}
    if token_id not in owned and user.role != "admin":
        raise HTTPException(404, "No such token.")
    if revoke_api_token(token_id, actor_id=user.id):
        flash(request, "Token revoked: it no longer opens the API.")
    return redirect("/account")


@router.post("/account/password")
def change_password(
    request: Request,
    current: str = Form(..., max_length=1024),
    new: str = Form(..., max_length=1024),
    repeat: str = Form(..., max_length=1024),
    user: StaffRow = Depends(current_user),
) -> Response:
    if not verify_password(user.password_hash, current):
        return _account_page(request, user, form_problem="Your current password is not right.")
    if new != repeat:
        return _account_page(request, user, form_problem="The two new passwords differ.")
    try:
        new_hash = hash_password(new)
    except WeakPassword as error:
        return _account_page(request, user, form_problem=f"New password too weak: {error}.")
    set_password_hash(user.id, new_hash)
    audit(f"staff:{user.id}", "changed own password", f"staff {user.id}")
    refreshed = get_staff(user.id)
    assert refreshed is not None
    # Other sessions end; this one goes on, within the lifetime of its login.
    security.start_session(request, refreshed, security.session_logged_in_at(request))
    flash(
        request,
        "Password changed. Your other sessions are logged out and your API tokens are "
        "revoked: create new tokens for the tools that used them.",
    )
    return redirect("/account")


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, user: StaffRow = Depends(require_admin)) -> Response:
    staff = {f"staff:{s.id}": s.email for s in list_staff()}
    return render(request, "audit.html", {"entries": list_audit(300), "staff": staff})


def _account_page(request: Request, user: StaffRow, **extra: object) -> Response:
    tokens = list_api_tokens(None if user.role == "admin" else user.id)
    owners = {s.id: s.email for s in list_staff()}
    context = {"tokens": tokens, "owners": owners, "now": utcnow(), **extra}
    status = 400 if extra.get("form_problem") or extra.get("token_problem") else 200
    return render(request, "account.html", context, status)
