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

**Roofline.** After the fit, each method's training step is measured against the machine's own
limit, in the same run: the FLOPs of one step (forward, backward, double backward of gradient
penalties; counted by `torch.utils.flop_counter.FlopCounterMode`, which counts matrix products
only), the seconds of one step in the steady state (the schedule's last epoch: every term on,
every warm-up done; the best of ``--steps`` steps after two untimed ones), their ratio (the
achieved GFLOP/s), and the matmul peak of this device measured just before and after the
steps (`matmul_peak`: a large square GEMM of the step's dtype, same thread count, best of 5
each time). Best-of for both, so a machine shared with other jobs disturbs the ratio less. ``percent_of_peak`` is achieved / peak.
One profiled step splits the step's time into matrix products, the optimiser (Adam), other
operators (elementwise, reductions, indexing, random numbers) and time outside operators
(Python, dispatch; on CUDA: the GPU idle) — where the rest goes when a step is far from the
peak; ``gemm_percent_of_peak`` is the rate of the matrix products alone (the step's FLOPs over
their share of the time).

``compile=True`` (``zslkit bench --compile``) trains and times the step under ``torch.compile``
(`zslkit.train.compile_step`); ``compile_seconds`` is what the first two epochs of the fit took
beyond two steady ones (compilation, then one recompilation once the epoch number changes).
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
from .train import batches_per_epoch, compile_step, fast_path_enabled, resolve_device, set_fast_path

__all__ = ["bench_one", "bench", "markdown_table", "main", "matmul_peak", "step_flops", "step_roofline"]

# operators whose time counts as "matrix products" / "optimiser" in the profile of a step
_GEMM_OPS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addmv", "aten::mv", "aten::dot",
             "aten::_addmm_activation"}
_OPTIMIZER_PREFIXES = ("aten::_fused_adam", "aten::_foreach_", "Optimizer.")


def _dataset(shape: str):
    return load("digits") if shape == "digits" else benchmark_shaped(shape.upper())


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(device="cpu", dtype=torch.float32, n: int | None = None, repeats: int = 5) -> float:
    """This device's matrix-product peak in GFLOP/s: the best of ``repeats`` (n × n) @ (n × n)
    products of ``dtype`` (n = 2048 on a CPU, 8192 on CUDA) with torch's current thread count
    and matmul settings (TF32 on CUDA when the fast path set it)."""
    device = torch.device(device)
    n = n or (8192 if device.type == "cuda" else 2048)
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    best = math.inf
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def _profile_split(step, device: torch.device) -> dict:
    """Fractions of one step's wall time in matrix products, the optimiser, other operators and
    outside operators (Python, dispatch), from `torch.profiler` self times; plus the three
    costliest other operators and the seconds in matrix products."""
    from torch.profiler import ProfilerActivity, profile

    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    _sync(device)
    t0 = time.perf_counter()
    with profile(activities=activities) as prof:
        step()
        _sync(device)
    wall = time.perf_counter() - t0
    split = {"gemm": 0.0, "optimizer": 0.0, "other_ops": 0.0}
    others = {}
    for e in prof.key_averages():
        us = e.self_device_time_total if cuda else e.self_cpu_time_total
        if e.key in _GEMM_OPS or (cuda and any(k in e.key.lower() for k in ("gemm", "cublas", "cutlass"))):
            split["gemm"] += us
        elif e.key.startswith(_OPTIMIZER_PREFIXES) or "adam" in e.key.lower():
            split["optimizer"] += us
        else:
            split["other_ops"] += us
            others[e.key] = others.get(e.key, 0.0) + us
    total = max(wall * 1e6, sum(split.values()))
    out = {k: v / total for k, v in split.items()}
    out["outside_ops"] = max(0.0, 1.0 - sum(out.values()))
    out["top_other_ops"] = {k: round(v / total, 4) for k, v in sorted(others.items(), key=lambda kv: -kv[1])[:3]}
    out["gemm_seconds"] = split["gemm"] / 1e6
    return out


