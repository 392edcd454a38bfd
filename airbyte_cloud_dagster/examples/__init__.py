"""Examples built on the package: what a team adds downstream of its Airbyte tables.

``stripe_analytics`` holds the demo's revenue assets and its asset check; ``definitions.py``
(the example code location) wires them in.
"""
