"""Many trainings at once (zslkit.sweep): local worker processes and Ray give the serial numbers,
a killed worker costs only its own run, and one `compare` at a time writes an output folder."""
import json
import os
import signal
import subprocess
import sys

import pytest
import torch

import zslkit
from zslkit import sweep
from zslkit.cli import main
from zslkit.runs import load_results
from zslkit.select import grid_search

TIMINGS = ("train_seconds", "eval_seconds")
# two datasets, a closed-form and a neural method, one seed: four runs
COMPARE = ["compare", "--methods", "eszsl", "acmr", "--datasets", "digits", "synthetic", "--seeds", "1", "--quick",
           "--no-progress"]
SELECT = dict(folds=2, preset="quick", epochs=4)
GRID = {"beta": [0.5, 1.0]}


def numbers(rows):
    """Rows without their wall times (nested per-fold rows of a selection too)."""
    return [{k: numbers(v) if k == "rows" else v for k, v in r.items() if k not in TIMINGS} for r in rows]


class one_thread:
    """Serial runs and workers with one torch thread each (workers never use more than the driver)."""

    def __enter__(self):
        self.n = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.n)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    with one_thread():
        assert main([*COMPARE, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def serial_selection():
    with one_thread():
        return grid_search("acmr", zslkit.datasets.load("digits"), GRID, **SELECT)


def test_local_workers_give_the_serial_numbers_and_a_killed_worker_costs_only_its_run(serial, tmp_path,
                                                                                        monkeypatch, capsys):
    out = tmp_path / "pool"
    monkeypatch.setenv(sweep.KILL_ENV, "acmr seed 0 on digits")  # SIGKILL after the run, before its result is sent
    with one_thread():
        assert main([*COMPARE, "--jobs", "2", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "FAILED: acmr seed 0 on digits" in err and "SIGKILL" in err and "1 run(s) failed" in err
    blob = json.loads((out / "results.json").read_text())
    assert len(blob["rows"]) == 3 and [(f["method"], f["dataset"]) for f in blob["failed"]] == [("acmr", "digits")]
    assert not list(out.glob(".*tmp*"))

    monkeypatch.delenv(sweep.KILL_ENV)
    with one_thread():
        assert main([*COMPARE, "--jobs", "2", "--out", str(out)]) == 0  # reruns the killed run only
    text = capsys.readouterr().out
    assert text.count("already in") == 3 and "acmr seed 0 on digits: S" in text
    rows = load_results(out / "results.json")
    assert numbers(rows) == numbers(load_results(serial / "results.json"))  # bit for bit, in the same order
    assert "failed" not in json.loads((out / "results.json").read_text())
    md = (out / "results.md").read_text()
    assert "## digits" in md and "## synthetic" in md
    html = (out / "report.html").read_text()
    assert "<h2>digits</h2>" in html and "<h2>synthetic</h2>" in html


def test_a_failing_task_prints_its_traceback_once_and_the_others_go_on(capsys):
    lines = []
    outcomes = list(sweep.run_tasks([1, 0, 2], _invert, on_result=lambda o: f"done {o.label}" if o.ok else None,
                                    log=lines.append))
    assert [o.ok for o in outcomes] == [True, False, True] and outcomes[2].result == 0.5
    assert lines == ["done 1", "done 2"]
    err = capsys.readouterr().err
    assert err.count("ZeroDivisionError") == 1 and "FAILED: 0" in err


def _invert(task, shared):
    return 1 / task


def test_output_lines_not_bars_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(["compare", "--methods", "eszsl", "acmr", "--dataset", "digits", "--seeds", "1", "--quick",
                 "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.out + captured.err
    assert [line.split(":")[0] for line in captured.out.splitlines() if ": S " in line] == ["eszsl seed 0", "acmr seed 0"]


def test_a_second_compare_on_the_same_out_exits_2_until_the_first_is_gone(tmp_path, capsys):
    out = tmp_path / "cmp"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom zslkit.runs import output_lock\n"
                               "with output_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(120)",
                               str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        argv = ["compare", "--methods", "eszsl", "--dataset", "digits", "--seeds", "1", "--out", str(out)]
        assert main(argv) == 2
        assert f"another zslkit compare is writing {out} (pid {holder.pid})" in capsys.readouterr().err
        assert not (out / "results.json").exists()
    finally:
        holder.send_signal(signal.SIGKILL)  # a killed holder leaves no stale lock
        holder.wait()
    assert main(argv) == 0


@pytest.mark.parametrize("argv", [["compare", "--methods", "eszsl", "--dataset", "digits"],
                                  ["select", "eszsl", "--dataset", "digits", "--grid", "gamma=1"]])
def test_ray_without_ray_installed_exits_2_naming_the_extra(argv, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert main([*argv, "--ray", "auto"]) == 2
    assert 'pip install "zslkit[ray]"' in capsys.readouterr().err


def test_jobs_become_workers_and_gpus(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert sweep.resolve_jobs(-1, gpu=True) == (2, [0, 1])  # one worker per GPU, each pinned to its own
    assert sweep.resolve_jobs(3, gpu=True) == (3, [0, 1, 0])
    n, gpus = sweep.resolve_jobs(-1)
    assert n == sweep._cores() and gpus == [None] * n
    assert main(["compare", "--methods", "eszsl", "--dataset", "digits", "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray", reason='Ray is not installed (pip install -e ".[ray]")')
    for attempt in (1, 2):
        try:  # run_tasks uses this session
            ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
            break
        except Exception as exc:  # Ray gives its raylet 30 s to start, which an overloaded machine can exceed
            if "timed out during startup" not in str(exc):
                raise
            ray.shutdown()
    else:
        pytest.skip("Ray did not start within its 30 s, twice: the machine is overloaded")
    yield ray
    ray.shutdown()


def test_ray_compare_gives_the_serial_numbers(ray_session, serial, tmp_path):
    with one_thread():
        assert main([*COMPARE, "--ray", "local", "--out", str(tmp_path)]) == 0
    assert numbers(load_results(tmp_path / "results.json")) == numbers(load_results(serial / "results.json"))


def test_ray_select_gives_the_serial_numbers(ray_session, serial_selection):
    with one_thread():
        rows = grid_search("acmr", zslkit.datasets.load("digits"), GRID, ray_address="local", **SELECT)
    assert numbers(rows) == numbers(serial_selection)
    assert os.environ.get(sweep.KILL_ENV) is None
