"""mkdocs-macros module of this project: everything lives in the busdocs package."""

from busdocs.mkdocs.macros import define_env

__all__ = ["define_env"]
