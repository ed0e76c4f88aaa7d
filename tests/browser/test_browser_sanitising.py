"""Names that are HTML (a persona called ``<script>...``) stay text in a report page."""

from __future__ import annotations

import pytest
from report_html_cases import PAYLOAD_FLAG, hostile_notebook

from cxlab.report.html import notebook_to_html

from .browser_support import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_html_from_data_is_inert_in_the_browser(tmp_path, page):
    html = notebook_to_html(hostile_notebook(), tmp_path / "hostile.html")
    watch = PageWatch(page)
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # a handler, had one survived, would have fired by now
    assert page.evaluate(f"() => window.{PAYLOAD_FLAG} === undefined"), "a payload ran"
    assert page.evaluate("() => document.scripts.length") == 0
    handlers = page.evaluate(
        """() => Array.from(document.querySelectorAll('*')).flatMap(el =>
            Array.from(el.attributes).filter(a => a.name.startsWith('on'))
                 .map(a => `${el.tagName} ${a.name}`))"""
    )
    assert handlers == []
    # the names are still there for the reader, as text
    assert page.get_by_text("onerror=", exact=False).count() > 0
    assert watch.failed == [] and watch.external == [], (watch.failed, watch.external)
    assert watch.console_errors == []
