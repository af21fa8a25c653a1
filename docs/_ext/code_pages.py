"""Pages of the project's source code, for the links of the teaching pages.

The derivation and the notebook link each equation to the line of code that
computes it, as ``[(F1)](../sknnscratch/_network.py#L205)``: a link into the
repository, which GitHub and an editor follow but a built site cannot. This
extension gives the site the same links:

* before the pages are read, each Python file such a link names gets a page
  of its own, ``code/<path>.html``, its source highlighted with an anchor
  ``L-<number>`` on every line;
* as each page is read, those links are rewritten to point there, the line
  number to its anchor.

It also copies MathJax (``mathjax_path``) into the site's ``_static`` folder,
so the mathematics renders without a network.
"""

import html
import json
import re
import shutil
from importlib import resources
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from sphinx.errors import ExtensionError
from sphinx.util.osutil import relative_uri

CODE_DIR = "code"
# [text](relative/path.py) or [text](relative/path.py#L123), outside code spans
CODE_LINK = re.compile(
    r"\[(?P<text>[^\]\n]+)\]\((?P<path>(?![a-z]+:)[\w./-]+\.py)(?:#L(?P<line>\d+))?\)"
)
LINKING_SUFFIXES = (".md", ".ipynb")


def linked_files(srcdir):
    """The repository's Python files that the docs' own pages link to."""
    root = srcdir.parent
    files = set()
    for page in srcdir.glob("*"):
        if page.suffix not in LINKING_SUFFIXES:
            continue
        for match in CODE_LINK.finditer(page.read_text(encoding="utf-8")):
            target = (page.parent / match["path"]).resolve()
            if target.is_file() and target.is_relative_to(root):
                files.add(target.relative_to(root))
    return sorted(files)


def code_page(path, source):
    """reStructuredText of one source file's page: the code, every line anchored."""
    title = path.as_posix()
    formatter = HtmlFormatter(
        linenos="inline", lineanchors="L", anchorlinenos=True, wrapcode=True
    )
    body = highlight(source, PythonLexer(), formatter)
    indented = "\n".join("   " + line for line in body.splitlines())
    return (
        f":orphan:\n\n{title}\n{'=' * len(title)}\n\n"
        f"The source of ``{title}`` in this version of sknnscratch.\n\n"
        f".. raw:: html\n\n{indented}\n"
    )


def write_code_pages(app):
    srcdir = Path(app.srcdir)
    out = srcdir / CODE_DIR
    shutil.rmtree(out, ignore_errors=True)
    for path in linked_files(srcdir):
        page = out / f"{path.as_posix()}.rst"
        page.parent.mkdir(parents=True, exist_ok=True)
        source = (srcdir.parent / path).read_text(encoding="utf-8")
        page.write_text(code_page(path, source), encoding="utf-8")


def _link(docname, srcdir, match, doc_dir):
    target = (doc_dir / match["path"]).resolve()
    root = srcdir.parent
    if not (target.is_file() and target.is_relative_to(root)):
        return match[0]  # not a repository file: leave it to MyST
    page = f"{CODE_DIR}/{target.relative_to(root).as_posix()}"
    href = relative_uri(docname, page) + ".html"
    if match["line"]:
        href += f"#L-{match['line']}"
    text = html.escape(match["text"])
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return f'<a class="reference internal" href="{href}">{text}</a>'


def rewrite_code_links(app, docname, source):
    """Point a page's links to repository files at their code pages."""
    srcdir = Path(app.srcdir)
    path = Path(app.env.doc2path(docname))
    if path.suffix not in LINKING_SUFFIXES:
        return
    doc_dir = path.parent

    def rewrite(text):
        return CODE_LINK.sub(lambda m: _link(docname, srcdir, m, doc_dir), text)

    if path.suffix == ".ipynb":
        notebook = json.loads(source[0])
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                text = rewrite("".join(cell["source"]))
                cell["source"] = text.splitlines(keepends=True)
        source[0] = json.dumps(notebook, indent=1, ensure_ascii=False)
    else:
        source[0] = rewrite(source[0])


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    try:
        es5 = resources.files("mathjax") / "static" / "mathjax" / "es5"
    except ModuleNotFoundError as error:
        raise ExtensionError(
            "the site serves MathJax itself, from the django-static-mathjax "
            'package: pip install "sknnscratch[docs]"'
        ) from error
    target = Path(app.outdir) / "_static" / app.config.mathjax_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(es5 / Path(app.config.mathjax_path).name, target)


def setup(app):
    app.connect("builder-inited", write_code_pages)
    app.connect("source-read", rewrite_code_links)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
