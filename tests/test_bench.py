import json

import numpy as np
import pytest

import zslkit
from zslkit.bench import bench, bench_one, markdown_table
from zslkit.data.synthetic import BENCHMARK_SHAPES, benchmark_shaped
from zslkit.train import fast_path_enabled


def test_benchmark_shaped_has_the_exact_real_shapes():
    d = benchmark_shaped("CUB", feature_dim=8)
    sizes = BENCHMARK_SHAPES["CUB"]
    assert {k: d.splits[k].size for k in sizes} == sizes
    assert d.seen_classes.size == 150 and d.unseen_classes.size == 50 and d.embedding_dim == 312


def test_bench_one_reports_timings(digits):
    key = [k for k in zslkit.available_methods() if k != "eszsl"][0]
    row = bench_one(key, digits, shape="digits", device="cpu", epochs=2, max_batches=2)
    assert row["batches_timed"] == 2 and row["epochs_timed"] == 2
    assert row["seconds_per_epoch"] > 0 and np.isfinite(row["samples_per_second"])
    assert row["peak_gpu_memory_gb"] is None and row["fast_path"] is fast_path_enabled()
    assert key in markdown_table([row])


def test_bench_writes_json_and_markdown_and_restores_the_switch(tmp_path):
    before = fast_path_enabled()
    rows = bench(["eszsl"], ["digits"], device="cpu", plain=True, out=tmp_path, log=lambda *_: None)
    assert fast_path_enabled() == before
    assert json.loads((tmp_path / "bench.json").read_text())["rows"][0]["method"] == "eszsl"
    assert (tmp_path / "bench.md").read_text().startswith("| method")
    assert rows[0]["shape"] == "digits"


def test_cli_bench_rejects_unknown_method(capsys):
    from zslkit.cli import main
    assert main(["bench", "--methods", "nope", "--shapes", "digits"]) == 2
    assert "unknown method" in capsys.readouterr().err
