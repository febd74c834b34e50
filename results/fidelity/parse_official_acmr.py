"""Parse the patched official ACMR log: per-classifier-epoch lines '[k]\t novel=U, seen=S, h=H , loss=L'
(k = 1 .. cls_train_steps-1; the code's history) and its own final '[DATASET][idx]: maxH' line.
usage: python parse_official.py LOG DATASET BENCH RUN SECONDS OUT_JSONL [CODE]
(CODE: the row's "code", default "official"; an ablation: "official, <the one change>")"""
import json, re, sys
log, ds, bench, run, secs, out = sys.argv[1:7]
code = sys.argv[7] if len(sys.argv) > 7 else "official"
text = open(log).read()
rows = [(float(k), float(u), float(s), float(h)) for k, u, s, h in
        re.findall(r"^\[([\d.]+)\]\s+novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", text, re.M)]
if not rows:
    sys.exit(f"no classifier-epoch lines in {log}")
final = re.findall(r"^\[\w+\]\[(\d+)\]: ([\d.]+)", text, re.M)
k_last, U, S, H = rows[-1]
best = max(range(len(rows)), key=lambda i: rows[i][3])      # first max, as acc.index(max(acc))
k_b, Ub, Sb, Hb = rows[best]
if final:  # consistency with the code's own report
    assert int(final[-1][0]) == best and abs(float(final[-1][1]) - Hb) < 1e-3, (final[-1], best, Hb)
p = lambda v: round(100 * v, 2)
row = {"code": code, "method": "acmr", "dataset": ds, "bench": bench, "run": int(run), "seconds": round(float(secs), 1),
       "S": p(S), "U": p(U), "H": p(H), "S_best": p(Sb), "U_best": p(Ub), "H_best": p(Hb),
       "best_cls_epoch": int(k_b), "last_cls_epoch": int(k_last),
       "load1": open("/proc/loadavg").read().split()[0]}
open(out, "a").write(json.dumps(row) + "\n"); print(row, flush=True)
