#!/bin/bash
# The critters presets, re-chosen on 5 class-disjoint validation folds (fold 0 = the official
# validation split), update-matched, one seed; every setting tried is written here as JSON.
# Run from the repository root, one training at a time: OMP_NUM_THREADS=1 bash results/selection/critters/run.sh
set -e
out=results/selection/critters
sel() { name=$1; shift; zslkit select "$@" --dataset critters --folds 5 --no-progress --out $out/$name.json; }
sel cada-vae cada-vae --grid epochs=6,20 reparameterization=paper,reference-code
sel sp-aen sp-aen --grid beta=0,0.15,0.5
sel acmr-beta0.5 acmr --grid beta=0.5 lambda_=15,50 latents_per_unseen_class=100,400
sel acmr-beta2 acmr --grid beta=2 lambda_=60 latents_per_unseen_class=100,400
sel mianet mianet --grid epochs=15,40
sel two-level two-level --grid critic_steps=5 coupling_critic_steps=1,5
