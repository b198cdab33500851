"""A started service's long-lived objects are frozen out of the collector's full collections,
and its garbage is collected, not frozen with them (shared/web/service.py)."""

from __future__ import annotations

import gc
import weakref

from shared.web.service import freeze_startup_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_what_the_process_holds_is_frozen_and_its_garbage_collected():
    held = Node()  # e.g. reference data: lives as long as the process
    cycle = Node()
    cycle.other = Node()
    cycle.other.other = cycle  # garbage only the cyclic collector frees
    gone = weakref.ref(cycle)
    del cycle
    try:
        freeze_startup_objects()
        assert gone() is None, "garbage was collected before the freeze"
        assert not any(o is held for o in gc.get_objects()), "a full collection skips it"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on as it was
