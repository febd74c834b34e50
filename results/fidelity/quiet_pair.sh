#!/bin/bash
# One quiet-machine pair (nothing else running): the official code, then zslkit, on one exported dataset.
#   bash results/fidelity/quiet_pair.sh cada-vae|acmr DATASET BENCH RUN
# CADA-VAE rows go to the scratch quiet_pairs.jsonl, ACMR rows to acmr_quiet.jsonl (run_pair.sh writing
# there instead of acmr_fidelity.jsonl); both are copied into results/fidelity/quiet-pairs.jsonl.
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
method=$1 ds=$2 bench=$3 run=$4
FID=$(cd "$(dirname "$0")" && pwd)
if [ "$method" = acmr ]; then
  cd /work/scratch/fid-acmr && sed 's#acmr_fidelity.jsonl#acmr_quiet.jsonl#' run_pair.sh > run_pair_quiet.sh
  exec bash run_pair_quiet.sh "$ds" "$bench" "$run"
fi
cd /work/scratch/fid
log=quiet_off_${ds}_r$run.log
t0=$(date +%s.%N)
(cd cada-$ds/model && python single_experiment.py --dataset "$bench" --num_shots 0 --generalized True > ../../$log 2>&1)
t1=$(date +%s.%N)
python "$FID/parse_official_cada.py" $log "$ds" "$bench" "$run" "$(echo "$t1 - $t0" | bc)" quiet_pairs.jsonl official --quiet
python zsl_cada.py cada-$ds/data/$bench $bench $run reference-code quiet_pairs.jsonl
