"""Model selection on class-disjoint validation folds — never on the test splits.

A GZSL hyperparameter is good when it transfers to classes the model has never seen. The only
honest way to measure that before the test is to play the game inside trainval: hide some seen
classes, train on the rest, and score H on the hidden ones (`ZSLData.validation_view`). One such
fold is one draw of "unseen" classes and, with few classes, that draw dominates the estimate
(see `ZSLData.validation_folds`). `cross_validate` averages H over ``k`` folds (and seeds);
`grid_search` does it for every combination of a small grid.

Budgets are counted in updates. A fold trains on fewer images than the final refit on all of
trainval (about 55-60 % on the bundled datasets), so the same number of EPOCHS would mean about
half the UPDATES on a fold, and a schedule validated that way is not the one refitted. By
default (``match_updates=True``) every neural fit on a fold runs the updates its epochs give on
the full trainval, with warm-ups and learning-rate steps stretched alike
(`NeuralMethod.fit(..., budget_images=...)`); a validated ``epochs`` is then the refit's.
Only the main training loop is rescaled: final classifiers trained on a fixed number of sampled
latents or features per class (CADA-VAE, ACMR, two-level) and two-level's pre-trained softmax
keep their own epochs.

Each (setting, fold, seed) is one training, a task for `zslkit.sweep.run_tasks`: inline by
default, in local worker processes (``jobs``) or on Ray (``ray_address``), with the same numbers.

    >>> import zslkit
    >>> from zslkit.select import grid_search
    >>> data = zslkit.datasets.load("digits")
    >>> rows = grid_search("eszsl", data, {"gamma": [0.1, 10.0], "lambda_": [1.0]}, folds=3)
    >>> [sorted(r["params"]) for r in rows]
    [['gamma', 'lambda_'], ['gamma', 'lambda_']]
    >>> rows[0]["H"] >= rows[1]["H"]
    True
"""
from __future__ import annotations

import itertools

import numpy as np

from .data import ZSLData
from .evaluate import evaluate
from .methods import create
from .sweep import TasksFailed, new_token, run_tasks

__all__ = ["cross_validate", "grid_search"]

_FOLDS: dict = {}  # a worker's folds of the sweep it serves: {token: views}


def _fold_views(shared: dict) -> list:
    if "views" in shared:
        return shared["views"]
    token = shared["token"]
    if token not in _FOLDS:
        _FOLDS.clear()
        _FOLDS[token] = shared["data"].validation_folds(shared["folds"], seed=shared["fold_seed"])
    return _FOLDS[token]


def _fold_task(task: dict, shared: dict) -> dict:
    """Train one setting on one fold with one seed and score it on the fold's hidden classes."""
    view = _fold_views(shared)[task["fold"]]
    model = create(task["key"], preset=task["preset"], **task["params"])
    history = model.fit(view, epochs=task["epochs"], seed=task["seed"], device=task["device"], progress=False,
                        budget_images=task["budget"])
    result = evaluate(model, view)
    return {"fold": task["fold"], "unseen": [view.class_names[c] for c in view.unseen_classes], "seed": task["seed"],
            "S": result.S, "U": result.U, "H": result.H, "train_seconds": history.extra["train_seconds"]}


def _summary(rows: list) -> dict:
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("S", "U", "H")}
    out["H_std"] = float(np.std([r["H"] for r in rows], ddof=1)) if len(rows) > 1 else 0.0
    out["train_seconds"] = float(np.mean([r["train_seconds"] for r in rows]))
    out["rows"] = rows
    return out


