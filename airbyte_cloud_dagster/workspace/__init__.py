"""Knowing the workspace: fetching it (``fetching.py``, ``data.py``), the snapshot file on
disk (``snapshot.py``), which of the two a load uses (``loading.py``, ``options.py``), and
turning streams into asset specs (``specs.py``, ``naming.py``)."""
