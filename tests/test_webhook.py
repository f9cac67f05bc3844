"""`companion webhook` served for real (uvicorn on a free local port, a real HTTP client): the
secret is checked, an update is stored before the 200 and handled once, /healthz, where it listens
(COMPANION_HOST) and SIGTERM. Its settings and --set: test_webhook_settings.py."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from companion import webhook
from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import SystemClock
from companion.config import Settings, load_settings
from companion.delivery.inbox import store_updates
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store.models import InboxUpdate
from companion.webhook import SECRET_HEADER, create_app, serve_webhook, web_server
from tests.signal_helpers import send_sigterm, sigterm_behind
from tests.waiting import until

URL = "https://bot.example.org/telegram/hook-7f3a"
PATH = "/telegram/hook-7f3a"
SECRET = "s3cret_Token-of-the-clinic_Hq7Zp2Lw9Xv4"  # 32 characters or more


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_url": URL, "webhook_secret": SECRET, "tick_seconds": 1}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def inbox_rows(services: Services) -> list[InboxUpdate]:
    async with services.db.session() as session:
        return list((await session.scalars(select(InboxUpdate))).all())


def post(client: httpx.AsyncClient, body: Any, secret: str | None = SECRET) -> Any:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    if isinstance(body, bytes):
        return client.post(PATH, content=body, headers=headers)
    return client.post(PATH, json=body, headers=headers)


@asynccontextmanager
async def serving(asgi: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The ASGI app alone (no sender, no inbox handler) under uvicorn."""
    port = free_port()
    server = web_server(asgi, "127.0.0.1", port)
    task = asyncio.create_task(server.serve())
    try:
        await until(lambda: server.started)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def worker(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeTelegram, Services, CompanionApp]]:
    """`companion webhook` as deployed: web server, inbox handler, tick and sender together."""
    telegram = FakeTelegram()
    services = build_services(settings, SystemClock())
    application = build_application(services, request=telegram)
    port = free_port()
    task = asyncio.create_task(serve_webhook(application, host="127.0.0.1", port=port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        try:
            await until(lambda: task.done() or _answers(port))
            yield client, telegram, services, application
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert not application.running


def _answers(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="127.0.0.2 is loopback on Linux")
async def test_the_server_listens_on_companion_host_only(settings_values: dict[str, Any]) -> None:
    """COMPANION_HOST=127.0.0.2: the server answers there, and not on 127.0.0.1."""
    settings = load_settings({**settings_values, "host": "127.0.0.2"})
    services = build_services(settings, SystemClock())
    application = build_application(services, request=FakeTelegram())
    port = free_port()
    task = asyncio.create_task(serve_webhook(application, port=port))
    try:
        await until(lambda: task.done() or _answers(port, "127.0.0.2"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.2:{port}") as client:
            assert (await client.get("/healthz")).text == "ok"
        assert not _answers(port, "127.0.0.1")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not application.running


def intros(telegram: FakeTelegram, chat_id: int = 1001) -> list[str]:
    return [m.text for m in telegram.sent_to(chat_id) if m.text.startswith("Hello, I'm companion.")]


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(worker: Any) -> None:
    client, telegram, services, application = worker
    update = Person(application.bot, 1001).text("/start").to_dict()
    assert (await post(client, update, secret="s3cret_Token-of-the-clinix")).status_code == 403
    assert (await post(client, update, secret=None)).status_code == 403
    assert (await post(client, update, secret="")).status_code == 403
    await asyncio.sleep(0.3)
    assert await inbox_rows(services) == []
    assert telegram.sent_to(1001) == []


async def test_an_update_is_stored_before_the_200_and_answered(worker: Any) -> None:
    client, telegram, services, application = worker
    update = Person(application.bot, 1001).text("/start")
    response = await post(client, update.to_dict())
    assert response.status_code == 200
    assert [row.update_id for row in await inbox_rows(services)] == [update.update_id]
    await until(lambda: len(telegram.sent_to(1001)) >= 2)
    assert telegram.sent_to(1001)[0].text.startswith("Hello, I'm companion.")
    assert telegram.sent_to(1001)[1].button_labels == ["I agree", "Not now", "Español"]
    rows = await inbox_rows(services)
    assert rows[0].handled_at is not None
    assert rows[0].payload_sealed is None  # her words are not kept once handled


async def test_a_redelivered_update_is_handled_once(worker: Any) -> None:
    client, telegram, services, application = worker
    update = Person(application.bot, 1001).text("/start").to_dict()
    # Telegram sends it twice at once, then once more later (say our 200 never reached it).
    first, second = await asyncio.gather(post(client, update), post(client, update))
    assert (first.status_code, second.status_code) == (200, 200)
    await until(lambda: len(telegram.sent_to(1001)) >= 2)
    assert (await post(client, update)).status_code == 200
    await asyncio.sleep(0.5)
    assert len(intros(telegram)) == 1
    assert len(telegram.sent_to(1001)) == 2
    assert len(await inbox_rows(services)) == 1


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"[1, 2]", b'{"update_id": "12"}', b'{"message": {}}', b"\xff\xfe"],
)
async def test_junk_is_refused_with_400_and_nothing_stored(worker: Any, body: bytes) -> None:
    client, _telegram, services, _application = worker
    assert (await post(client, body)).status_code == 400
    assert await inbox_rows(services) == []


async def test_an_oversized_body_is_refused_with_413(worker: Any) -> None:
    client, _telegram, services, application = worker
    update = Person(application.bot, 1001).text("x" * 1_000_001).to_dict()
    assert (await post(client, json.dumps(update).encode())).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(11):
            yield b" " * 100_000

    response = await client.post(PATH, content=chunks(), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 413
    assert await inbox_rows(services) == []


async def test_a_group_update_is_answered_by_leaving_and_never_stored(worker: Any) -> None:
    client, telegram, services, application = worker
    group = Person(application.bot, 3003, chat_type="group", chat_id=-100123)
    response = await post(client, group.text("my baby was born today").to_dict())
    assert response.status_code == 200
    await until(lambda: telegram.left_chats == [-100123])
    assert await inbox_rows(services) == []


async def test_an_update_stored_by_a_worker_that_then_died_is_handled_on_restart(
    settings: Settings, services: Services, app: CompanionApp
) -> None:
    update = Person(app.bot, 1001).text("/start")
    async with serving(create_app(app, lambda: None)) as client:  # nothing handles it here
        assert (await post(client, update.to_dict())).status_code == 200
    assert [row.handled_at for row in await inbox_rows(services)] == [None]

    telegram = FakeTelegram()
    restarted = build_application(build_services(settings, SystemClock()), request=telegram)
    task = asyncio.create_task(serve_webhook(restarted, host="127.0.0.1", port=free_port()))
    try:
        await until(lambda: len(telegram.sent_to(1001)) >= 2)
        assert len(intros(telegram)) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_rows_another_worker_stored_and_never_handled_are_swept_up(
    services: Services, app: CompanionApp, telegram: FakeTelegram
) -> None:
    handler = webhook.InboxHandler(app, sweep_seconds=0.1)
    task = asyncio.create_task(handler.run())
    try:
        await asyncio.sleep(0.05)  # past its first pass, now waiting
        await store_updates(services, [Person(app.bot, 1001).text("/start").to_dict()])
        async with asyncio.timeout(5):
            while (await inbox_rows(services))[0].handled_at is None:  # noqa: ASYNC110 - a row, no event
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await services.sender.drain()
    assert len(intros(telegram)) == 1


async def test_sigterm_stops_the_worker_cleanly_and_what_was_posted_is_kept(
    settings: Settings,
) -> None:
    """Uvicorn takes SIGTERM while it serves and raises it again once it has stopped:
    companion takes it then, and stops as on Ctrl-C (nothing kills the process mid clean-up)."""
    telegram = FakeTelegram()
    services = build_services(settings, SystemClock())
    application = build_application(services, request=telegram)
    port = free_port()
    update = Person(application.bot, 1001).text("/start")
    with sigterm_behind() as unhandled:
        task = asyncio.create_task(serve_webhook(application, host="127.0.0.1", port=port))
        await until(lambda: task.done() or _answers(port))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await post(client, update.to_dict())).status_code == 200
        send_sigterm()
        async with asyncio.timeout(15):
            await task  # it ends by itself, without an error
    assert unhandled == []
    assert not application.running
    assert not _answers(port)
    assert [row.update_id for row in await inbox_rows(services)] == [update.update_id]
    await services.db.dispose()
