"""5-fold model selection with update-matched budgets (zslkit.select) on awa2-synthetic and digits.

Each job is a label → (method, overrides of the method's preset for the dataset); the dataset is
awa2-synthetic unless the label starts with "digits/". Every fold trains
for the updates of a refit on the whole trainval (`cross_validate(match_updates=True)`), so a
validated schedule is the one refitted. Nothing here touches the test split.

    OMP_NUM_THREADS=1 python results/selection/run.py JOB [JOB ...]   # writes results/selection/JOB.json ('/' → '-')
    python results/selection/run.py --list
"""
import json
import sys
import time
from pathlib import Path

import torch

import zslkit
from zslkit.select import cross_validate

# Every job spells out the schedule it ran, so rerunning it reproduces the file whatever the
# presets say now. "old" = the preset before this search (2026-11-23), "→" = what it chose.
CADA_40 = dict(epochs=40, beta_end=37, gamma_start=8, gamma_end=30, delta_start=2, delta_end=9)  # old
CADA_20 = dict(epochs=20, beta_end=18.5, gamma_start=4, gamma_end=15, delta_start=1, delta_end=4.5)
CADA_10 = dict(epochs=10, beta_end=9.25, gamma_start=2, gamma_end=7.5, delta_start=0.5, delta_end=2.25)  # →
CADA_5 = dict(epochs=5, beta_end=4.6, gamma_start=1, gamma_end=3.75, delta_start=0.25, delta_end=1.1)
ACMR_24 = dict(epochs=24, alpha_epochs=(0, 22), beta_epochs=(2, 5), lambda_epochs=(0, 4))
ACMR_OLD = dict(ACMR_24, cls_epochs=10)
SPAEN_60 = dict(epochs=60, warmup_epochs=5, beta_warmup_epochs=10, lr_decay_epoch=35)
DIGITS_CADA_100 = dict(epochs=100, beta_end=93, gamma_start=21, gamma_end=75, delta_start=6, delta_end=22)
DIGITS_SPAEN_150 = dict(epochs=150, warmup_epochs=15, beta_warmup_epochs=30, lr_decay_epoch=100)
DIGITS_ACMR_40 = dict(epochs=40, alpha_epochs=(0, 37), beta_epochs=(3, 9), lambda_epochs=(0, 7))

