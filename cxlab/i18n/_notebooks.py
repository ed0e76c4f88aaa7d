"""Language editions of the notebooks: ``notebooks/<code>/`` generated from the English ones.

The English notebooks in ``notebooks/`` are the one source of truth. An edition
(``notebooks/fa/`` for Persian) is generated from them and never edited by hand:

- code cells are copied verbatim (same ids, same order, same metadata);
- the ``parameters`` cell is copied with its ``language = "en"`` line set to the
  edition's language;
- each markdown cell's text comes from the translation file
  ``notebooks/<code>/translations/<notebook stem>.yaml``, keyed by the English
  cell's id, wrapped in ``<div dir="rtl" lang="fa">`` for a right-to-left
  language. A cell without a translation keeps its English text, unless the file
  says ``complete: true``, in which case every markdown cell must be translated.

Each translation records ``en_sha256``, the first 12 hex digits of the SHA-256
of the English text it translates. When the English cell changes, or disappears,
or a translation names a cell that is not a markdown cell, generating fails and
names the notebook and the cell, so the two editions cannot drift apart silently.

``cxlab edition fa`` writes the edition; ``cxlab edition fa --check`` only checks
that the committed files are what generating would write (exit status 1 if not).
"""

from __future__ import annotations

import copy
import hashlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxlab import _paths as paths
from cxlab.exceptions import CxlabError
from cxlab.i18n._language import DEFAULT_LANGUAGE, language_info, resolve_language

__all__ = [
    "EditionError",
    "Translation",
    "build_edition_notebook",
    "edition_dir",
    "english_digest",
    "load_translations",
    "stale_edition_files",
    "translation_path",
    "write_edition",
]

#: The line of a ``parameters`` cell that an edition rewrites.
_LANGUAGE_LINE = re.compile(r'^language(\s*:\s*str)?\s*=\s*"en"', re.MULTILINE)


class EditionError(CxlabError, ValueError):
    """A translation file does not fit its English notebook (or is unreadable)."""


@dataclass(frozen=True)
class Translation:
    """The translated text of one markdown cell and the digest of the English it translates."""

    cell_id: str
    en_sha256: str
    text: str


