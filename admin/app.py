"""The dashboard's ASGI app: `uvicorn admin.app:app` (configuration from the environment).

`create_app(settings)` builds one for tests. Every route passes `security.auth_guard` and
`security.csrf_guard`; every response carries strict security headers (no inline script,
nothing loaded from another site).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin import security
from admin.links import BotNames
from admin.routers import (
    account,
    api,
    auth,
    broadcasts,
    campaigns,
    funnel,
    leads,
    review,
    sessions,
    try_bot,
    understanding,
)
from admin.settings import AdminSettings
from admin.web import render, templates
from bot.rasa_client import RasaClient
from leads.log_privacy import quiet_libraries
from passerelle_settings import load_env_files
from passerelle_settings.environment import ENV_FILE

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes from its script: allowed on /docs only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def create_app(settings: AdminSettings | None = None) -> FastAPI:
    settings = settings or AdminSettings.from_env()
    quiet_libraries()  # staff replies go through python-telegram-bot: no texts in logs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.rasa_client.close()

    app = FastAPI(
        title="Passerelle dashboard API",
        description=(
            "Leads and campaigns for a CRM/ATS. Authenticate with `Authorization: Bearer "
            "<token>`: create a token on the dashboard's Account page (it acts with your role; "
            "a read-only token gets `403` for any change; a token may expire, and a password "
            "change revokes it). Changing a lead needs the `version` you read: a `409` means "
            "someone changed it meanwhile."
        ),
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(security.auth_guard), Depends(security.csrf_guard)],
    )
    app.state.settings = settings
    app.state.login_throttle = security.LoginThrottle(
        max_failures=settings.ip_max_failures, window_s=settings.ip_window_minutes * 60
    )
    app.state.bot_names = BotNames(settings)
    app.state.rasa_client = RasaClient(settings.rasa_urls, timeout=30)

    for router in (
        auth,
        leads,
        campaigns,
        sessions,
        broadcasts,
        funnel,
        try_bot,
        account,
        review,
        understanding,
    ):
        app.include_router(router.router)
    app.include_router(api.router)
    app.include_router(review.api_router)
    _add_docs(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=security.SESSION_COOKIE,
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    return app


def _add_docs(app: FastAPI) -> None:
    """The OpenAPI page, behind the dashboard login, with Swagger UI served from here."""
    import swagger_ui_bundle

    app.mount(
        "/static/swagger",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger",
    )

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> Response:
        return templates.TemplateResponse(request, "docs.html", {})


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(security.NotAuthenticated)
    async def not_authenticated(request: Request, _error: Exception) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return JSONResponse({"detail": "Log in first."}, status_code=401)

    @app.exception_handler(security.ApiNotAuthenticated)
    async def api_not_authenticated(request: Request, _error: Exception) -> Response:
        return JSONResponse(
            {"detail": "Send a valid API token: `Authorization: Bearer <token>`."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(security.CsrfRejected)
    async def csrf_rejected(request: Request, _error: Exception) -> Response:
        message = (
            "This request was refused: it did not carry the page's security token (CSRF). "
            "Go back, reload the page and try again."
        )
        if _wants_html(request):
            return render(request, "error.html", {"title": "Refused", "message": message}, 403)
        return JSONResponse({"detail": message}, status_code=403)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith(security.API_PREFIX) or not _wants_html(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        title = {403: "Not allowed", 404: "Not found"}.get(error.status_code, "Something's off")
        context = {"title": title, "message": str(error.detail)}
        return render(request, "error.html", context, error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith(security.API_PREFIX) or not _wants_html(request):
            return JSONResponse({"detail": error.errors()}, status_code=422)
        message = "Part of this form was missing or not valid. Go back and check it."
        return render(request, "error.html", {"title": "Check the form", "message": message}, 422)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    content_type = request.headers.get("content-type", "")
    return "text/html" in accept or content_type.startswith("application/x-www-form-urlencoded")


class SecurityHeaders:
    """Strict headers on every response; pages with personal data are never cached."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                csp = DOCS_CSP if path == "/docs" else CSP
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


app: FastAPI  # made on first access, by __getattr__ below


def __getattr__(name: str) -> FastAPI:
    # `uvicorn admin.app:app` reads the environment only when the app is asked for, so
    # importing this module (tests, tools) has no side effects.
    if name == "app":
        global app
        load_env_files(ENV_FILE)  # like the bot: .env fills what the environment lacks
        app = create_app()
        return app
    raise AttributeError(name)
