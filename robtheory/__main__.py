"""``python -m robtheory``: the same as the ``robtheory`` console script."""

import sys

from .cli import main

sys.exit(main())
