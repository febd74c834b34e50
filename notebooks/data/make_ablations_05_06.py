"""Precompute the full-budget ablations (and the paper-figure data) shown by notebooks 05 and 06.

    OMP_NUM_THREADS=1 python notebooks/data/make_ablations_05_06.py [05] [06]     (default: both)

Everything is trained on the full `critters` data (seed-0 split, all images) with the method's
"quick" preset, which was chosen on critters' validation split (zslkit/presets.toml); the ablation
switches are the papers' own, nothing is chosen on a test split. Each variant is fitted with
seeds 0, 1, 2 and evaluated on the test splits (an analysis, as in the papers' ablation tables).

05 → ablation_05_two_level.json: the paper's staged ablation S1–S4 (Table 2). Per run: S, U, H, ZSL,
     AUSUC, mAP, the training seconds, and how well the generated unseen-class features match the
     real ones (`generated_means`: for each unseen class, the rank of its own real mean among the
     10 real unseen means, by distance from the mean of 200 generated features; and the accuracy of
     classifying every real unseen test feature by its nearest generated class mean).
     fig3_05_two_level.json: the paper's Fig. 3 on critters: t-SNE coordinates (scikit-learn, seed 0)
     of 60 real test features and 60 generated features per unseen class, for the full model (S4)
     and the generative module alone (S1), seed 0.
06 → ablation_06_mianet.json: the paper's sub-network ablation (Fig. 4) plus its orthogonality
     analysis (Figs. 9-10): MIANet, without the modality discriminator (γ = 0), without the
     cross-reconstruction (β = 0), without the class orthogonality (α = 0), and with the paper's
     latent size z = 2(s + u) instead of the preset's 0.5(s + u). Per run: the six metrics, the
     cosine of the class latents of the paper's similar pairs, the mean |cosine| between different
     classes' latents, and the top-5 retrieval precision of the paper's Fig. 11 queries.

Every file records the config of every variant, seeds, timings, versions and the date. One process,
one thread; about 30 minutes on one busy CPU core. Rerun it when a preset or the methods change.
"""
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

import zslkit
from zslkit import plots

HERE = Path(__file__).resolve().parent
DATASET, PRESET, SEEDS = "critters", "quick", (0, 1, 2)

TWO_LEVEL = {   # the paper's Table 2 stages as config switches
    "S1: generative only": {"alpha1": 0.0, "alpha2": 0.0, "gamma": 0.0, "recognition_inputs": ["x"]},
    "S2: + inference, joint": {"gamma": 0.0, "recognition_inputs": ["x"]},
    "S3: + ĥ, f in recognition": {"gamma": 0.0},
    "S4: + Sinkhorn (full)": {},
}
MIANET = {
    "MIANet": {},
    "no discriminator (γ = 0)": {"gamma": 0.0},
    "no cross-reconstruction (β = 0)": {"beta": 0.0},
    "no class orthogonality (α = 0)": {"alpha": 0.0},
    "paper's latent z = 2(s + u)": {"latent_factor": 2.0},
}
PAIRS = [("killer+whale", "blue+whale"), ("walrus", "seal"), ("weasel", "hamster")]   # MIANet Fig. 9
QUERIES = ["blue+whale", "horse", "sheep", "seal", "bat"]                              # MIANet Fig. 11


def _plain(overrides):
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()}


def _config(model):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(model.config).items()}


def _meta(t0):
    return {"dataset": DATASET, "preset": PRESET, "seeds": list(SEEDS), "seconds": round(time.time() - t0, 1),
            "zslkit": zslkit.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "machine": platform.processor() or platform.machine(), "date": time.strftime("%Y-%m-%d")}


def _write(name, payload, indent=1):
    path = HERE / name
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=indent, ensure_ascii=False) + "\n")
    tmp.replace(path)
    print("wrote", path, flush=True)


def generated_means(model, data, n=200, seed=0):
    """How close the generated class means are to the real ones (unseen classes, raw features)."""
    U = data.unseen_classes
    X, y = data.X("test_unseen"), data.y("test_unseen")
    torch.manual_seed(seed)
    X_gen, y_gen = model.synthesize(U, n)
    real = np.stack([X[y == c].mean(0) for c in U])
    gen = np.stack([X_gen[y_gen == c].mean(0) for c in U])
    D = ((gen[:, None] - real[None]) ** 2).sum(-1)            # generated mean of row class vs real mean of column
    rank = (D < np.diag(D)[:, None]).sum(1)                   # 0 = its own real mean is the nearest
    nearest = U[((X[:, None] - gen[None]) ** 2).sum(-1).argmin(1)]
    oracle = U[((X[:, None] - real[None]) ** 2).sum(-1).argmin(1)]
    return {"rank_of_own_real_mean": {data.class_names[c]: int(r) for c, r in zip(U, rank)},
            "own_nearest": int((rank == 0).sum()),
            "nearest_generated_mean_accuracy": float((nearest == y).mean()),
            "nearest_real_mean_accuracy": float((oracle == y).mean())}


