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

__all__ = ["cross_validate", "grid_search"]


def cross_validate(key: str, data: ZSLData, *, folds=5, seeds=(0,), preset=None, epochs=None, device="auto",
                   fold_seed: int = 0, match_updates: bool = True, **hyperparameters) -> dict:
    """Mean validation S, U, H of one setting over class-disjoint folds and seeds.

    Parameters
    ----------
    key : a method key; ``preset`` and ``hyperparameters`` configure it as in `zslkit.create`.
    data : the dataset; only its trainval images and seen-class embeddings are used.
    folds : number of folds (`ZSLData.validation_folds`) or a list of fold datasets.
    seeds : training seeds per fold. epochs, device : passed to ``fit``.
    match_updates : give each fold the updates of a refit on ``data``'s whole trainval (see the
        module docstring); False trains each fold for ``epochs`` passes over its own images.

    Returns
    -------
    dict with ``S``, ``U``, ``H`` (means over folds × seeds), ``H_std`` (their s.d.) and
    ``rows`` (one dict per fold and seed).
    """
    views = data.validation_folds(folds, seed=fold_seed) if isinstance(folds, int) else list(folds)
    budget = len(data.y("trainval")) if match_updates else None
    rows = []
    for i, view in enumerate(views):
        for seed in seeds:
            model = create(key, preset=preset, **hyperparameters)
            model.fit(view, epochs=epochs, seed=seed, device=device, progress=False, budget_images=budget)
            result = evaluate(model, view)
            rows.append({"fold": i, "unseen": [view.class_names[c] for c in view.unseen_classes], "seed": seed,
                         "S": result.S, "U": result.U, "H": result.H})
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("S", "U", "H")}
    out["H_std"] = float(np.std([r["H"] for r in rows], ddof=1)) if len(rows) > 1 else 0.0
    out["rows"] = rows
    return out


def grid_search(key: str, data: ZSLData, grid: dict, *, folds=5, log=None, **kwargs) -> list:
    """`cross_validate` every combination of ``grid`` (name → list of values).

    The same folds (drawn with ``fold_seed``, default 0) serve every combination. Returns one dict per combination, best mean H first:
    ``{"params": {...}, "S", "U", "H", "H_std", "rows"}``. ``log`` (e.g. ``print``) reports each.
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
    fold_seed = kwargs.pop("fold_seed", 0)
    views = data.validation_folds(folds, seed=fold_seed) if isinstance(folds, int) else list(folds)
    results = []
    for values in itertools.product(*choices.values()):
        params = dict(zip(choices, values))
        r = cross_validate(key, data, folds=views, **kwargs, **params)
        results.append({"params": params, **r})
        if log:
            log(f"{key} {params}: validation H {r['H']:.3f} ± {r['H_std']:.3f} (S {r['S']:.3f}, U {r['U']:.3f})")
    return sorted(results, key=lambda r: -r["H"])
