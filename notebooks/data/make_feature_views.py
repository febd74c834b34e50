"""Precompute the full-budget two-level view shown beside the live one in notebooks/09_feature_views.ipynb.

    OMP_NUM_THREADS=1 python notebooks/data/make_feature_views.py

The notebook's own full-mode run (ZSLKIT_QUICK=0): the two-level method with its "quick" preset (chosen
on critters' validation split, zslkit/presets.toml) fitted on ALL of critters' trainval (7,680 images),
seed 0; 60 generated features per unseen animal and 60 real test pictures per unseen animal (seeded
draw), projected together with t-SNE (scikit-learn, seed 0). Stored: the 2-D coordinates (rounded to
0.01), labels and groups, the rank of each generated class mean's own real mean among the ten real
unseen means (1 = nearest, measured in the 128-d feature space over all real test pictures), the test
S / U / H, the config, timings, versions and date. Nothing is chosen on the test split: the preset was
chosen on validation and this run only looks. Writes feature_views_critters.json next to this file.
"""
import json
import time
from pathlib import Path

import numpy as np
import torch

import zslkit
from zslkit import plots

OUT = Path(__file__).resolve().parent / "feature_views_critters.json"
KEY, PRESET, SEED, POINTS = "two-level", "quick", 0, 60


def own_mean_ranks(X_gen, y_gen, X_real, y_real, classes):
    """Per class: rank of its own real mean among all real class means, by distance from its generated mean."""
    real = {c: X_real[y_real == c].mean(0) for c in classes}
    ranks = []
    for c in classes:
        d = {o: np.linalg.norm(X_gen[y_gen == c].mean(0) - real[o]) for o in classes}
        ranks.append(1 + sum(d[o] < d[c] for o in classes if o != c))
    return ranks


def main():
    torch.set_num_threads(1)
    data = zslkit.datasets.load("critters")
    t0 = time.time()
    model = zslkit.create(KEY, preset=PRESET)
    model.fit(data, seed=SEED, progress=False, device="cpu")
    seconds = time.time() - t0
    result = zslkit.evaluate(model, data)
    torch.manual_seed(SEED)
    X_gen, y_gen = model.synthesize(data.unseen_classes, POINTS)
    X_all, y_all = data.X("test_unseen"), data.y("test_unseen")
    rng = np.random.default_rng(SEED)
    keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y_all == c))[:POINTS] for c in data.unseen_classes]))
    X_real, y_real = X_all[keep], y_all[keep]
    Z = plots.project_2d(np.concatenate([X_real, X_gen]), method="tsne", seed=SEED)
    ranks = own_mean_ranks(X_gen, y_gen, X_all, y_all, data.unseen_classes)
    n = y_real.size
    OUT.write_text(json.dumps({
        "method": KEY, "dataset": "critters", "preset": PRESET, "seed": SEED, "points_per_class": POINTS,
        "projection": "tsne (scikit-learn, seed 0), real and generated projected together",
        "class_names": list(data.class_names), "unseen_classes": data.unseen_classes.tolist(),
        "real": {"coords": np.round(Z[:n], 2).tolist(), "labels": y_real.tolist()},
        "generated": {"coords": np.round(Z[n:], 2).tolist(), "labels": y_gen.tolist()},
        "own_mean_rank": [int(r) for r in ranks],
        "test": {k: round(float(v), 4) for k, v in result.as_dict().items()},
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(model.config).items()},
        "fit_seconds": round(seconds, 1), "threads": torch.get_num_threads(),
        "zslkit": zslkit.__version__, "torch": torch.__version__, "date": time.strftime("%Y-%m-%d"),
    }) + "\n")
    ranks = [int(r) for r in ranks]
    print(f"{KEY}: own-mean ranks {ranks} (mean {np.mean(ranks):.1f}; chance 5.5), test {result}, fit {seconds:.0f} s")


if __name__ == "__main__":
    main()