class _GlobalOnly:
    """Stands in for `FlopCounterMode`'s per-module tracker, whose backward hooks on module
    outputs break ``torch.autograd.grad`` on leaf inputs (the gradient penalties): every FLOP
    is counted under "Global" only."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def step_flops(step) -> int:
    """FLOPs of one call of ``step()`` (forward and backward matrix products, as counted by
    `torch.utils.flop_counter.FlopCounterMode`)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    with counter:
        step()
    return counter.get_total_flops()


def step_roofline(model, data, *, epoch: float, steps: int = 5, compile: bool = False) -> dict:
    """One fitted neural method's training step against this machine's matmul peak (see the
    module docstring): FLOPs, seconds and GFLOP/s of a step at ``epoch``, the peak, the ratio,
    and where the time goes. Continues training ``model`` (for ``2 + steps + 2`` steps)."""
    dev = model.device_
    X = torch.as_tensor(model.scaler_.transform(data.X("trainval")), device=dev)
    y = torch.as_tensor(data.y("trainval"), device=dev)
    bs = min(getattr(model.config, "batch_size", X.shape[0]), X.shape[0])
    model.modules_.train()
    fn = compile_step(model.train_step, dev) if compile else model.train_step

    def step(run=fn):
        idx = torch.randint(0, X.shape[0], (bs,), device=dev)
        return run(X[idx], y[idx], epoch)

    step()  # compiles when compile=True (mostly from the caches the fit filled)
    step()
    dtype = next(model.modules_.parameters()).dtype
    peak = matmul_peak(dev, dtype)
    times = []
    for _ in range(steps):
        _sync(dev)
        t0 = time.perf_counter()
        step()
        _sync(dev)
        times.append(time.perf_counter() - t0)
    seconds = min(times)
    flops = step_flops(lambda: step(model.train_step))  # counted on the eager step (the same math)
    split = _profile_split(step, dev)
    peak = max(peak, matmul_peak(dev, dtype))  # before and after the steps: a busy moment lowers one
    achieved = flops / seconds / 1e9
    gemm = flops / split["gemm_seconds"] / 1e9 if split["gemm_seconds"] > 0 else None  # the GEMMs' own rate
    return {"step_epoch": epoch, "steps_timed": steps, "step_seconds": seconds, "flops_per_step": flops,
            "gflops": achieved, "peak_gflops": peak, "percent_of_peak": 100 * achieved / peak,
            "gemm_percent_of_peak": 100 * gemm / peak if gemm else None,
            "dtype": str(dtype).replace("torch.", ""), "time_split": split}


def bench_one(key: str, data, *, shape: str, device="auto", epochs: int | None = None,
              max_batches: int | None = None, seed: int = 0, steps: int | None = None,
              compile: bool = False) -> dict:
    """Train one method on ``data`` and return its timing row (with the roofline of its step
    for a neural method, `step_roofline`)."""
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
    fit_kw = {"max_batches": max_batches, "compile": compile} if full_epochs else {}
    history = model.fit(data, epochs=epochs, seed=seed, device=dev, progress=False, **fit_kw)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    total = time.perf_counter() - t0
    n = data.splits["trainval"].size
    bs = getattr(cfg, "batch_size", n)
    per_epoch_batches = batches_per_epoch(n, bs)
    timed = min(max_batches or per_epoch_batches, per_epoch_batches)
    # the first epoch pays warm-up costs; compiled, the second too (a recompilation once the
    # epoch number changes)
    secs = history.epoch_seconds[2 if compile else 1:] or history.epoch_seconds
    sec_per_epoch = float(np.mean(secs)) * per_epoch_batches / timed if secs else None  # None: closed form
    finish = history.extra.get("finish_seconds", 0.0)
    # compiled: what the first two epochs (compilation, then recompilation once the epoch number
    # changes) took beyond the steady epochs'
    compiling = (sum(history.epoch_seconds[:2]) - 2 * float(np.mean(secs))
                 if compile and full_epochs and len(history.epoch_seconds) > 2 else None)
    setup = total - sum(history.epoch_seconds) - finish
    roofline = {}
    if full_epochs:  # a neural method (a closed form has no step)
        roofline = step_roofline(model, data, epoch=max(full_epochs - 1, 0), compile=compile,
                                 steps=steps or (50 if dev.type == "cuda" else 5))
    return {"method": key, "shape": shape, "device": str(dev), "device_name": torch.cuda.get_device_name(dev)
            if dev.type == "cuda" else "cpu", "preset": preset, "batch_size": bs, "trainval": n,
            "epochs_timed": len(history.epoch_seconds), "batches_per_epoch": per_epoch_batches,
            "batches_timed": timed, "seconds_per_epoch": sec_per_epoch,
            "samples_per_second": per_epoch_batches * bs / sec_per_epoch if sec_per_epoch else None,
            "schedule_epochs": full_epochs,
            "schedule_seconds": (sec_per_epoch or 0.0) * full_epochs + finish + max(setup, 0.0),
            "final_stage_seconds": finish, "setup_seconds": max(setup, 0.0), "wall_seconds": total,
            "peak_gpu_memory_gb": torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None,
            "fast_path": fast_path_enabled(), "compiled": bool(compile and full_epochs),
            "compile_seconds": compiling,
            "threads": torch.get_num_threads(), **roofline}


