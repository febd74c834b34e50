"""Validation folds against the test split: how much of each chosen preset's fold S / U / H
survives on the test split of the same 2048-d synthetic data (issue 13's floor).

The folds hold out classes from inside trainval; the extractor that made the features was fitted
on ALL trainval classes (zslkit/data/synthetic.py, step 2), so a fold's held-out classes have
class-tuned units of their own, while the test's unseen classes are described by the seen ones.
This table shows how far that difference moves each method.

    python results/selection/fold_vs_test.py
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE.parent

#: dataset → (the test rows, {method: (the selection file, the chosen setting)})
CHOSEN = {
    "awa2-synthetic, 2048-d": ("compare-awa2-synthetic-2048.json", {
        "eszsl": ("awa2-2048/eszsl.json", {"select_by": "H"}),
        "sp-aen": ("awa2-2048/sp-aen.json", {"lr": 0.0001, "beta": 5}),
        "mianet": ("awa2-2048/mianet-small.json", {"epochs": 100}),
        "two-level": ("awa2-2048/two-level-small.json", {"epochs": 20}),
    }),
    "cub-synthetic, 2048-d": ("compare-cub-synthetic-2048.json", {
        "eszsl": ("cub-2048/eszsl.json", {"select_by": "H"}),
        "sp-aen": ("cub-2048/sp-aen.json", {"beta": 0}),
        "mianet": ("cub-2048/mianet-small-25.json", {"epochs": 25}),
        "two-level": ("cub-2048/two-level-small-40.json", {"epochs": 40}),
    }),
    "sun-synthetic, 2048-d": ("compare-sun-synthetic-2048.json", {
        "eszsl": ("sun-2048/eszsl.json", {"select_by": "H"}),
        "sp-aen": ("sun-2048/sp-aen-3folds.json", {"beta": 0}),
        "mianet": ("sun-2048/mianet-paper.json", {"alpha": 100}),
        "two-level": ("sun-2048/two-level-small-40.json", {"epochs": 40}),
    }),
}


def fold_row(path, params):
    rows = [r for r in json.loads((HERE / path).read_text())["rows"] if r["params"] == params]
    if len(rows) != 1:
        raise ValueError(f"{path}: expected one row with {params}, found {len(rows)}")
    return rows[0]


def test_means(path, method):
    rows = [r for r in json.loads((RESULTS / path).read_text())["rows"] if r["method"] == method]
    return {k: float(np.mean([r[k] for r in rows])) for k in ("S", "U", "H")}, len(rows)


def main():
    print("| data | method | folds S / U / H | test S / U / H (seeds) | test U ÷ fold U |")
    print("|---|---|---|---|---|")
    for data, (compare, methods) in CHOSEN.items():
        for method, (path, params) in methods.items():
            f = fold_row(path, params)
            t, n = test_means(compare, method)
            print(f"| {data} | `{method}` | {100 * f['S']:.1f} / {100 * f['U']:.1f} / {100 * f['H']:.1f} | "
                  f"{100 * t['S']:.1f} / {100 * t['U']:.1f} / {100 * t['H']:.1f} ({n}) | {t['U'] / f['U']:.2f} |")


if __name__ == "__main__":
    main()
