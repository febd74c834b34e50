"""Merge per-method `zslkit compare` runs (one output folder each, run on two cores side by side)
into results/NAME.{json,md}, e.g. NAME = compare-awa2-synthetic-2048 or compare-cub-synthetic-2048.

    python results/selection/merge_compare.py NAME RUN_FOLDER [RUN_FOLDER ...]
"""
import json
import sys
from pathlib import Path

from zslkit.runs import format_markdown_sections

ORDER = ["eszsl", "cada-vae", "sp-aen", "acmr", "two-level", "mianet"]


def main(name, folders):
    blobs = [json.loads((Path(f) / "results.json").read_text()) for f in folders]
    rows = sorted((r for b in blobs for r in b["rows"]), key=lambda r: (ORDER.index(r["method"]), r["seed"]))
    merged = {**blobs[0], "rows": rows, "merged_from": [str(f) for f in folders]}
    out = Path(__file__).resolve().parents[1] / name
    out.with_suffix(".json").write_text(json.dumps(merged, indent=1) + "\n")
    out.with_suffix(".md").write_text(format_markdown_sections(rows) + "\n")
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
