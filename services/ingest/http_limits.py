"""A time limit on a request's headers, which uvicorn does not have.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends its headers
a byte at a time holds it for as long as it likes (slowloris); enough of them exhaust the server. This
protocol gives each request's headers `timeout_s` from their first byte (or from the connection) and
then answers 408 and closes. Bodies have their own limit in the endpoint (NEWSWIRE_BODY_READ_TIMEOUT_S).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

_TIMEOUT_BODY = b"request headers not received in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)


def header_timeout_protocol(timeout_s: float) -> type[H11Protocol]:
    class HeaderTimeoutProtocol(H11Protocol):
        _headers_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._waiting_for_headers():
                if self._headers_timer is None:
                    self._arm()
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _waiting_for_headers(self) -> bool:
            # A request's cycle exists from its complete headers until its response is sent.
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            self._headers_timer = self.loop.call_later(timeout_s, self._timed_out)

        def _disarm(self) -> None:
            if self._headers_timer is not None:
                self._headers_timer.cancel()
                self._headers_timer = None

        def _timed_out(self) -> None:
            self._headers_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.write(_TIMEOUT_RESPONSE)
                self.transport.close()

    return HeaderTimeoutProtocol
