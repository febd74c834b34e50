"""Parse the official CADA-VAE log: its classifier prints 'novel=U, seen=S, h=H' every epoch and
returns the last one, which is the row (S / U / H in %).
usage: python parse_official_cada.py LOG DATASET BENCH RUN SECONDS OUT_JSONL [CODE] [--quiet]
(CODE: the row's "code", default "official"; an ablation: "official, <the one change>";
--quiet marks a run on a quiet machine)"""
import json, re, sys
args = [a for a in sys.argv[1:] if a != "--quiet"]
log, ds, bench, run, secs, out = args[:6]
code = args[6] if len(args) > 6 else "official"
last = re.findall(r"novel=([\d.]+), seen=([\d.]+), h=([\d.]+)", open(log).read())
if not last:
    sys.exit(f"no classifier-epoch lines in {log}")
U, S, H = (100 * float(v) for v in last[-1])
row = {"code": code, "dataset": ds, "bench": bench, "run": int(run), "seconds": round(float(secs), 1),
       "S": round(S, 2), "U": round(U, 2), "H": round(H, 2), "load1": open("/proc/loadavg").read().split()[0]}
if "--quiet" in sys.argv:
    row["quiet"] = True
open(out, "a").write(json.dumps(row) + "\n"); print(row, flush=True)
