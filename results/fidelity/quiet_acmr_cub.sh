#!/bin/bash
# Session 10 (2026-12-02): one quiet ACMR pair on cub-synthetic (run/seed 3), official then zslkit, nothing
# else running. The scratch folder fid-acmr2 was re-created: the official ACMR at commit 789b378 with the
# changes README.md lists in words, and `zslkit export --dataset cub-synthetic --out fid-acmr2/data/CUB`.
set -euo pipefail
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
FID=$(cd "$(dirname "$0")" && pwd)   # as quiet_pair.sh: this folder's parse_official_acmr.py, zslkit_acmr.py
cd /work/scratch/fid-acmr2
t0=$(date +%s.%N)
(cd model && python -u train.py --dataset CUB --data_root ../data --seed 3) > official_cub_r3.log 2>&1
t1=$(date +%s.%N)
python $FID/parse_official_acmr.py official_cub_r3.log cub-synthetic CUB 3 "$(echo "$t1 - $t0" | bc)" acmr_quiet.jsonl
python -u $FID/zslkit_acmr.py data/CUB cub-synthetic CUB 3 acmr_quiet.jsonl > zslkit_cub_r3.log 2>&1
tail -1 zslkit_cub_r3.log
