"""Sample images and icons shipped with convexplorer (see LICENSES.md for their origin)."""
