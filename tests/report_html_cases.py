"""A notebook whose outputs carry HTML from data (persona, stage and channel names), as an
unescaped ``_repr_html_``, a pandas table, Markdown and raw JavaScript would put it."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

PAYLOAD_FLAG = "__cxlab_payload_ran"
SCRIPT_NAME = f"<script>window.{PAYLOAD_FLAG} = 'script'</script>"
IMG_NAME = f"<img src=x onerror=\"window.{PAYLOAD_FLAG} = 'img'\">"


def hostile_notebook() -> nbformat.NotebookNode:
    raw_html = (
        "<table><tr><th>persona</th><th>share</th></tr>"
        f"<tr><td>{SCRIPT_NAME}</td><td>0.5</td></tr>"
        f"<tr><td>{IMG_NAME}</td><td>0.5</td></tr></table>"
        f'<a href="javascript:window.{PAYLOAD_FLAG}=1">link</a>'
        f'<div onclick="window.{PAYLOAD_FLAG}=1" style="color:red">stage</div>'
        f"<style>body {{ background: url(https://example.invalid/x.png) }}</style>"
    )
    cell = new_code_cell(
        "homogeneity_test  # names from the data",
        execution_count=1,
        outputs=[
            new_output(
                "execute_result",
                {"text/html": raw_html, "text/plain": f"persona table {SCRIPT_NAME}"},
                execution_count=1,
            ),
            new_output("display_data", {"text/html": f"<p>segment {IMG_NAME}</p>"}),
            new_output("display_data", {"text/markdown": f"**channel** {IMG_NAME}"}),
            new_output("display_data", {"application/javascript": f"window.{PAYLOAD_FLAG}=1"}),
            new_output("stream", name="stdout", text=f"{SCRIPT_NAME}\n"),
        ],
    )
    return new_notebook(cells=[new_markdown_cell("# Names that are HTML"), cell])
