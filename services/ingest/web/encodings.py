"""Request bodies sent with `Content-Encoding`: gzip is decoded, bounded by the request limit; others are 415.

The decompressed size is what counts against NEWSWIRE_MAX_REQUEST_BYTES: a few kilobytes of gzip can
expand to gigabytes, so the body is inflated a slice at a time and refused (413) as soon as the output
passes the limit, before that output is ever held in memory.
"""

from __future__ import annotations

import zlib

from services.ingest.exceptions import Rejected

ACCEPTED = ("identity", "gzip")
# Largest slice inflated at once: the most memory one step can take beyond the limit itself.
_SLICE = 64 * 1024


def decode_body(content_encoding: str | None, body: bytes, limit: int) -> bytes:
    """The body as the client meant it, or Rejected: 415 for an unknown coding, 413 over `limit`, 400 if corrupt."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return body
    if codings != ["gzip"] and codings != ["x-gzip"]:
        raise Rejected(
            415,
            "unsupported_encoding",
            f"Content-Encoding {content_encoding!r} is not supported; send gzip or no encoding",
        )
    return _gunzip(body, limit)


def _gunzip(data: bytes, limit: int) -> bytes:
    out: list[bytes] = []
    size = 0
    # A gzip file may hold several members back to back (as `cat a.gz b.gz` makes): inflate each.
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = data
        try:
            while not inflater.eof:
                chunk = inflater.decompress(pending, _SLICE)
                pending = inflater.unconsumed_tail
                if not chunk and not pending:
                    raise Rejected(400, "invalid_gzip", "the gzip body is truncated")
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                out.append(chunk)
        except zlib.error as exc:
            raise Rejected(400, "invalid_gzip", f"the body is not valid gzip: {exc}") from None
        data = inflater.unused_data
    return b"".join(out)


def _too_large(limit: int) -> Rejected:
    return Rejected(413, "too_large", f"the decompressed request body is over the limit of {limit} bytes")
