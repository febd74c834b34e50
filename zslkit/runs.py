"""Training runs that leave a record: one run, and a comparison of methods × seeds.

Every run writes beside its results what produced them: the method's config, the seed, the
device, library versions and timings. `compare` writes ``results.json`` atomically after each
finished (method, seed) and skips rows already there, so an interrupted comparison loses at
most the run in progress and a rerun with the same ``out`` picks up where it stopped.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from .evaluate import evaluate
from .methods import create, method_class

__all__ = ["versions", "preset_for", "run_one", "compare", "summarize", "load_results", "write_json_atomic",
           "format_table", "format_markdown", "write_report"]

RESULT_KEYS = ("S", "U", "H", "ZSL", "AUSUC", "mAP")


def versions() -> dict:
    """Versions of Python and of the libraries a result depends on."""
    import sklearn
    import torch

    from . import __version__

    out = {"zslkit": __version__, "python": sys.version.split()[0], "torch": torch.__version__,
           "numpy": np.__version__, "scikit-learn": sklearn.__version__, "platform": platform.platform()}
    try:
        import ot
        out["pot"] = ot.__version__
    except ImportError:  # pragma: no cover
        pass
    if torch.cuda.is_available():
        out["cuda_device"] = torch.cuda.get_device_name(0)
    return out


def write_json_atomic(obj, path) -> None:
    """Write JSON to a temporary file in the same folder, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, default=_jsonable))
    os.replace(tmp, path)


def _jsonable(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return str(o)


def preset_for(key: str, dataset: str, quick: bool = False) -> str | None:
    """The method's preset for this dataset (``digits``, ``awa2-synthetic``, ``AWA2`` ...), if it has one."""
    presets = method_class(key).presets
    if quick:
        return "quick" if "quick" in presets else None
    for name in (dataset, dataset.upper()):
        if name in presets:
            return name
    return None


def run_one(key: str, data, *, seed: int = 0, epochs=None, device="auto", preset=None, progress=True,
            out=None, hyperparameters=None) -> dict:
    """Fit one method on ``data`` and evaluate it on the test splits; returns ``(row, Evaluation)``.

    With ``out`` (a folder), writes ``model.pt`` and ``run.json`` (config, seed, device,
    versions, timings, history, results) there.
    """
    model = create(key, preset=preset, **(hyperparameters or {}))
    t0 = time.perf_counter()
    history = model.fit(data, epochs=epochs, seed=seed, device=device, progress=progress)
    train_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = evaluate(model, data)
    row = {"method": key, "seed": seed, "dataset": data.name, **result.as_dict(),
           "train_seconds": train_seconds, "eval_seconds": time.perf_counter() - t1,
           "device": history.extra.get("device", str(device)), "preset": preset, "stopped": history.stopped}
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        model.save(out / "model.pt")
        write_json_atomic({"result": row, "config": dataclasses.asdict(model.config), "seed": seed,
                           "epochs": epochs, "dataset": data.summary(), "versions": versions(),
                           "history": history.as_dict(), "curve": result.curve,
                           "per_class_ap": result.per_class_ap}, out / "run.json")
    return row, result


def load_results(path) -> list:
    path = Path(path)
    if not path.exists():
        return []
    try:
        blob = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); move it away to start the comparison afresh.") from None
    return blob.get("rows", []) if isinstance(blob, dict) else blob


def summarize(rows: list, keys=RESULT_KEYS + ("train_seconds",)) -> dict:
    """Per method: mean and sample standard deviation of each key over seeds."""
    out = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        out[method] = {k: (float(np.mean([r[k] for r in mine])),
                           float(np.std([r[k] for r in mine], ddof=1)) if len(mine) > 1 else 0.0)
                       for k in keys}
        out[method]["seeds"] = len(mine)
    return out


def format_table(summary: dict, percent: bool = True) -> str:
    """A fixed-width mean ± std table (accuracies in %, seconds per run)."""
    head = f"{'method':<11}" + "".join(f"{k:>15}" for k in RESULT_KEYS) + f"{'seconds/run':>15}{'seeds':>7}"
    lines = [head, "-" * len(head)]
    for m, s in summary.items():
        cells = "".join(f"{100 * s[k][0]:>8.1f} ± {100 * s[k][1]:<4.1f}" if percent else f"{s[k][0]:>15.3f}"
                        for k in RESULT_KEYS)
        lines.append(f"{m:<11}{cells}{s['train_seconds'][0]:>10.1f} ± {s['train_seconds'][1]:<3.1f}{s['seeds']:>6}")
    return "\n".join(lines)


