"""Training runs that leave a record: one run, and a comparison of methods × datasets × seeds.

Every run writes beside its results what produced them: the method's config, the seed, the
device, the torch threads, library versions and timings. `compare` writes ``results.json``
atomically after each finished (dataset, method, seed) and skips rows already there, so an
interrupted comparison loses at most the runs in progress and a rerun with the same ``out``
picks up where it stopped. Its runs are independent tasks for `zslkit.sweep.run_tasks`: inline
by default, in local worker processes (``jobs``) or on Ray (``ray_address``); only this process
writes ``results.json``, and a lock on ``out`` keeps a second `compare` from writing it too.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from .data import ZSLData
from .evaluate import evaluate
from .methods import create, method_class
from .sweep import TasksFailed, run_tasks

__all__ = ["versions", "preset_for", "describe_settings", "run_one", "compare", "summarize", "load_results", "write_json_atomic",
           "format_table", "format_markdown", "write_report", "output_lock", "OutputBusy"]

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
    """The method's preset for this dataset (``digits``, ``awa2-synthetic``, ``AWA2`` ...) if it
    has one; otherwise ``"auto"`` (the size rule, `zslkit.presets.size_rule`) for a neural
    method and None (its own internal selection) for a closed-form one."""
    cls = method_class(key)
    presets = cls.presets
    if quick:
        return "quick" if "quick" in presets else None
    for name in (dataset, dataset.upper()):
        if name in presets:
            return name
    from .methods.base import NeuralMethod
    return "auto" if issubclass(cls, NeuralMethod) else None


def describe_settings(key: str, preset: str | None, data=None) -> str:
    """One line saying which settings a run on ``data`` uses, and how to choose better ones."""
    from .presets import budget_of, provenance, size_rule

    if preset == "auto":
        rule = size_rule(key, data.features.shape[1], len(data.y("trainval")))
        where = (f"the preset validated on {rule['anchor']!r}, the bundled dataset nearest in size, for the "
                 f"updates it makes there" if rule["anchor"] != "paper"
                 else "the paper's defaults (data of the benchmarks' size)")
        return (f"{key}: no preset for this dataset, so the size rule (preset 'auto'): {where}. "
                f"Choose settings on your own validation folds with `zslkit select {key} --dataset ... --grid ...`.")
    if preset is None:
        return f"{key}: the paper's defaults" + (" (hyperparameters chosen inside fit on validation folds)"
                                                   if key == "eszsl" else "")
    budget = budget_of(key, preset)
    updates = f"; trained for the updates its epochs make on {budget:,} images" if budget else ""
    return f"{key}: preset {preset!r} ({provenance(key, preset)}{updates})"


def run_one(key: str, data, *, seed: int = 0, epochs=None, device="auto", preset=None, progress=True,
            out=None, hyperparameters=None) -> dict:
    """Fit one method on ``data`` and evaluate it on the test splits; returns ``(row, Evaluation)``.

    With ``out`` (a folder), writes ``model.pt`` and ``run.json`` (config, seed, device,
    versions, timings, history, results) there.
    """
    import torch

    model = create(key, preset=preset, **(hyperparameters or {}))
    history = model.fit(data, epochs=epochs, seed=seed, device=device, progress=progress)
    t1 = time.perf_counter()
    result = evaluate(model, data)
    row = {"method": key, "seed": seed, "dataset": data.name, **result.as_dict(),
           "train_seconds": history.extra["train_seconds"], "eval_seconds": time.perf_counter() - t1,
           "device": history.extra.get("device", str(device)), "threads": torch.get_num_threads(), "preset": preset,
           "stopped": history.stopped}
    if getattr(model, "size_rule_", None):
        row["size_rule_anchor"] = model.size_rule_["anchor"]
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


def _report_section(rows: list, curves: dict, title: str, include_plotlyjs: bool) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    summary = summarize(rows)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("GZSL accuracy (mean ± s.d. over seeds)",
                                                        "seen–unseen curve (calibrated stacking)"))
    for k in ("S", "U", "H"):
        fig.add_trace(go.Bar(name=k, x=list(summary), y=[100 * summary[m][k][0] for m in summary],
                             error_y=dict(type="data", array=[100 * summary[m][k][1] for m in summary])), 1, 1)
    for m, c in curves.items():
        if m in summary:
            fig.add_trace(go.Scatter(x=100 * np.asarray(c["U"]), y=100 * np.asarray(c["S"]), mode="lines",
                                     name=f"{m} (AUSUC {100 * summary[m]['AUSUC'][0]:.1f})"), 1, 2)
    fig.update_xaxes(title_text="unseen accuracy U (%)", row=1, col=2)
    fig.update_yaxes(title_text="%", row=1, col=1)
    fig.update_yaxes(title_text="seen accuracy S (%)", row=1, col=2)
    fig.update_layout(title=title, barmode="group", height=480, width=1100)
    table = format_table(summary).replace("&", "&amp;").replace("<", "&lt;")
    html = fig.to_html(include_plotlyjs=include_plotlyjs, full_html=False)
    return f"<h2>{title}</h2><pre>{table}</pre>{html}"


def _by_dataset(rows: list) -> dict:
    out = {}
    for r in rows:
        out.setdefault(r.get("dataset"), []).append(r)
    return out


def write_report(rows: list, curves: dict, path, title: str) -> None:
    """An HTML report (plotly, self-contained), one section per dataset: bars of S/U/H with error
    bars over seeds, and the seen–unseen curve of each method's first seed.

    ``curves``: ``{(dataset, method): curve}``, or ``{method: curve}`` when ``rows`` hold one dataset.
    """
    groups = _by_dataset(rows)
    sections = []
    for i, (name, mine) in enumerate(groups.items()):
        mine_curves = {(k[1] if isinstance(k, tuple) else k): c for k, c in curves.items()
                       if (k[0] == name if isinstance(k, tuple) else len(groups) == 1)}
        sections.append(_report_section(mine, mine_curves, title if len(groups) == 1 else f"{name}", i == 0))
    head = "" if len(groups) == 1 else f"<h1>{title}</h1>"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    tmp.write_text(f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{head}"
                   + "".join(sections) + "</body></html>")
    os.replace(tmp, path)


def format_markdown_sections(rows: list) -> str:
    """`format_markdown` of each dataset in ``rows``; a ``## dataset`` heading before each when there are several."""
    groups = _by_dataset(rows)
    if len(groups) == 1:
        return format_markdown(summarize(rows))
    return "\n\n".join(f"## {name}\n\n{format_markdown(summarize(mine))}" for name, mine in groups.items())


