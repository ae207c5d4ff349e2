"""``python -m bench`` (``make bench``): run every benchmark. Options: ``python -m bench --help``."""

import sys

from bench.ingest_bench import main

sys.exit(main())
