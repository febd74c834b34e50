#!/bin/bash
# Quiet-machine pairs (nothing else running): official CADA-VAE then zslkit on awa2-synthetic (run/seed 3),
# then the official ACMR then zslkit on critters (run/seed 3).
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cd /work/scratch/fid
t0=$(date +%s.%N)
(cd cada-awa2-synthetic/model && python single_experiment.py --dataset AWA2 --num_shots 0 --generalized True > ../../quiet_off_awa2_r3.log 2>&1)
t1=$(date +%s.%N)
python - "$t0" "$t1" <<'PY'
import json, re, sys
t0, t1 = sys.argv[1:]
U, S, H = (100 * float(v) for v in re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", open("quiet_off_awa2_r3.log").read())[-1])
row = {"code": "official", "dataset": "awa2-synthetic", "bench": "AWA2", "run": 3, "seconds": round(float(t1) - float(t0), 1),
       "S": round(S, 2), "U": round(U, 2), "H": round(H, 2), "load1": open("/proc/loadavg").read().split()[0], "quiet": True}
open("quiet_pairs.jsonl", "a").write(json.dumps(row) + "\n"); print(row, flush=True)
PY
python zsl_cada.py cada-awa2-synthetic/data/AWA2 AWA2 3 reference-code quiet_pairs.jsonl
cd /work/scratch/fid-acmr && sed 's#acmr_fidelity.jsonl#acmr_quiet.jsonl#' run_pair.sh > run_pair_quiet.sh && bash run_pair_quiet.sh critters AWA2 3
echo QUIET_DONE
