"""The real class semantics of AWA1, AWA2, CUB, SUN and APY, bundled in ``data/``.

They are the xlsa17 ``att_splits.mat`` matrices with attribute names (provenance and terms in
``data/README.md``). Without the image features they are enough to explore what a class
embedding is: heatmaps, class similarity, which classes are unseen.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .core import ZSLDataError
from .xlsa17 import _semantics_matrix, mat_strings, read_class_list, read_mat

BENCHMARKS = ("AWA1", "AWA2", "CUB", "SUN", "APY")


def bundled_data_dir() -> Path:
    """The project's ``data/`` folder (override with ``$ZSLKIT_BUNDLED_DATA``)."""
    env = os.environ.get("ZSLKIT_BUNDLED_DATA")
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "data"
    if not (folder / "xlsa17").is_dir():
        raise ZSLDataError(
            f"bundled data not found at {folder}: install zslkit from its source tree "
            "(pip install -e .) or point $ZSLKIT_BUNDLED_DATA at the repository's data/ folder."
        )
    return folder


@dataclass(frozen=True)
class ClassSemantics:
    """The class embeddings of a real benchmark, without image features.

    matrix : (C, A) L2-normalised per class (what methods consume, xlsa17 ``att``ᵀ)
    original : (C, A) raw values (AWA 0..100 with -1 = unknown, CUB 0..100, SUN/APY 0..1)
    seen_classes / unseen_classes / validation_classes : class indices (fold 1 for validation)
    """

    name: str
    class_names: list
    attribute_names: list
    matrix: np.ndarray
    original: np.ndarray
    seen_classes: np.ndarray
    unseen_classes: np.ndarray
    validation_classes: np.ndarray

    def similarity(self) -> np.ndarray:
        """(C, C) cosine similarity between class embeddings."""
        return self.matrix @ self.matrix.T


def _attribute_names(name: str, folder: Path, width: int) -> list:
    key = "AWA2" if name == "AWA1" else name
    adir = folder / "attributes" / key
    if key == "AWA2":
        names = [line.split("\t")[1].strip() for line in (adir / "predicates.txt").read_text().splitlines() if line.strip()]
    elif key == "CUB":
        names = [line.split(" ", 1)[1].strip() for line in (adir / "attributes.txt").read_text().splitlines() if line.strip()]
    elif key == "SUN":
        names = mat_strings(read_mat(adir / "attributes.mat")["attributes"])
    else:
        names = read_class_list(adir / "attribute_names.txt")
    if len(names) != width:
        raise ZSLDataError(f"{adir}: {len(names)} attribute names for {width} attributes.")
    return names


@lru_cache(maxsize=None)
def load_semantics(name: str) -> ClassSemantics:
    """The bundled class semantics of one benchmark (``AWA1``, ``AWA2``, ``CUB``, ``SUN``, ``APY``)."""
    name = name.upper()
    if name not in BENCHMARKS:
        raise ZSLDataError(f"no bundled semantics for {name!r}; available: {list(BENCHMARKS)}.")
    folder = bundled_data_dir()
    path = folder / "xlsa17" / name / "att_splits.mat"
    mat = read_mat(path)
    S = _semantics_matrix(mat, path).astype(np.float32)
    classes = mat_strings(mat["allclasses_names"])
    lookup = {c: i for i, c in enumerate(classes)}
    lists = {k: np.array(sorted(lookup[c] for c in read_class_list(folder / "xlsa17" / name / f"{k}.txt")))
             for k in ("trainvalclasses", "testclasses", "valclasses1")}
    for arr in (S,):
        arr.setflags(write=False)
    return ClassSemantics(name=name, class_names=classes,
                          attribute_names=_attribute_names(name, folder, S.shape[1]), matrix=S,
                          original=mat["original_att"].T.astype(np.float32),
                          seen_classes=lists["trainvalclasses"], unseen_classes=lists["testclasses"],
                          validation_classes=lists["valclasses1"])
