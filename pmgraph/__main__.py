"""``python -m pmgraph``: the command line."""

import sys

from pmgraph.cli import main

sys.exit(main())
