"""Sphinx configuration of the sknnscratch documentation site.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(``pip install ".[docs]"`` first: it installs all the gallery runs). The
gallery runs every example: a clean build took 53 s on two cores with little
else running (up to two minutes on a busy machine), ``-D plot_gallery=0``
about 8 s.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(DOCS), str(DOCS / "_ext")]

import sknnscratch  # noqa: E402

project = "sknnscratch"
author = "The sknnscratch developers"
copyright = f"2026, {author}"
release = sknnscratch.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_nb",
    "sphinx_design",
    "code_pages",
    "sklearn_links",
]

exclude_patterns = [
    "_build",
    "figures",
    "auto_examples/*.ipynb",  # sphinx-gallery's downloads, not pages
    "auto_examples/*.py",
    "**.ipynb_checkpoints",
]
templates_path = ["_templates"]

# --- API reference -------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = True
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autodoc_mock_imports = ["skl2onnx"]  # sknnscratch.onnx needs it only to run

# --- Markdown and notebooks ------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # docs/backprop.ipynb is stored executed and tested

# --- Mathematics: MathJax served from the site itself ---------------------
# The pages render offline too. tex-svg.js holds its fonts, so this one file
# is all MathJax needs; it comes from the django-static-mathjax package
# (MathJax 3's own files, no Django needed), copied by code_pages.
mathjax_path = "mathjax/tex-svg.js"

# --- Gallery ---------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/[^/]+\.py$",  # run every example
    "within_subsection_order": "gallery_order.ExampleOrder",
    "reset_argv": "gallery_order.example_arguments",
    # A figure an example gives a caption (fig.caption) is shown full width
    # with it; the others as sphinx-gallery shows them.
    "image_scrapers": ("captioned_figures.matplotlib_figures",),
    "download_all_examples": False,
    "doc_module": ("sknnscratch",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
}

# --- Pages -----------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sknnscratch {release}"
html_static_path = ["_static"]
html_css_files = ["gallery.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 7,
    "show_toc_level": 2,
    # An API page's table of methods needs the width more than a contents list.
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# Pages without sub-pages need no section navigation: the text gets the room.
html_sidebars = {
    page: []
    for page in [
        "index",
        "getting_started",
        "derivation",
        "backprop",
        "guarantees",
        "changelog",
        "code/**",
    ]
}
html_copy_source = False
