"""The difficulty check of `critters` (data/README.md, "Calibration"): ESZSL only.

    python results/critters/calibrate.py [--bundle PATH]

ESZSL is run the way Xian et al. 2018 ran it (γ, λ by ZSL accuracy on the validation split, refit
on trainval, calibration 0: the ``xian2018`` preset), plus the method-free direct-attribute-
prediction check of `zslkit.diagnostics.attribute_transfer`. No other method is run here: the
dataset is calibrated on the baseline's difficulty only.
"""
import argparse
import json

import numpy as np

import zslkit
from zslkit.data import critters
from zslkit.diagnostics import attribute_transfer

parser = argparse.ArgumentParser()
parser.add_argument("--bundle", help="a critters.npz other than the shipped one")
args = parser.parse_args()
if args.bundle:
    critters.bundle_path = lambda: __import__("pathlib").Path(args.bundle)
rows = []
for seed in (0, 1, 2):  # the seed only changes which seen images are test_seen
    data = zslkit.datasets.load("critters", seed=seed)
    model = zslkit.create("eszsl", preset="xian2018")
    model.fit(data, seed=seed, progress=False)
    r = zslkit.evaluate(model, data)
    rows.append({"seed": seed, "gamma": model.gamma_, "lambda": model.lambda_,
                 **{k: round(100 * float(getattr(r, k)), 1) for k in ("ZSL", "S", "U", "H")}})
    print(json.dumps(rows[-1]))
transfer = attribute_transfer(data)
print(json.dumps({"dap_zsl": round(100 * float(transfer["dap_zsl"]), 1), "chance": round(100 / data.unseen_classes.size, 1),
                  "mean_attribute_accuracy_unseen": round(100 * float(np.nanmean(transfer["accuracy"])), 1)}))
for k in ("ZSL", "S", "U", "H"):
    v = [r[k] for r in rows]
    print(f"{k}: {np.mean(v):.1f} ± {np.std(v):.1f}")
