"""The drop folder: wire copy saved as files into NEWSWIRE_DROP_DIR is parsed, published and moved aside.

`newswire ingest` watches the folder when NEWSWIRE_DROP_DIR is set, scanning it every
NEWSWIRE_DROP_POLL_INTERVAL_S (polling: no inotify dependency, and it works on network shares).

For each regular file at the top of the folder (dotfiles, `*.tmp` / `*.part` / `*.partial`, symlinks and
files modified in the last NEWSWIRE_DROP_SETTLE_S seconds are left alone: they may still be uploading):

- the format is detected from the name and content (text, ninjs, NewsML-G2, NITF, RSS, Atom, HTML), the
  file is parsed and every article in it goes through `Intake.submit` (source "dropfolder") as one batch;
- only after Kafka acknowledged every article the file moves to `processed/` (same name; a timestamp is
  added before the extension when that name is taken);
- a file that cannot be parsed or validated, or is over NEWSWIRE_MAX_REQUEST_BYTES, moves to `failed/` with
  `<name>.reason.txt` beside it saying why;
- when Kafka is unavailable the file stays where it is and is tried again on the next scan.

Nothing is ever deleted. Uploaders should write to a dotfile or `*.part` name and rename when complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.common.logs import get_logger
from services.ingest import formats
from services.ingest.exceptions import KafkaUnavailable, Rejected
from services.ingest.formats.errors import FormatError
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.sources.feeds import submission, write_atomic

log = get_logger("newswire.ingest.dropfolder")

PROCESSED = "processed"
FAILED = "failed"
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class FileOutcome:
    name: str
    result: str  # processed | failed | retried
    reason: str = ""
    ids: tuple[str, ...] = ()
    moved_to: Path | None = None


class DropFolder:
    """`scan_once()` handles what is in the folder now (blocking: run it in a thread); `run()` loops."""

    def __init__(
        self,
        directory: str | Path,
        *,
        intake: Intake,
        metrics: IngestMetrics,
        max_bytes: int,
        settle_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.processed_dir = self.directory / PROCESSED
        self.failed_dir = self.directory / FAILED
        self._intake = intake
        self._metrics = metrics
        self._max_bytes = max_bytes
        self._settle_s = settle_s
        self._clock = clock
        self._stopping = False

    def prepare(self) -> None:
        for folder in (self.directory, self.processed_dir, self.failed_dir):
            folder.mkdir(parents=True, exist_ok=True)

    async def run(self, interval_s: float) -> None:
        """Scan every `interval_s` until cancelled; a scan in progress finishes its current file first."""
        self.prepare()
        log.info("dropfolder_watching", directory=str(self.directory), interval_s=interval_s)
        while True:
            scan = asyncio.ensure_future(asyncio.to_thread(self._scan_logged))
            try:
                await asyncio.shield(scan)
            except asyncio.CancelledError:
                # A file is moved only after Kafka acknowledged it: let the one in hand finish, then stop.
                self._stopping = True
                with contextlib.suppress(Exception):
                    await scan
                raise
            await asyncio.sleep(interval_s)

    def _scan_logged(self) -> list[FileOutcome]:
        try:
            return self.scan_once()
        except Exception:  # the folder vanished, permissions...: report and try again next round
            log.exception("dropfolder_scan_failed", directory=str(self.directory))
            return []

    def candidates(self) -> list[Path]:
        """Files ready to be handled, oldest first."""
        now = self._clock()
        ready: list[tuple[float, str, Path]] = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES):
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    modified = entry.stat(follow_symlinks=False).st_mtime
                except FileNotFoundError:
                    continue
                if now - modified < self._settle_s:
                    continue  # may still be uploading
                ready.append((modified, name, Path(entry.path)))
        return [path for _, _, path in sorted(ready)]

    def scan_once(self) -> list[FileOutcome]:
        self.prepare()
        outcomes: list[FileOutcome] = []
        for path in self.candidates():
            if self._stopping:
                break
            outcome = self.handle(path)
            if outcome is None:
                continue
            outcomes.append(outcome)
            if outcome.result == "retried":
                break  # Kafka is down: the other files would wait for the same timeout; next round
        return outcomes

    def handle(self, path: Path) -> FileOutcome | None:
        """Parse, publish and move one file; None when it disappeared before it could be read."""
        name = path.name
        try:
            size = path.stat().st_size
            if size > self._max_bytes:
                return self._fail(
                    path,
                    "size",
                    f"file is {size} bytes, over the limit of {self._max_bytes} (NEWSWIRE_MAX_REQUEST_BYTES)",
                )
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            fmt = formats.detect_format(None, data, name)
            drafts = [submission(d) for d in formats.parse(fmt, data)]
        except FormatError as exc:
            return self._fail(path, "parse", exc.reason)
        try:
            ids = self._intake.submit(drafts, "dropfolder")
        except Rejected as exc:
            details = [f"[{p.get('index')}] {p.get('field')}: {p.get('message')}" for p in exc.problems]
            return self._fail(path, "validation", f"{exc.reason} ({fmt})", details)
        except KafkaUnavailable as exc:
            self._metrics.dropfolder_files.labels("retried").inc()
            log.warning(
                "dropfolder_kafka_unavailable",
                file=name,
                reason=exc.reason,
                action="left in place, retried next scan",
            )
            return FileOutcome(name, "retried", exc.reason)
        target = self._move(path, self.processed_dir)
        self._metrics.dropfolder_files.labels("processed").inc()
        log.info(
            "dropfolder_file_processed",
            file=name,
            format=fmt,
            articles=len(ids),
            ids=ids,
            moved_to=f"{PROCESSED}/{target.name}",
        )
        return FileOutcome(name, "processed", ids=tuple(ids), moved_to=target)

    def _fail(self, path: Path, stage: str, reason: str, details: list[str] | None = None) -> FileOutcome:
        target = self._free_name(self.failed_dir, path.name)
        lines = [
            f"file: {path.name}",
            f"failed at: {_stamp(self._clock(), readable=True)}",
            f"stage: {stage}",
            f"reason: {reason}",
            *(f"  {line}" for line in details or []),
        ]
        # The reason is written first: whenever a file is in failed/, its reason is beside it.
        write_atomic(target.with_name(target.name + REASON_SUFFIX), ("\n".join(lines) + "\n").encode("utf-8"))
        os.replace(path, target)
        self._metrics.dropfolder_files.labels("failed").inc()
        log.warning(
            "dropfolder_file_failed",
            file=path.name,
            stage=stage,
            reason=reason,
            moved_to=f"{FAILED}/{target.name}",
        )
        return FileOutcome(path.name, "failed", reason, moved_to=target)

    def _move(self, path: Path, folder: Path) -> Path:
        target = self._free_name(folder, path.name)
        os.replace(path, target)
        return target

    def _free_name(self, folder: Path, name: str) -> Path:
        """`name` in `folder`, or `stem.<UTC timestamp>.ext` when taken: no earlier file is overwritten."""
        target = folder / name
        stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
        count = 0
        while target.exists() or target.with_name(target.name + REASON_SUFFIX).exists():
            count += 1
            stamp = _stamp(self._clock()) + (f"-{count}" if count > 1 else "")
            target = folder / f"{stem}.{stamp}{dot}{ext}"
        return target


def _stamp(moment: float, readable: bool = False) -> str:
    when = datetime.fromtimestamp(moment, UTC)
    return (
        when.isoformat(timespec="seconds").replace("+00:00", "Z")
        if readable
        else when.strftime("%Y%m%dT%H%M%S%fZ")
    )
