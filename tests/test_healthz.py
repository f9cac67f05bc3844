"""GET /healthz: "ok" (or 503) for anyone, the queue figures only with COMPANION_HEALTH_TOKEN.
The unacknowledged alerts' count and age say something about the mothers; a public page must
not (the README's nginx example publishes /healthz)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock, SystemClock
from companion.config import ConfigError, load_settings
from companion.delivery.inbox import store_updates
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store.alerts import create_alert
from companion.store.clinician_models import AlertStatus
from companion.store.models import Lane
from companion.webhook import create_app
from tests.checkin_helpers import add_mother
from tests.test_webhook import SECRET, URL, post, serving

HEALTH_TOKEN = "monitoring-7Qx2_vK9pLm4Rt8Wz3Nc6Yb1Hd5Jf0Gs"
MONITOR = {"Authorization": f"Bearer {HEALTH_TOKEN}"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_url": URL, "webhook_secret": SECRET, "health_token": HEALTH_TOKEN}


async def open_alert(services: Services, clock: ManualClock, age_s: int) -> None:
    mother_id = await add_mother(services, 2002)
    async with services.db.session() as session:
        await create_alert(
            session, mother_id=mother_id, kind="flag", now=clock.now() - timedelta(seconds=age_s)
        )


async def test_healthz_tells_anyone_ok_and_nothing_more(
    services: Services, app: CompanionApp, clock: ManualClock
) -> None:
    await open_alert(services, clock, 600)
    async with serving(create_app(app, lambda: None)) as client:
        public = await client.get("/healthz")
        forged = await client.get("/healthz", headers={"Authorization": "Bearer guess"})
        monitor = await client.get("/healthz", headers=MONITOR)
    assert (public.status_code, public.text) == (200, "ok")
    assert forged.status_code == 403
    assert forged.content == b""
    assert monitor.json()["alerts_unacknowledged"]["urgent_or_emergency"] == 1


@pytest.mark.parametrize("settings_overrides", [{"webhook_url": URL, "webhook_secret": SECRET}])
async def test_without_a_health_token_no_one_gets_the_figures(app: CompanionApp) -> None:
    async with serving(create_app(app, lambda: None)) as client:
        public = await client.get("/healthz")
        empty = await client.get("/healthz", headers={"Authorization": "Bearer None"})
    assert (public.status_code, public.text) == (200, "ok")
    assert empty.status_code == 403


@pytest.mark.parametrize("token", ["short", "x" * 31, "has spaces in it but is long enough!!"])
def test_a_health_token_is_long_and_plain(token: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"health_token": token})
    assert str(refused.value).startswith("COMPANION_HEALTH_TOKEN: expected 32-256 characters")
    assert token not in str(refused.value)


async def test_healthz_reports_the_database_and_the_queues(
    services: Services, app: CompanionApp, clock: ManualClock
) -> None:
    async with serving(create_app(app, lambda: None)) as client:
        empty = await client.get("/healthz", headers=MONITOR)
        assert empty.status_code == 200
        assert empty.json() == {
            "database": "ok",
            "outbox": {"emergency": 0, "reply": 0, "clinician": 0, "scheduled": 0},
            "inbox_unhandled": 0,
            "oldest_unsent_seconds": None,
            "alerts_unacknowledged": {"urgent_or_emergency": 0, "callback_request": 0},
            "oldest_unacknowledged_alert_seconds": None,
        }
        await store_updates(services, [Person(app.bot, 1001).text("/help").to_dict()])
        mother_id = await add_mother(services, 2002)
        async with services.db.session() as session:
            for kind, age in (("flag", 600), ("flag", 120), ("callback", 3600), ("flag", 9000)):
                alert = await create_alert(
                    session, mother_id=mother_id, kind=kind,
                    now=clock.now() - timedelta(seconds=age),
                )  # fmt: skip
                if age == 9000:
                    alert.status = AlertStatus.ACKNOWLEDGED  # acknowledged: not counted
        async with services.db.session() as session:
            for lane, age in ((Lane.REPLY, 90), (Lane.REPLY, 5), (Lane.SCHEDULED, 30)):
                await enqueue(
                    session,
                    services.vault,
                    chat_id=1001,
                    replies=[Reply("queued")],
                    lane=lane,
                    now=clock.now() - timedelta(seconds=age),
                )
        figures = (await client.get("/healthz", headers=MONITOR)).json()
    assert figures["outbox"] == {"emergency": 0, "reply": 2, "clinician": 0, "scheduled": 1}
    assert figures["inbox_unhandled"] == 1
    assert figures["oldest_unsent_seconds"] == 90
    assert figures["alerts_unacknowledged"] == {"urgent_or_emergency": 2, "callback_request": 1}
    assert figures["oldest_unacknowledged_alert_seconds"] == 600


async def test_healthz_is_503_and_updates_unacknowledged_when_the_database_is_down(
    settings_values: dict[str, object], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database_url = str(settings_values["database_url"])
    if database_url.startswith("postgresql"):
        broken = "postgresql+psycopg://companion:secret@127.0.0.1:1/companion"
    else:
        broken = f"sqlite+aiosqlite:///{tmp_path}/no-such-folder/companion.db"
    settings = load_settings({**settings_values, "database_url": broken})
    services = build_services(settings, SystemClock())
    application = build_application(services, request=FakeTelegram())
    try:
        async with serving(create_app(application, lambda: None)) as client:
            public = await client.get("/healthz")
            health = await client.get("/healthz", headers=MONITOR)
            words = Person(application.bot, 1001).text("I can't stop crying").to_dict()
            refused = await post(client, words)
    finally:
        await services.db.dispose()
    assert (public.status_code, public.text) == (503, "unavailable")
    assert (health.status_code, health.json()) == (503, {"database": "failed"})
    assert refused.status_code == 503  # not acknowledged: Telegram keeps it and tries again
    assert "crying" not in caplog.text