def format_markdown(summary: dict) -> str:
    """The `format_table` numbers as a Markdown table (accuracies in %, mean ± s.d. over seeds)."""
    lines = ["| method | " + " | ".join(RESULT_KEYS) + " | seconds / run | seeds |",
             "|---|" + "---|" * (len(RESULT_KEYS) + 2)]
    for m, s in summary.items():
        cells = " | ".join(f"{100 * s[k][0]:.1f} ± {100 * s[k][1]:.1f}" for k in RESULT_KEYS)
        lines.append(f"| `{m}` | {cells} | {s['train_seconds'][0]:.1f} | {s['seeds']} |")
    return "\n".join(lines)


def write_report(rows: list, curves: dict, path, title: str) -> None:
    """An HTML report (plotly, self-contained script tag from the CDN-free bundle): bars of
    S/U/H with error bars over seeds, and the seen–unseen curve of each method's first seed."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    summary = summarize(rows)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("GZSL accuracy (mean ± s.d. over seeds)",
                                                        "seen–unseen curve (calibrated stacking)"))
    for k in ("S", "U", "H"):
        fig.add_trace(go.Bar(name=k, x=list(summary), y=[100 * summary[m][k][0] for m in summary],
                             error_y=dict(type="data", array=[100 * summary[m][k][1] for m in summary])), 1, 1)
    for m, c in curves.items():
        fig.add_trace(go.Scatter(x=100 * np.asarray(c["U"]), y=100 * np.asarray(c["S"]), mode="lines",
                                 name=f"{m} (AUSUC {100 * summary[m]['AUSUC'][0]:.1f})"), 1, 2)
    fig.update_xaxes(title_text="unseen accuracy U (%)", row=1, col=2)
    fig.update_yaxes(title_text="%", row=1, col=1)
    fig.update_yaxes(title_text="seen accuracy S (%)", row=1, col=2)
    fig.update_layout(title=title, barmode="group", height=480, width=1100)
    table = format_table(summary).replace("&", "&amp;").replace("<", "&lt;")
    html = fig.to_html(include_plotlyjs=True, full_html=False)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    tmp.write_text(f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                   f"<h2>{title}</h2><pre>{table}</pre>{html}</body></html>")
    os.replace(tmp, path)


def compare(methods, data, *, seeds=3, out="runs/compare", epochs=None, device="auto", quick=False,
            progress=True, log=print) -> list:
    """Train every method on ``data`` for seeds ``0..seeds-1``, evaluate on test, and record.

    Writes ``out/results.json`` (``{"rows": [...]}``, one row per method and seed with S, U, H,
    ZSL, AUSUC, mAP, train_seconds, device) after every run, atomically; rows already present
    are skipped. Each run's model and record go to ``out/runs/<method>-seed<k>/``. Finally writes
    ``out/report.html`` and the Markdown table ``out/results.md``. Returns all rows.
    """
    out = Path(out)
    results_path = out / "results.json"
    rows = load_results(results_path)
    done = {(r["method"], r["seed"]) for r in rows if r.get("dataset") == data.name}
    rows = [r for r in rows if r.get("dataset") == data.name]
    curves = {}
    for key in methods:
        for seed in range(seeds):
            run_dir = out / "runs" / f"{key}-seed{seed}"
            if (key, seed) in done:
                log(f"{key} seed {seed}: already in {results_path}, skipped")
                if seed == 0 and (run_dir / "run.json").exists():
                    curves[key] = json.loads((run_dir / "run.json").read_text())["curve"]
                continue
            preset = preset_for(key, data.name, quick)
            row, result = run_one(key, data, seed=seed, epochs=epochs, device=device, preset=preset,
                                  progress=progress, out=run_dir)
            if seed == 0:
                curves[key] = result.curve
            rows.append(row)
            write_json_atomic({"dataset": data.name, "rows": rows, "versions": versions()}, results_path)
            log(f"{key} seed {seed}: S {100 * row['S']:.1f}  U {100 * row['U']:.1f}  H {100 * row['H']:.1f}  "
                f"({row['train_seconds']:.1f} s on {row['device']})")
    rank = {m: i for i, m in enumerate(dict.fromkeys([*methods, *(r["method"] for r in rows)]))}
    rows = sorted(rows, key=lambda r: (rank[r["method"]], r["seed"]))  # the order asked for
    write_report(rows, curves, out / "report.html", title=f"zslkit compare — {data.name}")
    (out / "results.md").write_text(format_markdown(summarize(rows)) + "\n")
    return rows
