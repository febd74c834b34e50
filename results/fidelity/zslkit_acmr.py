"""zslkit ACMR on an exported xlsa17 folder (the same files the official code reads).
usage: python zsl_acmr.py FOLDER DATASET BENCH SEED OUT_JSONL
Smoke tests only: ZSL_OVERRIDES="epochs=1,cls_epochs=2" adds config overrides (python literals)."""
import ast, json, os, sys, time
import torch
import zslkit
folder, dataset, bench, seed, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(1)
kw = {k: ast.literal_eval(v) for k, v in (a.split("=", 1) for a in os.environ.get("ZSL_OVERRIDES", "").split(",") if a)}
data = zslkit.datasets.load_xlsa17(folder)
m = zslkit.create("acmr", preset=bench, **kw)
print("zslkit acmr config:", {k: getattr(m.config, k) for k in
      ("vsa_scaling", "reparameterization", "epochs", "cls_epochs", "lambda_", "alpha", "beta", "hidden_x_dec",
       "latents_per_unseen_class")}, "overrides", kw, flush=True)
t = time.perf_counter(); m.fit(data, seed=seed, device="cpu", progress=False); dt = time.perf_counter() - t
r = zslkit.evaluate(m, data)
row = {"code": "zslkit", "method": "acmr", "dataset": dataset, "bench": bench, "seed": seed, "seconds": round(dt, 1),
       **{k: round(100 * float(getattr(r, k)), 2) for k in ("ZSL", "S", "U", "H")}}
if kw:
    row["overrides"] = kw
open(out, "a").write(json.dumps(row) + "\n"); print(row, flush=True)
