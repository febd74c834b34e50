"""Merge per-method `zslkit compare` runs (one output folder each, run on two cores side by side)
into results/NAME.{json,md}, e.g. NAME = compare-awa2-synthetic-2048 or compare-cub-synthetic-2048.

    python results/selection/merge_compare.py NAME RUN_FOLDER [RUN_FOLDER ...]

A RUN_FOLDER may also be an earlier merged file (results/NAME.json). A method's rows come from the
LAST input that has the method, so a rerun of one method replaces its rows, e.g. session 8's
two-level at its new CUB preset: merge_compare.py compare-cub-synthetic-2048
results/compare-cub-synthetic-2048.json RERUN_FOLDER.
"""
import json
import sys
from pathlib import Path

from zslkit.runs import format_markdown_sections

ORDER = ["eszsl", "cada-vae", "sp-aen", "acmr", "two-level", "mianet"]


def main(name, folders):
    blobs = [json.loads((Path(f) if f.endswith(".json") else Path(f) / "results.json").read_text())
             for f in folders]
    rows_of, source_of = {}, {}
    for blob, folder in zip(blobs, folders):
        for method in {r["method"] for r in blob["rows"]}:
            rows_of[method] = [r for r in blob["rows"] if r["method"] == method]
            source_of[method] = str(folder)
    rows = sorted((r for rows in rows_of.values() for r in rows), key=lambda r: (ORDER.index(r["method"]), r["seed"]))
    merged = {**blobs[0], "rows": rows, "merged_from": [str(f) for f in folders],
              "rows_from": {m: source_of[m] for m in sorted(source_of, key=ORDER.index)}}
    out = Path(__file__).resolve().parents[1] / name
    out.with_suffix(".json").write_text(json.dumps(merged, indent=1) + "\n")
    out.with_suffix(".md").write_text(format_markdown_sections(rows) + "\n")
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
