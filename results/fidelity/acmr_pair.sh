#!/bin/bash
# ACMR fidelity: the official code (patched scratch copy, official/) and zslkit once each on one exported folder.
# usage: run_pair.sh DATASET BENCH RUN     DATASET: awa2-synthetic | critters | cub-synthetic; BENCH: AWA2 | CUB
# Appends one "official" and one "zslkit" JSON line to acmr_fidelity.jsonl (logs in logs/).
# Smoke test only: SMOKE=1 cuts epochs (official: 1 VAE epoch, 3 classifier epochs; zslkit: epochs=1,
# cls_epochs=2) and writes to acmr_smoke.jsonl instead.  ONLY=official|zslkit runs one half.
# ZSL_OVERRIDES="key=value,..." adds zslkit config overrides (recorded as "overrides" in its row).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 DATASET BENCH RUN" >&2; exit 2; }
DS=$1 BENCH=$2 RUN=$3
HERE=$(cd "$(dirname "$0")" && pwd)
case $DS in
  awa2-synthetic) DIR=/work/scratch/fid/cada-awa2-synthetic/data/AWA2 ;;
  critters)       DIR=/work/scratch/fid/cada-critters/data/AWA2 ;;
  cub-synthetic)  DIR=/work/scratch/fid/cada-cub-synthetic/data/CUB ;;
  *) echo "unknown dataset $DS" >&2; exit 2 ;;
esac
[ "$(basename "$DIR")" = "$BENCH" ] || { echo "$DS's folder is $(basename "$DIR"); BENCH must be that" >&2; exit 2; }
source /work/venv/bin/activate
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
OUT=$HERE/acmr_fidelity.jsonl
unset ACMR_EPOCHS ACMR_CLS_EPOCHS   # ZSL_OVERRIDES (e.g. "lambda_=100.5") is passed on and recorded in the row
if [ "${SMOKE:-0}" = 1 ]; then
  OUT=$HERE/acmr_smoke.jsonl
  export ACMR_EPOCHS=1 ACMR_CLS_EPOCHS=3 ZSL_OVERRIDES="epochs=1,cls_epochs=2"
fi
mkdir -p "$HERE/logs"
TAG=${DS}_r${RUN}$([ "${SMOKE:-0}" = 1 ] && echo _smoke || true)

if [ "${ONLY:-official}" = official ] || [ -z "${ONLY:-}" ]; then
  LOG=$HERE/logs/official_$TAG.log
  t0=$(date +%s.%N)
  # the code reads DATA_ROOT/<BENCH>/res101.mat and att_splits.mat
  (cd "$HERE/official/model" && python -u train.py --dataset "$BENCH" --data_root "$(dirname "$DIR")" --seed "$RUN") > "$LOG" 2>&1
  t1=$(date +%s.%N)
  python "$HERE/parse_official.py" "$LOG" "$DS" "$BENCH" "$RUN" "$(echo "$t1 - $t0" | bc)" "$OUT"
fi
if [ "${ONLY:-zslkit}" = zslkit ] || [ -z "${ONLY:-}" ]; then
  python -u "$HERE/zsl_acmr.py" "$DIR" "$DS" "$BENCH" "$RUN" "$OUT" > "$HERE/logs/zslkit_$TAG.log" 2>&1 \
    || { tail -20 "$HERE/logs/zslkit_$TAG.log" >&2; exit 1; }
  tail -1 "$HERE/logs/zslkit_$TAG.log"
fi
