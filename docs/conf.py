"""Sphinx configuration: `make docs` builds docs/_build/html with -W."""

import os
import sys

# The package as installed in the environment that runs Sphinx (`make venv`
# installs it editable); the root of the clone is only added for `_sctp`.
sys.path.insert(0, os.path.abspath(".."))

project = "aiosctp"
author = "The aiosctp authors"
copyright = "2026, The aiosctp authors"
release = "0.1.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode", "sphinx.ext.intersphinx"]
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "*.md"]
root_doc = "index"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "both"

# No network while building: intersphinx has no inventories to fetch, so
# references to the standard library stay plain text.
intersphinx_mapping: dict = {}

html_theme = "alabaster"
html_title = "aiosctp"
