"""``python -m askdefector``: the same command line as ``askdefector``."""

import sys

from .cli import main

sys.exit(main())
