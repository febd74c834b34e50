#!/bin/bash
# Real-benchmark presets for AWA1 / AWA2 / APY (issue 13), chosen on class-disjoint validation folds of
# awa2-synthetic drawn with 2048-d features (the calibrated generator, AWA2's classes, semantics and
# split, 120 images per class: 3,840 trainval), exported as an xlsa17 folder and read on the
# researcher's path (`--dataset awa2 --data-dir`), so every grid modifies the method's AWA2 preset as it
was before this selection (commit 6afd1ee: SP-AEN and MIANet the paper's values) or the preset named.
# 3 folds (fold 0 = the official validation split), update-matched, one seed, one training at a time.
#   zslkit export --dataset awa2-synthetic --feature-dim 2048 --out AWA2-2048
#   OMP_NUM_THREADS=1 DIR=AWA2-2048 bash results/selection/awa2-2048/run.sh sp-aen|mianet|two-level
set -e
out=results/selection/awa2-2048
sel() { name=$1; shift; zslkit select "$@" --dataset awa2 --data-dir "$DIR" --folds 3 --no-progress --out $out/$name.json; }
case $1 in
  eszsl) sel eszsl eszsl --grid select_by=H ;;  # the baseline (γ, λ chosen inside each fit, on the fold's own folds)
  sp-aen) sel sp-aen sp-aen --grid lr=0.0001,0.001 beta=0.5,5 ;;
  # the paper's network (hidden 2048, z = 2 x classes, batch 300) and the awa2-synthetic preset's smaller one
  mianet) sel mianet-paper mianet --grid epochs=100
          sel mianet-small mianet --preset awa2-synthetic --grid epochs=50,100 ;;
  # the paper's widths (4096) are out of reach on a CPU (zslkit bench: ~45 min per AWA2 epoch);
  # the awa2-synthetic preset's network (256 hidden units, lr 1e-3) with its critic steps
  two-level) sel two-level-small two-level --preset awa2-synthetic --grid epochs=20,40 ;;
esac
# run after the grids above, when 100 epochs had beaten 50 for the smaller network:
#   zslkit select mianet --preset awa2-synthetic --grid epochs=200 --dataset awa2 --data-dir "$DIR" --folds 3 --no-progress --out results/selection/awa2-2048/mianet-small-200.json