def _validate(key: str, data: ZSLData, settings: list, *, folds=5, seeds=(0,), preset=None, epochs=None,
              device="auto", fold_seed: int = 0, match_updates: bool = True, jobs: int = 1, ray_address=None,
              progress: bool = False, log=None) -> list:
    """`cross_validate` each of ``settings`` (dicts of hyperparameters); one result per setting, in
    order, or None for a setting some of whose trainings failed (then `TasksFailed` is raised at
    the end, its ``partial`` being this list)."""
    seeds = list(seeds)
    views = data.validation_folds(folds, seed=fold_seed) if isinstance(folds, int) else list(folds)
    budget = len(data.y("trainval")) if match_updates else None
    tasks = [{"point": p, "key": key, "params": params, "fold": i, "seed": seed, "preset": preset, "epochs": epochs,
              "device": device, "budget": budget}
             for p, params in enumerate(settings) for i in range(len(views)) for seed in seeds]
    inline = jobs == 1 and ray_address is None
    if inline or not isinstance(folds, int):
        shared = {"views": views}
    else:  # workers draw the same folds from the data (smaller to send than the folds)
        shared = {"data": data, "folds": folds, "fold_seed": fold_seed, "token": new_token()}
    per_point = [[] for _ in settings]
    left = [len(views) * len(seeds) for _ in settings]
    broken, failed = set(), []

    def record(outcome):
        p = outcome.task["point"]
        left[p] -= 1
        if outcome.ok:
            per_point[p].append(outcome.result)
        else:
            broken.add(p)
            failed.append(outcome)
        if left[p] or p in broken or not log:
            return None
        r = _summary(per_point[p])
        return (f"{key} {settings[p]}: validation H {r['H']:.3f} ± {r['H_std']:.3f} (S {r['S']:.3f}, U {r['U']:.3f}), "
                f"{r['train_seconds']:.1f} s per training")

    def label(t):
        return f"{key} {t['params']} fold {t['fold']} seed {t['seed']}"

    for _ in run_tasks(tasks, _fold_task, jobs=jobs, ray_address=ray_address, on_result=record, shared=shared,
                       device=device, label=label, progress=progress, desc="trainings", log=log or (lambda line: None)):
        pass
    out = []
    for p, rows in enumerate(per_point):
        rows.sort(key=lambda r: (r["fold"], seeds.index(r["seed"])))  # the serial order: the same means, bit for bit
        out.append(None if p in broken else _summary(rows))
    if failed:
        raise TasksFailed(failed, partial=out)
    return out


def cross_validate(key: str, data: ZSLData, *, folds=5, seeds=(0,), preset=None, epochs=None, device="auto",
                   fold_seed: int = 0, match_updates: bool = True, jobs: int = 1, ray_address=None,
                   progress: bool = False, **hyperparameters) -> dict:
    """Mean validation S, U, H of one setting over class-disjoint folds and seeds.

    Parameters
    ----------
    key : a method key; ``preset`` and ``hyperparameters`` configure it as in `zslkit.create`.
    data : the dataset; only its trainval images and seen-class embeddings are used.
    folds : number of folds (`ZSLData.validation_folds`) or a list of fold datasets.
    seeds : training seeds per fold. epochs, device : passed to ``fit``.
    match_updates : give each fold the updates of a refit on ``data``'s whole trainval (see the
        module docstring); False trains each fold for ``epochs`` passes over its own images.
    jobs, ray_address : run the trainings in local worker processes or on Ray
        (`zslkit.sweep.run_tasks`); progress : a bar over the trainings.

    Returns
    -------
    dict with ``S``, ``U``, ``H`` (means over folds × seeds), ``H_std`` (their s.d.),
    ``train_seconds`` (mean seconds per training, wall clock) and ``rows`` (one dict per fold and seed).
    """
    return _validate(key, data, [hyperparameters], folds=folds, seeds=seeds, preset=preset, epochs=epochs,
                     device=device, fold_seed=fold_seed, match_updates=match_updates, jobs=jobs,
                     ray_address=ray_address, progress=progress)[0]


def grid_search(key: str, data: ZSLData, grid: dict, *, folds=5, log=None, **kwargs) -> list:
    """`cross_validate` every combination of ``grid`` (name → list of values).

    The same folds (drawn with ``fold_seed``, default 0) serve every combination. Returns one dict per combination, best mean H first:
    ``{"params": {...}, "S", "U", "H", "H_std", "rows"}``. ``log`` (e.g. ``print``) reports each.
    ``jobs``, ``ray_address`` and ``progress`` are as in `cross_validate`; all trainings of the
    grid form one sweep. When some fail, `TasksFailed` is raised once the rest are done, its
    ``partial`` being the ranking of the combinations that completed.
    """
    if not grid:
        raise ValueError("grid is empty: give at least one hyperparameter with a list of values.")
    choices = {}
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ValueError(f"grid[{name!r}] must be a non-empty list of values, got {values!r}.")
        choices[name] = list(values)  # once: a generator would be empty on a second pass
        if not choices[name]:
            raise ValueError(f"grid[{name!r}] must be a non-empty list of values, got {values!r}.")
    settings = [dict(zip(choices, values)) for values in itertools.product(*choices.values())]

    def ranked(results):
        return sorted(({"params": params, **r} for params, r in zip(settings, results) if r is not None),
                      key=lambda r: -r["H"])
    try:
        results = _validate(key, data, settings, folds=folds, log=log, **kwargs)
    except TasksFailed as exc:
        exc.partial = ranked(exc.partial)
        raise
    return ranked(results)
