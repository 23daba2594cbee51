"""The owner's dashboard at `/admin`: there only when `PODCAST_ASSISTANT_ADMIN_TOKEN` is set.

The token opens it as `Authorization: Bearer TOKEN`, or through the login form, which sets an
HttpOnly, SameSite=Strict cookie holding a signed expiry (never the token itself), so every
replica that knows the token accepts it. Tokens are compared in constant time, and an address
that sends wrong tokens too often is refused for a while (counted in the shared database).
"""

import asyncio
import hashlib
import hmac
import math
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from assistant.answering import Assistant
from assistant.settings import Settings
from ui.admin_data import Period, summarise
from ui.admin_page import dashboard_page, login_page
from ui.export import csv_lines, exchange_rows
from ui.feedback import FeedbackStore
from ui.ratelimit import RateLimiter, client_key
from ui.report import unanswered_groups

COOKIE = "podcast_admin"
SESSION_SECONDS = 12 * 3600
FAILED_ATTEMPTS = 10  # wrong tokens an address may send per window before it must wait
ATTEMPT_WINDOW = 15 * 60.0
GROUPED_QUESTIONS = 300  # latest unanswered questions grouped per view: bounded model work
EXPORT_ROWS = 100_000
NO_STORE = {"Cache-Control": "no-store"}  # listeners' questions: health information


class AdminGate:
    """Who may see the dashboard: the token, or a session cookie signed with it."""

    def __init__(self, token: str, limiter: RateLimiter, clock=time.time):
        self.token, self.limiter, self.clock = token.encode(), limiter, clock

    def session_cookie(self) -> str:
        """A new session's cookie value: its expiry and a signature over it."""
        expires = str(int(self.clock() + SESSION_SECONDS))
        return f"{expires}.{self._sign(expires)}"

    def _sign(self, expires: str) -> str:
        return hmac.new(self.token, f"admin session {expires}".encode(), hashlib.sha256).hexdigest()

    def token_matches(self, given: str) -> bool:
        """Whether `given` is the token (compared in constant time)."""
        return hmac.compare_digest(given.encode(), self.token)

    def has_session(self, request: Request) -> bool:
        """Whether the request carries an unexpired cookie signed with the token."""
        expires, _, signature = request.cookies.get(COOKIE, "").partition(".")
        if not expires.isdigit() or int(expires) < self.clock():
            return False
        return hmac.compare_digest(signature.encode(), self._sign(expires).encode())

    def refusal(self, request: Request, title: str) -> Response | None:
        """None if the request may see the dashboard; else the 401 login page (or a 429)."""
        key = _client(request)
        wait = self.limiter.waiting(key)
        if wait:
            return _too_many(wait)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given:
            if self.token_matches(given.strip()):
                return None
            self.limiter.check(key)  # a wrong token counts against the address
        elif self.has_session(request):
            return None
        return HTMLResponse(
            login_page(title), 401, headers={"WWW-Authenticate": "Bearer", **NO_STORE}
        )


def _client(request: Request) -> str:
    return client_key(request.client.host if request.client else None)


def _too_many(wait: float) -> Response:
    seconds = max(1, math.ceil(wait))
    return HTMLResponse(
        f"<!doctype html><title>Too many attempts</title><p>Too many wrong tokens from this "
        f"address. Try again in {seconds} seconds.</p>",
        429,
        headers={"Retry-After": str(seconds), **NO_STORE},
    )


def _same_origin(request: Request) -> bool:
    """A form post from our own pages (browsers send Origin with every POST)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def add_admin(
    app: FastAPI, assistant: Assistant, feedback: FeedbackStore, settings: Settings
) -> None:
    """The dashboard's routes, when an admin token is set."""
    if settings.admin_token is None:
        return
    limiter = RateLimiter(feedback.engine, FAILED_ATTEMPTS, ATTEMPT_WINDOW, scope="admin")
    gate = AdminGate(settings.admin_token.get_secret_value(), limiter)
    add_login_routes(app, gate, settings.title)
    add_dashboard_routes(app, gate, assistant, feedback, settings)
    add_action_routes(app, gate, feedback, settings)


def add_login_routes(app: FastAPI, gate: AdminGate, title: str) -> None:
    """`POST /admin/login` (the form) and `POST /admin/logout`."""

    @app.post("/admin/login", include_in_schema=False)
    def login(request: Request, token: str = Form("", max_length=500)) -> Response:
        key = _client(request)
        wait = gate.limiter.waiting(key)
        if wait:
            return _too_many(wait)
        if not _same_origin(request) or not gate.token_matches(token):
            gate.limiter.check(key)
            page = login_page(title, "That is not the admin token.")
            return HTMLResponse(page, 401, headers=NO_STORE)
        response = RedirectResponse("/admin", 303, headers=NO_STORE)
        response.set_cookie(
            COOKIE,
            gate.session_cookie(),
            max_age=SESSION_SECONDS,
            path="/admin",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @app.post("/admin/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/admin", 303, headers=NO_STORE)
        response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict")
        return response


def add_dashboard_routes(
    app: FastAPI,
    gate: AdminGate,
    assistant: Assistant,
    feedback: FeedbackStore,
    settings: Settings,
) -> None:
    """`/admin`: the page."""

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard(
        request: Request, since: str | None = None, until: str | None = None, forgotten: int = -1
    ) -> Response:
        refusal = await asyncio.to_thread(gate.refusal, request, settings.title)
        if refusal:
            return refusal
        period = Period.parse(since, until)
        summary, (_, groups) = await asyncio.gather(
            asyncio.to_thread(summarise, feedback, period),
            asyncio.to_thread(
                unanswered_groups,
                feedback,
                assistant.embedder,
                period.start,
                period.end,
                limit=GROUPED_QUESTIONS,
            ),
        )
        notice = (
            f"Deleted {forgotten} question{'s' if forgotten != 1 else ''}."
            if forgotten >= 0
            else ""
        )
        page = dashboard_page(
            settings.title, period, summary, groups, settings.retention_days, notice
        )
        return HTMLResponse(page, headers=NO_STORE)


def add_action_routes(
    app: FastAPI, gate: AdminGate, feedback: FeedbackStore, settings: Settings
) -> None:
    """`/admin/export.csv` (the period's questions) and `POST /admin/forget`."""

    @app.get("/admin/export.csv", include_in_schema=False)
    def export(request: Request, since: str | None = None, until: str | None = None) -> Response:
        refusal = gate.refusal(request, settings.title)
        if refusal:
            return refusal
        period = Period.parse(since, until)
        rows = feedback.between(period.start, period.end, limit=EXPORT_ROWS)
        name = f"questions-{period.first}-{period.last}.csv"
        return StreamingResponse(
            csv_lines(exchange_rows(reversed(rows))),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
        )

    @app.post("/admin/forget", include_in_schema=False)
    def forget(request: Request, before: str = Form(..., max_length=40)) -> Response:
        refusal = gate.refusal(request, settings.title)
        if refusal:
            return refusal
        if not _same_origin(request):
            return HTMLResponse("Cross-site request refused.", 403, headers=NO_STORE)
        try:
            cutoff = datetime.fromisoformat(before.strip()).replace(tzinfo=UTC)
        except ValueError:
            return HTMLResponse("Not a date: use YYYY-MM-DD.", 400, headers=NO_STORE)
        forgotten = feedback.forget(cutoff)
        return RedirectResponse(f"/admin?forgotten={forgotten}", 303, headers=NO_STORE)
