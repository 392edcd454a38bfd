"""``python -m airbyte_cloud_dagster snapshot --out PATH``: see :mod:`airbyte_cloud_dagster.cli`."""

import sys

from airbyte_cloud_dagster.cli import main

sys.exit(main())
