"""``python -m airbyte_cloud_dagster.demo``: see ``run.py``."""

import sys

from airbyte_cloud_dagster.demo.run import main

if __name__ == "__main__":
    sys.exit(main())