JOBS = {
    # awa2-synthetic, CADA-VAE: the schedule (warm-ups compressed alike), unseen latents, classifier
    "cada-vae-preset": ("cada-vae", CADA_40),
    "cada-vae-half": ("cada-vae", CADA_20),
    "cada-vae-quarter": ("cada-vae", CADA_10),
    "cada-vae-eighth": ("cada-vae", CADA_5),
    "cada-vae-half-u800": ("cada-vae", {**CADA_20, "unseen_samples": 800}),
    "cada-vae-quarter-u800": ("cada-vae", {**CADA_10, "unseen_samples": 800}),
    "cada-vae-quarter-cls3": ("cada-vae", {**CADA_10, "classifier_epochs": 3}),
    "cada-vae-quarter-cls10": ("cada-vae", {**CADA_10, "classifier_epochs": 10}),
    # awa2-synthetic, ACMR
    "acmr-preset": ("acmr", ACMR_OLD),
    "acmr-half": ("acmr", dict(epochs=12, alpha_epochs=(0, 11), beta_epochs=(1, 2.5), lambda_epochs=(0, 2),
                               cls_epochs=10)),
    "acmr-double": ("acmr", dict(epochs=48, alpha_epochs=(0, 44), beta_epochs=(4, 10), lambda_epochs=(0, 8),
                                 cls_epochs=10)),
    "acmr-u500": ("acmr", {**ACMR_OLD, "latents_per_unseen_class": 500}),
    "acmr-u2000": ("acmr", {**ACMR_OLD, "latents_per_unseen_class": 2000}),
    "acmr-beta2": ("acmr", {**ACMR_OLD, "beta": 2.0}),
    "acmr-cls3": ("acmr", {**ACMR_24, "cls_epochs": 3}),  # →
    "acmr-cls5": ("acmr", {**ACMR_24, "cls_epochs": 5}),
    "acmr-cls20": ("acmr", {**ACMR_24, "cls_epochs": 20}),
    # ACMR's modules on and off (a diagnostic, not a choice: without both it is not ACMR)
    "acmr-no-iem": ("acmr", {**ACMR_24, "cls_epochs": 3, "use_iem": False}),
    "acmr-no-vsa": ("acmr", {**ACMR_24, "cls_epochs": 3, "use_vsa": False}),
    "acmr-dual-vae": ("acmr", {**ACMR_24, "cls_epochs": 3, "use_iem": False, "use_vsa": False}),
    # awa2-synthetic, MIANet
    "mianet-preset": ("mianet", {"epochs": 100}),
    "mianet-half": ("mianet", {"epochs": 50}),  # →
    "mianet-quarter": ("mianet", {"epochs": 25}),
    "mianet-neg-all": ("mianet", {"epochs": 100, "negatives": "all"}),
    "mianet-gamma0.1": ("mianet", {"epochs": 100, "gamma": 0.1}),
    "mianet-half-alpha100": ("mianet", {"epochs": 50, "alpha": 100.0}),
    "mianet-half-beta0.1": ("mianet", {"epochs": 50, "beta": 0.1}),
    # awa2-synthetic, SP-AEN (the preset is kept)
    "sp-aen-preset": ("sp-aen", SPAEN_60),
    "sp-aen-half": ("sp-aen", dict(epochs=30, warmup_epochs=3, beta_warmup_epochs=5, lr_decay_epoch=18)),
    "sp-aen-beta0": ("sp-aen", {**SPAEN_60, "beta": 0.0}),
    # awa2-synthetic, two-level (the preset is kept unless the shorter schedule wins)
    "two-level-preset": ("two-level", {"epochs": 20}),
    "two-level-half": ("two-level", {"epochs": 10}),
    # digits (a fold holds 57 % of trainval's images)
    "digits/cada-vae-preset": ("cada-vae", DIGITS_CADA_100),
    "digits/cada-vae-half": ("cada-vae", dict(epochs=50, beta_end=46.5, gamma_start=10.5, gamma_end=37.5,
                                              delta_start=3, delta_end=11)),  # →
    "digits/acmr-preset": ("acmr", DIGITS_ACMR_40),
    "digits/acmr-half": ("acmr", dict(epochs=20, alpha_epochs=(0, 18.5), beta_epochs=(1.5, 4.5),
                                      lambda_epochs=(0, 3.5))),  # →
    "digits/acmr-quarter": ("acmr", dict(epochs=10, alpha_epochs=(0, 9.25), beta_epochs=(0.75, 2.25),
                                         lambda_epochs=(0, 1.75))),
    "digits/acmr-cls3": ("acmr", {**DIGITS_ACMR_40, "cls_epochs": 3}),
    "digits/acmr-cls5": ("acmr", {**DIGITS_ACMR_40, "cls_epochs": 5}),
    "digits/mianet-preset": ("mianet", {"epochs": 160}),
    "digits/mianet-half": ("mianet", {"epochs": 80}),  # →
    "digits/mianet-quarter": ("mianet", {"epochs": 40}),
    "digits/sp-aen-preset": ("sp-aen", DIGITS_SPAEN_150),
    "digits/sp-aen-half": ("sp-aen", dict(epochs=75, warmup_epochs=8, beta_warmup_epochs=15, lr_decay_epoch=50)),
    "digits/sp-aen-quarter": ("sp-aen", dict(epochs=38, warmup_epochs=4, beta_warmup_epochs=8,
                                             lr_decay_epoch=25)),  # →
    "digits/sp-aen-eighth": ("sp-aen", dict(epochs=19, warmup_epochs=2, beta_warmup_epochs=4, lr_decay_epoch=12)),
    "digits/two-level-preset": ("two-level", {"epochs": 60}),  # kept
    "digits/two-level-half": ("two-level", {"epochs": 30}),
}


def main(argv):
    if argv[:1] == ["--list"]:
        print("\n".join(JOBS))
        return
    torch.set_num_threads(1)
    out_dir = Path(__file__).parent
    loaded = {}
    for job in argv:
        method, overrides = JOBS[job]
        dataset = job.split("/")[0] if "/" in job else "awa2-synthetic"
        if dataset not in loaded:
            loaded[dataset] = zslkit.datasets.load(dataset)
        data = loaded[dataset]
        t0 = time.perf_counter()
        r = cross_validate(method, data, folds=5, preset=dataset, device="cpu", **overrides)
        r.update(job=job, method=method, overrides=overrides, seconds=time.perf_counter() - t0)
        (out_dir / f"{job.replace('/', '-')}.json").write_text(json.dumps(r, indent=1))
        print(f"{job}: H {r['H']:.3f} ± {r['H_std']:.3f} (S {r['S']:.3f}, U {r['U']:.3f}) "
              f"{r['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
