import json

import numpy as np
import pytest
import torch

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


def test_step_flops_counts_forward_backward_and_double_backward():
    from zslkit import losses
    from zslkit.bench import step_flops

    lin = torch.nn.Linear(8, 4)
    x = torch.randn(16, 8)
    # forward 2·16·8·4, backward: the weight gradient only (x needs none)
    assert step_flops(lambda: lin(x).sum().backward()) == 2 * (2 * 16 * 8 * 4)
    # a gradient penalty (autograd.grad on a leaf input, then its backward) is counted too
    critic = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.LeakyReLU(0.2), torch.nn.Linear(32, 1))
    assert step_flops(lambda: losses.gradient_penalty(critic, x, torch.randn(16, 8)).backward()) > 3 * 2 * 16 * 8 * 32


def test_bench_one_measures_the_step_against_the_peak(digits):
    from zslkit.bench import matmul_peak

    assert matmul_peak("cpu", n=256, repeats=2) > 0
    row = bench_one("sp-aen", digits, shape="digits", device="cpu", epochs=1, max_batches=1, steps=2)
    assert row["flops_per_step"] > 0 and row["step_seconds"] > 0 and row["peak_gflops"] > 0
    assert row["percent_of_peak"] == pytest.approx(100 * row["gflops"] / row["peak_gflops"])
    assert row["step_epoch"] == row["schedule_epochs"] - 1 and row["dtype"] == "float32"
    split = row["time_split"]
    assert sum(split[k] for k in ("gemm", "optimizer", "other_ops", "outside_ops")) == pytest.approx(1.0, abs=1e-6)
    table = markdown_table([row])
    assert "% of peak" in table and "GFLOP/s" in table
