"""`python -m nianbao` runs the command line."""

import gc

# The command line's imports make some 100 000 objects and no garbage: the collector, which would walk
# them several times while they are made, is paused until they are done (cli.main then freezes them).
gc.disable()
try:
    # The command line's own process (never a library caller's): the code dataclasses, namedtuple and typing
    # write as text for the classes about to be imported is compiled once and kept (code_cache).
    from .code_cache import install as install_code_cache

    install_code_cache()
    from .cli import main
finally:
    gc.enable()  # also in worker processes started by spawn, which import this module and never call main

if __name__ == "__main__":  # worker processes started by spawn re-import this module
    main()
