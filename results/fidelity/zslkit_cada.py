"""zslkit CADA-VAE on an exported xlsa17 folder (the same files the official code reads)."""
import json, sys, time
import zslkit
folder, preset, seed, reparam, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
data = zslkit.datasets.load_xlsa17(folder)
m = zslkit.create("cada-vae", preset=preset, reparameterization=reparam)
t = time.perf_counter(); m.fit(data, seed=seed, progress=False); dt = time.perf_counter() - t
r = zslkit.evaluate(m, data)
row = {"code": "zslkit", "folder": folder, "preset": preset, "reparameterization": reparam, "seed": seed,
       "seconds": round(dt, 1), **{k: round(100 * float(getattr(r, k)), 2) for k in ("ZSL", "S", "U", "H")}}
open(out, "a").write(json.dumps(row) + "\n"); print(row, flush=True)
