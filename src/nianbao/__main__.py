"""`python -m nianbao` runs the command line."""

from .cli import main

main()
