"""Fixtures shared by the language tests."""

from __future__ import annotations

import pytest

import cxlab
from cxlab.i18n import _ipython


@pytest.fixture
def shell():
    """An IPython shell that formats HTML as Jupyter does; the language is English after."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    html = ip.display_formatter.formatters["text/html"]
    was_enabled = html.enabled
    html.enabled = True
    yield ip
    _ipython.sync_formatters("en", ip)
    html.enabled = was_enabled
    cxlab.set_language("en")