class OutputBusy(RuntimeError):
    """Another process holds the lock of this output folder."""


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: lock one byte past the pid, which stays readable
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


@contextlib.contextmanager
def output_lock(out, what: str = "compare"):
    """Hold ``out/.zslkit-compare.lock`` for the duration, or raise `OutputBusy` naming the holder's pid.

    An OS lock (``flock``), so a killed holder frees it: there is never a stale lock to delete.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".zslkit-compare.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            pid = os.read(fd, 32).decode(errors="replace").strip() or "?"
            raise OutputBusy(f"another zslkit {what} is writing {out} (pid {pid}); wait for it to finish, "
                             "or choose another --out.")
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _run_dir(out: Path, dataset: str, key: str, seed: int) -> Path:
    return out / "runs" / dataset.replace("/", "_") / f"{key}-seed{seed}"


def _saved_curve(out: Path, dataset: str, key: str, seed: int):
    """The curve in a finished run's record (``runs/<dataset>/...``, or the older ``runs/<method>-seed<k>``)."""
    for path in (_run_dir(out, dataset, key, seed) / "run.json", out / "runs" / f"{key}-seed{seed}" / "run.json"):
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if record.get("result", {}).get("dataset", dataset) == dataset:
            return record.get("curve")
    return None


def _compare_task(task: dict, shared: dict) -> dict:
    """One run of a comparison (in this process, a worker process or on Ray): train, evaluate, record."""
    row, result = run_one(task["method"], shared[task["dataset"]], seed=task["seed"], epochs=task["epochs"],
                          device=task["device"], preset=task["preset"], progress=task["progress"],
                          out=task["run_dir"])
    return {"row": row, "curve": result.curve}


def _label(task: dict) -> str:
    return f"{task['method']} seed {task['seed']} on {task['dataset']}"


