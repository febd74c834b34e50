"""Reader for the public GZSL benchmark format ("xlsa17", Xian et al., CVPR 2017 / TPAMI 2018).

A benchmark folder holds ``res101.mat`` (``features`` stored D×N, ``labels`` N×1, both with
1-based labels) and ``att_splits.mat`` (``att`` attributes×classes, 1-based ``*_loc`` positions
into the columns of ``features``). The xlsa17 ``train_loc``/``val_loc`` overlap ``test_seen_loc``
and are never used: the validation split is built inside ``trainval`` from
``trainclasses1.txt``/``valclasses1.txt`` when present, else from a seeded random class split.

Every problem with a file raises `ZSLDataError` naming the file and the key at fault.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .core import ZSLData, ZSLDataError, derive_validation_split

__all__ = ["load_xlsa17", "read_mat", "read_class_list", "mat_strings", "DOWNLOAD_HINT"]

DOWNLOAD_HINT = (
    "The ResNet-101 features of the benchmarks (res101.mat) are not bundled. Download the xlsa17 "
    "archive (Xian et al., 'Zero-Shot Learning - The Good, the Bad and the Ugly': "
    "http://datasets.d2.mpi-inf.mpg.de/xian/xlsa17.zip), unzip it and pass the folder of one "
    "dataset, e.g. --data-dir xlsa17/data/AWA2 (it must contain res101.mat and att_splits.mat)."
)


def read_mat(path: Path) -> dict:
    """Load a MATLAB file (v5 via scipy, v7.3/HDF5 via h5py when installed) into a dict."""
    path = Path(path)
    if not path.exists():
        raise ZSLDataError(f"{path} does not exist. {DOWNLOAD_HINT}")
    if path.is_dir():
        raise ZSLDataError(f"{path} is a folder, expected a .mat file.")
    if path.stat().st_size == 0:
        raise ZSLDataError(f"{path} is empty (0 bytes): the download was interrupted; download it again.")
    import scipy.io

    try:
        return scipy.io.loadmat(str(path))
    except NotImplementedError:  # MATLAB v7.3 = HDF5
        try:
            import h5py
        except ImportError:
            raise ZSLDataError(f"{path} is a MATLAB v7.3 (HDF5) file; `pip install h5py` to read it.") from None
        try:
            with h5py.File(path, "r") as f:
                return {k: np.array(f[k]).T for k in f.keys() if isinstance(f[k], h5py.Dataset)}
        except Exception as exc:
            raise ZSLDataError(f"{path} cannot be read as MATLAB v7.3: {exc}") from None
    except Exception as exc:  # truncated files raise a zoo of errors inside scipy
        raise ZSLDataError(
            f"{path} cannot be read as a MATLAB file ({type(exc).__name__}: {exc}); it is probably "
            "truncated or not a .mat file: download it again."
        ) from None


def _key(mat: dict, key: str, path: Path) -> np.ndarray:
    if key not in mat:
        have = sorted(k for k in mat if not k.startswith("__"))
        raise ZSLDataError(f"{path} has no key {key!r} (it has {have}); is this the right file?")
    return mat[key]


def _numeric(mat: dict, key: str, path: Path) -> np.ndarray:
    arr = _key(mat, key, path)
    if not isinstance(arr, np.ndarray) or arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ZSLDataError(f"{path}: key {key!r} has dtype {getattr(arr, 'dtype', type(arr))}, expected numbers.")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ZSLDataError(f"{path}: key {key!r} holds complex numbers, expected real numbers.")
    return arr


def _locs(mat: dict, key: str, path: Path, n: int) -> np.ndarray:
    raw = _numeric(mat, key, path).reshape(-1)
    if raw.size == 0:
        raise ZSLDataError(f"{path}: {key!r} is empty.")
    if not np.all(np.isfinite(raw)) or not np.all(raw == np.round(raw)):
        raise ZSLDataError(f"{path}: {key!r} must hold whole numbers (1-based image positions).")
    loc = raw.astype(np.int64)
    if loc.min() < 1:
        raise ZSLDataError(
            f"{path}: {key!r} contains {loc.min()}; xlsa17 positions are 1-based (1..{n}). "
            "A 0 means the file was saved 0-based: add 1 before saving, or use zslkit.ZSLData directly."
        )
    if loc.max() > n:
        raise ZSLDataError(f"{path}: {key!r} contains {loc.max()} but res101.mat has only {n} images.")
    return loc - 1


def mat_strings(cell) -> list[str]:
    """Flatten a MATLAB cell array of strings (as scipy loads it) into a list of str."""
    out = []
    for item in np.asarray(cell, dtype=object).reshape(-1):
        while isinstance(item, np.ndarray) and item.dtype == object and item.size == 1:
            item = item.reshape(-1)[0]
        if isinstance(item, np.ndarray):
            item = "".join(item.reshape(-1).tolist()) if item.dtype.kind == "U" else str(item.reshape(-1)[0]) if item.size else ""
        out.append(str(item))
    return out


def read_class_list(path: Path) -> list[str]:
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def _semantics_matrix(mat: dict, path: Path) -> np.ndarray:
    """Class embeddings (C × k) from the ``att`` key (attributes × classes), L2-normalised per class."""
    att = _numeric(mat, "att", path).astype(np.float64)
    if att.ndim != 2:
        raise ZSLDataError(f"{path}: 'att' must be a 2-D attributes×classes matrix, got shape {att.shape}.")
    if not np.all(np.isfinite(att)):
        raise ZSLDataError(f"{path}: 'att' holds NaN/inf values; the file is damaged.")
    S = att.T
    norms = np.linalg.norm(S, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ZSLDataError(f"{path}: class {int(np.flatnonzero(norms[:, 0] == 0)[0]) + 1} (1-based) has an "
                           "all-zero embedding.")
    # xlsa17 columns are unit-norm already; CUB's sent_splits.mat is not (norms 17-23): re-normalise,
    # as f-VAEGAN-D2 and TF-VAEGAN do.
    return S / norms


def load_xlsa17(path, semantics: str = "att", *, scale: str | None = None, fold: int = 1,
                validation_seed: int = 0, name: str | None = None) -> ZSLData:
    """Read one xlsa17 benchmark folder into a `ZSLData`.

    Parameters
    ----------
    path : folder with ``res101.mat`` and ``<semantics>_splits.mat`` (e.g. ``xlsa17/data/AWA2``).
    semantics : ``"att"`` (attributes), ``"sent"`` (CUB/FLO sentence embeddings in
        ``sent_splits.mat``), or a ``.mat`` file name in the folder with an ``att`` key.
        Class embeddings are L2-normalised per class.
    scale : ``None`` or ``"minmax"``: MinMax-scale features to [0, 1] with the range fitted on
        ``trainval`` only (applied to every split; test values may leave [0, 1]).
    fold : which ``trainclassesK``/``valclassesK`` lists define the validation classes.
    validation_seed : seed of the random class split when the class lists are absent, and of
        the held-out ``val_seen`` images.

    Returns
    -------
    ZSLData with features (N, 2048), labels 0-based, class embeddings (C, k).
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ZSLDataError(f"data folder {folder} does not exist. {DOWNLOAD_HINT}")
    feat_path = folder / "res101.mat"
    fmat = read_mat(feat_path)
    features = _numeric(fmat, "features", feat_path)
    labels_raw = _numeric(fmat, "labels", feat_path).reshape(-1)
    if features.ndim != 2:
        raise ZSLDataError(f"{feat_path}: 'features' must be 2-D (D×N), got shape {features.shape}.")
    n = labels_raw.size
    if features.shape[1] == n:
        X = features.T
    elif features.shape[0] == n:
        raise ZSLDataError(
            f"{feat_path}: 'features' has shape {features.shape}, i.e. N×D; xlsa17 stores D×N "
            f"(2048×{n}). Transpose it before saving (features = features.T)."
        )
    else:
        raise ZSLDataError(f"{feat_path}: 'features' has shape {features.shape} but 'labels' has {n} entries.")
    if not np.all(np.isfinite(labels_raw)) or not np.all(labels_raw == np.round(labels_raw)):
        raise ZSLDataError(f"{feat_path}: 'labels' must be whole numbers (1-based class numbers).")
    labels = labels_raw.astype(np.int64)
    if labels.min() < 1:
        raise ZSLDataError(f"{feat_path}: 'labels' contains {labels.min()}; xlsa17 labels are 1-based class numbers.")
    if not np.all(np.isfinite(X)):
        bad = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ZSLDataError(f"{feat_path}: 'features' has NaN/inf in images {(bad[:5] + 1).tolist()} (1-based): "
                           "the file is damaged; download it again.")

    split_path = folder / "att_splits.mat"
    smat = read_mat(split_path)
    locs = {s: _locs(smat, f"{s}_loc", split_path, n) for s in ("trainval", "test_seen", "test_unseen")}
    if semantics == "att":
        att_path, amat = split_path, smat
    else:
        att_path = folder / (semantics if semantics.endswith(".mat") else f"{semantics}_splits.mat")
        amat = read_mat(att_path)
    S = _semantics_matrix(amat, att_path)
    if labels.max() > S.shape[0]:
        raise ZSLDataError(f"{feat_path}: 'labels' go up to {labels.max()} but {att_path} describes only "
                           f"{S.shape[0]} classes (class counts disagree between the two files; "
                           "is 'att' stored classes×attributes?).")
    class_names = None
    for m in (smat, amat):
        if "allclasses_names" in m:
            class_names = mat_strings(m["allclasses_names"])
            break
    if class_names is not None and len(class_names) != S.shape[0]:
        raise ZSLDataError(f"{split_path}: {len(class_names)} class names for {S.shape[0]} class embeddings.")
    y = labels - 1
    splits = dict(locs)
    tv = splits["trainval"]
    val_classes = None
    vc_file, tc_file = folder / f"valclasses{fold}.txt", folder / f"trainclasses{fold}.txt"
    if class_names is not None and vc_file.exists() and tc_file.exists():
        lookup = {c: i for i, c in enumerate(class_names)}
        wanted = read_class_list(vc_file)
        missing = [c for c in wanted if c not in lookup]
        if missing:
            raise ZSLDataError(f"{vc_file}: classes {missing[:3]} are not in allclasses_names.")
        val_classes = [lookup[c] for c in wanted]
    if np.intersect1d(np.unique(y[tv]), np.unique(y[splits["test_unseen"]])).size:
        raise ZSLDataError(f"{split_path}: trainval_loc and test_unseen_loc share classes.")
    splits.update(derive_validation_split(y, tv, val_classes=val_classes, seed=validation_seed))
    if scale not in (None, "minmax"):
        raise ZSLDataError(f"scale must be None or 'minmax', got {scale!r}.")
    X = X.astype(np.float32)
    if scale == "minmax":
        lo, hi = X[tv].min(axis=0), X[tv].max(axis=0)
        X = (X - lo) / np.where(hi > lo, hi - lo, 1.0)
    return ZSLData(features=X, labels=y, class_embeddings=S.astype(np.float32), splits=splits,
                   class_names=class_names, name=name or folder.name, validation_seed=validation_seed,
                   info={"path": str(folder), "semantics": semantics, "scale": scale,
                         "validation_classes_from": str(vc_file) if val_classes is not None else "random"})


def default_data_dir() -> Path:
    """Where benchmark folders are looked for: ``$ZSLKIT_DATA`` or ``~/zslkit_data``."""
    return Path(os.environ.get("ZSLKIT_DATA", Path.home() / "zslkit_data"))
