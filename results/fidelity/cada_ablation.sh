#!/bin/bash
# Ablation: official CADA-VAE with zslkit's batch sampling (one permutation per epoch, floor(n/50) full batches)
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cd /work/scratch/fid
while pgrep -f laneA.sh >/dev/null; do sleep 10; done
for r in 0 1 2; do
  t0=$(date +%s.%N)
  (cd cada-awa2-synthetic-perm/model && python single_experiment.py --dataset AWA2 --num_shots 0 --generalized True > ../../offperm_awa2_r$r.log 2>&1)
  t1=$(date +%s.%N)
  python - "$r" "$t0" "$t1" <<'PY'
import json, re, sys
r, t0, t1 = sys.argv[1:]
log = open(f"offperm_awa2_r{r}.log").read()
U, S, H = (100 * float(v) for v in re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", log)[-1])
row = {"code": "official, zslkit's batch sampling", "dataset": "awa2-synthetic", "bench": "AWA2", "run": int(r),
       "seconds": round(float(t1) - float(t0), 1), "S": round(S, 2), "U": round(U, 2), "H": round(H, 2),
       "load1": open("/proc/loadavg").read().split()[0]}
open("cada_ablation.jsonl", "a").write(json.dumps(row) + "\n"); print(row, flush=True)
PY
done
echo CADA_ABLATION_DONE
