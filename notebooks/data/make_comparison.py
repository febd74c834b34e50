"""Recompute the full-data comparison shown beside the live run in notebooks/11_comparison.ipynb.

    python notebooks/data/make_comparison.py            (about 10 minutes on one CPU thread)

Every method on the whole `critters` dataset (no subsampling), seeds 0, 1, 2, on the CPU with one
thread: the notebook's loop with its full budget. Each method uses its "quick" preset (chosen on
critters' validation split, zslkit/presets.toml); ESZSL, which has no training budget, uses
"xian2018" (γ, λ by ZSL accuracy on the validation split, as Xian et al. 2018 ran it). Nothing is
chosen on the test splits here: each model is fitted once per seed and evaluated once. Written to
comparison_critters.json next to this file: per run the six metrics and the training seconds, per
method the config and seed 0's seen–unseen curve (rounded to 0.1 %, repeated points dropped),
plus versions, threads and date. Rerun it whenever a "quick" preset or the critters bundle changes.
"""
import json
import platform
import re
import time
from pathlib import Path

import numpy as np
import torch

import zslkit

OUT = Path(__file__).resolve().parent / "comparison_critters.json"
SEEDS = (0, 1, 2)


def preset_of(key: str) -> str:
    return "quick" if "quick" in zslkit.method_class(key).presets else "xian2018"


def thin_curve(curve: dict) -> dict:
    """The seen–unseen curve rounded to 0.1 %, consecutive repeated (U, S) points dropped."""
    U, S = np.round(np.asarray(curve["U"]), 3), np.round(np.asarray(curve["S"]), 3)
    cal = np.asarray(curve["calibration"], dtype=float)
    keep = np.ones(U.size, dtype=bool)
    keep[1:] = (U[1:] != U[:-1]) | (S[1:] != S[:-1])
    i0 = max(int(np.searchsorted(cal, 0.0, side="right")) - 1, 0)   # keep the operating point
    keep[i0] = True
    cal = np.where(np.isfinite(cal), np.round(cal, 5), np.sign(cal) * 1e9)
    return {"calibration": cal[keep].tolist(), "U": U[keep].tolist(), "S": S[keep].tolist()}


def main():
    torch.set_num_threads(1)
    data = zslkit.datasets.load("critters")
    store = {"dataset": data.name, "images": {k: int(v.size) for k, v in data.splits.items()},
             "seeds": list(SEEDS), "device": "cpu", "torch_threads": 1, "methods": {}}
    t_all = time.time()
    for key in zslkit.available_methods():
        preset = preset_of(key)
        runs, seconds = [], []
        entry = {"preset": preset}
        for seed in SEEDS:
            model = zslkit.create(key, preset=preset)
            history = model.fit(data, seed=seed, device="cpu", progress=False)
            result = zslkit.evaluate(model, data)
            runs.append({k: round(float(v), 5) for k, v in result.as_dict().items()})
            seconds.append(round(float(history.extra["train_seconds"]), 2))
            if seed == SEEDS[0]:
                entry["curve_seed0"] = thin_curve(result.curve)
                entry["config"] = {k: (list(v) if isinstance(v, tuple) else v)
                                   for k, v in vars(model.config).items()}
            print(f"{key:>9} seed {seed}: {result}  ({seconds[-1]:.1f} s)", flush=True)
        entry.update(results=runs, train_seconds=seconds)
        store["methods"][key] = entry
    store.update(total_seconds=round(time.time() - t_all, 1), zslkit=zslkit.__version__, torch=torch.__version__,
                 python=platform.python_version(), cpu=platform.processor() or platform.machine(),
                 date=time.strftime("%Y-%m-%d"))
    text = json.dumps(store, indent=1, default=str)
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)  # lists on one line
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(OUT)
    print("wrote", OUT, f"({store['total_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