def _si(flops: float) -> str:
    return f"{flops / 1e9:.2f} G" if flops >= 1e8 else f"{flops / 1e6:.1f} M"


def markdown_table(rows: list) -> str:
    """The timing table, then the roofline table of the neural methods' steps."""
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
    steps = [r for r in rows if r.get("flops_per_step") is not None]
    if steps:
        lines += ["", "| method | shape | device | FLOP/step | step ms | GFLOP/s | peak GFLOP/s | % of peak | "
                      "GEMMs alone % of peak | time: GEMM / Adam / other ops / outside ops (%) | compile s |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in steps:
            t = r["time_split"]
            split = " / ".join(f"{100 * t[k]:.0f}" for k in ("gemm", "optimizer", "other_ops", "outside_ops"))
            comp = "–" if r.get("compile_seconds") is None else f"{r['compile_seconds']:.1f}"
            gemm = "–" if r.get("gemm_percent_of_peak") is None else f"{r['gemm_percent_of_peak']:.0f}"
            dev = f"{r['device_name']}{' compiled' if r.get('compiled') else ''}, {r['threads']} thr, {r['dtype']}"
            lines.append(f"| {r['method']} | {r['shape']} | {dev} | {_si(r['flops_per_step'])} | "
                         f"{1e3 * r['step_seconds']:.1f} | {r['gflops']:.1f} | {r['peak_gflops']:.1f} | "
                         f"{r['percent_of_peak']:.0f} | {gemm} | {split} | {comp} |")
    return "\n".join(lines)


def bench(methods=None, shapes=("awa2", "cub"), *, device="auto", epochs=None, max_batches=None, plain=False,
          compile=False, steps=None, out="runs/bench", log=print) -> list:
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
                    ep, mb = (epochs or (3 if compile else 2)), (max_batches or 10)
                else:
                    ep, mb = epochs, max_batches
                row = bench_one(key, data, shape=shape, device=dev, epochs=ep, max_batches=mb, steps=steps,
                                compile=compile)
                rows.append(row)
                roof = (f"  step {_si(row['flops_per_step'])}FLOP {row['gflops']:.1f} GFLOP/s = "
                        f"{row['percent_of_peak']:.0f} % of {row['peak_gflops']:.0f}" if "gflops" in row else "")
                log(f"  {key:<10} {row['seconds_per_epoch'] or 0:8.2f} s/epoch  final stage "
                    f"{row['final_stage_seconds']:.2f} s  full schedule ≈ {row['schedule_seconds']:.1f} s{roof}")
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
                 max_batches=getattr(args, "max_batches", None), plain=args.plain,
                 compile=getattr(args, "compile", False), steps=getattr(args, "steps", None), out=args.out)
    print()
    print(markdown_table(rows))
    print(f"\nwritten: {Path(args.out) / 'bench.json'}, {Path(args.out) / 'bench.md'}")
    return 0 if all(r["seconds_per_epoch"] is None or math.isfinite(r["seconds_per_epoch"]) for r in rows) else 1

