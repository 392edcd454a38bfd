"""pytest plugin: the ``airbyte_sandbox`` fixture (registered through the pytest11 entry point)."""
