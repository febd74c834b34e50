#!/bin/bash
# One quiet-machine pair (nothing else running): the official code, then zslkit, on one exported dataset.
#   bash results/fidelity/quiet_pair.sh cada-vae|acmr DATASET BENCH RUN
# CADA-VAE rows go to the scratch quiet_pairs.jsonl (as quiet_pairs.sh), ACMR rows to acmr_quiet.jsonl
# (run_pair_quiet.sh, made by quiet_pairs.sh); both are copied into results/fidelity/quiet-pairs.jsonl.
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
method=$1 ds=$2 bench=$3 run=$4
if [ "$method" = acmr ]; then cd /work/scratch/fid-acmr && exec bash run_pair_quiet.sh "$ds" "$bench" "$run"; fi
cd /work/scratch/fid
log=quiet_off_${ds}_r$run.log
t0=$(date +%s.%N)
(cd cada-$ds/model && python single_experiment.py --dataset "$bench" --num_shots 0 --generalized True > ../../$log 2>&1)
t1=$(date +%s.%N)
python - "$ds" "$bench" "$run" "$log" "$t0" "$t1" <<'PY'
import json, re, sys
ds, bench, run, log, t0, t1 = sys.argv[1:]
U, S, H = (100 * float(v) for v in re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", open(log).read())[-1])
row = {"code": "official", "dataset": ds, "bench": bench, "run": int(run), "seconds": round(float(t1) - float(t0), 1),
       "S": round(S, 2), "U": round(U, 2), "H": round(H, 2), "load1": open("/proc/loadavg").read().split()[0], "quiet": True}
open("quiet_pairs.jsonl", "a").write(json.dumps(row) + "\n"); print(row, flush=True)
PY
python zsl_cada.py cada-$ds/data/$bench $bench $run reference-code quiet_pairs.jsonl
