"""The ``zslkit`` command: ``datasets``, ``train``, ``evaluate``, ``compare``, ``select``, ``bench`` and ``export``.

Unknown methods, datasets or options exit with status 2 and list the valid choices.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .data import ZSLData, ZSLDataError, available, load
from .data.xlsa17 import DOWNLOAD_HINT
from .methods import available_methods, load_model
from .train import ModelFileError, compile_enabled, set_compile

REAL_BENCHMARKS = ("awa1", "awa2", "cub", "cub-sent", "sun", "apy", "flo")
_FOLDER = {"cub-sent": "CUB"}  # the xlsa17 folder of a real benchmark, when it is not its name in capitals


class UsageError(Exception):
    """Bad command-line input: printed and exit status 2."""


def _load_dataset(name: str, data_dir: str | None, **loader_kw) -> ZSLData:
    names = available()
    if name not in names:
        raise UsageError(f"unknown dataset {name!r}; choose one of: {', '.join(names)}")
    if name.endswith("-semantics"):
        raise UsageError(f"{name!r} has class semantics only (no image features) and cannot be trained on; "
                         f"use e.g. {name.replace('-semantics', '-synthetic')!r}.")
    kwargs = {}
    if name in REAL_BENCHMARKS:
        folder = Path(data_dir) if data_dir else None
        if folder is not None and not (folder / "res101.mat").exists():
            sub = folder / _FOLDER.get(name, name.upper())  # --data-dir holding several benchmarks' folders
            if not (sub / "res101.mat").exists():
                raise UsageError(f"{folder / 'res101.mat'} not found (nor {sub / 'res101.mat'}). {DOWNLOAD_HINT}")
            folder = sub
        kwargs["data_dir"] = str(folder) if folder is not None else None
    elif data_dir:
        raise UsageError(f"--data-dir is only used by the real benchmarks ({', '.join(REAL_BENCHMARKS)}).")
    try:
        return load(name, **kwargs, **loader_kw)
    except ZSLDataError as exc:
        raise UsageError(str(exc)) from None


def _method(key: str) -> str:
    if key not in available_methods():
        raise UsageError(f"unknown method {key!r}; choose one of: {', '.join(available_methods())}")
    return key


def cmd_datasets(args) -> int:
    for name, desc in available().items():
        print(f"{name:<16} {desc}")
    return 0


def cmd_train(args) -> int:
    from .runs import describe_settings, preset_for, run_one

    key = _method(args.method)
    data = _load_dataset(args.dataset, args.data_dir)
    preset = args.preset or preset_for(key, data.name, args.quick)
    print(describe_settings(key, preset, data))
    out = Path(args.out) / f"{key}-{data.name.replace('/', '_')}-seed{args.seed}" if args.out else None
    row, _ = run_one(key, data, seed=args.seed, epochs=args.epochs, device=args.device, preset=preset,
                     progress=not args.no_progress, out=out)
    print(f"{key} on {data.name} (seed {args.seed}, preset {preset}, {row['device']}, {row['train_seconds']:.1f} s)")
    print("  ".join(f"{k} {100 * row[k]:.1f}" for k in ("S", "U", "H", "ZSL", "AUSUC", "mAP")))
    if out:
        print(f"model and run record written to {out}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate

    path = Path(args.model)
    if not path.exists():
        raise UsageError(f"no saved model at {path}")
    try:
        model = load_model(path)  # reads plain data only: a crafted file cannot run code
    except ModelFileError as exc:
        raise UsageError(str(exc)) from None
    data = _load_dataset(args.dataset, args.data_dir)
    result = evaluate(model, data, calibration=args.calibration)
    print(json.dumps({k: round(v, 4) for k, v in result.as_dict().items()}))
    return 0


def _executor(args) -> dict:
    """``--jobs`` / ``--ray`` → keywords for `zslkit.sweep.run_tasks` (checked before any data is loaded)."""
    if args.jobs < 1 and args.jobs != -1:
        raise UsageError(f"--jobs must be a positive number of worker processes or -1 (one per core or GPU), "
                         f"got {args.jobs}")
    if args.ray is not None:
        from .sweep import RayUnavailable, require_ray

        try:
            require_ray()
        except RayUnavailable as exc:
            raise UsageError(str(exc)) from None
    return {"jobs": args.jobs, "ray_address": args.ray}


def _progress(args) -> bool:
    """Bars only on a terminal: redirected to a file or in CI, one line per finished run instead."""
    return not args.no_progress and sys.stderr.isatty()


def cmd_compare(args) -> int:
    from .runs import OutputBusy, compare, format_table, summarize
    from .sweep import RayUnavailable, TasksFailed

    methods = [_method(m) for m in (args.methods or available_methods())]
    executor = _executor(args)
    names = args.datasets or [args.dataset]
    if args.data_dir and not set(names) & set(REAL_BENCHMARKS):
        raise UsageError(f"--data-dir is only used by the real benchmarks ({', '.join(REAL_BENCHMARKS)}).")
    datasets = [_load_dataset(name, args.data_dir if name in REAL_BENCHMARKS else None)
                for name in dict.fromkeys(names)]
    out = Path(args.out or f"runs/compare-{'-'.join(d.name for d in datasets)}")
    for d in datasets:
        print(d.summary())
    status = 0
    try:
        rows = compare(methods, datasets, seeds=args.seeds, out=out, epochs=args.epochs, device=args.device,
                       quick=args.quick, progress=_progress(args), **executor)
    except (OutputBusy, RayUnavailable) as exc:
        raise UsageError(str(exc)) from None
    except TasksFailed as exc:
        print(f"\nzslkit: {exc}", file=sys.stderr)
        rows, status = exc.partial, 1
    for d in datasets:
        mine = [r for r in rows if r["method"] in methods and r.get("dataset") == d.name]
        if mine:
            print(f"\n{d.name}" if len(datasets) > 1 else "")
            print(format_table(summarize(mine)))
    print(f"\nresults: {out / 'results.json'} (table: {out / 'results.md'})\nreport:  {out / 'report.html'}")
    return status


def _parse_grid(items) -> dict:
    """``["beta=0,0.5", "negatives=random,all"]`` → ``{"beta": [0.0, 0.5], "negatives": ["random", "all"]}``."""
    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name or not values:
            raise UsageError(f"--grid expects NAME=V1,V2,...; got {item!r}")
        grid[name] = [_value(v) for v in values.split(",")]
    return grid


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def cmd_select(args) -> int:
    from .methods import method_class
    from .runs import preset_for, write_json_atomic
    from .select import grid_search
    from .sweep import RayUnavailable, TasksFailed

    key = _method(args.method)
    executor = _executor(args)
    data = _load_dataset(args.dataset, args.data_dir)
    grid = _parse_grid(args.grid)
    fields = set(method_class(key).Config.__dataclass_fields__)
    unknown = sorted(set(grid) - fields)
    if unknown:
        raise UsageError(f"{key} has no hyperparameter {unknown[0]!r}; choose from: {', '.join(sorted(fields))}")
    preset = args.preset or preset_for(key, data.name, args.quick)
    if args.folds < 1 or args.seeds < 1:
        raise UsageError("--folds and --seeds must be at least 1")
    budget = "epochs counted on each fold" if args.no_match_updates else "each fold gets the refit's updates"
    print(f"{key} on {data.name}: {args.folds} class-disjoint validation folds, seeds {args.seeds}, preset {preset}, "
          f"{budget}")
    status, failed = 0, []
    try:
        rows = grid_search(key, data, grid, folds=args.folds, seeds=tuple(range(args.seeds)), preset=preset,
                           epochs=args.epochs, device=args.device, log=print,
                           match_updates=not args.no_match_updates, progress=_progress(args), **executor)
    except (ValueError, TypeError) as exc:  # too many folds for the classes, a value of the wrong type
        raise UsageError(str(exc)) from None
    except RayUnavailable as exc:
        raise UsageError(str(exc)) from None
    except TasksFailed as exc:
        print(f"\nzslkit: {exc} Settings with a failed training are left out of the ranking.", file=sys.stderr)
        rows, status = exc.partial, 1
        failed = [{"params": o.task["params"], "fold": o.task["fold"], "seed": o.task["seed"], "error": o.error}
                  for o in exc.failed]
    if rows:
        print(f"\nbest: {rows[0]['params']} (mean validation H {rows[0]['H']:.3f} ± {rows[0]['H_std']:.3f}, "
              f"{rows[0]['train_seconds']:.1f} s per training)")
    if args.out:
        blob = {"method": key, "dataset": data.name, "preset": preset, "folds": args.folds,
                "match_updates": not args.no_match_updates, "rows": rows}
        write_json_atomic({**blob, "failed": failed} if failed else blob, Path(args.out))
        print(f"written: {args.out}")
    return status


def cmd_bench(args) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def cmd_export(args) -> int:
    from .data.xlsa17 import export_xlsa17

    drawn = {}
    if args.feature_dim is not None:  # the real benchmarks' files are what they are; only drawn data has a size
        synthetic = args.dataset == "synthetic" or args.dataset.endswith("-synthetic")
        if args.dataset in available() and not synthetic:  # an unknown name: _load_dataset says so below
            raise UsageError(f"--feature-dim applies to the synthetic datasets (e.g. awa2-synthetic), not {args.dataset!r}.")
        if args.feature_dim < 1:
            raise UsageError(f"--feature-dim must be a positive number of features, got {args.feature_dim}.")
        drawn["feature_dim"] = args.feature_dim
    data = _load_dataset(args.dataset, args.data_dir, **drawn)
    try:
        written = export_xlsa17(data, args.out, overwrite=args.overwrite)
    except ZSLDataError as exc:
        raise UsageError(str(exc)) from None
    print(data.summary())
    print(f"written in the xlsa17 format to {written[0].parent}:")
    for path in written:
        size = path.stat().st_size
        print(f"  {path.name:<20} " + (f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} kB"
                                          if size >= 1e3 else f"{size} bytes"))
    print(f"read it with zslkit.datasets.load_xlsa17({str(written[0].parent)!r}) or any code that reads xlsa17 "
          "(res101.mat + att_splits.mat)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zslkit", description="Generalised zero-shot learning: train, evaluate, compare.")
    sub = p.add_subparsers(dest="command", required=True, metavar="{datasets,train,evaluate,compare,select,bench,export}")
    sub.add_parser("datasets", help="list the datasets").set_defaults(func=cmd_datasets)

    def common(q, several=False):
        if several:
            which = q.add_mutually_exclusive_group(required=True)
            which.add_argument("--dataset", help="a name from `zslkit datasets`")
            which.add_argument("--datasets", nargs="+", metavar="NAME", help="several datasets in one sweep")
        else:
            q.add_argument("--dataset", required=True, help="a name from `zslkit datasets`")
        q.add_argument("--data-dir", help="folder with res101.mat and att_splits.mat (real benchmarks), or the folder "
                                              "holding several benchmarks' folders (AWA2/, CUB/ ...; default "
                                              "$ZSLKIT_DATA)")
        q.add_argument("--epochs", type=int, help="override the number of training epochs")
        q.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
        q.add_argument("--quick", action="store_true", help="tiny budgets (the methods' quick presets)")
        q.add_argument("--no-progress", action="store_true", help="no progress bars (there are none unless "
                                                                     "stderr is a terminal)")
        q.add_argument("--compile", action="store_true", help="run every training step under torch.compile (CUDA "
                                                                  "graphs on a GPU); compiling costs a minute or more")

    def parallel(q):
        q.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="run the trainings in N local worker processes (default 1: one after another in "
                            "this process; -1: one per core, or one per GPU, each pinned to its GPU)")
        q.add_argument("--ray", metavar="ADDRESS", help="run the trainings on Ray: 'auto' (a running cluster, "
                                                        "see `ray start --head`), 'local' (start Ray here) or an address; "
                                                        "needs pip install \"zslkit[ray]\"")

    t = sub.add_parser("train", help="train one method and evaluate it")
    t.add_argument("method", help="a method key (see `zslkit compare --help`)")
    common(t)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--preset", help="a named preset of the method (default: the dataset's, if any)")
    t.add_argument("--out", help="folder for the model and its run record")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="evaluate a saved model on a dataset's test splits")
    e.add_argument("model", help="a model.pt written by `zslkit train --out`")
    e.add_argument("--dataset", required=True)
    e.add_argument("--data-dir")
    e.add_argument("--calibration", type=float, default=0.0, help="calibrated-stacking constant for S/U/H")
    e.set_defaults(func=cmd_evaluate)

    c = sub.add_parser("compare", help="train every method over several seeds and compare them")
    c.add_argument("--methods", nargs="+", metavar="METHOD", help=f"default: all ({', '.join(available_methods())})")
    common(c, several=True)
    parallel(c)
    c.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    c.add_argument("--out", help="output folder (default runs/compare-DATASET[-DATASET...]); reruns skip finished "
                                 "runs")
    c.set_defaults(func=cmd_compare)

    g = sub.add_parser("select", help="choose hyperparameters by mean H on class-disjoint validation folds")
    g.add_argument("method")
    common(g)
    g.add_argument("--grid", nargs="+", required=True, metavar="NAME=V1,V2",
                   help="values to try, e.g. --grid beta=0,0.5,5 syn_num=300,1000")
    g.add_argument("--folds", type=int, default=5, help="validation folds (default 5; fold 0 = the official split)")
    g.add_argument("--seeds", type=int, default=1, help="training seeds per fold (default 1)")
    g.add_argument("--preset", help="the preset the grid modifies (default: the dataset's, if any)")
    g.add_argument("--no-match-updates", action="store_true",
                   help="train each fold for the epochs over its own (smaller) image set instead of the number "
                        "of updates a refit on all of trainval makes (the default)")
    g.add_argument("--out", help="JSON file for every setting's per-fold results")
    parallel(g)
    g.set_defaults(func=cmd_select)

    b = sub.add_parser("bench", help="time training at the real benchmarks' shapes")
    b.add_argument("--methods", nargs="+", metavar="METHOD")
    b.add_argument("--shapes", nargs="+", default=["awa2", "cub"], choices=["awa2", "cub", "digits"])
    b.add_argument("--epochs", type=int,
                   help="epochs to time (default: the full schedule on CUDA, 2 on CPU, 3 compiled)")
    b.add_argument("--max-batches", type=int, help="batches timed per epoch (default: all on CUDA, 10 on CPU)")
    b.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    b.add_argument("--plain", action="store_true", help="disable the fast paths (for comparison)")
    b.add_argument("--compile", action="store_true", help="train and time the steps under torch.compile")
    b.add_argument("--steps", type=int, help="steady-state steps timed for the roofline (default: 5 on CPU, 50 on CUDA)")
    b.add_argument("--out", default="runs/bench")
    b.set_defaults(func=cmd_bench)

    x = sub.add_parser("export", help="write a dataset as an xlsa17 folder (res101.mat, att_splits.mat, class lists)")
    x.add_argument("--dataset", required=True, help="a name from `zslkit datasets`")
    x.add_argument("--data-dir", help="folder with res101.mat and att_splits.mat (real benchmarks)")
    x.add_argument("--out", required=True, metavar="FOLDER", help="the folder to create")
    x.add_argument("--feature-dim", type=int, metavar="D",
                   help="draw a *-synthetic dataset with D-dimensional features (e.g. 2048, as ResNet-101's)")
    x.add_argument("--overwrite", action="store_true", help="replace FOLDER if it holds an earlier export")
    x.set_defaults(func=cmd_export)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "seeds", 1) is not None and getattr(args, "seeds", 1) < 1:
        parser.error("--seeds must be at least 1")
    compile_before, compile_now = compile_enabled(), getattr(args, "compile", False)
    if compile_now:
        set_compile(True)  # every fit of this command, and of the worker processes it starts
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"zslkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zslkit: interrupted; finished runs are saved (rerun the same command to continue).", file=sys.stderr)
        return 130
    finally:
        if compile_now:
            set_compile(compile_before)


if __name__ == "__main__":
    sys.exit(main())