def compare(methods, data, *, seeds=3, out="runs/compare", epochs=None, device="auto", quick=False,
            progress=True, log=print, jobs=1, ray_address=None) -> list:
    """Train every method on every dataset for seeds ``0..seeds-1``, evaluate on test, and record.

    ``data``: a `ZSLData` or a list of them. Writes ``out/results.json`` (``{"rows": [...]}``,
    one row per dataset, method and seed with S, U, H, ZSL, AUSUC, mAP, train_seconds, device,
    threads) after every run, atomically; rows already present are skipped. Each run's model and
    record go to ``out/runs/<dataset>/<method>-seed<k>/``. Finally writes ``out/report.html``
    and the Markdown table(s) ``out/results.md`` (a section per dataset) over every row of
    ``results.json``, and returns those rows.

    ``jobs`` and ``ray_address`` run the trainings in local worker processes or on Ray (see
    `zslkit.sweep.run_tasks`); the numbers are those of the serial run with the same torch
    thread count per run. ``progress``: a bar over the runs (and, inline, each run's epoch bar);
    ``log`` gets one line per finished run. A second `compare` on the same ``out`` raises
    `OutputBusy`. Runs that fail are left out of ``results.json`` (and listed under ``"failed"``)
    and, once everything else is done and written, raise `zslkit.sweep.TasksFailed`; rerunning
    the same call does them.
    """
    datasets = [data] if isinstance(data, ZSLData) else list(data)
    names = [d.name for d in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"two datasets with the same name in {names}; results are keyed by dataset name.")
    out = Path(out)
    results_path = out / "results.json"
    inline = jobs == 1 and ray_address is None
    with output_lock(out):
        rows = load_results(results_path)
        done = {(r.get("dataset"), r["method"], r["seed"]) for r in rows}
        tasks = []
        for d in datasets:
            for key in methods:
                preset = preset_for(key, d.name, quick)
                log(describe_settings(key, preset, d))
                for seed in range(seeds):
                    where = f" on {d.name}" if len(datasets) > 1 else ""
                    if (d.name, key, seed) in done:
                        log(f"{key} seed {seed}{where}: already in {results_path}, skipped")
                        continue
                    tasks.append({"dataset": d.name, "method": key, "seed": seed, "epochs": epochs, "device": device,
                                  "preset": preset, "progress": progress and inline,
                                  "run_dir": str(_run_dir(out, d.name, key, seed).resolve())})
        curves, failed, stamp = {}, [], versions()

        def save():
            present = list(dict.fromkeys(r.get("dataset") for r in rows))
            blob = {"datasets": present, "rows": rows, "versions": stamp}
            if len(present) == 1:
                blob = {"dataset": present[0], **blob}
            if failed:
                blob["failed"] = [{k: o.task[k] for k in ("dataset", "method", "seed")} | {"error": o.error}
                                  for o in failed]
            write_json_atomic(blob, results_path)

        def record(outcome):
            t = outcome.task
            if not outcome.ok:
                failed.append(outcome)
                save()
                return None
            row = outcome.result["row"]
            rows.append(row)
            curves[(t["dataset"], t["method"], t["seed"])] = outcome.result["curve"]
            save()
            where = f" on {t['dataset']}" if len(datasets) > 1 else ""
            return (f"{t['method']} seed {t['seed']}{where}: S {100 * row['S']:.1f}  U {100 * row['U']:.1f}  "
                    f"H {100 * row['H']:.1f}  ({row['train_seconds']:.1f} s on {row['device']})")

        for _ in run_tasks(tasks, _compare_task, jobs=jobs, ray_address=ray_address, on_result=record,
                           shared={d.name: d for d in datasets}, needs=lambda t: [t["dataset"]], device=device,
                           label=_label, progress=progress, log=log):
            pass

        order = {n: i for i, n in enumerate(dict.fromkeys([*names, *(r.get("dataset") for r in rows)]))}
        rank = {m: i for i, m in enumerate(dict.fromkeys([*methods, *(r["method"] for r in rows)]))}
        rows.sort(key=lambda r: (order[r.get("dataset")], rank[r["method"]], r["seed"]))  # the order asked for
        if rows:
            save()
            first = {}
            for r in rows:
                first.setdefault((r.get("dataset"), r["method"]), r["seed"])
            report_curves = {}
            for (name, key), seed in first.items():
                curve = curves.get((name, key, seed)) or _saved_curve(out, name, key, seed)
                if curve is not None:
                    report_curves[(name, key)] = curve
            title = f"zslkit compare — {', '.join(map(str, order))}"
            write_report(rows, report_curves, out / "report.html", title=title)
            (out / "results.md").write_text(format_markdown_sections(rows) + "\n")
    if failed:
        raise TasksFailed(failed, partial=rows)
    return rows
