"""Placeholder: filled in by the API client work."""
