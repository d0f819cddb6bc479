"""`python -m gydash.cli`: the same command as `gydash`."""

import sys

from gydash.cli import main

sys.exit(main())
