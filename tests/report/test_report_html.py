"""Report pages are self-contained and sanitised (checked on the HTML text; the browser
tests in tests/browser/ check the rendered page)."""

from __future__ import annotations

import re

import nbformat
from report_html_cases import IMG_NAME, PAYLOAD_FLAG, SCRIPT_NAME, hostile_notebook

from cxlab.report.execute import INJECTED_TAG, strip_volatile
from cxlab.report.html import notebook_to_html


def test_no_live_tag_or_handler_from_data(tmp_path):
    page = notebook_to_html(hostile_notebook(), tmp_path / "p.html").read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", page, re.I), "an on*= handler survived"
    assert "javascript:" not in page
    assert PAYLOAD_FLAG in page  # shown as text...
    assert "&lt;script&gt;" in page and "&lt;img" in page  # ...escaped
    assert SCRIPT_NAME not in page and IMG_NAME not in page
    assert "example.invalid" not in page  # <style> from outputs is dropped


def test_page_fetches_nothing(tmp_path):
    page = notebook_to_html(hostile_notebook(), tmp_path / "p.html").read_text()
    # no element loads anything from a URL: no scripts, no stylesheets, no remote images
    assert not re.search(r"<(?:script|link|iframe)\b", page, re.I)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)


def test_injected_cell_gets_a_fixed_id_and_kernel_paths_are_hidden():
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("# Parameters\nout_dir = '/x/reports/r.tmp/a'\n")
    injected.metadata["tags"] = [INJECTED_TAG]
    warn = nbformat.v4.new_code_cell("x")
    warn.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="/tmp/ipykernel_4711/2131.py:3: UserWarning: few rows\n",
        )
    ]
    nb.cells = [injected, warn]
    strip_volatile(nb, replace={"/x/reports/r.tmp": "reports/r"})
    assert nb.cells[0].id == INJECTED_TAG
    assert "out_dir = 'reports/r/a'" in nb.cells[0].source
    assert nb.cells[1].outputs[0]["text"] == "<cell>:3: UserWarning: few rows\n"
