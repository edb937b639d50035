"""mkdocs-macros module of this project: everything lives in the busdocs package."""

from busdocs.macros import define_env

__all__ = ["define_env"]
