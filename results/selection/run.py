"""5-fold model selection on awa2-synthetic with update-matched budgets (zslkit.select).

Each job is (method, label, overrides of the method's awa2-synthetic preset). Every fold trains
for the updates of a refit on the whole trainval (`cross_validate(match_updates=True)`), so a
validated schedule is the one refitted. Nothing here touches the test split.

    OMP_NUM_THREADS=1 python results/selection/run.py JOB [JOB ...]   # writes results/selection/JOB.json
    python results/selection/run.py --list
"""
import json
import sys
import time
from pathlib import Path

import torch

import zslkit
from zslkit.select import cross_validate

HALF_CADA = dict(epochs=20, beta_end=18.5, gamma_start=4, gamma_end=15, delta_start=1, delta_end=4.5)
HALF_SPAEN = dict(epochs=30, warmup_epochs=3, beta_warmup_epochs=5, lr_decay_epoch=18)

JOBS = {
    # the current presets, re-validated with matched updates
    "cada-vae-preset": ("cada-vae", {}),
    "acmr-preset": ("acmr", {}),
    "mianet-preset": ("mianet", {}),
    "sp-aen-preset": ("sp-aen", {}),
    # half the schedule (what the unmatched folds had trained)
    "cada-vae-half": ("cada-vae", HALF_CADA),
    "mianet-half": ("mianet", {"epochs": 50}),
    "sp-aen-half": ("sp-aen", HALF_SPAEN),
    # the final stage's balance of seen and unseen samples
    "cada-vae-u800": ("cada-vae", {"unseen_samples": 800}),
    "cada-vae-half-u800": ("cada-vae", {**HALF_CADA, "unseen_samples": 800}),
    "acmr-u500": ("acmr", {"latents_per_unseen_class": 500}),
    "acmr-u2000": ("acmr", {"latents_per_unseen_class": 2000}),
    # MIANet's negatives and discriminator weight
    "mianet-neg-all": ("mianet", {"negatives": "all"}),
    "mianet-gamma0.1": ("mianet", {"gamma": 0.1}),
    "mianet-quarter": ("mianet", {"epochs": 25}),
    "sp-aen-beta0": ("sp-aen", {"beta": 0.0}),
    "cada-vae-cls10": ("cada-vae", {"classifier_epochs": 10}),
    "acmr-beta2": ("acmr", {"beta": 2.0}),
}


def main(argv):
    if argv[:1] == ["--list"]:
        print("\n".join(JOBS))
        return
    torch.set_num_threads(1)
    data = zslkit.datasets.load("awa2-synthetic")
    out_dir = Path(__file__).parent
    for job in argv:
        method, overrides = JOBS[job]
        t0 = time.perf_counter()
        r = cross_validate(method, data, folds=5, preset="awa2-synthetic", device="cpu", **overrides)
        r.update(job=job, method=method, overrides=overrides, seconds=time.perf_counter() - t0)
        (out_dir / f"{job}.json").write_text(json.dumps(r, indent=1))
        print(f"{job}: H {r['H']:.3f} ± {r['H_std']:.3f} (S {r['S']:.3f}, U {r['U']:.3f}) "
              f"{r['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
