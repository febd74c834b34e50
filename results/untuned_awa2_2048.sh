#!/bin/bash
# Diagnostic (issue 13), not a selection: the real-benchmark AWA2 presets on awa2-synthetic drawn with
# 2048-d features WITHOUT the extractor's class-tuned units (tuned = 0, every other generator setting
# the calibrated one). On the calibrated data every neural method calls unseen images seen and falls
# under ESZSL's H; this asks whether that is the seen-class bias the class-tuned units put into the
# features. The data is NOT calibrated (ESZSL's U rises far above the published one); it is used for
# nothing but this table, and no setting was chosen on it.
#   bash results/untuned_awa2_2048.sh   (writes results/compare-awa2-synthetic-2048-untuned.{json,md})
set -e
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
DIR=/work/scratch/sel2048/AWA2-untuned
python -c "from zslkit.data.synthetic import benchmark_synthetic as b; from zslkit.data.xlsa17 import export_xlsa17 as e; e(b('AWA2', feature_dim=2048, tuned=0.0), '$DIR', overwrite=True)"
zslkit compare --dataset awa2 --data-dir $DIR --seeds 1 --no-progress --out /work/scratch/cmp/awa2-untuned
python results/selection/merge_compare.py compare-awa2-synthetic-2048-untuned /work/scratch/cmp/awa2-untuned
