"""Exactly-once's transaction manager with stand-in producers: what is committed, aborted and fenced."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import ProducerFenced

from services.enrich.worker.transactions import Fenced, PartitionTransactions, transactional_sender


class FakeProducer:
    def __init__(self, transactional_id: str, log: list[tuple]) -> None:
        self.transactional_id, self.log = transactional_id, log
        self.in_transaction = False
        self.fail_commit: Exception | None = None

    async def start(self) -> None:
        self.log.append(("start", self.transactional_id))

    async def stop(self) -> None:
        self.log.append(("stop", self.transactional_id, self.in_transaction))

    async def begin_transaction(self) -> None:
        self.in_transaction = True
        self.log.append(("begin", self.transactional_id))

    async def send(self, topic: str, value: bytes, key: bytes):
        assert self.in_transaction, "a send outside a transaction"
        self.log.append(("send", self.transactional_id, topic, key))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def send_offsets_to_transaction(self, offsets, group_id: str) -> None:
        self.log.append(
            ("offsets", self.transactional_id, {tp.partition: o for tp, o in offsets.items()}, group_id)
        )

    async def commit_transaction(self) -> None:
        if self.fail_commit:
            raise self.fail_commit
        self.in_transaction = False
        self.log.append(("commit", self.transactional_id))

    async def abort_transaction(self) -> None:
        self.in_transaction = False
        self.log.append(("abort", self.transactional_id))


@pytest.fixture
def manager():
    log: list[tuple] = []
    producers: dict[str, FakeProducer] = {}

    def new_producer(transactional_id: str) -> FakeProducer:
        producers[transactional_id] = FakeProducer(transactional_id, log)
        return producers[transactional_id]

    return PartitionTransactions(new_producer, "grp", "raw"), log, producers


async def test_a_batch_and_its_offset_are_one_committed_transaction(manager):
    transactions, log, _ = manager
    await transactions.assigned([0, 1])
    send = transactional_sender("enriched")

    async def body() -> None:
        await (await send(b"id-1", b"{}"))

    await transactions.run(1, 42, body)
    assert log[2:] == [
        ("begin", "grp-raw-1"),
        ("send", "grp-raw-1", "enriched", b"id-1"),
        ("offsets", "grp-raw-1", {1: 42}, "grp"),
        ("commit", "grp-raw-1"),
    ]


async def test_a_partition_revoked_mid_batch_stops_only_after_the_commit(manager):
    transactions, log, _ = manager
    await transactions.assigned([0])
    sending = asyncio.Event()
    release = asyncio.Event()

    async def body() -> None:
        await transactional_sender("enriched")(b"k", b"v")
        sending.set()
        await release.wait()

    batch = asyncio.create_task(transactions.run(0, 7, body))
    await sending.wait()
    revoke = asyncio.create_task(transactions.revoked([0]))
    await asyncio.sleep(0.01)
    assert not revoke.done(), "the producer must not stop under a transaction"
    release.set()
    await asyncio.gather(batch, revoke)
    assert [e[0] for e in log] == ["start", "begin", "send", "offsets", "commit", "stop"]
    assert log[-1] == ("stop", "grp-raw-0", False)


async def test_a_batch_of_a_partition_no_longer_assigned_is_not_written(manager):
    transactions, log, _ = manager
    await transactions.assigned([0])
    await transactions.revoked([0])
    with pytest.raises(Fenced):
        await transactions.run(0, 1, lambda: asyncio.sleep(0))
    assert "begin" not in [e[0] for e in log]


async def test_a_fenced_commit_drops_the_producer_and_says_so(manager):
    transactions, log, producers = manager
    await transactions.assigned([0])
    producers["grp-raw-0"].fail_commit = ProducerFenced()
    with pytest.raises(Fenced):
        await transactions.run(0, 1, lambda: asyncio.sleep(0))
    with pytest.raises(Fenced):  # the partition's new owner redoes the rest
        await transactions.run(0, 2, lambda: asyncio.sleep(0))


async def test_any_other_failure_aborts_and_is_raised(manager):
    transactions, log, _ = manager
    await transactions.assigned([0])

    async def body() -> None:
        raise RuntimeError("enrichment blew up")

    with pytest.raises(RuntimeError):
        await transactions.run(0, 1, body)
    assert log[-1] == ("abort", "grp-raw-0")


async def test_a_new_assignment_keeps_a_running_producer(manager):
    transactions, log, _ = manager
    await transactions.assigned([0])
    await transactions.assigned([0, 1])
    assert [e for e in log if e[0] == "start"] == [("start", "grp-raw-0"), ("start", "grp-raw-1")]
