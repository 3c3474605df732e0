import selectors
import socket

import pytest

from services.common.kafka import QuietSelector


class LoudSocket(socket.socket):
    def __repr__(self) -> str:  # what the standard selector's KeyError would call
        raise AssertionError("repr() asked the kernel for the socket's addresses")


def test_a_miss_raises_key_error_without_describing_the_socket():
    a, b = socket.socketpair()
    loud = LoudSocket(fileno=a.detach())
    selector = QuietSelector()
    try:
        with pytest.raises(KeyError):
            selector.get_key(loud)
        key = selector.register(loud, selectors.EVENT_READ, "data")
        assert selector.get_key(loud) == key
        selector.unregister(loud)
        with pytest.raises(KeyError):
            selector.get_key(loud)
    finally:
        selector.close()
        loud.close()
        b.close()


def test_the_standard_selector_would_have_described_it():
    # The reason QuietSelector exists: if this stops failing, the override can go.
    a, b = socket.socketpair()
    loud = LoudSocket(fileno=a.detach())
    selector = selectors.DefaultSelector()
    try:
        with pytest.raises(AssertionError, match="repr"):
            selector.get_key(loud)
    finally:
        selector.close()
        loud.close()
        b.close()
