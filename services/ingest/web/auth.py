"""Who may post to the ingest API: desks with bearer tokens, read from NEWSWIRE_INGEST_TOKENS_FILE.

The file maps a desk name to the sha256 of its token, and optionally the providers the desk may send as
and its own quota:

    {"metro":  {"sha256": "9f86d0...", "providers": ["Metro Desk"]},
     "wires":  {"sha256": "60303a...", "rate": 50, "burst": 200}}

Only hashes are stored, so the file is not a secret to guard like the tokens themselves. A presented
token is hashed and compared with every desk's hash in constant time (hmac.compare_digest, no early
exit), so the answer time does not tell how close a guess was. Tokens are never logged: log lines and
metrics carry the desk name, a bounded set that comes from this file.

Feeds and the drop folder do not pass through here: they are trusted local inputs (see the README).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.common.exceptions import SettingsError
from services.common.settings import Settings
from services.ingest.exceptions import Rejected

# The desk label when auth is off: every request is this one desk.
ANONYMOUS = "anonymous"
REALM = "newswire-ingest"


class AccessDenied(Rejected):
    """401, 403 or 429: a Rejected that carries the response headers the status calls for."""

    def __init__(self, status: int, code: str, reason: str, headers: dict[str, str]) -> None:
        super().__init__(status, code, reason)
        self.headers = headers


@dataclass(frozen=True)
class Desk:
    name: str
    token_sha256: bytes
    # None: any provider. Otherwise every article must name (or default to) one of these.
    providers: frozenset[str] | None = None
    # None: the service-wide quota (NEWSWIRE_INGEST_DESK_RATE / _BURST).
    rate: float | None = None
    burst: float | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_entry(desk: str, providers: list[str] | None) -> str:
    """What `newswire token` prints: the token, once, and the entry to merge into the tokens file."""
    token = new_token()
    entry: dict[str, Any] = {"sha256": hash_token(token)}
    if providers:
        entry["providers"] = providers
    return "\n".join(
        [
            f"token for desk {desk} (give it to the desk; it is not stored anywhere): {token}",
            "tokens-file entry (NEWSWIRE_INGEST_TOKENS_FILE):",
            json.dumps({desk: entry}, indent=2),
        ]
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def load_desks(path: str) -> list[Desk]:
    """Desks from the tokens file; a bad file fails start-up naming the file and the entry."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"NEWSWIRE_INGEST_TOKENS_FILE {path}: cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise SettingsError(f"NEWSWIRE_INGEST_TOKENS_FILE {path}: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not document:
        raise SettingsError(f"NEWSWIRE_INGEST_TOKENS_FILE {path}: expected an object of desk name -> entry")
    desks = [_desk(path, name, entry) for name, entry in document.items()]
    hashes = [d.token_sha256 for d in desks]
    if len(set(hashes)) != len(hashes):
        raise SettingsError(f"NEWSWIRE_INGEST_TOKENS_FILE {path}: two desks share one token")
    return desks


def _desk(path: str, name: str, entry: Any) -> Desk:
    where = f"NEWSWIRE_INGEST_TOKENS_FILE {path}: desk {name!r}"
    if not name or not isinstance(entry, dict):
        raise SettingsError(f"{where}: expected a non-empty name and an object with sha256")
    unknown = set(entry) - {"sha256", "providers", "rate", "burst"}
    if unknown:
        raise SettingsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    digest = entry.get("sha256")
    try:
        raw = bytes.fromhex(digest) if isinstance(digest, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise SettingsError(f"{where}: sha256 must be 64 hex digits (the sha256 of the token, not the token)")
    providers = entry.get("providers")
    if providers is not None and (
        not isinstance(providers, list) or not all(isinstance(p, str) and p for p in providers)
    ):
        raise SettingsError(f"{where}: providers must be a list of provider names")
    quota = {}
    for key in ("rate", "burst"):
        value = entry.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            raise SettingsError(f"{where}: {key} must be a number greater than 0")
        quota[key] = None if value is None else float(value)
    return Desk(name, raw, None if providers is None else frozenset(providers), **quota)


class Gate:
    """Authenticates a request's Authorization header and checks the providers it sends as."""

    def __init__(self, desks: list[Desk] | None) -> None:
        # None: auth is off and every request is the ANONYMOUS desk.
        self._desks = desks

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        """The safe default: a non-loopback bind needs a tokens file unless auth is switched off by name."""
        if settings.ingest_tokens_file:
            return cls(load_desks(settings.ingest_tokens_file))
        if settings.ingest_auth == "off" or is_loopback(settings.ingest_host):
            return cls(None)
        raise SettingsError(
            f"ingest would listen on {settings.ingest_host} with no authentication: set "
            "NEWSWIRE_INGEST_TOKENS_FILE (desk tokens, see `newswire token`), or NEWSWIRE_INGEST_AUTH=off "
            "to accept anyone who can reach the port"
        )

    @property
    def enabled(self) -> bool:
        return self._desks is not None

    @property
    def desks(self) -> list[Desk]:
        return list(self._desks or [])

    def desk_names(self) -> list[str]:
        return [d.name for d in self._desks] if self._desks is not None else [ANONYMOUS]

    def authenticate(self, authorization: str | None) -> Desk | None:
        """The desk a request comes from (None when auth is off), or AccessDenied 401."""
        if self._desks is None:
            return None
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if not authorization:
            raise self._unauthorized("missing_token", "send Authorization: Bearer <token>", None)
        if scheme.lower() != "bearer" or not token:
            raise self._unauthorized(
                "invalid_token", "the Authorization header is not a bearer token", "invalid_request"
            )
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for desk in self._desks:  # every desk is compared, found or not: no early exit
            if hmac.compare_digest(presented, desk.token_sha256):
                found = desk
        if found is None:
            raise self._unauthorized("invalid_token", "the bearer token is not valid", "invalid_token")
        return found

    def check_providers(self, desk: Desk | None, drafts: list[Any], default_provider: str) -> None:
        """AccessDenied 403 when an article names (or defaults to) a provider the desk may not send as."""
        if desk is None or desk.providers is None:
            return
        refused = sorted(
            {
                provider or "(none)"
                for draft in drafts
                if isinstance(draft, dict)  # anything else fails the schema check later
                for provider in [str(draft.get("provider") or default_provider)]
                if provider not in desk.providers
            }
        )
        if refused:
            raise AccessDenied(
                403,
                "provider_forbidden",
                f"desk {desk.name} may not send as provider(s) {', '.join(refused)}; "
                f"allowed: {', '.join(sorted(desk.providers))}",
                {},
            )

    @staticmethod
    def _unauthorized(code: str, message: str, error: str | None) -> AccessDenied:
        challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
        return AccessDenied(401, code, message, {"WWW-Authenticate": challenge})
