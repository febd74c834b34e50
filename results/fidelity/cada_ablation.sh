#!/bin/bash
# Ablation: the official CADA-VAE with zslkit's batch sampling (one permutation per epoch, floor(n/50)
# full batches) in place of its own (randperm(n)[:50] at every step, ceil(n/50) steps per epoch).
# The scratch copy cada-DATASET-perm is cada-DATASET (README: how it was made) with those two lines
# changed (data_loader.next_batch and the epoch loop's range in vaemodel.train_vae).
#   bash results/fidelity/cada_ablation.sh awa2-synthetic|critters     (3 runs, one after another)
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
ds=${1:?dataset: awa2-synthetic or critters}
cd /work/scratch/fid
for r in 0 1 2; do
  t0=$(date +%s.%N)
  (cd cada-$ds-perm/model && python single_experiment.py --dataset AWA2 --num_shots 0 --generalized True > ../../offperm_${ds}_r$r.log 2>&1)
  t1=$(date +%s.%N)
  python - "$ds" "$r" "$t0" "$t1" <<'PY'
import json, re, sys
ds, r, t0, t1 = sys.argv[1:]
log = open(f"offperm_{ds}_r{r}.log").read()
U, S, H = (100 * float(v) for v in re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", log)[-1])
row = {"code": "official, zslkit's batch sampling", "dataset": ds, "bench": "AWA2", "run": int(r),
       "seconds": round(float(t1) - float(t0), 1), "S": round(S, 2), "U": round(U, 2), "H": round(H, 2),
       "load1": open("/proc/loadavg").read().split()[0]}
open("cada_ablation.jsonl", "a").write(json.dumps(row) + "\n"); print(row, flush=True)
PY
done
echo CADA_ABLATION_DONE
