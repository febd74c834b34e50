#!/bin/bash
# SUN preset of SP-AEN (issue 13, session 8): β 0 (the CUB-shaped folds' choice) against the paper's
# β 5 on ONE class-disjoint fold (fold 0 = the official validation split) of sun-synthetic drawn with
# 2048-d features (SUN's classes, attributes and split, 20 images per class as in the real SUN: 10,320
# trainval), update-matched, one seed. One fold only, for time (~10 CPU minutes a training).
# NOTE: the SUN test split of the β 5 preset had been read (H 12.3, README) before this ran.
#   python -c "from zslkit.data.synthetic import benchmark_synthetic as b; from zslkit.data.xlsa17 import export_xlsa17 as e; e(b('SUN', feature_dim=2048), 'SUN-2048')"
#   OMP_NUM_THREADS=1 DIR=SUN-2048 bash results/selection/sun-2048/run.sh
set -e
zslkit select sp-aen --grid beta=0,5 --dataset sun --data-dir "$DIR" --folds 1 --no-progress --out results/selection/sun-2048/sp-aen.json
