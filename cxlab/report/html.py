"""HTML for a report: each executed notebook as a page, and ``index.html`` linking them all."""

from __future__ import annotations

import logging
import os
import re
from html import escape
from pathlib import Path
from typing import Any

import nbformat

from cxlab import _paths as paths

__all__ = ["notebook_to_html", "write_index"]


class _NoAltTextNoise(logging.Filter):
    """nbconvert warns about every matplotlib figure (no alt text); not actionable here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Alternative text is missing")


_NBCONVERT_LOG = logging.getLogger(__name__ + ".nbconvert")
_NBCONVERT_LOG.addFilter(_NoAltTextNoise())


#: The lab template without anything fetched from the network: no require.js, MathJax,
#: Mermaid or widget scripts (nbconvert loads them from a CDN). Reports have no
#: widgets or diagrams, and their Markdown has no math (LaTeX would show as typed).
#: Printed text wraps between words.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
/* long printed lines wrap between words (the lab style breaks them anywhere) */
body .jp-OutputArea-output pre { word-break: normal; overflow-wrap: anywhere; }
</style>
{%- endblock extra_css -%}
"""
_TEMPLATE_NAME = "cxlab_report.html.j2"

#: HTML a report keeps from cell outputs (where data-derived names appear). An output
#: whose HTML has any other tag is shown in its plain-text form when it has one; else
#: every other tag is escaped (shown as text). Every other attribute is dropped,
#: ``javascript:`` links removed, and outputs other than text, HTML, Markdown, PNG,
#: JPEG and JSON (e.g. JavaScript) left out.
SAFE_TAGS = (
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins",
    "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
)  # fmt: skip
SAFE_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "align", "valign", "halign"],
    "a": ["href", "title"],
    "abbr": ["title"],
    "div": ["dir", "lang"],
    "table": ["border"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
}


_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=\s]+$")
_IMG_TAG = re.compile(r"<\s*img\b[^>]*>", re.IGNORECASE)
_EMBEDDED_IMG = re.compile(
    r'<img\s+(?:alt="[^"<>]*"\s+)?src="data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=]+"'
    r'(?:\s+(?:alt|width|height|class|style)="[^"<>]*")*\s*/?>',
    re.IGNORECASE,
)


def _plain_instead_of_unsafe_html(data) -> None:
    """Show an output's text form when its HTML has tags beyond :data:`SAFE_TAGS`.

    Such HTML is a widget-like display (scikit-learn's estimator diagram: scripts,
    inputs, labels) or carries markup from data; escaped, it would fill the page with
    tag soup, so the plain-text form the output also has is shown instead.
    """
    html = data.get("text/html")
    if not isinstance(html, str) or "text/plain" not in data:
        return
    html = _STYLE_ELEMENT.sub("", html)
    tags = {t.lower() for t in _TAG_NAME.findall(html)}
    embedded = {m.group(0) for m in _IMG_TAG.finditer(html)} == {
        m.group(0) for m in _EMBEDDED_IMG.finditer(html)
    }
    if tags - set(SAFE_TAGS) - ({"img"} if embedded else set()):
        del data["text/html"]


def _escape_unless_embedded(match: re.Match) -> str:
    """An ``<img>`` tag stays only when it is an embedded PNG/JPEG; any other is text."""
    tag = match.group(0)
    return tag if _EMBEDDED_IMG.fullmatch(tag) else escape(tag)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """bleach's attribute filter: :data:`SAFE_ATTRIBUTES`, plus ``<img>`` whose source is
    an embedded PNG/JPEG (a figure drawn by the package, e.g. a teaching explorer's
    starting state) and links that are not ``data:`` URIs."""
    if name in SAFE_ATTRIBUTES["*"]:
        return True
    if tag == "img":
        return name in ("alt", "width", "height") or (
            name == "src" and _DATA_IMAGE.match(value) is not None
        )
    if tag == "a" and name == "href":
        return not value.strip().lower().startswith("data:")
    return name in SAFE_ATTRIBUTES.get(tag, ())


