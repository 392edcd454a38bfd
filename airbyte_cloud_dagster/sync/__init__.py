"""Running syncs: start a job (``starting.py``), follow one (``following.py``), turn a
finished job into events (``events.py``), explain a failure (``failures.py``), and the one
body that does all of it for one or many connections (``body.py``)."""
