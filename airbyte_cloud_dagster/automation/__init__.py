"""Automation: Airbyte schedules as cron (``cron.py``), mirrored schedules (``schedules.py``),
the sync sensor (``sensor.py``) and the sync checks (``checks.py``)."""
