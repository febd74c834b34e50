"""The fidelity table: official code vs zslkit on the same exported files, mean ± s.d. over runs.

    python results/fidelity/summarize.py results/fidelity/cada-vae.jsonl
"""
import json
import sys
from collections import defaultdict

import numpy as np

DATASET_OF_FOLDER = {"cada-awa2-synthetic": "awa2-synthetic", "cada-critters": "critters",
                     "cada-cub-synthetic": "cub-synthetic"}


def key(row):
    dataset = row.get("dataset") or DATASET_OF_FOLDER[row["folder"].split("/")[0]]
    if row["code"] == "official":
        return dataset, "official code"
    return dataset, f"zslkit ({row['reparameterization']})" if "reparameterization" in row else "zslkit"


def main(path):
    groups = defaultdict(list)
    for line in open(path):
        if line.strip():
            row = json.loads(line)
            groups[key(row)].append(row)
    best = any("H_best" in r for rows in groups.values() for r in rows)
    keys = ("S", "U", "H") + (("H_best",) if best else ())
    extra = " H at the best classifier epoch (chosen on test) |" if best else ""
    print("| dataset | code | S | U | H |" + extra + " seconds / run | runs |")
    print("|---|---|---|---|---|" + ("---|" if best else "") + "---|---|")
    for (dataset, variant), rows in sorted(groups.items()):
        cells = []
        for k in keys:
            v = np.array([r[k] for r in rows if k in r])
            if not len(v):
                cells.append("—")
            else:
                cells.append(f"{v.mean():.1f} ± {v.std(ddof=1):.1f}" if len(v) > 1 else f"{v.mean():.1f}")
        seconds = np.mean([r["seconds"] for r in rows])
        print(f"| {dataset} | {variant} | {' | '.join(cells)} | {seconds:.0f} | {len(rows)} |")


if __name__ == "__main__":
    main(sys.argv[1])