def english_digest(text: str) -> str:
    """First 12 hex digits of the SHA-256 of a cell's English text (what a translation records).

    Parameters
    ----------
    text : str
        The markdown cell's source.

    Returns
    -------
    str
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def edition_dir(language: str, notebooks_dir: Path | None = None) -> Path:
    """The folder of a language's edition: ``notebooks/<code>``.

    Parameters
    ----------
    language : str
        Language code (``"fa"``).
    notebooks_dir : Path, optional
        The English notebooks' folder; default the project's ``notebooks/``.

    Returns
    -------
    Path
    """
    return Path(notebooks_dir or paths.NOTEBOOKS_DIR) / resolve_language(language)


def translation_path(english: Path, language: str) -> Path:
    """The translation file of an English notebook: ``<edition>/translations/<stem>.yaml``.

    Parameters
    ----------
    english : Path
        The English notebook.
    language : str
        Language code.

    Returns
    -------
    Path
    """
    return edition_dir(language, english.parent) / "translations" / f"{english.stem}.yaml"


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def load_translations(path: Path) -> tuple[dict[str, Translation], bool]:
    """Read a translation file.

    Parameters
    ----------
    path : Path
        A YAML file with ``cells:`` mapping English cell ids to ``{en_sha256, text}``,
        and optionally ``complete: true``.

    Returns
    -------
    (dict of str to Translation, bool)
        The translations by cell id, and whether every markdown cell must have one.

    Raises
    ------
    EditionError
        The file is not valid YAML or an entry lacks ``en_sha256`` or ``text``.
    """
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EditionError(f"{path}: not valid YAML ({exc})") from None
    cells = doc.get("cells") or {}
    if not isinstance(doc, dict) or not isinstance(cells, dict):
        raise EditionError(f"{path}: expected a mapping with 'cells: {{<cell id>: ...}}'")
    out = {}
    for cell_id, entry in cells.items():
        if not isinstance(entry, dict) or not {"en_sha256", "text"} <= set(entry):
            raise EditionError(
                f"{path}: cell {cell_id!r} needs 'en_sha256' (digest of the English text) and "
                "'text' (the translation)"
            )
        out[str(cell_id)] = Translation(
            str(cell_id), str(entry["en_sha256"]), str(entry["text"]).strip("\n")
        )
    return out, bool(doc.get("complete", False))


def _wrap(text: str, language: str) -> str:
    info = language_info(language)
    direction = info.get("direction", "ltr")
    return f'<div dir="{direction}" lang="{language}">\n\n{text}\n\n</div>'


def _check_translations(english: Path, nb, translations, complete: bool, source: Path) -> None:
    cells = {c.get("id"): c for c in nb.cells}
    problems = []
    for cell_id, tr in translations.items():
        cell = cells.get(cell_id)
        if cell is None:
            problems.append(f"cell {cell_id}: no such cell in the English notebook (removed?)")
        elif cell.cell_type != "markdown":
            problems.append(f"cell {cell_id}: a {cell.cell_type} cell, not a markdown cell")
        elif english_digest(_source(cell)) != tr.en_sha256:
            problems.append(
                f"cell {cell_id}: the English text changed since it was translated "
                f"(en_sha256 {tr.en_sha256}, now {english_digest(_source(cell))}); update "
                "the translation, then its en_sha256"
            )
    if complete:
        problems += [
            f"cell {c.id}: not translated (the file says complete: true)"
            for c in nb.cells
            if c.cell_type == "markdown" and c.get("id") not in translations
        ]
    if problems:
        raise EditionError(
            f"translations {source} do not fit {english}:\n  " + "\n  ".join(problems)
        )


def build_edition_notebook(english: Path, language: str):
    """The edition of one English notebook, as an nbformat notebook (nothing is written).

    Parameters
    ----------
    english : Path
        The English notebook.
    language : str
        Language code of the edition (not English).

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    EditionError
        The translation file is missing or does not fit the notebook (a translated
        cell was removed, changed, or is not markdown; an untranslated cell in a
        complete file), or the notebook's ``parameters`` cell has no
        ``language = "en"`` line. The message names the notebook and the cells.
    """
    import nbformat

    language = resolve_language(language)
    if language == DEFAULT_LANGUAGE:
        raise EditionError("the English notebooks are the source; name another language")
    source = translation_path(english, language)
    if not source.is_file():
        raise EditionError(f"{english.name}: no translation file {source}")
    translations, complete = load_translations(source)
    nb = nbformat.read(english, as_version=4)
    _check_translations(english, nb, translations, complete, source)
    out = copy.deepcopy(nb)
    found_parameters = False
    for cell in out.cells:
        if cell.cell_type == "markdown" and cell.get("id") in translations:
            cell.source = _wrap(translations[cell.id].text, language)
        elif cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            text, n = _LANGUAGE_LINE.subn(f'language = "{language}"', _source(cell), count=1)
            if n != 1:
                raise EditionError(
                    f"{english}: the parameters cell (id {cell.get('id')}) has no line "
                    'language = "en" to set; add one (every notebook takes language)'
                )
            cell.source, found_parameters = text, True
    if not found_parameters:
        raise EditionError(f"{english}: no code cell tagged 'parameters'")
    out.metadata["cxlab"] = {
        "edition": language,
        "generated_from": f"../{english.name}",
        "translations": f"translations/{source.name}",
        "note": "generated by 'cxlab edition'; edit the English notebook or the translations",
    }
    return out


def _text(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def _fresh_texts(language: str, notebooks_dir: Path | None) -> tuple[Path, dict[Path, str]]:
    """The edition folder, and the text each of its notebooks should have (path -> text).

    One notebook per translation file; a translation file without its English
    notebook is an error.
    """
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    folder = edition_dir(language, notebooks_dir)
    files = sorted((folder / "translations").glob("*.yaml"))
    orphans = [f.name for f in files if not (notebooks_dir / f"{f.stem}.ipynb").is_file()]
    if orphans:
        raise EditionError(
            f"translation files without an English notebook in {notebooks_dir}: "
            f"{', '.join(orphans)} (renamed or removed notebook?)"
        )
    texts = {}
    for f in files:
        english = notebooks_dir / f"{f.stem}.ipynb"
        texts[folder / english.name] = _text(build_edition_notebook(english, language))
    return folder, texts


def stale_edition_files(language: str = "fa", notebooks_dir: Path | None = None) -> list[str]:
    """What differs between the committed edition and a fresh one (empty when they agree).

    Parameters
    ----------
    language, notebooks_dir
        As for :func:`write_edition`.

    Returns
    -------
    list of str
        One line per edition notebook that is missing, out of date, or left over
        from a notebook that has no translation file any more.

    Raises
    ------
    EditionError
        As :func:`build_edition_notebook`.
    """
    folder, texts = _fresh_texts(language, notebooks_dir)
    problems = []
    for target, fresh in texts.items():
        if not target.is_file():
            problems.append(f"{target}: missing")
        elif target.read_text(encoding="utf-8") != fresh:
            problems.append(
                f"{target}: differs from what the English notebook and translations give"
            )
    problems += [
        f"{p}: no translation file for it (left over?)"
        for p in sorted(folder.glob("*.ipynb"))
        if p not in texts
    ]
    return problems


def write_edition(language: str = "fa", notebooks_dir: Path | None = None) -> list[Path]:
    """Generate a language's edition: one notebook per translation file, into ``notebooks/<code>/``.

    Parameters
    ----------
    language : str, default="fa"
        The edition.
    notebooks_dir : Path, optional
        The English notebooks' folder; default the project's ``notebooks/``.

    Returns
    -------
    list of Path
        The notebooks written (each is rewritten only when its text changes).

    Raises
    ------
    EditionError
        As :func:`build_edition_notebook`; nothing is written when any notebook fails.
    """
    _, texts = _fresh_texts(language, notebooks_dir)
    written = []
    for target, text in texts.items():
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def register(subparsers) -> None:
    """Add ``cxlab edition`` to the ``cxlab`` command."""
    p = subparsers.add_parser(
        "edition",
        help="generate a language edition of the notebooks (notebooks/<code>/)",
        description=(
            "Write notebooks/<code>/ from the English notebooks and the translation files "
            "notebooks/<code>/translations/<notebook>.yaml (see docs/i18n.md)."
        ),
    )
    p.add_argument("language", help='language code, e.g. "fa"')
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the committed edition differs from a fresh one",
    )
    p.set_defaults(func=_main)


def _main(args) -> int:
    if args.check:
        problems = stale_edition_files(args.language)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"fix: cxlab edition {args.language}", file=sys.stderr)
        return 1 if problems else 0
    for path in write_edition(args.language):
        print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - python -m
    from cxlab.cli import main as cli_main

    return cli_main(["edition", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
