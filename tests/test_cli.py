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


def test_simulate_refuses_a_non_empty_folder_unless_forced(tmp_path, capsys):
    (tmp_path / "catalog.json").write_text('{"stages": ["mine"]}')
    (tmp_path / "events.csv").write_text("customer_id\n1\n")
    args = ["simulate", "--customers", "50", "--out", str(tmp_path)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "catalog.json" in err
    assert (tmp_path / "catalog.json").read_text() == '{"stages": ["mine"]}'  # untouched
    assert not (tmp_path / "events.parquet").exists()
    assert main([*args, "--force"]) == 0
    assert (tmp_path / "events.parquet").exists()


_BROKEN = {
    "empty file": {"events.csv": b""},
    "latin-1": {
        "events.csv": "customer_id,timestamp,stage,channel,n\n1,2025-01-01,awareness,web,é\n".encode(
            "latin-1"
        )
    },
    "utf-16": {
        "events.csv": "customer_id,timestamp,stage,channel\n1,2025-01-01,awareness,web\n".encode(
            "utf-16"
        )
    },
    "ragged": {
        "events.csv": b"customer_id,timestamp,stage,channel\n1,2025-01-01,awareness,web,x,y\n"
    },
    "bad catalog": {
        "events.csv": b"customer_id,timestamp,stage,channel\n",
        "catalog.json": b"{oops",
    },
    "two files": {"events.csv": b"a\n1\n", "events.parquet": b"PAR1"},
    "not parquet": {"events.parquet": b"garbage bytes"},
    "random bytes": {"events.csv": bytes(range(256)) * 4},
    "duckdb without table": {},
}


def test_validate_never_shows_a_traceback(tmp_path, capsys):
    import duckdb

    for name, files in _BROKEN.items():
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        for fname, content in files.items():
            (folder / fname).write_bytes(content)
        target = folder
        if name == "duckdb without table":
            target = folder / "study.duckdb"
            con = duckdb.connect(str(target))
            con.execute("CREATE TABLE other AS SELECT 1 AS x")
            con.close()
        code = main(["validate", str(target)])
        out = capsys.readouterr()
        text = out.out + out.err
        assert code == 1, name
        assert "Traceback" not in text, name
        assert "Fix:" in text, (name, text)
    csv = tmp_path / "latin"
    csv.mkdir()
    (csv / "events.csv").write_bytes(_BROKEN["latin-1"]["events.csv"])
    assert main(["validate", str(csv)]) == 1
    assert "encoding='latin-1'" in capsys.readouterr().out
    assert main(["validate", str(csv), "--encoding", "latin-1"]) == 0


def test_validate_settles_day_month_order(tmp_path, capsys):
    pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": ["03/04/2025", "05/06/2025"],
            "stage": ["awareness", "purchase"],
            "channel": ["ads", "web"],
        }
    ).to_csv(tmp_path / "events.csv", index=False)
    assert main(["validate", str(tmp_path)]) == 1
    assert "dayfirst" in capsys.readouterr().out
    assert main(["validate", str(tmp_path), "--dayfirst"]) == 0
    assert main(["validate", str(tmp_path), "--timestamp-format", "%m/%d/%Y"]) == 0
