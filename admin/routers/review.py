"""The review inbox: messages the bot did not understand, grouped, for staff to label; the
"learn" button (admins); and the same in the JSON API (/api/review/...)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from admin import learning
from admin.security import current_user, require_admin
from admin.web import flash, query_string, redirect, render
from leads import review_inbox
from leads.audit import audit
from leads.campaigns import list_campaigns
from leads.labels import all_labels, label_names
from leads.models import LANGUAGES
from leads.rows import StaffRow

router = APIRouter(include_in_schema=False)
bearer = HTTPBearer(auto_error=False, description="An API token from the Account page")
api_router = APIRouter(prefix="/api/review", tags=["review"], dependencies=[Depends(bearer)])

MAX_GROUPS_SHOWN = 100
Decision = Literal["label", "new_topic", "ignore"]
STATUS_CHOICES = ("open", "labelled", "new_topic", "ignored")


def filters_from(params: Any) -> review_inbox.ReviewFilters:
    language = params.get("language")
    status = params.get("status")
    return review_inbox.ReviewFilters(
        language=language if language in LANGUAGES else None,
        predicted_label=(params.get("predicted_label") or "").strip()[:100] or None,
        campaign=(params.get("campaign") or "").strip()[:200] or None,
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        status=status if status in STATUS_CHOICES else "open",
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def apply_decision(item_ids: list[int], decision: str, label: str, note: str, staff_id: int) -> int:
    """Validate against the label list, then record; raises review_inbox.InvalidDecision."""
    label = label.strip()
    if decision == "label" and label not in label_names():
        raise review_inbox.InvalidDecision(f"“{label}” is not a label: choose one from the list.")
    return review_inbox.decide(
        item_ids, decision, label=label or None, note=note, staff_id=staff_id
    )


# --- pages -----------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def inbox(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    filters = filters_from(request.query_params)
    found = review_inbox.groups(filters)
    shown = found[:MAX_GROUPS_SHOWN]
    params = {k: v for k, v in request.query_params.items() if v}
    context = {
        "groups": shown,
        "leads": review_inbox.lead_ids([s for g in shown for s in g.sender_ids]),
        "groups_total": len(found),
        "counts": review_inbox.counts(),
        "filters": filters,
        "params": params,
        "back": "/review" + query_string(params),
        "labels": all_labels(),
        "languages": LANGUAGES,
        "statuses": STATUS_CHOICES,
        "predicted_labels": review_inbox.predicted_labels(),
        "campaigns": list_campaigns(),
        "learn": learning.latest_report(),
    }
    return render(request, "review.html", context)


@router.post("/review/decide")
def decide_form(
    request: Request,
    item_ids: str = Form(..., max_length=40000),
    decision: str = Form(...),
    label: str = Form("", max_length=100),
    note: str = Form("", max_length=1000),
    back: str = Form("/review", max_length=2000),
    user: StaffRow = Depends(current_user),
) -> Response:
    target = back if back.startswith("/review") and not back.startswith("//") else "/review"
    try:
        ids = [int(part) for part in item_ids.split(",") if part.strip()]
        changed = apply_decision(ids, decision, label, note, user.id)
    except ValueError as error:  # InvalidDecision, or ids that are not numbers
        flash(request, f"Not saved: {error}", "error")
        return redirect(target)
    what = {
        "label": f"labelled “{label.strip()}”",
        "new_topic": "marked as a new topic",
        "ignore": "ignored",
    }.get(decision, decision)
    flash(request, f"{changed} message{'s' if changed != 1 else ''} {what}.")
    return redirect(target)


@router.post("/review/learn")
def learn_button(request: Request, user: StaffRow = Depends(require_admin)) -> Response:
    started = learning.start(actor=f"staff:{user.id}")
    if started:
        audit(f"staff:{user.id}", "learning started")
        flash(
            request,
            "Learning started: training and comparing take a few minutes. "
            "Reload this page to see the report.",
        )
    else:
        flash(request, "Learning is already running: wait for its report below.", "error")
    return redirect("/review/learn")


@router.get("/review/learn", response_class=HTMLResponse)
def learn_page(request: Request, user: StaffRow = Depends(current_user)) -> Response:
    context = {
        "learn": learning.latest_report(),
        "running": learning.running(),
        "log_tail": learning.log_tail() if user.role == "admin" else "",
    }
    return render(request, "learn.html", context)


# --- JSON API ----------------------------------------------------------------------------------


class Group(BaseModel):
    id: int = Field(description="The smallest item id of the group")
    text: str = Field(description="The most frequent wording (phones, e-mails, names masked)")
    language: str
    count: int
    item_ids: list[int]
    predicted_label: str | None
    predicted_labels: dict[str, int]
    triggers: dict[str, int] = Field(
        description="fallback, low_confidence, reask (the check asked again), handoff "
        "(a person was asked for within two turns)"
    )
    requested_slots: dict[str, int] = Field(description="The check question pending, if any")
    campaigns: dict[str, int]
    examples: list[str] = Field(description="Every other wording in the group")
    status: str
    label: str | None
    first_at: Any
    last_at: Any


class Counts(BaseModel):
    to_review: int
    reviewed_this_week: int


class DecisionIn(BaseModel):
    item_ids: list[int] = Field(min_length=1, max_length=3000)
    decision: Decision
    label: str = Field("", max_length=100, description="For `label`: a name of GET /labels")
    note: str = Field("", max_length=1000, description="For `new_topic`: what it is about")


class DecisionOut(BaseModel):
    changed: int


class LabelOut(BaseModel):
    name: str
    meaning: str


@api_router.get("/groups", response_model=list[Group], summary="Review inbox, grouped")
def api_groups(
    language: Literal[LANGUAGES] | None = None,  # type: ignore[valid-type]
    predicted_label: str | None = Query(None, max_length=100),
    campaign: str | None = Query(None, max_length=200),
    date_from: date | None = None,
    date_to: date | None = None,
    status: Literal[STATUS_CHOICES] = "open",  # type: ignore[valid-type]
) -> list[Group]:
    """Near-duplicate messages grouped (same language), most frequent first."""
    filters = review_inbox.ReviewFilters(
        language=language,
        predicted_label=predicted_label,
        campaign=campaign,
        date_from=date_from,
        date_to=date_to,
        status=status,
    )
    return [
        Group.model_validate({**g.__dict__, "predicted_label": g.predicted_label})
        for g in review_inbox.groups(filters)
    ]


@api_router.post("/decisions", response_model=DecisionOut, summary="Label, new topic, ignore")
def api_decide(body: DecisionIn, user: StaffRow = Depends(current_user)) -> DecisionOut:
    """Decide for open items (usually a group's `item_ids`); reviewed ones are left alone."""
    try:
        changed = apply_decision(body.item_ids, body.decision, body.label, body.note, user.id)
    except review_inbox.InvalidDecision as error:
        raise HTTPException(422, str(error)) from None
    return DecisionOut(changed=changed)


@api_router.get("/counts", response_model=Counts, summary="To review, reviewed this week")
def api_counts() -> Counts:
    counts = review_inbox.counts()
    return Counts(to_review=counts.to_review, reviewed_this_week=counts.reviewed_this_week)


@api_router.get("/labels", response_model=list[LabelOut], summary="The labels (labels.md)")
def api_labels() -> list[LabelOut]:
    return [LabelOut(name=label.name, meaning=label.meaning) for label in all_labels()]


@api_router.get("/learn", summary="The last learning report (make learn)")
def api_learn_report() -> dict[str, Any]:
    return learning.latest_report() or {"status": "never"}
