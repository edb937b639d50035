"""PDF handbooks from the built sites: `selection` picks the pages, `document` lays out one HTML
book, `renderer` prints it with WeasyPrint (the only module that imports WeasyPrint) with
`pdf.css` and the DejaVu fonts of `fonts/`."""

from busdocs.pdf.document import PRODUCT, Chapter, build_document
from busdocs.pdf.renderer import STEPS, HandbookResult, handbook_file, render_handbooks
from busdocs.pdf.selection import select_pages

__all__ = ["PRODUCT", "STEPS", "Chapter", "HandbookResult", "build_document", "handbook_file", "render_handbooks",
           "select_pages"]
