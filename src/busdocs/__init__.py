"""busdocs: the University Bus Tracker's help center, ops runbooks, handbooks and launch communications.

The package keeps the logic (data models, checks, macros, PDF, deploy) free of MkDocs; only
`plugin.py` and `macros.py` speak to MkDocs and mkdocs-macros.
"""

from __future__ import annotations

__version__ = "0.1.0"
