"""`python -m nianbao` runs the command line."""

from .cli import main

if __name__ == "__main__":  # worker processes started by spawn re-import this module
    main()
