"""``python -m convexplorer``: the same as the ``convexplorer`` command."""

import sys

from .app.cli import main

sys.exit(main())
