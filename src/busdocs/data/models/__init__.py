"""Typed models of every file in `data/`."""
