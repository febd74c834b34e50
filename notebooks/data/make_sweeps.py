"""Recompute the loss-weight sweeps plotted in notebooks/08_hyperparameters.ipynb.

    OMP_NUM_THREADS=1 python notebooks/data/make_sweeps.py [method ...]      (default: every method below)

Each sweep sets one loss weight to a few values (the others at the preset's), uses the method's
"quick" preset (chosen on critters' validation split: zslkit/presets.toml) and seeds 0 and 1,
and fits AND evaluates on the validation problem of the full `critters` data
(`data.validation_view()`: AWA2's 13 validation animals play "unseen"; no test image is used),
each fit running the updates its epochs give on all of trainval, as `zslkit.select` does
(`widgets.sweep(..., match_updates=True)`). Results are merged into
sweeps_critters_validation.json next to this file, with the config, timings and versions.
Rerun it whenever a method's "quick" preset changes; the stored config says what was run.
One process, one thread.
"""
import json
import sys
import time
from pathlib import Path

import torch

import zslkit
from zslkit import widgets

OUT = Path(__file__).resolve().parent / "sweeps_critters_validation.json"
DATASET, PRESET, SEEDS = "critters", "quick", (0, 1)
SWEEPS = {   # the quick preset's value is one of the values
    "cada-vae": ("delta", [0.5, 2.0, 8.13, 32.0]),
    "sp-aen": ("gamma", [0.01, 0.05, 0.2, 1.0]),
    "acmr": ("lambda_", [0.5, 5.0, 50.0, 500.0]),
    "two-level": ("alpha2", [0.1, 1.0, 10.0]),
    "mianet": ("alpha", [10.0, 100.0, 1000.0, 10000.0]),
}


def main(keys):
    torch.set_num_threads(1)
    data = zslkit.datasets.load(DATASET)
    store = json.loads(OUT.read_text()) if OUT.exists() else {}
    for key in keys:
        parameter, values = SWEEPS[key]
        t0 = time.time()
        runs = widgets.sweep(key, parameter, values, data, seeds=SEEDS, preset=PRESET, split="validation",
                             match_updates=True)
        cfg = zslkit.create(key, preset=PRESET).config
        view = data.validation_view()
        store[key] = {
            "parameter": parameter, "values": values, "dataset": DATASET, "split": "validation",
            "validation_unseen": [view.class_names[c] for c in view.unseen_classes],
            "preset": PRESET, "preset_value": getattr(cfg, parameter), "seeds": list(SEEDS), "match_updates": True,
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(cfg).items()},
            "results": [[r.as_dict() for r in rs] for rs in runs],
            "seconds": round(time.time() - t0, 1), "zslkit": zslkit.__version__, "torch": torch.__version__,
            "date": time.strftime("%Y-%m-%d"),
        }
        OUT.write_text(json.dumps({k: store[k] for k in SWEEPS if k in store}, indent=1) + "\n")
        mean_h = [round(100 * sum(r.H for r in rs) / len(rs), 1) for rs in runs]
        print(key, parameter, values, "mean H", mean_h, f"{time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(SWEEPS))
