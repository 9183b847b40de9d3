"""Loading the heavier parts of the package (the Word renderer and Jinja) when a command first needs them.

`loading(name)` wraps the import statements of such a part: while they run, the cyclic collector is paused
(their tens of thousands of objects are no garbage; collecting while they are made only walks them);
after them, when the process is the command line's own (`freeze_after_loading`, called by cli.main), what
exists is moved out of the collector's sight with `gc.freeze`, as cli.main does after the start-up
imports, so that the collections the command's work sets off do not walk Jinja's objects again and again
(~14 M of a one-office build's ~445 M instructions). A library caller's collector is never frozen.

Only when the part is not loaded yet: a run over many offices freezes once, at its first report, never
an office's data afterwards.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_freeze = False


def freeze_after_loading() -> None:
    """The process is the command line's: freeze what exists after a heavy part is loaded."""
    global _freeze
    _freeze = True


@contextmanager
def loading(name: str) -> Iterator[None]:
    """Around the imports of the part whose main module is `name` (nothing special once it is loaded)."""
    if name in sys.modules:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
    if _freeze and name in sys.modules:
        gc.freeze()
