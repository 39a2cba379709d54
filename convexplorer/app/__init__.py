"""The application: main window, command line, and the wiring of views to the document."""

from .cli import application, build_window, main

__all__ = ["application", "build_window", "main"]
