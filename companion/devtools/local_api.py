"""A Bot API answered in this process: what the fakes share of PTB's BaseRequest. No network."""

from __future__ import annotations

from typing import Any

from telegram.request import BaseRequest, RequestData


class LocalBotApi(BaseRequest):
    """A request layer that answers each Bot API call itself, in `answer`."""

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        return await self.answer(api_method, params, request_data)

    async def answer(
        self, api_method: str, params: dict[str, Any], request_data: RequestData | None
    ) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would send for this call."""
        raise NotImplementedError
