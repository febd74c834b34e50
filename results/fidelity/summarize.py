"""The fidelity tables: official code vs zslkit on the same exported files, mean ± s.d. over runs,
then zslkit's H minus the official code's with Welch's t-test (is the gap larger than the runs'
own spread?).

    python results/fidelity/summarize.py results/fidelity/cada-vae.jsonl [results/fidelity/cada-vae-ablation.jsonl]
"""
import json
import sys
from collections import defaultdict

import numpy as np
from scipy import stats

DATASET_OF_FOLDER = {"cada-awa2-synthetic": "awa2-synthetic", "cada-critters": "critters",
                     "cada-cub-synthetic": "cub-synthetic"}


def key(row):
    dataset = row.get("dataset") or DATASET_OF_FOLDER[row["folder"].split("/")[0]]
    if row["code"] == "official":
        return dataset, "official code"
    if row["code"].startswith("official, "):  # an ablation: the official code with one change
        return dataset, f"official code with {row['code'][len('official, '):]}"
    return dataset, f"zslkit ({row['reparameterization']})" if "reparameterization" in row else "zslkit"


def cell(values):
    v = np.asarray(values, dtype=float)
    if not len(v):
        return "—"
    return f"{v.mean():.1f} ± {v.std(ddof=1):.1f}" if len(v) > 1 else f"{v.mean():.1f}"


def main(paths):
    groups = defaultdict(list)
    for path in paths:
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
        cells = [cell([r[k] for r in rows if k in r]) for k in keys]
        seconds = np.mean([r["seconds"] for r in rows])
        print(f"| {dataset} | {variant} | {' | '.join(cells)} | {seconds:.0f} | {len(rows)} |")

    print("\n| dataset | compared with the official code | H gap (points) | Welch's t-test p |")
    print("|---|---|---|---|")
    for (dataset, variant), rows in sorted(groups.items()):
        official = [r["H"] for r in groups.get((dataset, "official code"), [])]
        if variant == "official code" or len(rows) < 2 or len(official) < 2:
            continue
        h = [r["H"] for r in rows]
        p = stats.ttest_ind(h, official, equal_var=False).pvalue
        print(f"| {dataset} | {variant} | {np.mean(h) - np.mean(official):+.1f} | {p:.2f} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