def _sanitizer():
    """nbconvert's bleach-based SanitizeHTML of outputs with :data:`SAFE_TAGS`, which first drops
    ``<style>`` elements (pandas puts one before every table; the page's own CSS styles
    tables, and CSS from data could fetch URLs)."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    class _ReportSanitizer(SanitizeHTML):
        def preprocess_cell(self, cell, resources, cell_index):
            if cell.cell_type == "markdown":  # the notebook's own text, not data; escaping
                return cell, resources  # it would break Markdown such as '> ' quotes
            return super().preprocess_cell(cell, resources, cell_index)

        def sanitize_code_outputs(self, outputs):
            for output in outputs:
                _plain_instead_of_unsafe_html(output.get("data", {}))
            kept = super().sanitize_code_outputs(outputs)  # an output left with no data
            return [o for o in kept if "data" not in o or o["data"]]  # (e.g. JavaScript) goes

        def sanitize_html_tags(self, html_str):
            from bleach import ALLOWED_PROTOCOLS, clean
            from bleach.css_sanitizer import CSSSanitizer

            html_str = _IMG_TAG.sub(_escape_unless_embedded, _STYLE_ELEMENT.sub("", html_str))
            return clean(
                html_str,
                tags=[*SAFE_TAGS, "img"],
                attributes=_allowed_attribute,
                protocols=[*ALLOWED_PROTOCOLS, "data"],  # only embedded images pass the filter
                css_sanitizer=CSSSanitizer(allowed_css_properties=self.styles),
                strip=False,
                strip_comments=True,
            )

    return _ReportSanitizer(tags=list(SAFE_TAGS), attributes=SAFE_ATTRIBUTES, strip=False)


def notebook_to_html(nb, path: Path, *, hide_code: bool = False) -> Path:
    """Write a notebook (a NotebookNode) as a self-contained, sanitised HTML page.

    Figures are embedded as PNG data; the page loads nothing from the network
    (no scripts, fonts or styles from a CDN), so it opens offline, as an e-mail
    attachment or on an intranet. HTML in cell outputs is sanitised
    (see :data:`SAFE_TAGS`): a ``<script>`` or ``onerror=`` that came from data
    (a stage, channel or persona name) is shown as text or dropped, never run.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    path : Path
        The ``.html`` file to write.
    hide_code : bool, default=False
        Leave out code cells' input and the ``In``/``Out`` prompts, for readers
        who want the results and the text only.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_file=_TEMPLATE_NAME,
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _OFFLINE_TEMPLATE})],
        embed_images=True,
        exclude_input=hide_code,
        exclude_input_prompt=hide_code,
        exclude_output_prompt=hide_code,
        log=_NBCONVERT_LOG,
    )
    exporter.register_preprocessor(_sanitizer(), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.from_dict(nb))
    path.write_text(body, encoding="utf-8")
    return path


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}.ok{color:#1a7f37;font-weight:600}.failed{color:#c62828;font-weight:600}
.pending{color:#888}code,pre{font-size:.9em}pre{white-space:pre-wrap;margin:0}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
"""


def _link(rel: str | None, text: str | None = None) -> str:
    if not rel:
        return ""
    return f'<a href="{escape(rel)}">{escape(text or Path(rel).name)}</a>'


def _notebook_row(nb: dict[str, Any]) -> str:
    status = nb["status"]
    cls = {"succeeded": "ok"}.get(status, status)
    files = nb.get("files", {})
    links = [_link(files.get("html"), "report"), _link(files.get("notebook"), "notebook")]
    exports = [_link(p) for p in files.get("tables", []) + files.get("figures", [])]
    params = ", ".join(f"{k}={v!r}" for k, v in nb["parameters"].items() if k != "out_dir")
    params = params.replace(str(paths.PROJECT_DIR) + os.sep, "")  # project files: relative
    error = nb.get("error")
    detail = f"<pre>{escape(error['message'])}</pre>" if error else ""
    duration = "" if nb.get("duration_seconds") is None else f"{nb['duration_seconds']:.1f} s"
    return (
        f"<tr><td><strong>{escape(nb['name'])}</strong><br><small>{escape(params)}</small></td>"
        f'<td class="{cls}">{escape(status)}{detail}</td><td>{duration}</td>'
        f"<td>{' · '.join(x for x in links if x)}</td><td>{'<br>'.join(exports)}</td></tr>"
    )


def write_index(path: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` from the run's manifest: status, timings and links to every file."""
    git = manifest.get("git", {})
    commit = git.get("commit") or "unknown (no git)"
    if git.get("dirty"):
        commit += " (with uncommitted changes)"
    env = manifest.get("environment", {})
    facts = {
        "status": manifest["status"],
        "started": manifest["started"],
        "finished": manifest["finished"],
        "duration": f"{manifest['duration_seconds']:.1f} s",
        "git commit": commit,
        "python": f"{env.get('python')} on {env.get('platform')}",
        "kernel": manifest.get("options", {}).get("kernel"),
    }
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts.items())
    rows = "".join(_notebook_row(nb) for nb in manifest["notebooks"])
    title = f"cxlab report: {manifest['status']}"
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1><dl>{dl}</dl>"
        "<table><thead><tr><th>notebook</th><th>status</th><th>time</th><th>open</th>"
        f"<th>exported tables and figures</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p>Everything needed to reproduce this run (parameters, input hashes, package versions) is in "
        '<a href="manifest.json">manifest.json</a>.</p></body></html>\n'
    )
    path.write_text(html, encoding="utf-8")
    return path
