"""Limits on a request's headers, in time and in size, which uvicorn's httptools protocol does not have.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends its headers
a byte at a time holds it for as long as it likes (slowloris); enough of them exhaust the server. This
protocol gives each request's headers `timeout_s` from their first byte (or from the connection) and
then answers 408 and closes. Headers that grow past `max_bytes` get 431 and a close: the parser would
otherwise buffer them without bound. Bodies have their own limits in the endpoint
(NEWSWIRE_BODY_READ_TIMEOUT_S, NEWSWIRE_MAX_REQUEST_BYTES).

httptools (llhttp, in C) rather than h11: the pure-Python parser was a sixth of ingest's CPU per
single-article request (issue 11's profile).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 64 * 1024


def _response(status: bytes, text: bytes) -> bytes:
    head = b"HTTP/1.1 %s\r\ncontent-type: text/plain\r\nconnection: close\r\n" % status
    return head + b"content-length: %d\r\n\r\n%s" % (len(text), text)


_TIMEOUT_RESPONSE = _response(b"408 Request Timeout", b"request headers not received in time\n")
_TOO_LARGE_RESPONSE = _response(
    b"431 Request Header Fields Too Large", b"request headers over %d bytes\n" % MAX_HEADER_BYTES
)


def header_limits_protocol(timeout_s: float, max_bytes: int = MAX_HEADER_BYTES) -> type[HttpToolsProtocol]:
    class HeaderLimitsProtocol(HttpToolsProtocol):
        _headers_timer: asyncio.TimerHandle | None = None
        _header_bytes = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            waiting = self._waiting_for_headers()
            super().data_received(data)
            if not self._waiting_for_headers():
                self._disarm()
                self._header_bytes = 0
                return
            if self._headers_timer is None:
                self._arm()
            if waiting:
                # Still no complete headers after this chunk, so all of it was headers: bounded by one
                # read (256 KiB) before the check.
                self._header_bytes += len(data)
                if self._header_bytes > max_bytes:
                    self._refuse(_TOO_LARGE_RESPONSE)

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
            if self._waiting_for_headers():
                self._refuse(_TIMEOUT_RESPONSE)

        def _refuse(self, response: bytes) -> None:
            self._disarm()
            if not self.transport.is_closing():
                self.transport.write(response)
                self.transport.close()

    return HeaderLimitsProtocol
