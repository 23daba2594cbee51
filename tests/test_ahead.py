"""Work a step ahead on a thread: same items, same order, errors where they happened."""

import threading

import pytest

from ingest.ahead import ahead


def test_items_arrive_in_order_from_another_thread():
    threads = set()

    def made():
        for i in range(20):
            threads.add(threading.current_thread().name)
            yield i

    assert list(ahead(made())) == list(range(20))
    assert threads == {"ingest-ahead"}


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it():
    def made():
        yield 1
        yield 2
        raise ValueError("bad source")

    got = []
    with pytest.raises(ValueError, match="bad source"):
        for item in ahead(made()):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_stops_the_producer():
    produced = []

    def made():
        for i in range(1000):
            produced.append(i)
            yield i

    for item in ahead(made(), depth=2):
        if item == 3:
            break
    assert len(produced) <= 3 + 1 + 2 + 1  # at most `depth` (and the one in hand) beyond
