"""Cross-table checks and :func:`validate`, which reports every problem of a study at once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab.catalog import StageCatalog
from cxlab.exceptions import DataError, OrphanRowsError
from cxlab.schema import Problems, check_customers, check_events, check_feedback, example_ids

__all__ = ["check_relations", "validate", "ValidationReport"]


def check_relations(events, customers, feedback) -> Problems:
    """Cross-table checks: every event's and answer's customer is in ``customers``."""
    probs = Problems()
    known = pd.Index(customers["customer_id"].unique())
    for name, df in (("events", events), ("feedback", feedback)):
        if df is None:
            continue
        orphan = ~df["customer_id"].isin(known)
        if orphan.any():
            probs.errors.append(
                OrphanRowsError(
                    f"{df.loc[orphan, 'customer_id'].nunique():,} customers are missing from "
                    "the customers table",
                    table=name,
                    column="customer_id",
                    n_rows=int(orphan.sum()),
                    example_ids=example_ids(df, orphan),
                    fix="add those customers to customers, or filter the rows out explicitly",
                )
            )
    if events is not None:
        silent = ~customers["customer_id"].isin(events["customer_id"].unique())
        if silent.any():
            probs.warnings.append(
                f"customers: {int(silent.sum()):,} customers have no events "
                f"(e.g. {example_ids(customers, silent)})"
            )
        if "signup_date" in customers and pd.api.types.is_datetime64_any_dtype(
            customers["signup_date"]
        ):
            first = events.groupby("customer_id", sort=False)["timestamp"].min()
            signup = customers.set_index("customer_id")["signup_date"].reindex(first.index)
            early = (first < signup.dt.floor("D")).to_numpy()
            if early.any():
                probs.warnings.append(
                    f"events: {int(early.sum()):,} customers have events before their "
                    f"signup_date (e.g. {first.index[early][:5].tolist()})"
                )
    return probs


@dataclass
class ValidationReport:
    """Everything :func:`validate` found: errors, warnings and a summary."""

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


def validate(source, *, catalog: StageCatalog | None = None) -> ValidationReport:
    """Check a data folder (or a :class:`~cxlab.data.CXData`) and report every problem.

    Unlike the loaders, which stop at the first error, this collects all of them.

    Examples
    --------
    >>> import cxlab
    >>> report = cxlab.validate("data/demo")
    >>> report.ok
    True
    """
    from cxlab import io  # local import: io uses this module

    if isinstance(source, pd.DataFrame):
        raise TypeError("validate() takes a folder or a CXData; use check_events for a table.")
    if hasattr(source, "events"):
        raw, catalog = (
            {n: getattr(source, n) for n in ("events", "customers", "feedback")},
            (catalog or source.catalog),
        )
    else:
        raw, stored = io.read_folder(source)
        catalog = catalog or stored
    errors, warnings, clean = [], [], {}
    for name, checker in (
        ("events", lambda d: check_events(d, catalog)),
        ("customers", check_customers),
        ("feedback", lambda d: check_feedback(d, catalog)),
    ):
        if raw.get(name) is None:
            if name != "feedback":
                errors.append(
                    DataError(
                        f"no {name} table found",
                        table=name,
                        fix=f"add {name}.parquet or {name}.csv",
                    )
                )
            continue
        df, p = checker(raw[name])
        errors += p.errors
        warnings += p.warnings
        clean[name] = df
    if clean.get("customers") is not None:
        p = check_relations(clean.get("events"), clean["customers"], clean.get("feedback"))
        errors += p.errors
        warnings += p.warnings
    summary = None
    if not errors:
        from cxlab.data import CXData

        data = CXData(
            clean["events"],
            clean["customers"],
            clean.get("feedback", io.empty_feedback()),
            catalog=catalog,
        )
        summary = data.summary()
    return ValidationReport(errors=errors, warnings=warnings, summary=summary)
