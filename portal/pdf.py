"""Tagged PDFs (PDF/UA-1) made in memory from a template, by WeasyPrint."""

from __future__ import annotations

from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal import PROJECT_ROOT


def pdf_from_template(template: str, **context: object) -> bytes:
    """Render template to a tagged PDF; nothing is written to disk.

    The templates need nothing from outside (CSS inline, fonts from fontconfig), so the fetcher
    allows no protocol at all: a PDF can never load a file or a URL named in client data.
    """
    document = HTML(
        string=render_template(template, **context),
        base_url=str(PROJECT_ROOT / "templates"),
        url_fetcher=URLFetcher(allowed_protocols=()),
    )
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")  # no target: the bytes
    return pdf
