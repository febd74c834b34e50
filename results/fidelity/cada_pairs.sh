#!/bin/bash
# CADA-VAE fidelity: official code vs zslkit, interleaved, one job at a time, one thread.
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
FID=$(cd "$(dirname "$0")" && pwd)
cd /work/scratch/fid
while kill -0 $1 2>/dev/null; do sleep 5; done
official() { # ds bench run
  local t0=$(date +%s.%N)
  (cd cada-$1/model && python single_experiment.py --dataset $2 --num_shots 0 --generalized True > ../../off_$1_r$3.log 2>&1)
  local t1=$(date +%s.%N)
  python "$FID/parse_official_cada.py" off_$1_r$3.log $1 $2 $3 "$(echo "$t1 - $t0" | bc)" cada_fidelity.jsonl
}
zsl() { # ds bench seed reparam
  python zsl_cada.py cada-$1/data/$2 $2 $3 $4 cada_fidelity.jsonl
}
# run 1 of awa2-synthetic's official code was started by hand: record it
python - <<'PY'
import json, re
log = open("off_awa2_r1.log").read()
last = re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", log)[-1]
U, S, H = (100 * float(v) for v in last)
w = re.findall(r"wall ([\d.]+) s", log)
row = {"code": "official", "dataset": "awa2-synthetic", "bench": "AWA2", "run": 0, "seconds": float(w[-1]) if w else None,
       "S": round(S, 2), "U": round(U, 2), "H": round(H, 2)}
open("cada_fidelity.jsonl", "a").write(json.dumps(row) + "\n"); print(row, flush=True)
PY
zsl awa2-synthetic AWA2 0 reference-code
for ds_b in critters:AWA2 cub-synthetic:CUB; do ds=${ds_b%%:*}; b=${ds_b##*:}
  official $ds $b 0; zsl $ds $b 0 reference-code
done
for r in 1 2; do
  for ds_b in awa2-synthetic:AWA2 critters:AWA2 cub-synthetic:CUB; do ds=${ds_b%%:*}; b=${ds_b##*:}
    official $ds $b $r; zsl $ds $b $r reference-code
  done
done
for ds_b in awa2-synthetic:AWA2 critters:AWA2 cub-synthetic:CUB; do ds=${ds_b%%:*}; b=${ds_b##*:}
  zsl $ds $b 0 paper
done
echo LANE1 DONE
