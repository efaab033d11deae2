"""The AI workflow templates `create_ai_workflow` builds: those of `fsmnb.templates`.

A client chooses a template and fills in its config; it never sends code.
"""

from __future__ import annotations

from fsmnb.templates import TEMPLATES, Template, build_from_template

__all__ = ("TEMPLATES", "Template", "build_from_template")
