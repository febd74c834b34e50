"""Markdown table of every setting tried by `zslkit select` in the given folders, best first per file.

    python results/selection/table.py results/selection/critters results/selection/awa2-synthetic
"""
import json
import sys
from pathlib import Path

#: folders whose data was read from an exported xlsa17 folder (the JSON then says "awa2")
DATASET_OF_FOLDER = {"awa2-2048": "awa2-synthetic, 2048-d"}


def main(folders):
    print("| dataset | method | file | setting | mean validation H ± s.d. (folds) | S | U | s / training |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in folders:
        for path in sorted(Path(folder).glob("*.json")):
            blob = json.loads(path.read_text())
            for row in blob["rows"]:
                setting = ", ".join(f"{k}={v}" for k, v in row["params"].items())
                seconds = f"{row['train_seconds']:.1f}" if "train_seconds" in row else ""
                print(f"| {DATASET_OF_FOLDER.get(Path(folder).name, blob['dataset'])} | `{blob['method']}` | `{path.name}` | {setting} | "
                      f"{row['H']:.3f} ± {row['H_std']:.3f} ({blob['folds']}) | {row['S']:.3f} | {row['U']:.3f} | {seconds} |")


if __name__ == "__main__":
    main(sys.argv[1:])
