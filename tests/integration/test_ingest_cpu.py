"""The ingest process keeps all its threads, the Kafka network thread among them, to one CPU."""

from __future__ import annotations

import os

import httpx
import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs"
)


def thread_masks(pid: int) -> dict[str, set[int]]:
    masks = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            masks[f"{tid}:{f.read().strip()}"] = os.sched_getaffinity(int(tid))
    return masks


def post_one(url: str) -> None:  # the producer and its network thread exist once an article went out
    response = httpx.post(
        f"{url}/v1/articles",
        json={"guid": "cpu-1", "body_text": "A short story for the CPU test."},
        timeout=30,
    )
    assert response.status_code == 202, response.text


def test_every_thread_of_the_ingest_keeps_to_one_cpu(stack_factory, ingest_factory):
    stack = stack_factory()
    process = ingest_factory(stack)
    post_one(stack.ingest_url)
    masks = thread_masks(process.pid)
    # Python 3.11 does not name OS threads: main, the Kafka link's prober, kafka-python's network thread.
    assert len(masks) >= 3, masks
    [mask] = {frozenset(m) for m in masks.values()}
    assert len(mask) == 1 and mask <= os.sched_getaffinity(0), masks


def test_off_leaves_the_ingest_on_every_cpu(stack_factory, ingest_factory):
    stack = stack_factory()
    process = ingest_factory(stack, NEWSWIRE_INGEST_CPU="off")
    post_one(stack.ingest_url)
    assert all(m == os.sched_getaffinity(0) for m in thread_masks(process.pid).values())
