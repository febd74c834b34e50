"""Merge the per-method `zslkit compare` runs on 2048-d awa2-synthetic (one output folder each,
run on two cores side by side) into results/compare-awa2-synthetic-2048.{json,md}.

    python results/selection/awa2-2048/merge_compare.py RUN_FOLDER [RUN_FOLDER ...]
"""
import json
import sys
from pathlib import Path

from zslkit.runs import format_markdown_sections

ORDER = ["eszsl", "cada-vae", "sp-aen", "acmr", "two-level", "mianet"]


def main(folders):
    blobs = [json.loads((Path(f) / "results.json").read_text()) for f in folders]
    rows = sorted((r for b in blobs for r in b["rows"]), key=lambda r: (ORDER.index(r["method"]), r["seed"]))
    merged = {**blobs[0], "rows": rows, "merged_from": [str(f) for f in folders]}
    out = Path(__file__).resolve().parents[2] / "compare-awa2-synthetic-2048"
    out.with_suffix(".json").write_text(json.dumps(merged, indent=1) + "\n")
    out.with_suffix(".md").write_text(format_markdown_sections(rows) + "\n")
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
