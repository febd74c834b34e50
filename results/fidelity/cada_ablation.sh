#!/bin/bash
# Ablation: the official CADA-VAE with zslkit's batch sampling (one permutation per epoch, floor(n/50)
# full batches) in place of its own (randperm(n)[:50] at every step, ceil(n/50) steps per epoch).
# The scratch copy cada-DATASET-perm is cada-DATASET (README: how it was made) with those two lines
# changed (data_loader.next_batch and the epoch loop's range in vaemodel.train_vae).
#   bash results/fidelity/cada_ablation.sh awa2-synthetic|critters     (3 runs, one after another)
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
ds=${1:?dataset: awa2-synthetic or critters}
FID=$(cd "$(dirname "$0")" && pwd)
cd /work/scratch/fid
for r in 0 1 2; do
  t0=$(date +%s.%N)
  (cd cada-$ds-perm/model && python single_experiment.py --dataset AWA2 --num_shots 0 --generalized True > ../../offperm_${ds}_r$r.log 2>&1)
  t1=$(date +%s.%N)
  python "$FID/parse_official_cada.py" offperm_${ds}_r$r.log "$ds" AWA2 $r "$(echo "$t1 - $t0" | bc)" \
    cada_ablation.jsonl "official, zslkit's batch sampling"
done
echo CADA_ABLATION_DONE
