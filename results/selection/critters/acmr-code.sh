#!/bin/bash
# ACMR on critters again, with the official code's VSA scaling and reparameterisation (its
# defaults since issue 13; run.sh's ACMR grids used the paper readings, vsa_scaling="sqrt",
# reparameterization="paper"). Same folds, same (beta, lambda, unseen latents) pairs.
set -e
out=results/selection/critters
code="vsa_scaling=none reparameterization=reference-code"
sel() { name=$1; shift; zslkit select "$@" --dataset critters --folds 5 --no-progress --out $out/$name.json; }
sel acmr-code-beta0.5 acmr --grid $code beta=0.5 lambda_=15,50 latents_per_unseen_class=100,400
sel acmr-code-beta2 acmr --grid $code beta=2 lambda_=60 latents_per_unseen_class=100,400