def tsne_view(model, data, per_class=60, seed=0):
    U = data.unseen_classes
    X, y = data.X("test_unseen"), data.y("test_unseen")
    rng = np.random.default_rng(seed)
    keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class] for c in U]))
    torch.manual_seed(seed)
    X_gen, y_gen = model.synthesize(U, per_class)
    Z = plots.project_2d(np.concatenate([X[keep], X_gen]), method="tsne", seed=seed)
    return {"real": {"xy": np.round(Z[:keep.size], 3).tolist(), "labels": y[keep].tolist()},
            "generated": {"xy": np.round(Z[keep.size:], 3).tolist(), "labels": y_gen.tolist()}}


def two_level(data):
    t0 = time.time()
    runs, configs, figure = {}, {}, {}
    for name, overrides in TWO_LEVEL.items():
        runs[name] = []
        for seed in SEEDS:
            model = zslkit.create("two-level", preset=PRESET, **_plain(overrides))
            history = model.fit(data, seed=seed, progress=False)
            result = zslkit.evaluate(model, data)
            runs[name].append({"seed": seed, **result.as_dict(), "train_seconds": round(history.extra["train_seconds"], 1),
                               "generated_means": generated_means(model, data, seed=seed)})
            print(f"two-level {name:>28} seed {seed}: {result}  own nearest "
                  f"{runs[name][-1]['generated_means']['own_nearest']}/10", flush=True)
            if seed == 0 and name.startswith(("S1", "S4")):
                figure[name] = tsne_view(model, data)
        configs[name] = {"overrides": overrides, "config": _config(model)}
    meta = _meta(t0)
    _write("ablation_05_two_level.json", {"method": "two-level", **meta, "variants": configs, "runs": runs})
    _write("fig3_05_two_level.json", {
        "method": "two-level", **meta, "seed": 0, "per_class": 60, "projection": "tsne (scikit-learn, seed 0)",
        "class_names": list(data.class_names), "unseen_classes": data.unseen_classes.tolist(),
        "variants": {k: TWO_LEVEL[k] for k in figure}, "views": figure}, indent=None)


def mianet(data):
    t0 = time.time()
    names = list(data.class_names)
    X, y = data.X("test_unseen"), data.y("test_unseen")
    A = data.class_embeddings / np.linalg.norm(data.class_embeddings, axis=1, keepdims=True)
    runs, configs = {}, {}
    for name, overrides in MIANET.items():
        runs[name] = []
        for seed in SEEDS:
            model = zslkit.create("mianet", preset=PRESET, **overrides)
            history = model.fit(data, seed=seed, progress=False)
            result = zslkit.evaluate(model, data)
            L = model.embed_classes()
            L = L / np.linalg.norm(L, axis=1, keepdims=True)
            off = (L @ L.T)[~np.eye(len(L), dtype=bool)]
            scores = model.scores(X)
            p5 = {q: float((y[np.argsort(-scores[:, names.index(q)], kind="stable")[:5]] == names.index(q)).mean())
                  for q in QUERIES}
            runs[name].append({"seed": seed, **result.as_dict(), "train_seconds": round(history.extra["train_seconds"], 1),
                               "latent_cosine": {f"{a} / {b}": float(L[names.index(a)] @ L[names.index(b)]) for a, b in PAIRS},
                               "mean_abs_cosine_between_classes": float(np.abs(off).mean()),
                               "precision_at_5": p5,
                               "per_class_ap": {names[c]: float(v) for c, v in result.per_class_ap.items()}})
            print(f"mianet {name:>32} seed {seed}: {result}  mean|cos| {runs[name][-1]['mean_abs_cosine_between_classes']:.2f}",
                  flush=True)
        configs[name] = {"overrides": overrides, "config": _config(model)}
    _write("ablation_06_mianet.json", {
        "method": "mianet", **_meta(t0), "variants": configs, "runs": runs,
        "attribute_cosine": {f"{a} / {b}": float(A[names.index(a)] @ A[names.index(b)]) for a, b in PAIRS}})


def main(which):
    torch.set_num_threads(1)
    data = zslkit.datasets.load(DATASET)
    if "05" in which:
        two_level(data)
    if "06" in which:
        mianet(data)


if __name__ == "__main__":
    main(sys.argv[1:] or ["05", "06"])
