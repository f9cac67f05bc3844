"""Webhook mode: Telegram posts each update to COMPANION_WEBHOOK_URL's path. An update is stored
in the inbox, and the commit made, before the 200 that lets Telegram forget it; it is then
handled from the inbox exactly as in polling. A crash after the 200 loses nothing (the row is
handled on restart), and an update Telegram sends again hits the same update_id and is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Bot, Chat, Update
from telegram.request import BaseRequest

from companion.app import serve
from companion.bot.context import CompanionApp
from companion.config import Settings
from companion.core.numbers import ascii_number
from companion.delivery.inbox import handle_stored, store_updates
from companion.delivery.inbox_claims import SWEEP_SECONDS
from companion.health import database_answers, queue_health

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY = 1_000_000  # Telegram's updates are a few kilobytes
HEALTH_TIMEOUT_S = 5.0
# While a batch runs longer than a sweep, a pass alongside it takes this many updates at most,
# one at a time (so it needs a connection or two from the pool, not a batch's worth).
ALONGSIDE_LIMIT = 10
# What companion's handlers read; Telegram sends nothing else (setWebhook's allowed_updates).
HANDLED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")


class InboxHandler:
    """Handles stored updates one batch at a time, woken whenever the webhook stores one and
    otherwise every `sweep_seconds`, for rows nobody is handling: stored by a worker that then
    stopped, or claimed by one that died (its lease ran out; see inbox_claims for the bound).
    While a batch runs longer than a sweep (a slow handler), a small pass looks alongside it,
    so a dead worker's update never waits on this worker's slowest handler."""

    def __init__(self, application: CompanionApp, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.application = application
        self.stored = asyncio.Event()
        self.sweep_seconds = sweep_seconds
        self._batch_began: float | None = None  # time.monotonic() when the batch under way began

    async def run(self) -> None:
        loops = [asyncio.create_task(self._handle()), asyncio.create_task(self._look_alongside())]
        try:
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # both run until cancelled: one that ended has failed
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def _handle(self) -> None:
        while True:
            self.stored.clear()
            while await self._batch():  # the first pass takes what a crash left
                pass
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.sweep_seconds):
                    await self.stored.wait()

    async def _batch(self) -> int:
        self._batch_began = time.monotonic()
        try:
            return await handle_stored(self.application)
        finally:
            self._batch_began = None

    async def _look_alongside(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            began = self._batch_began
            if began is not None and time.monotonic() - began >= self.sweep_seconds:
                await handle_stored(self.application, limit=ALONGSIDE_LIMIT, lanes=1)


def create_app(application: CompanionApp, on_stored: Callable[[], None]) -> Starlette:
    """The ASGI app: POST <webhook path> takes updates, GET /healthz reports health ("ok" to
    anyone; the queue figures with the health token)."""
    services = application.bot_data.services
    settings = services.settings
    secret = (settings.webhook_secret or "").encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER)
        if not secret or given is None or not hmac.compare_digest(given.encode("latin-1"), secret):
            return Response(status_code=403)
        body = await _read_limited(request, MAX_BODY)
        if body is None:
            return Response(status_code=413)
        update = _parse(body, application)
        if update is None:
            return Response(status_code=400)
        raw, parsed = update
        if not _private(parsed):
            # Groups and channels are refused and left after answering; nothing is stored.
            return Response(background=BackgroundTask(application.process_update, parsed))
        try:
            await store_updates(services, [raw])
        except SQLAlchemyError as error:  # not acknowledged: Telegram will send it again
            log.error("event=webhook_store_failed error=%s", type(error).__name__)
            return Response(status_code=503)
        on_stored()
        return Response()

    async def healthz(request: Request) -> Response:
        figures = _health_authorised(request, settings.health_token)
        if figures is None:
            return Response(status_code=403)
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S):
                if figures:
                    return JSONResponse(await queue_health(services))
                await database_answers(services)
                return PlainTextResponse("ok")
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            log.warning("event=healthz_failed error=%s", type(error).__name__)
            if figures:
                return JSONResponse({"database": "failed"}, status_code=503)
            return PlainTextResponse("unavailable", status_code=503)

    return Starlette(
        routes=[
            Route(settings.webhook_path, receive, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def _health_authorised(request: Request, token: str | None) -> bool | None:
    """True: the figures were asked for with the health token; False: no token was given (the
    public answer); None: a wrong token, or one given where none is set (refused)."""
    given = request.headers.get("authorization")
    if given is None:
        return False
    expected = f"Bearer {token}".encode()
    if token and hmac.compare_digest(given.encode("latin-1"), expected):
        return True
    return None


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None if it is longer than `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if (ascii_number(declared) or 0) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _parse(body: bytes, application: CompanionApp) -> tuple[dict[str, Any], Update] | None:
    """The update as sent and as PTB reads it, or None if it is not an update."""
    try:
        raw = json.loads(body)
        if not isinstance(raw, dict) or type(raw.get("update_id")) is not int:
            return None
        return raw, Update.de_json(raw, application.bot)
    except Exception:  # anything malformed is refused; its content is never logged
        return None


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is None or chat.type == Chat.PRIVATE


def web_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_config=None,  # keep companion's logging (and its redaction)
        access_log=False,  # the path is half of the webhook's secret
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


async def serve_webhook(
    application: CompanionApp, host: str | None = None, port: int | None = None
) -> None:
    """The web server (on COMPANION_HOST and PORT unless given), the inbox handler, the schedule
    tick and the sender, until stopped."""
    settings = application.bot_data.services.settings
    inbox = InboxHandler(application)
    app = create_app(application, inbox.stored.set)
    server = web_server(app, host or settings.host, port or settings.port)

    async def listen() -> None:
        try:
            await server.serve()
        except asyncio.CancelledError:  # stopping (Ctrl-C, SIGTERM): close connections first
            if server.started:
                server.should_exit = True
                await server.shutdown()
            raise

    await serve(application, listen, inbox.run)


async def register_webhook(settings: Settings, request: BaseRequest | None = None) -> str:
    """setWebhook with the URL, the secret and the update types companion handles."""
    bot = Bot(
        settings.telegram_bot_token or "",
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=request,
    )
    async with bot:
        await bot.set_webhook(
            url=settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=list(HANDLED_UPDATES),
            drop_pending_updates=False,
        )
    return f"Telegram will post updates to {settings.webhook_url}"
