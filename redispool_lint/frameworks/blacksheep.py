"""BlackSheep (placeholder)."""

from __future__ import annotations

from .base import Framework

FRAMEWORK = Framework(name="BlackSheep", packages=("blacksheep",))
