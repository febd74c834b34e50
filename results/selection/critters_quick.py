"""Choosing the `quick` presets on `critters`' validation split (fold 0 = AWA2's valclasses1).

The quick presets are the budget of the notebooks and the 90-minute lab (≤ 20 s per run on a
2-core CPU). Each candidate overrides the current `quick` preset; each runs `cross_validate` on
fold 0 with the refit's number of updates, seed 0. Nothing here touches a test split.

    OMP_NUM_THREADS=1 python results/selection/critters_quick.py [NAME ...]   # writes critters-quick/NAME.json
"""
import json
import sys
import time
from pathlib import Path

import zslkit
from zslkit.select import cross_validate

CANDIDATES = {
    "cada-vae-current": ("cada-vae", {}),
    "cada-vae-10ep-b50": ("cada-vae", dict(epochs=10, batch_size=50, beta_end=9.5, gamma_start=2, gamma_end=7.5,
                                           delta_start=0.5, delta_end=2)),
    "cada-vae-6ep-b50": ("cada-vae", dict(epochs=6, batch_size=50, beta_end=5.7, gamma_start=1.2, gamma_end=4.5,
                                          delta_start=0.3, delta_end=1.2)),
    "sp-aen-current": ("sp-aen", {}),
    "sp-aen-15ep": ("sp-aen", dict(epochs=15, warmup_epochs=1, beta_warmup_epochs=2, lr_decay_epoch=11)),
    "acmr-current": ("acmr", {}),
    "two-level-current": ("two-level", {}),
    "two-level-syn200": ("two-level", dict(syn_num=200)),
    "two-level-syn200-6ep": ("two-level", dict(syn_num=200, epochs=6)),
    "two-level-h256-syn300-6ep": ("two-level", dict(hidden_size=256, inference_hidden=256, syn_num=300, epochs=6)),
    "two-level-h256-syn300-6ep-sm10": ("two-level", dict(hidden_size=256, inference_hidden=256, syn_num=300, epochs=6,
                                                         softmax_epochs=10)),
    "mianet-current": ("mianet", {}),
    "mianet-15ep": ("mianet", dict(epochs=15)),
    "mianet-15ep-b128": ("mianet", dict(epochs=15, batch_size=128)),
}

if __name__ == "__main__":
    data = zslkit.datasets.load("critters")
    out = Path(__file__).with_name("critters-quick")
    out.mkdir(exist_ok=True)
    for name in sys.argv[1:] or list(CANDIDATES):
        key, overrides = CANDIDATES[name]
        t0 = time.perf_counter()
        r = cross_validate(key, data, folds=1, preset="quick", **overrides)
        row = {"name": name, "method": key, "preset": "quick", "overrides": overrides, "S": r["S"], "U": r["U"],
               "H": r["H"], "seconds": round(time.perf_counter() - t0, 1), "rows": r["rows"]}
        (out / f"{name}.json").write_text(json.dumps(row, indent=1, default=str))
        print(f"{name}: validation S {r['S']:.3f} U {r['U']:.3f} H {r['H']:.3f} ({row['seconds']} s)", flush=True)
