"""The gallery's matplotlib figures, each with the caption its example gives it.

sphinx-gallery's own matplotlib scraper shows the figures of a code block
side by side, without captions: a figure's explanation then has to sit in
its title, in small type. An example that instead gives a figure a one-line
title and its explanation as a caption, ``fig.caption = "..."`` (plain
text), gets it shown as a figure of the page: full width, one per row, the
caption under it as text, its title as the image's alt text. A block whose
figures have no caption is left to sphinx-gallery's scraper.

In conf.py: ``"image_scrapers": ("captioned_figures.matplotlib_figures",)``.
"""

import re
from pathlib import Path

from sphinx_gallery.scrapers import matplotlib_scraper


def caption_of(fig):
    """The figure's caption, one paragraph of plain text, or None."""
    caption = getattr(fig, "caption", None)
    if not isinstance(caption, str) or not caption.strip():
        return None
    return " ".join(caption.split())


def rst_text(text):
    """``text`` as reStructuredText that shows it as written.

    Every character but letters, digits and spaces is escaped, so that
    ``alpha_`` or ``*`` stay text rather than become markup.
    """
    return re.sub(r"([^A-Za-z0-9 ])", r"\\\1", text)


def titles_of(fig):
    """The figure's title and axes titles, one line, for the alt text."""
    suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    titles = [suptitle] + [ax.get_title() for ax in fig.axes]
    return " ".join(", ".join(title for title in titles if title).split())


def figure_rst(image, source_dir, alt, caption):
    """A ``figure`` directive: the image full width, the caption under it."""
    path = Path(image).relative_to(source_dir).as_posix()
    lines = [f".. figure:: /{path}", "   :class: sphx-glr-single-img"]
    if alt:
        lines.append(f"   :alt: {alt}")
    if caption:
        lines += ["", f"   {rst_text(caption)}"]
    return "\n" + "\n".join(lines) + "\n"


def matplotlib_figures(block, block_vars, gallery_conf, **kwargs):
    """sphinx-gallery image scraper: every open figure, with its caption.

    Parameters and return value as sphinx-gallery's ``matplotlib_scraper``,
    to which a block without a captioned figure is passed on.
    """
    import matplotlib.pyplot as plt

    figures = [plt.figure(number) for number in plt.get_fignums()]
    if not any(caption_of(fig) for fig in figures):
        return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
    rst = []
    try:
        for fig in figures:
            image = next(block_vars["image_path_iterator"])
            fig.savefig(image, **kwargs)
            rst.append(
                figure_rst(
                    image, gallery_conf["src_dir"], titles_of(fig), caption_of(fig)
                )
            )
    finally:
        plt.close("all")
    return "".join(rst)
