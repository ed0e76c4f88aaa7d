"""Cross-table checks and :func:`validate`, which reports every problem of a study at once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab.data._catalog import StageCatalog
from cxlab.data._io import (
    customers_from_events,
    empty_feedback,
    map_columns,
    read_folder,
    split_columns,
)
from cxlab.data._schema import (
    check_customers,
    check_events,
    check_feedback,
    check_relations,
)
from cxlab.exceptions import CxlabError, DataError, MissingFileError, ReadError

__all__ = ["validate", "ValidationReport"]


@dataclass
class ValidationReport:
    """Everything :func:`validate` found: errors, warnings and a summary.

    Parameters
    ----------
    errors : list
        Problems that stop loading (exceptions or messages).
    warnings : list
        Problems loading works around, said aloud.
    summary : DataFrame, optional
        Rows and columns read per table.
    """

    errors: list
    warnings: list
    summary: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = []
        if self.errors:
            lines.append(f"{len(self.errors)} error(s):")
            lines += [f"  - {e}" for e in self.errors]
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines += [f"  - {w}" for w in self.warnings]
        if self.ok and self.summary is not None:
            lines.append("OK.")
            lines.append(self.summary.to_string())
        return "\n".join(lines)


def validate(
    source,
    *,
    catalog: StageCatalog | None = None,
    columns=None,
    encoding: str | None = None,
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
) -> ValidationReport:
    """Check a data folder (or a :class:`~cxlab.data.CXData`) and report every problem.

    Unlike the loaders, which stop at the first error, this collects all of them,
    including files that cannot be read (a :class:`~cxlab.exceptions.ReadError`
    each). Only a missing folder raises. The keyword arguments are those of
    :func:`cxlab.load`; rows dated after ``observation_end`` (default: now) are
    listed as warnings.

    Parameters
    ----------
    source : path or CXData
        A study folder (``events``, optional ``customers`` and ``feedback`` files) or a
        loaded study.
    catalog : StageCatalog, optional
        Stages and channels (default: the folder's ``catalog.json``, else
        :data:`DEFAULT_CATALOG`).
    columns : dict, optional
        Your column names -> cxlab's, per table or for all.
    encoding : str, optional
        Text encoding of CSV files (default UTF-8).
    dayfirst, timestamp_format, observation_end
        How to read and check the timestamps, as in :func:`load_events`.

    Examples
    --------
    >>> import cxlab
    >>> report = cxlab.validate("data/demo")
    >>> report.ok
    True
    """

    if isinstance(source, pd.DataFrame):
        raise TypeError("validate() takes a folder or a CXData; use check_events for a table.")
    errors, warnings, clean = [], [], {}
    if hasattr(source, "events"):
        raw, catalog = (
            {n: getattr(source, n) for n in ("events", "customers", "feedback")},
            (catalog or source.catalog),
        )
    else:
        try:
            raw, stored = read_folder(source, encoding=encoding, errors=errors)
        except MissingFileError:
            raise
        except ReadError as exc:
            return ValidationReport(errors=[exc], warnings=[])
        catalog = catalog or stored
    failed = {e.table for e in errors}
    try:
        mapping = split_columns(columns, raw)
        raw = {n: map_columns(df, mapping.get(n), n) for n, df in raw.items()}
    except CxlabError as exc:
        return ValidationReport(errors=[*errors, exc], warnings=[])
    time_opts = dict(
        dayfirst=dayfirst, timestamp_format=timestamp_format, observation_end=observation_end
    )
    for name, checker in (
        ("events", lambda d: check_events(d, catalog, **time_opts)),
        ("customers", check_customers),
        ("feedback", lambda d: check_feedback(d, catalog, **time_opts)),
    ):
        if raw.get(name) is None:
            if name == "events" and name not in failed:
                errors.append(
                    DataError(
                        f"no {name} table found",
                        table=name,
                        fix=f"add {name}.parquet or {name}.csv",
                    )
                )
            elif name != "events" and name not in failed:
                warnings.append(
                    f"{name}: no {name} table; cxlab.load will "
                    + ("build one from the events" if name == "customers" else "use an empty one")
                )
            continue
        df, p = checker(raw[name])
        errors += p.errors
        warnings += p.warnings
        clean[name] = df
    if (
        clean.get("events") is not None
        and raw.get("customers") is None
        and "customers" not in failed
    ):
        clean["customers"] = customers_from_events(clean["events"])
    if clean.get("customers") is not None:
        p = check_relations(clean.get("events"), clean["customers"], clean.get("feedback"))
        errors += p.errors
        warnings += p.warnings
    summary = None
    if not errors:
        from cxlab.data._model import CXData

        data = CXData(
            clean["events"],
            clean["customers"],
            clean.get("feedback", empty_feedback()),
            catalog=catalog,
        )
        summary = data.summary()
    return ValidationReport(errors=errors, warnings=warnings, summary=summary)
