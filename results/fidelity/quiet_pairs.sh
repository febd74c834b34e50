#!/bin/bash
# Quiet-machine pairs of session 6 (nothing else running), run/seed 3: CADA-VAE on awa2-synthetic, then
# ACMR on critters. (They ran as one inline script whose official CADA-VAE log was quiet_off_awa2_r3.log;
# quiet_pair.sh is the same sequence per pair.)
here=$(dirname "$0")
bash "$here/quiet_pair.sh" cada-vae awa2-synthetic AWA2 3
bash "$here/quiet_pair.sh" acmr critters AWA2 3
echo QUIET_DONE
