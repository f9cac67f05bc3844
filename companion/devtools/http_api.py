"""A fake Bot API (a LocalBotApi such as FakeTelegram) served over HTTP on 127.0.0.1, so a real
`companion run` process, with TELEGRAM_BASE_URL pointing here, talks to it as to
Telegram: PTB's HTTPXRequest posts each call's parameters as form fields (JSON for anything but a
string) or, with a file, as multipart; they are decoded into what the in-process fake receives.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import InputFile
from telegram.request import RequestData

# PTB's own parameter type (internal to PTB, stable within the major version companion pins):
# what arrives is rebuilt into the very RequestData an in-process fake is handed.
from telegram.request._requestparameter import RequestParameter

from companion.devtools.local_api import LocalBotApi

# Parameters that are words, sent as they are: never read as JSON (a text "42" stays a string).
TEXT_PARAMETERS = frozenset({"text", "caption", "parse_mode", "callback_query_id", "url"})
# Telegram holds an empty getUpdates for its whole `timeout`; this fake holds it for at most
# this long, so a poller idles much as against Telegram and a stopping server is not held up.
HOLD_GET_UPDATES_S = 1.0
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def decode_value(name: str, raw: str) -> Any:
    if name in TEXT_PARAMETERS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # a string that is not JSON, as PTB sends strings


def decode_form(content_type: str, body: bytes) -> RequestData:
    """One Bot API call's form fields (urlencoded or multipart) and uploaded files, as the
    RequestData PTB would have handed an in-process fake."""
    parameters: list[RequestParameter] = []
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is None:
                parameters.append(
                    RequestParameter(name, decode_value(name, content.decode()), None)
                )
            else:
                upload = InputFile(content, filename=filename)
                parameters.append(RequestParameter(name, None, input_files=[upload]))
    elif body:
        for name, raw in parse_qsl(body.decode(), keep_blank_values=True):
            parameters.append(RequestParameter(name, decode_value(name, raw), None))
    return RequestData(parameters)


class HttpBotApi:
    """The Starlette app: POST /bot<token>/<method> answered by `api`, for this token only."""

    def __init__(self, api: LocalBotApi, token: str) -> None:
        self.api, self.token = api, token
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self.call, methods=["POST"])])

    async def call(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(json.dumps(UNAUTHORIZED), 401, media_type="application/json")
        method = request.path_params["method"]
        data = decode_form(request.headers.get("content-type", ""), await request.body())
        status, body = await self.answer(method, data)
        return Response(body, status, media_type="application/json")

    async def answer(self, method: str, data: RequestData) -> tuple[int, bytes]:
        """The fake's answer; an empty getUpdates is asked again until something comes, for up
        to HOLD_GET_UPDATES_S (or the call's own timeout, if shorter)."""
        loop = asyncio.get_running_loop()
        hold = min(HOLD_GET_UPDATES_S, float(str(data.parameters.get("timeout") or 0)))
        deadline = loop.time() + hold
        while True:
            status, body = await self.api.answer(method, data.parameters, data)
            if method != "getUpdates" or status != 200 or loop.time() >= deadline:
                return status, body
            if json.loads(body).get("result"):
                return status, body


@asynccontextmanager
async def serving(api: LocalBotApi, token: str) -> AsyncIterator[str]:
    """Serve `api` on a free port of 127.0.0.1; yields the base URL (for TELEGRAM_BASE_URL)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        HttpBotApi(api, token).app,
        lifespan="off",
        log_config=None,
        access_log=False,  # request paths hold the token
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if task.done():
                task.result()  # it failed to start: say why
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        server.should_exit = True
        await task
        listener.close()
