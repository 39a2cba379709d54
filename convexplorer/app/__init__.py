"""The application: main window, command line, and the wiring of views to the shared model."""
