"""Links to scikit-learn's documentation, where docstrings refer to it.

* The estimators inherit methods from scikit-learn, ``set_fit_request`` and
  the other metadata-routing methods, whose docstrings point into
  scikit-learn's own site: ``:term:`meta-estimator``` (its glossary) and
  ``:ref:`User Guide <metadata_routing>```. This site has neither that
  glossary nor those labels, so as each docstring is read such references
  become links to scikit-learn's pages. A label missing from
  ``SKLEARN_PAGES`` is left alone, and Sphinx reports it.
* A reference to a scikit-learn object, ``:class:`sklearn.utils.Bunch```,
  links to its page of scikit-learn's API reference, found by importing it
  (the build runs offline: no intersphinx inventory).
"""

import importlib
import inspect
import re
from urllib.parse import quote

from docutils import nodes

SKLEARN = "https://scikit-learn.org/stable/"
GLOSSARY = SKLEARN + "glossary.html#term-"
# scikit-learn's reference labels that its inherited docstrings use.
SKLEARN_PAGES = {"metadata_routing": SKLEARN + "metadata_routing.html"}

TERM = re.compile(
    r":term:`(?:(?P<text>[^`<]+?)\s*<(?P<target>[^`>]+)>|(?P<term>[^`]+))`"
)
REF = re.compile(r":ref:`(?:(?P<text>[^`<]+?)\s*<(?P<label>[^`>]+)>|(?P<bare>[^`]+))`")


def _glossary_link(match):
    term = match["target"] or match["term"]
    text = match["text"] or match["term"]
    anchor = quote(re.sub(r"\s+", "-", term.strip().lower()))
    return f"`{text} <{GLOSSARY}{anchor}>`__"


def _page_link(match):
    label = match["label"] or match["bare"]
    if label not in SKLEARN_PAGES:
        return match[0]
    text = match["text"] or label.replace("_", " ")
    return f"`{text} <{SKLEARN_PAGES[label]}>`__"


def link_to_sklearn(app, what, name, obj, options, lines):
    """autodoc-process-docstring: sklearn's :term: and :ref: as links."""
    for index, line in enumerate(lines):
        line = TERM.sub(_glossary_link, line)
        lines[index] = REF.sub(_page_link, line)


def sklearn_page(target):
    """The address of a scikit-learn object's documentation, or None.

    A module's function or class has a page of its own,
    ``modules/generated/<name>.html``; a method or attribute is an anchor
    on its class's page. None when ``target`` does not import.
    """
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        rest = parts[split:]
        try:
            for part in rest:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        if inspect.ismodule(obj) or len(rest) > 2:
            return None
        page = ".".join(parts[: split + 1])
        anchor = f"#{target}" if len(rest) == 2 else ""
        return f"{SKLEARN}modules/generated/{page}.html{anchor}"
    return None


def link_sklearn_objects(app, env, node, contnode):
    """missing-reference: a Python reference to sklearn.* as an outside link."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("sklearn."):
        return None
    address = sklearn_page(target)
    if address is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=address)
    reference["reftitle"] = target
    reference += contnode
    return reference


def setup(app):
    app.connect("autodoc-process-docstring", link_to_sklearn)
    app.connect("missing-reference", link_sklearn_objects)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
