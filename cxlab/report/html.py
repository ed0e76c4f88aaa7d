"""HTML for a report: each executed notebook as a page, and ``index.html`` linking them all."""

from __future__ import annotations

import logging
import os
import re
from html import escape
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from cxlab import _paths as paths

__all__ = ["notebook_language", "notebook_to_html", "write_index"]


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


def notebook_language(nb) -> str:
    """The language a notebook ran in: its ``language`` parameter (papermill records
    the parameters in the notebook's metadata), ``"en"`` when it has none.

    Raises
    ------
    ParameterError
        The parameter names a language cxlab does not have.
    """
    from cxlab.i18n._language import DEFAULT_LANGUAGE, resolve_language

    params = (nb.get("metadata", {}).get("papermill") or {}).get("parameters") or {}
    return resolve_language(params.get("language") or DEFAULT_LANGUAGE)


_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def _dated_heading(language: str, when) -> str:
    """``generated on <date>``: the date in the language's calendar, the Gregorian one as
    its tooltip (and in a ``<time>`` element's ``datetime``)."""
    from cxlab.i18n import format_date, t

    day = pd.Timestamp(when or pd.Timestamp.now(tz="UTC"))
    shown = format_date(day, language=language)
    gregorian = format_date(day, language=language, calendar="gregorian")
    stamp = f'<time datetime="{day:%Y-%m-%d}" title="{escape(gregorian)}">{escape(shown)}</time>'
    text = escape(t("report.generated_on", language, date="\0")).replace("\0", stamp)
    return f'<p class="cxlab-report-date">{text}</p>'


def localize_page(page: str, language: str, *, when=None) -> str:
    """A finished HTML page in ``language``: ``<html lang dir>``, the language's style
    sheet (an embedded font, right-to-left text and tables, code left to right) and,
    unless English, the date it was made in the language's calendar under the top.

    English pages get ``lang="en"`` only; nothing else changes.
    """
    from cxlab.i18n import page_attributes, page_css

    attrs = page_attributes(language)
    tag = f'<html lang="{attrs["lang"]}" dir="{attrs["dir"]}">' if language != "en" else None
    page = _HTML_TAG.sub(lambda m: tag or m.group(0), page, count=1)
    if language == "en":
        return page
    css = page_css(language)
    if css:
        page = page.replace("</head>", f'<style type="text/css">\n{css}</style>\n</head>', 1)
    heading = _dated_heading(language, when)
    return _BODY_TAG.sub(lambda m: m.group(0) + heading, page, count=1)


def notebook_to_html(
    nb, path: Path, *, hide_code: bool = False, language: str | None = None, when=None
) -> Path:
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
    language : str or None, default=None
        The page's language; None reads the notebook's ``language`` parameter
        (:func:`notebook_language`). Persian pages are right to left with the
        Persian font embedded and the Jalali date under the top.
    when : timestamp or None, default=None
        The date shown on a non-English page; None is today (UTC).
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
    code = notebook_language(nb) if language is None else language
    path.write_text(localize_page(body, code, when=when), encoding="utf-8")
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


def _status_word(status: str, language: str) -> str:
    from cxlab.i18n import message_keys, t

    key = f"report.status.{status}"
    return t(key, language) if key in message_keys(language) else status


def _notebook_row(nb: dict[str, Any], language: str = "en") -> str:
    from cxlab.i18n import format_number, t

    status = nb["status"]
    cls = {"succeeded": "ok"}.get(status, status)
    files = nb.get("files", {})
    links = [
        _link(files.get("html"), t("report.report", language)),
        _link(files.get("notebook"), t("report.notebook", language)),
    ]
    exports = [_link(p) for p in files.get("tables", []) + files.get("figures", [])]
    params = ", ".join(f"{k}={v!r}" for k, v in nb["parameters"].items() if k != "out_dir")
    params = params.replace(str(paths.PROJECT_DIR) + os.sep, "")  # project files: relative
    error = nb.get("error")
    detail = f"<pre>{escape(error['message'])}</pre>" if error else ""
    seconds = nb.get("duration_seconds")
    duration = "" if seconds is None else _seconds(seconds, language, format_number)
    ltr = "" if language == "en" else ' dir="ltr"'  # parameters are code: left to right
    return (
        f"<tr><td><strong{ltr}>{escape(nb['name'])}</strong><br><small{ltr}>{escape(params)}</small>"
        f'</td><td class="{cls}">{escape(_status_word(status, language))}{detail}</td>'
        f"<td>{duration}</td><td>{' · '.join(x for x in links if x)}</td>"
        f"<td>{'<br>'.join(exports)}</td></tr>"
    )


def _seconds(value: float, language: str, format_number) -> str:
    from cxlab.i18n import t

    text = format_number(value, 1, language=language, grouping=False)
    return t("report.seconds", language, seconds=text)


def run_language(manifest: dict[str, Any]) -> str:
    """The language of a run: the ``language`` parameter its notebooks share, else English."""
    from cxlab.i18n._language import DEFAULT_LANGUAGE, resolve_language

    found = {
        str(nb.get("parameters", {}).get("language") or DEFAULT_LANGUAGE)
        for nb in manifest.get("notebooks", [])
    }
    return resolve_language(found.pop()) if len(found) == 1 else DEFAULT_LANGUAGE


def write_index(path: Path, manifest: dict[str, Any], *, language: str | None = None) -> Path:
    """Write ``index.html`` from the run's manifest: status, timings and links to every file.

    Parameters
    ----------
    path : Path
    manifest : dict
    language : str or None, default=None
        The page's language; None takes the run's (:func:`run_language`). A Persian
        index is right to left with Persian words, digits and Jalali dates.
    """
    from cxlab.i18n import format_date, format_number, t

    code = run_language(manifest) if language is None else language
    git = manifest.get("git", {})
    commit = git.get("commit") or t("report.unknown_commit", code)
    if git.get("dirty"):
        commit += " " + t("report.uncommitted", code)
    env = manifest.get("environment", {})

    def when(stamp):
        if code == "en" or not stamp:
            return stamp
        return format_date(pd.Timestamp(stamp), "%Y/%m/%d %H:%M:%S", language=code)

    facts = {
        t("report.status", code): _status_word(manifest["status"], code),
        t("report.started", code): when(manifest["started"]),
        t("report.finished", code): when(manifest["finished"]),
        t("report.duration", code): _seconds(manifest["duration_seconds"], code, format_number),
        t("report.git_commit", code): commit,
        t("report.python", code): t(
            "report.python_on", code, python=env.get("python"), platform=env.get("platform")
        ),
        t("report.kernel", code): manifest.get("options", {}).get("kernel"),
    }
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts.items())
    rows = "".join(_notebook_row(nb, code) for nb in manifest["notebooks"])
    title = t("report.title", code, status=_status_word(manifest["status"], code))
    heads = ("notebook", "status", "time", "open", "exports")
    head = "".join(f"<th>{escape(t(f'report.{h}', code))}</th>" for h in heads)
    manifest_link = '<a href="manifest.json">manifest.json</a>'
    reproduce = escape(t("report.reproduce", code, manifest="\0")).replace("\0", manifest_link)
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1><dl>{dl}</dl>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{reproduce}</p></body></html>\n"
    )
    path.write_text(localize_page(html, code), encoding="utf-8")
    return path
