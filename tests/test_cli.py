import json
import subprocess
import sys

import numpy as np
import pytest

import zslkit
from zslkit.cli import main
from zslkit.runs import compare, load_results

from helpers import write_xlsa17


def test_datasets_lists_names(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "digits" in out and "awa2-synthetic" in out


@pytest.mark.parametrize("argv, words", [
    (["train", "no-such-method", "--dataset", "digits"], ["unknown method", "eszsl"]),
    (["train", "eszsl", "--dataset", "no-such-data"], ["unknown dataset", "digits"]),
    (["compare", "--methods", "eszsl", "nope", "--dataset", "digits"], ["unknown method", "cada-vae"]),
    (["train", "eszsl", "--dataset", "awa2", "--data-dir", "/nonexistent/AWA2"], ["res101.mat", "xlsa17"]),
    (["train", "eszsl", "--dataset", "awa2-semantics"], ["semantics only"]),
])
def test_bad_names_exit_2_with_the_valid_choices(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err


def test_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "eszsl", "--dataset", "digits", "--bogus"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["train", "eszsl", "--dataset", "digits", "--device", "tpu"])
    assert exc.value.code == 2 and "cuda" in capsys.readouterr().err


def test_train_writes_a_run_record(tmp_path, capsys):
    assert main(["train", "eszsl", "--dataset", "digits", "--out", str(tmp_path), "--no-progress"]) == 0
    run = tmp_path / "eszsl-digits-seed0"
    record = json.loads((run / "run.json").read_text())
    for key in ("config", "seed", "versions", "history", "result"):
        assert key in record
    assert record["versions"]["torch"] and record["result"]["device"] == "cpu"
    assert record["result"]["train_seconds"] >= 0
    assert main(["evaluate", str(run / "model.pt"), "--dataset", "digits"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["H"] == pytest.approx(record["result"]["H"], abs=1e-4)


def test_compare_writes_rows_report_and_resumes(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--methods", "eszsl", "--dataset", "digits", "--seeds", "2", "--out", str(out),
                 "--no-progress"]) == 0
    rows = load_results(out / "results.json")
    assert [(r["method"], r["seed"]) for r in rows] == [("eszsl", 0), ("eszsl", 1)]
    for r in rows:
        assert set(r) >= {"method", "seed", "S", "U", "H", "ZSL", "AUSUC", "mAP", "train_seconds", "device"}
    assert (out / "report.html").stat().st_size > 10_000
    table = (out / "results.md").read_text().splitlines()
    h = np.mean([r["H"] for r in rows])
    assert table[0].startswith("| method | S | U | H |") and table[2].startswith("| `eszsl` |")
    assert f"{100 * h:.1f} ±" in table[2].split("|")[4]
    assert "±" in capsys.readouterr().out
    # an interrupted comparison: seed 1 is missing; a rerun does only that one
    blob = json.loads((out / "results.json").read_text())
    blob["rows"] = blob["rows"][:1]
    (out / "results.json").write_text(json.dumps(blob))
    log = []
    data = zslkit.datasets.load("digits")
    rows2 = compare(["eszsl"], data, seeds=2, out=out, progress=False, log=log.append)
    settings, *runs = log  # first the settings each method uses, then one line per run
    assert settings.startswith("eszsl: preset 'digits' (")
    assert "already" in runs[0] and "seed 1" in runs[1] and "already" not in runs[1]
    assert rows2[1]["H"] == rows[1]["H"]
    assert not list(out.glob(".*tmp*"))


def test_compare_on_a_real_format_folder(tmp_path):
    write_xlsa17(tmp_path / "AWA2", n_classes=8, per_class=12)
    assert main(["compare", "--methods", "eszsl", "--dataset", "awa2", "--data-dir", str(tmp_path / "AWA2"),
                 "--seeds", "1", "--out", str(tmp_path / "out"), "--no-progress"]) == 0


def test_console_script_is_installed():
    r = subprocess.run([sys.executable, "-m", "zslkit.cli", "train", "x", "--dataset", "digits"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown method" in r.stderr


def test_select_ranks_a_grid_on_validation_folds(tmp_path, capsys):
    out = tmp_path / "select.json"
    assert main(["select", "eszsl", "--dataset", "digits", "--grid", "gamma=1,100", "lambda_=0.1",
                 "--folds", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "best:" in text and "3 class-disjoint validation folds" in text
    blob = json.loads(out.read_text())
    assert [len(r["rows"]) for r in blob["rows"]] == [3, 3]
    assert blob["rows"][0]["H"] >= blob["rows"][1]["H"]
    assert {r["params"]["gamma"] for r in blob["rows"]} == {1, 100}
    assert blob["match_updates"] is True


@pytest.mark.parametrize("grid, message", [(["gamma"], "NAME=V1,V2"), (["nope=1,2"], "no hyperparameter 'nope'")])
def test_select_rejects_a_bad_grid(grid, message, capsys):
    assert main(["select", "eszsl", "--dataset", "digits", "--grid", *grid]) == 2
    assert message in capsys.readouterr().err


def test_select_refuses_more_folds_than_the_classes_allow(capsys):
    # digits: 7 seen classes, 2 hidden per fold -> at most 21 distinct folds
    assert main(["select", "eszsl", "--dataset", "digits", "--grid", "gamma=1", "--folds", "22"]) == 2
    assert "distinct sets" in capsys.readouterr().err


@pytest.mark.parametrize("flag, expected", [([], 1011), (["--no-match-updates"], None)])
def test_select_gives_folds_the_refits_updates_unless_told_not_to(flag, expected, fit_budgets, capsys):
    assert main(["select", "mianet", "--dataset", "digits", "--quick", "--epochs", "1", "--folds", "2",
                 "--grid", "gamma=0.01", "--no-progress", *flag]) == 0
    assert fit_budgets == [expected, expected]
    assert ("refit's updates" in capsys.readouterr().out) is (not flag)
