"""The study: events, customers and feedback in one :class:`CXData`, and everything that gets them there.

Loading (:func:`load` and friends, any folder of CSV/Parquet files or a DuckDB file),
checking (:func:`validate`), the stage catalog (:class:`StageCatalog`), the table
schema and the filters (segment expressions, date windows, stages, channels).
"""

from __future__ import annotations

from cxlab.data._catalog import (
    DEFAULT_CATALOG,
    DROP_STATE,
    END_STATE,
    START_STATE,
    StageCatalog,
    observed_stages,
    study_catalog,
)
from cxlab.data._filters import (
    filter_customers,
    filter_data,
    filter_dates,
    filter_segment,
    select_channels,
    select_stages,
)
from cxlab.data._groups import customer_groups
from cxlab.data._io import (
    empty_feedback,
    load,
    load_customers,
    load_events,
    load_feedback,
    register_reader,
)
from cxlab.data._model import TABLES, CXData
from cxlab.data._schema import REQUIRED_COLUMNS
from cxlab.data._segment_expr import eval_segment
from cxlab.data._validation import ValidationReport, validate

__all__ = [
    "CXData",
    "TABLES",
    "StageCatalog",
    "DEFAULT_CATALOG",
    "START_STATE",
    "END_STATE",
    "DROP_STATE",
    "observed_stages",
    "study_catalog",
    "load",
    "load_events",
    "load_customers",
    "load_feedback",
    "empty_feedback",
    "register_reader",
    "validate",
    "ValidationReport",
    "REQUIRED_COLUMNS",
    "filter_data",
    "filter_segment",
    "filter_dates",
    "filter_customers",
    "select_stages",
    "select_channels",
    "eval_segment",
    "customer_groups",
]
