"""The program's version, recorded in every generated document (kept apart so that low modules can read it
without importing the package's front door)."""

__version__ = "0.1.0"
