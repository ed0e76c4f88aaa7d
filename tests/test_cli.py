"""The data commands: ``cxlab simulate`` and ``cxlab validate``."""

from __future__ import annotations

import pandas as pd

from cxlab.cli import main


def test_simulate_then_validate(tmp_path, capsys):
    out = tmp_path / "study"
    assert main(["simulate", "--customers", "200", "--seed", "3", "--out", str(out)]) == 0
    assert (out / "events.parquet").exists() and (out / "truth" / "truth.json").exists()
    assert main(["validate", str(out)]) == 0
    text = capsys.readouterr().out
    assert "valid" in text and "events" in text and "200" in text


def test_validate_reports_problems_with_exit_1(tmp_path, capsys):
    pd.DataFrame(
        {
            "customer_id": [1, 1],
            "timestamp": ["2025-01-01", "garbage"],
            "stage": ["awareness", "purchase"],
            "channel": ["ads", "web"],
        }
    ).to_csv(tmp_path / "events.csv", index=False)
    pd.DataFrame({"customer_id": [1]}).to_csv(tmp_path / "customers.csv", index=False)
    assert main(["validate", str(tmp_path)]) == 1
    text = capsys.readouterr().out
    assert "INVALID" in text and "timestamp" in text and "garbage" in text


def test_validate_missing_folder_exit_1(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "absent")]) == 1
    assert "no data" in capsys.readouterr().err
