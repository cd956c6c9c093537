"""Campaigns (one per poster or event): list, create, edit, deactivate; deep link and QR code.

Everyone sees campaigns and downloads their QR codes; creating and changing them is for
admins (PRODUCT.md §8: "admin (accounts, campaigns, settings)").
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from admin.links import PLACEHOLDER, BotNames, deep_link
from admin.qr import qr_png, qr_svg
from admin.security import current_user, require_admin
from admin.web import flash, redirect, render
from leads import campaigns as campaign_store
from leads.lead_queue import list_leads
from leads.models import CAMPAIGN_KINDS
from leads.rows import CampaignRow, LeadFilters, StaffRow
from leads.validation import InvalidValue

router = APIRouter(include_in_schema=False)


@router.get("/campaigns", response_class=HTMLResponse)
async def campaign_list(request: Request) -> Response:
    username = await _names(request).username()
    counted = await run_in_threadpool(_campaigns_with_lead_counts)
    rows = [(c, deep_link(username, c.code), count) for c, count in counted]
    context = {"rows": rows, "username": username, "placeholder": PLACEHOLDER}
    return render(request, "campaigns.html", context)


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign_form(request: Request, user: StaffRow = Depends(require_admin)) -> Response:
    return render(request, "campaign_form.html", {"campaign": None, "kinds": CAMPAIGN_KINDS})


@router.post("/campaigns")
def create_campaign(
    request: Request,
    name: str = Form(..., max_length=200),
    kind: str = Form("poster"),
    location: str = Form("", max_length=200),
    notes: str = Form("", max_length=5000),
    user: StaffRow = Depends(require_admin),
) -> Response:
    try:
        campaign = campaign_store.create_campaign(name, kind, location, notes, created_by=user.id)
    except InvalidValue:
        context = {
            "campaign": None,
            "kinds": CAMPAIGN_KINDS,
            "error": "Give the campaign a name (up to 200 characters) and pick a kind.",
            "values": {"name": name, "kind": kind, "location": location, "notes": notes},
        }
        return render(request, "campaign_form.html", context, 400)
    flash(request, f"Campaign created with the code {campaign.code}.")
    return redirect(f"/campaigns/{campaign.id}")


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(request: Request, campaign_id: int) -> Response:
    campaign = await run_in_threadpool(_campaign_or_404, campaign_id)
    username = await _names(request).username()
    context = {
        "campaign": campaign,
        "link": deep_link(username, campaign.code),
        "username": username,
        "kinds": CAMPAIGN_KINDS,
        "leads": await run_in_threadpool(_lead_count, campaign.code),
    }
    return render(request, "campaign.html", context)


@router.post("/campaigns/{campaign_id}")
def update_campaign(
    request: Request,
    campaign_id: int,
    name: str = Form(..., max_length=200),
    kind: str = Form(...),
    location: str = Form("", max_length=200),
    notes: str = Form("", max_length=5000),
    user: StaffRow = Depends(require_admin),
) -> Response:
    _campaign_or_404(campaign_id)
    try:
        campaign_store.update_campaign(
            campaign_id, name=name, kind=kind, location=location, notes=notes, actor_id=user.id
        )
    except InvalidValue:
        flash(
            request,
            "Not saved: the name must not be empty and the kind must be one of the list.",
            "error",
        )
        return redirect(f"/campaigns/{campaign_id}")
    flash(request, "Campaign saved.")
    return redirect(f"/campaigns/{campaign_id}")


@router.post("/campaigns/{campaign_id}/active")
def set_active(
    request: Request,
    campaign_id: int,
    active: str = Form(...),
    user: StaffRow = Depends(require_admin),
) -> Response:
    _campaign_or_404(campaign_id)
    on = active == "1"
    campaign_store.update_campaign(campaign_id, active=on, actor_id=user.id)
    flash(request, "Campaign active again." if on else "Campaign deactivated.")
    return redirect(f"/campaigns/{campaign_id}")


@router.get("/campaigns/{campaign_id}/qr.png")
async def qr_code_png(
    request: Request,
    campaign_id: int,
    download: bool = False,
    user: StaffRow = Depends(current_user),
) -> Response:
    campaign = await run_in_threadpool(_campaign_or_404, campaign_id)
    link = deep_link(await _names(request).username(), campaign.code)
    png = await run_in_threadpool(qr_png, link, campaign.name)
    return _file(png, "image/png", f"qr-{campaign.code}.png", download)


@router.get("/campaigns/{campaign_id}/qr.svg")
async def qr_code_svg(
    request: Request,
    campaign_id: int,
    download: bool = False,
    user: StaffRow = Depends(current_user),
) -> Response:
    campaign = await run_in_threadpool(_campaign_or_404, campaign_id)
    link = deep_link(await _names(request).username(), campaign.code)
    svg = await run_in_threadpool(qr_svg, link, campaign.name)
    return _file(svg.encode("utf-8"), "image/svg+xml", f"qr-{campaign.code}.svg", download)


def _file(body: bytes, media_type: str, filename: str, download: bool) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


def _campaign_or_404(campaign_id: int) -> CampaignRow:
    campaign = campaign_store.get_campaign(campaign_id)
    if campaign is None:
        raise HTTPException(404, "No such campaign.")
    return campaign


def _campaigns_with_lead_counts() -> list[tuple[CampaignRow, int]]:
    return [(c, _lead_count(c.code)) for c in campaign_store.list_campaigns()]


def _lead_count(code: str) -> int:
    return list_leads(LeadFilters(campaign=code), per_page=1).total


def _names(request: Request) -> BotNames:
    return request.app.state.bot_names
