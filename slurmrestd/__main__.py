"""Allow ``python -m slurmrestd``."""

import sys

from slurmrestd.entry import main

sys.exit(main())
