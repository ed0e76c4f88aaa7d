"""Language editions of the notebooks: notebooks/fa/ is generated from the English notebooks.

The committed Persian notebooks must be exactly what generating gives; they share
every code cell and parameter with the English ones (except ``language``); every
translation names an English markdown cell whose text has not changed since it
was translated. ``cxlab run -p language=fa`` runs the Persian notebooks into a
report folder of their own.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from cxlab import _paths as paths
from cxlab.cli import main as cxlab_main
from cxlab.i18n import EditionError, build_edition_notebook, stale_edition_files, write_edition
from cxlab.i18n._notebooks import english_digest, load_translations, translation_path
from cxlab.report import run as run_module
from cxlab.report.errors import NotebookParameterError
from cxlab.report.parameters import CliValue, inspect_parameters

ENGLISH = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
PERSIAN = sorted((paths.NOTEBOOKS_DIR / "fa").glob("*.ipynb"))
TRANSLATIONS = sorted((paths.NOTEBOOKS_DIR / "fa" / "translations").glob("*.yaml"))


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cxlab_main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def read(path: Path):
    return nbformat.read(path, as_version=4)


# --- the committed edition -------------------------------------------------------------


def test_every_english_notebook_has_a_persian_edition():
    assert [p.name for p in PERSIAN] == [p.name for p in ENGLISH]
    assert [p.stem for p in TRANSLATIONS] == [p.stem for p in ENGLISH]


def test_regenerating_gives_exactly_the_committed_persian_notebooks():
    assert stale_edition_files("fa") == [], "run: cxlab edition fa"
    rc, _, err = cli("edition", "fa", "--check")
    assert rc == 0, err


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_every_notebook_takes_language_and_sets_it(english):
    params = inspect_parameters(english)
    assert params["language"].default == "en"
    assert "fa" in params["language"].help and "en" in params["language"].help
    code = [c for c in read(english).cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "cxlab.set_language(language)" in code[1].source, "the setup cell sets the language"


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_persian_and_english_share_code_cells_and_parameters(english):
    persian = paths.NOTEBOOKS_DIR / "fa" / english.name
    en, fa = read(english), read(persian)
    assert [(c.id, c.cell_type) for c in fa.cells] == [(c.id, c.cell_type) for c in en.cells]
    for a, b in zip(en.cells, fa.cells, strict=True):
        if a.cell_type != "code":
            continue
        if "parameters" in a.metadata.get("tags", []):
            assert b.source == a.source.replace('language = "en"', 'language = "fa"')
            assert b.source != a.source
        else:
            assert b.source == a.source, f"code cell {a.id} differs"
        assert b.metadata == a.metadata
    p_en, p_fa = inspect_parameters(english), inspect_parameters(persian)
    assert list(p_en) == list(p_fa)
    assert p_fa["language"].default == "fa"
    for name in p_en:
        if name != "language":
            assert (p_fa[name].source, p_fa[name].help) == (p_en[name].source, p_en[name].help)


@pytest.mark.parametrize("persian", PERSIAN, ids=[p.stem for p in PERSIAN])
def test_persian_markdown_is_right_to_left(persian):
    translations, _ = load_translations(translation_path(paths.NOTEBOOKS_DIR / persian.name, "fa"))
    assert len(translations) >= 5, "headings and key explanations are translated"
    for cell in read(persian).cells:
        if cell.id in translations:
            assert cell.source.startswith('<div dir="rtl" lang="fa">\n\n')
            assert cell.source.endswith("\n\n</div>")
            assert any("\u0600" <= ch <= "\u06ff" for ch in cell.source)


def test_the_teaching_tour_is_translated_in_full():
    path = translation_path(paths.NOTEBOOKS_DIR / "00-cx-concepts.ipynb", "fa")
    translations, complete = load_translations(path)
    assert complete
    markdown = [c.id for c in read(paths.NOTEBOOKS_DIR / "00-cx-concepts.ipynb").cells
                if c.cell_type == "markdown"]  # fmt: skip
    assert sorted(translations) == sorted(markdown)
    heading = translations[markdown[0]].text.splitlines()[0]
    assert heading.startswith("# ") and "سفر مشتری" in heading


@pytest.mark.parametrize("path", TRANSLATIONS, ids=[p.stem for p in TRANSLATIONS])
def test_every_translation_names_an_unchanged_english_markdown_cell(path):
    english = read(paths.NOTEBOOKS_DIR / f"{path.stem}.ipynb")
    cells = {c.id: c for c in english.cells}
    translations, _ = load_translations(path)
    for cell_id, tr in translations.items():
        assert cell_id in cells, f"{path.name}: cell {cell_id} is not in the English notebook"
        assert cells[cell_id].cell_type == "markdown", f"{path.name}: cell {cell_id}"
        assert english_digest(cells[cell_id].source) == tr.en_sha256, (
            f"{path.name}: cell {cell_id}: the English text changed since it was translated"
        )


# --- the generator on a small project -----------------------------------------------------


def _notebook(folder: Path, name: str = "01-a.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nSome text.", id="m1"),
        nbformat.v4.new_code_cell(
            'out_dir = ""  # exports\nlanguage = "en"  # "en" or "fa"',
            id="p1",
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "import cxlab\n\ncxlab.set_language(language)\nprint('LANG', cxlab.get_language())",
            id="c1",
        ),
        nbformat.v4.new_markdown_cell("Untranslated.", id="m2"),
    ]
    nb.metadata["kernelspec"] = {"name": "cxlab", "display_name": "cxlab", "language": "python"}
    path = folder / name
    nbformat.write(nb, path)
    return path


def _translations(folder: Path, stem: str, cells: dict, complete: bool = False) -> Path:
    path = folder / "fa" / "translations" / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"complete": complete, "cells": cells}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return path


def _entry(english_text: str, text: str = "# عنوان") -> dict:
    return {"en_sha256": english_digest(english_text), "text": text}


def test_generating_replaces_markdown_and_sets_the_language(tmp_path):
    english = _notebook(tmp_path)
    _translations(tmp_path, "01-a", {"m1": _entry("# Title\n\nSome text.")})
    assert stale_edition_files("fa", tmp_path) == [f"{tmp_path / 'fa' / '01-a.ipynb'}: missing"]
    (written,) = write_edition("fa", tmp_path)
    assert write_edition("fa", tmp_path) == []  # unchanged: not rewritten
    nb = read(written)
    assert nb.cells[0].source == '<div dir="rtl" lang="fa">\n\n# عنوان\n\n</div>'
    assert nb.cells[1].source == 'out_dir = ""  # exports\nlanguage = "fa"  # "en" or "fa"'
    assert nb.cells[2].source == read(english).cells[2].source
    assert nb.cells[3].source == "Untranslated."  # no translation: English kept
    assert nb.metadata["cxlab"]["edition"] == "fa"
    assert stale_edition_files("fa", tmp_path) == []
    written.write_text(written.read_text().replace("عنوان", "دستی"))  # edited by hand
    assert "differs" in stale_edition_files("fa", tmp_path)[0]


@pytest.mark.parametrize(
    ("cells", "complete", "message"),
    [
        ({"gone": _entry("x")}, False, "cell gone: no such cell"),
        ({"c1": _entry("x")}, False, "cell c1: a code cell"),
        ({"m1": _entry("# Title\n\nOld text.")}, False, "cell m1: the English text changed"),
        ({"m1": _entry("# Title\n\nSome text.")}, True, "cell m2: not translated"),
    ],
)
def test_a_stale_translation_fails_naming_notebook_and_cell(tmp_path, cells, complete, message):
    english = _notebook(tmp_path)
    _translations(tmp_path, "01-a", cells, complete)
    with pytest.raises(EditionError, match=message) as info:
        build_edition_notebook(english, "fa")
    assert str(english) in str(info.value)
    with pytest.raises(EditionError):
        write_edition("fa", tmp_path)
    assert not (tmp_path / "fa" / "01-a.ipynb").exists()  # nothing written


def test_other_edition_errors(tmp_path):
    english = _notebook(tmp_path)
    with pytest.raises(EditionError, match="no translation file"):
        build_edition_notebook(english, "fa")
    with pytest.raises(EditionError, match="English notebooks are the source"):
        build_edition_notebook(english, "en")
    _translations(tmp_path, "01-a", {"m1": {"text": "no digest"}})
    with pytest.raises(EditionError, match="needs 'en_sha256'"):
        build_edition_notebook(english, "fa")
    _translations(tmp_path, "01-a", {})
    nb = read(english)
    nb.cells[1].source = 'out_dir = ""  # exports'
    nbformat.write(nb, english)
    with pytest.raises(EditionError, match='no line language = "en"'):
        build_edition_notebook(english, "fa")
    _translations(tmp_path, "09-gone", {})
    with pytest.raises(EditionError, match="09-gone.yaml"):
        write_edition("fa", tmp_path)


def test_check_reports_a_left_over_persian_notebook(tmp_path, monkeypatch):
    _notebook(tmp_path)
    _translations(tmp_path, "01-a", {})
    write_edition("fa", tmp_path)
    shutil.copy(tmp_path / "fa" / "01-a.ipynb", tmp_path / "fa" / "02-old.ipynb")
    assert stale_edition_files("fa", tmp_path) == [
        f"{tmp_path / 'fa' / '02-old.ipynb'}: no translation file for it (left over?)"
    ]
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", tmp_path)
    rc, _, err = cli("edition", "fa", "--check")
    assert rc == 1 and "02-old.ipynb" in err and "fix: cxlab edition fa" in err


# --- cxlab run -p language=fa ----------------------------------------------------------


def test_language_fa_selects_the_persian_notebooks_and_their_own_folder():
    found = run_module.find_notebooks(None, "fa")
    assert found == [paths.NOTEBOOKS_DIR.resolve() / "fa" / p.name for p in ENGLISH]
    assert run_module.find_notebooks(None) == ENGLISH
    assert run_module.find_notebooks(["00-cx-concepts"], "fa") == [found[0]]
    explicit = paths.NOTEBOOKS_DIR / "00-cx-concepts.ipynb"
    assert run_module.find_notebooks([explicit], "en") == [explicit.resolve()]
    assert run_module.default_out(None, found, "fa") == paths.REPORTS_DIR / "all-fa"
    assert run_module.default_out(None, found, "en") == paths.REPORTS_DIR / "all"
    assert run_module.default_out(["x"], found[:1], "fa").name == "00-cx-concepts-fa"


def test_run_language_reads_and_checks_the_parameter():
    assert run_module.run_language({}) == "en"
    assert run_module.run_language({"language": CliValue("fa-IR")}) == "fa"
    with pytest.raises(NotebookParameterError, match="parameter 'language'.*'xx'.*en, fa"):
        run_module.run_language({"language": "xx"})
    rc, _, err = cli("run", "--all", "-p", "language=xx")
    assert rc == 2 and "parameter 'language'" in err


def test_a_persian_run_executes_the_edition_into_its_own_folder(tmp_path, monkeypatch):
    """A real kernel: the Persian notebook runs, with language fa, into reports/<name>-fa."""
    notebooks, reports = tmp_path / "notebooks", tmp_path / "reports"
    notebooks.mkdir()
    _notebook(notebooks)
    _notebook(notebooks, "02-b.ipynb")  # no translation file: runs in English text
    _translations(notebooks, "01-a", {"m1": _entry("# Title\n\nSome text.")})
    write_edition("fa", notebooks)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(paths, "REPORTS_DIR", reports)
    result = run_module.run_notebooks(None, params={"language": CliValue("fa")})
    assert result.ok, [nb.error.one_line() for nb in result.failures]
    assert result.out == reports / "all-fa"
    first, second = result.notebooks
    assert first.source == notebooks.resolve() / "fa" / "01-a.ipynb"
    assert second.source == notebooks / "02-b.ipynb"
    for nb in result.notebooks:
        executed = read(result.folder / nb.files["notebook"])
        printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
        assert "LANG fa" in printed
    page = (result.folder / first.files["html"]).read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and 'lang="fa"' in page and "عنوان" in page
    assert not (reports / "all").exists()
