"""`digits`: a small REAL zero-shot dataset that ships offline.

Images: scikit-learn's 1,797 handwritten digits (8×8 grey levels 0..16, UCI "Optical Recognition
of Handwritten Digits"), flattened to 64 features scaled to [0, 1]. Class semantics: 13
attributes per digit defined by zslkit from how the digit is drawn (seven-segment display
segments plus loops, curves, straight and diagonal strokes). Every value is documented in
``ATTRIBUTES`` below and in ``data/README.md``.

Split (fixed, never tuned): unseen digits 2, 5, 8; seen digits 0, 1, 3, 4, 6, 7, 9, of which
20 % of the images (seeded) form ``test_seen``. Model selection uses a fixed class-disjoint
validation split inside trainval: digits 4 and 9 play "unseen".
"""
from __future__ import annotations

import numpy as np

from .core import ZSLData, derive_validation_split

UNSEEN_DIGITS = (2, 5, 8)
VALIDATION_DIGITS = (4, 9)

#: attribute name -> (description, value for digits 0..9)
ATTRIBUTES = {
    "segment_top":         ("top bar of a seven-segment display (a)",        [1, 0, 1, 1, 0, 1, 1, 1, 1, 1]),
    "segment_upper_right": ("upper-right vertical segment (b)",              [1, 1, 1, 1, 1, 0, 0, 1, 1, 1]),
    "segment_lower_right": ("lower-right vertical segment (c)",              [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]),
    "segment_bottom":      ("bottom bar (d)",                                [1, 0, 1, 1, 0, 1, 1, 0, 1, 1]),
    "segment_lower_left":  ("lower-left vertical segment (e)",               [1, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
    "segment_upper_left":  ("upper-left vertical segment (f)",               [1, 0, 0, 0, 1, 1, 1, 0, 1, 1]),
    "segment_middle":      ("middle bar (g)",                                [0, 0, 1, 1, 1, 1, 1, 0, 1, 1]),
    "loop_upper":          ("a closed loop in the upper half",               [1, 0, 0, 0, 0, 0, 0, 0, 1, 1]),
    "loop_lower":          ("a closed loop in the lower half",               [1, 0, 0, 0, 0, 0, 1, 0, 1, 0]),
    "curved_strokes":      ("drawn mostly with curves",                      [1, 0, 1, 1, 0, 1, 1, 0, 1, 1]),
    "straight_strokes":    ("drawn mostly with straight lines",              [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
    "diagonal_stroke":     ("has a long diagonal stroke",                    [0, 0, 1, 0, 1, 0, 0, 1, 0, 0]),
    "open_left_side":      ("the left side is open (no left stroke at all)", [0, 1, 0, 1, 0, 0, 0, 1, 0, 0]),
}


def digit_attributes() -> tuple[np.ndarray, list[str]]:
    """The raw 10 × 13 attribute matrix (rows = digits 0..9) and the attribute names."""
    names = list(ATTRIBUTES)
    A = np.array([ATTRIBUTES[n][1] for n in names], dtype=np.float32).T
    return A, names


def load_digits(seed: int = 0) -> ZSLData:
    """The `digits` zero-shot dataset (see module docstring).

    Class embeddings are the attribute rows L2-normalised per class, as xlsa17 does for the
    real benchmarks; the raw 0/1 matrix is kept in ``info["original_att"]``.
    ``seed`` only changes which seen images go to ``test_seen`` (default 0 = the fixed split).
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    A, names = digit_attributes()
    S = A / np.linalg.norm(A, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    trainval, test_seen = [], []
    for c in range(10):
        if c in UNSEEN_DIGITS:
            continue
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(0.2 * idx.size))
        test_seen.append(idx[:k])
        trainval.append(idx[k:])
    trainval = np.sort(np.concatenate(trainval))
    splits = {"trainval": trainval, "test_seen": np.sort(np.concatenate(test_seen)),
              "test_unseen": np.flatnonzero(np.isin(y, UNSEEN_DIGITS))}
    splits.update(derive_validation_split(y, trainval, val_classes=VALIDATION_DIGITS, seed=seed))
    return ZSLData(features=X, labels=y, class_embeddings=S, splits=splits,
                   class_names=[str(d) for d in range(10)], attribute_names=names, name="digits",
                   info={"original_att": A, "images": bunch.images.astype(np.float32),
                         "source": "scikit-learn load_digits (UCI optdigits test set)"})
