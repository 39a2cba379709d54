"""Views of the explorer state (Qt widgets, pyqtgraph items); they talk only through the model."""

import pyqtgraph as pg

# numpy images are (row, col): tell pyqtgraph once, before any image item exists.
pg.setConfigOptions(imageAxisOrder="row-major")
