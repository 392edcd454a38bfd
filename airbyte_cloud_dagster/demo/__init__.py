"""The demo: ``python -m airbyte_cloud_dagster.demo`` (``run.py``, ``launcher.py``), its code
location (``definitions.py``, ``stripe_analytics.py``, ``settings.py``) and ``make
materialize`` (``materialize.py``). Not imported by the rest of the package."""
