"""Ways to make sync assets: the specs alone (``specs.py``), the loaders (``loader.py``), the
decorator (``decorator.py``), the one-step asset (``one_step.py``), all on one multi-asset
shape (``multi_asset.py``)."""
