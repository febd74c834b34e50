#!/bin/bash
# The official CADA-VAE beside zslkit on awa2-synthetic drawn with 2048-d features (the files on which
# zslkit's AWA2 presets miss the sanity floor): does the authors' own code beat ESZSL's H (20.3) there?
# Three interleaved pairs (official run k, then zslkit seed k), each code at its AWA2 settings.
#   zslkit export --dataset awa2-synthetic --feature-dim 2048 --out /work/scratch/sel2048/AWA2
#   the official code (patched to the CPU as in README.md) in /work/scratch/cada-awa2-2048, data/AWA2 -> that folder
#   bash results/fidelity/cada_awa2_2048.sh   (rows: /work/scratch/cada-awa2-2048/rows.jsonl, then
#   results/fidelity/cada-vae-awa2-synthetic-2048.jsonl with the dataset named on zslkit's rows too)
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
FID=$(cd "$(dirname "$0")" && pwd)
cd /work/scratch/cada-awa2-2048
for run in 0 1 2; do
  log=official_r$run.log
  t0=$(date +%s.%N)
  (cd model && python single_experiment.py --dataset AWA2 --num_shots 0 --generalized True > ../$log 2>&1)
  t1=$(date +%s.%N)
  python "$FID/parse_official_cada.py" $log awa2-synthetic-2048 AWA2 $run "$(echo "$t1 - $t0" | bc)" rows.jsonl official
  python "$FID/zslkit_cada.py" data/AWA2 AWA2 $run reference-code rows.jsonl
done
python - "$FID/cada-vae-awa2-synthetic-2048.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for line in open("rows.jsonl"):
        row = json.loads(line)
        if row["code"] == "zslkit":  # zslkit_cada.py names the folder, not the dataset
            row = {"code": "zslkit", "dataset": "awa2-synthetic-2048", **row}
        out.write(json.dumps(row) + "\n")
PY
