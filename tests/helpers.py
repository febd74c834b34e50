"""Test helpers: tiny benchmark folders in the real xlsa17 format."""
from pathlib import Path

import numpy as np
import scipy.io


def write_xlsa17(folder, *, n_classes=6, n_unseen=2, per_class=10, dim=12, n_attr=5, seed=0,
                 class_lists=True, transpose_features=False, zero_based=False, names=True):
    """Write res101.mat + att_splits.mat (+ class lists) like the real release:
    features D×N float32, labels N×1 1-based, att A×C unit columns, *_loc 1-based uint16,
    allclasses_names a MATLAB cell array."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    C = n_classes
    labels = np.repeat(np.arange(1, C + 1), per_class)
    N = labels.size
    features = rng.random((dim, N)).astype(np.float32) + labels[None, :] * 0.1
    att = rng.random((n_attr, C)) + 0.1
    att /= np.linalg.norm(att, axis=0, keepdims=True)
    unseen = np.arange(C - n_unseen + 1, C + 1)
    trainval, test_seen, test_unseen = [], [], []
    for c in range(1, C + 1):
        pos = np.flatnonzero(labels == c) + 1
        if c in unseen:
            test_unseen += list(pos)
        else:
            test_seen += list(pos[:2])
            trainval += list(pos[2:])
    shift = 1 if zero_based else 0
    loc = lambda v: (np.array(v, dtype=np.int64) - shift).astype(np.uint16)[:, None]  # noqa: E731
    class_names = [f"{c:03d}.class_{c}" for c in range(1, C + 1)]
    scipy.io.savemat(folder / "res101.mat", {
        "features": features.T if transpose_features else features,
        "labels": labels[:, None].astype(np.float64), "image_files": np.array([f"img{i}.jpg" for i in range(N)], dtype=object)[:, None]})
    split = {"att": att, "original_att": att * 100, "trainval_loc": loc(trainval), "test_seen_loc": loc(test_seen),
             "test_unseen_loc": loc(test_unseen)}
    if names:
        split["allclasses_names"] = np.array(class_names, dtype=object)[:, None]
    scipy.io.savemat(folder / "att_splits.mat", split)
    if class_lists:
        seen_names = [class_names[c - 1] for c in range(1, C + 1) if c not in unseen]
        (folder / "trainclasses1.txt").write_text("\n".join(seen_names[:-2]) + "\n")
        (folder / "valclasses1.txt").write_text("\n".join(seen_names[-2:]) + "\n")
    return {"features": features, "labels": labels, "att": att, "trainval": np.array(trainval),
            "test_seen": np.array(test_seen), "test_unseen": np.array(test_unseen), "class_names": class_names}
