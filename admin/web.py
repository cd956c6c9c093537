"""Rendering pages: the Jinja2 environment (autoescaped), its helpers, flash messages."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from admin.security import csrf_token

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

LOCAL_TIME: tzinfo
try:
    LOCAL_TIME = ZoneInfo("Europe/Brussels")
except ZoneInfoNotFoundError:  # no time zone database: show UTC rather than fail
    LOCAL_TIME = UTC

STATUS_LABELS = {
    "new": "New",
    "contacted": "Contacted",
    "invited": "Invited",
    "enrolled": "Enrolled",
    "declined": "Declined",
    "not_suitable": "Not suitable",
    "no_response": "No response",
    "nurture": "Nurture",
}
LANGUAGE_LABELS = {"nl": "Nederlands", "fr": "Français", "en": "English"}
CAMPUS_LABELS = {
    "brussels": "Brussels",
    "antwerp": "Antwerp",
    "ghent": "Ghent",
    "liege": "Liège",
    "charleroi": "Charleroi",
    "other": "Other",
}


def local_time(value: datetime | None, short: bool = False) -> str:
    """Brussels time: `2026-03-02 14:05`, or `2 Mar 14:05` (short, for tables)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    shown = value.astimezone(LOCAL_TIME)
    if short:
        return f"{shown.day} {shown:%b %H:%M}"
    return shown.strftime("%Y-%m-%d %H:%M")


def humanize(value: object) -> str:
    """`job_seeker` → `job seeker`; None → an em dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed (None or "" drops a key), as `?a=b`."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


templates.env.filters.update(local_time=local_time, humanize=humanize, percent=percent)
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS,
    LANGUAGE_LABELS=LANGUAGE_LABELS,
    CAMPUS_LABELS=CAMPUS_LABELS,
    query_string=query_string,
)


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (kept in the signed session cookie)."""
    messages = request.session.setdefault("flash", [])
    messages.append([kind, text[:300]])
    request.session["flash"] = messages[-5:]


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    values = {
        "user": user,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """After a POST: 303, so the browser GETs the next page."""
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None, default: str = "/leads") -> str:
    """Only a path on this site (no `//host`, no scheme): never an open redirect."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url
