"""Recompute the loss-weight sweeps plotted in notebooks/08_hyperparameters.ipynb.

    python notebooks/data/make_sweeps.py [method ...]      (default: every method below)

Each sweep sets one loss weight to a few values (the others at their defaults), uses the
method's "digits" preset and seed 0, and fits AND evaluates on the validation problem of
`digits` (`data.validation_view()`; no test image is used). Results are merged into
sweeps_digits_validation.json next to this file, with the config, timings and versions.
Rerun it whenever a method's "digits" preset changes. One process, one thread.
"""
import json
import sys
import time
from pathlib import Path

import torch

import zslkit
from zslkit import widgets

OUT = Path(__file__).resolve().parent / "sweeps_digits_validation.json"
SWEEPS = {
    "cada-vae": ("delta", [0.5, 2.0, 8.13, 32.0]),
    "sp-aen": ("beta", [0.5, 5.0, 50.0]),
    "acmr": ("lambda_", [3.0, 30.0, 290.13, 3000.0]),
    "two-level": ("alpha2", [0.1, 1.0, 10.0]),
    "mianet": ("alpha", [1.0, 10.0, 100.0, 1000.0]),
}


def main(keys):
    torch.set_num_threads(1)
    data = zslkit.datasets.load("digits")
    store = json.loads(OUT.read_text()) if OUT.exists() else {}
    for key in keys:
        parameter, values = SWEEPS[key]
        t0 = time.time()
        runs = widgets.sweep(key, parameter, values, data, seeds=(0,), preset="digits", split="validation")
        cfg = zslkit.create(key, preset="digits").config
        store[key] = {
            "parameter": parameter, "values": values, "dataset": "digits", "split": "validation",
            "preset": "digits", "seeds": [0],
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(cfg).items()},
            "results": [[r.as_dict() for r in rs] for rs in runs],
            "seconds": round(time.time() - t0, 1), "zslkit": zslkit.__version__, "torch": torch.__version__,
            "date": time.strftime("%Y-%m-%d"),
        }
        OUT.write_text(json.dumps({k: store[k] for k in SWEEPS if k in store}, indent=1))
        print(key, parameter, [round(100 * rs[0].H, 1) for rs in runs], f"{time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(SWEEPS))
