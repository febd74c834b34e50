"""``zslkit bench``: how fast does each method train at the real benchmarks' scale?

For every method it trains on synthetic data with EXACTLY the shapes of a real benchmark
(``awa2``: 23,527 trainval images × 2048 features, 85 attributes, 40/10 classes; ``cub``: 7,057 ×
2048, 312 attributes, 150/50 classes; see `zslkit.data.synthetic.benchmark_shaped`) with the
method's preset for that benchmark (the paper's batch size), and reports seconds per epoch,
samples per second, the final-stage (classifier) time and the peak GPU memory. ``digits`` times
the quick preset on the bundled dataset (the laptop target).

A full epoch of the adversarial methods at AWA2 scale takes minutes on a laptop CPU, so by default
the CPU times ``--max-batches`` batches of one epoch and extrapolates to a full epoch
(``batches_timed`` says how many were measured); on CUDA whole epochs are timed.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch

from .data import load
from .data.synthetic import benchmark_shaped
from .methods import available_methods, create, method_class
from .runs import versions, write_json_atomic
from .train import batches_per_epoch, fast_path_enabled, resolve_device, set_fast_path

__all__ = ["bench_one", "bench", "markdown_table", "main"]


def _dataset(shape: str):
    return load("digits") if shape == "digits" else benchmark_shaped(shape.upper())


def bench_one(key: str, data, *, shape: str, device="auto", epochs: int | None = None,
              max_batches: int | None = None, seed: int = 0) -> dict:
    """Train one method on ``data`` and return its timing row."""
    dev = resolve_device(device)
    presets = method_class(key).presets
    preset = "quick" if shape == "digits" else shape.upper() if shape.upper() in presets else None
    model = create(key, preset=preset if preset in presets else None)
    cfg = model.config
    full_epochs = getattr(cfg, "epochs", 0)
    epochs = full_epochs if epochs is None else epochs
    if dev.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    history = model.fit(data, epochs=epochs, seed=seed, device=dev, progress=False, max_batches=max_batches)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    total = time.perf_counter() - t0
    n = data.splits["trainval"].size
    bs = getattr(cfg, "batch_size", n)
    per_epoch_batches = batches_per_epoch(n, bs)
    timed = min(max_batches or per_epoch_batches, per_epoch_batches)
    secs = history.epoch_seconds[1:] or history.epoch_seconds  # the first epoch pays warm-up costs
    sec_per_epoch = float(np.mean(secs)) * per_epoch_batches / timed if secs else None  # None: closed form
    finish = history.extra.get("finish_seconds", 0.0)
    setup = total - sum(history.epoch_seconds) - finish
    return {"method": key, "shape": shape, "device": str(dev), "device_name": torch.cuda.get_device_name(dev)
            if dev.type == "cuda" else "cpu", "preset": preset, "batch_size": bs, "trainval": n,
            "epochs_timed": len(history.epoch_seconds), "batches_per_epoch": per_epoch_batches,
            "batches_timed": timed, "seconds_per_epoch": sec_per_epoch,
            "samples_per_second": per_epoch_batches * bs / sec_per_epoch if sec_per_epoch else None,
            "schedule_epochs": full_epochs,
            "schedule_seconds": (sec_per_epoch or 0.0) * full_epochs + finish + max(setup, 0.0),
            "final_stage_seconds": finish, "setup_seconds": max(setup, 0.0), "wall_seconds": total,
            "peak_gpu_memory_gb": torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None,
            "fast_path": fast_path_enabled(),
            "threads": torch.get_num_threads()}


def markdown_table(rows: list) -> str:
    head = ("| method | shape | device | batch | s/epoch | samples/s | schedule (epochs) | full schedule s | "
            "final stage s | peak GPU GB | timed |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        gpu = f"{r['peak_gpu_memory_gb']:.2f}" if r["peak_gpu_memory_gb"] is not None else "–"
        timed = (f"{r['epochs_timed']} ep" if r["batches_timed"] == r["batches_per_epoch"]
                 else f"{r['batches_timed']}/{r['batches_per_epoch']} batches × {r['epochs_timed']} ep")
        spe = "–" if r["seconds_per_epoch"] is None else f"{r['seconds_per_epoch']:.2f}"
        sps = "–" if r["samples_per_second"] is None else f"{r['samples_per_second']:.0f}"
        lines.append(f"| {r['method']} | {r['shape']} | {r['device_name']}{' (fast)' if r['fast_path'] else ''} | "
                     f"{r['batch_size']} | {spe} | {sps} | "
                     f"{r['schedule_epochs']} | {r['schedule_seconds']:.1f} | {r['final_stage_seconds']:.2f} | {gpu} | {timed} |")
    return "\n".join(lines)


def bench(methods=None, shapes=("awa2", "cub"), *, device="auto", epochs=None, max_batches=None, plain=False,
          out="runs/bench", log=print) -> list:
    """Time every method on every shape; writes ``out/bench.json`` and ``out/bench.md``."""
    methods = list(methods or available_methods())
    dev = resolve_device(device)
    previous = fast_path_enabled()
    set_fast_path(not plain)
    rows = []
    try:
        for shape in shapes:
            t0 = time.perf_counter()
            data = _dataset(shape)
            log(f"{shape}: {data.summary()} (generated in {time.perf_counter() - t0:.1f} s)")
            for key in methods:
                if dev.type == "cpu" and shape != "digits":
                    ep, mb = (epochs or 2), (max_batches or 10)
                else:
                    ep, mb = epochs, max_batches
                row = bench_one(key, data, shape=shape, device=dev, epochs=ep, max_batches=mb)
                rows.append(row)
                log(f"  {key:<10} {row['seconds_per_epoch'] or 0:8.2f} s/epoch  final stage "
                    f"{row['final_stage_seconds']:.2f} s  full schedule ≈ {row['schedule_seconds']:.1f} s")
                out_dir = Path(out)
                write_json_atomic({"rows": rows, "versions": versions()}, out_dir / "bench.json")
                (out_dir / "bench.md").write_text(markdown_table(rows) + "\n")
    finally:
        set_fast_path(previous)
    return rows


def main(args) -> int:
    unknown = [m for m in (args.methods or []) if m not in available_methods()]
    if unknown:
        from .cli import UsageError
        raise UsageError(f"unknown method {unknown[0]!r}; choose one of: {', '.join(available_methods())}")
    rows = bench(args.methods, args.shapes, device=args.device, epochs=args.epochs,
                 max_batches=getattr(args, "max_batches", None), plain=args.plain, out=args.out)
    print()
    print(markdown_table(rows))
    print(f"\nwritten: {Path(args.out) / 'bench.json'}, {Path(args.out) / 'bench.md'}")
    return 0 if all(r["seconds_per_epoch"] is None or math.isfinite(r["seconds_per_epoch"]) for r in rows) else 1

