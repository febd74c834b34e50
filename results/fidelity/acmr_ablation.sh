#!/bin/bash
# Ablation: the official ACMR code with zslkit's batch sampling (one permutation per epoch, floor(n/b)
# full batches) in place of its own (randperm(n)[:b] at every step, ceil(n/b) steps per epoch) -- the
# same one change as cada_ablation.sh (ACMR's training loop and data loader come from CADA-VAE's code).
# The scratch copy official-perm/ is official/ (README: how it was made) with those two lines changed
# (arch/data_loader.py next_batch, and the epoch loop's range in train.py train_vae).
#   bash results/fidelity/acmr_ablation.sh critters     (3 runs, seeds 0-2, one after another)
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
ds=${1:?dataset: awa2-synthetic or critters}
HERE=/work/scratch/fid-acmr
mkdir -p $HERE/logs
for r in 0 1 2; do
  log=$HERE/logs/officialperm_${ds}_r$r.log
  t0=$(date +%s.%N)
  (cd $HERE/official-perm/model && python -u train.py --dataset AWA2 --data_root /work/scratch/fid/cada-$ds/data --seed $r) > $log 2>&1
  t1=$(date +%s.%N)
  python $HERE/parse_official.py $log $ds AWA2 $r "$(echo "$t1 - $t0" | bc)" $HERE/acmr_ablation.jsonl "official, zslkit's batch sampling"
done
echo ACMR_ABLATION_DONE
