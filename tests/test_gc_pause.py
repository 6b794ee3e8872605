"""The collector pause around large answers: nested and overlapping pauses end with the collector as it
was, an exception inside still ends the pause, and a builder that uses it leaves the collector running."""

from __future__ import annotations

import gc
import threading

import pytest

from palermo.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    gc.enable()


def test_nested_pauses_end_with_the_collector_on():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still on
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_an_error_inside_still_ends_the_pause():
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_in_threads():
    inside, release = threading.Event(), threading.Event()

    def worker():
        with gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause has not ended
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_as_a_decorator_the_pause_is_on_during_the_call_only():
    seen = []

    @gc_paused()
    def build():
        seen.append(gc.isenabled())

    build()
    build()
    assert seen == [False, False] and gc.isenabled()
