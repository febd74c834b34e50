"""Reader and writer for the public GZSL benchmark format ("xlsa17", Xian et al., CVPR 2017 / TPAMI 2018).

A benchmark folder holds ``res101.mat`` (``features`` stored D×N, ``labels`` N×1, both with
1-based labels) and ``att_splits.mat`` (``att`` attributes×classes, 1-based ``*_loc`` positions
into the columns of ``features``). The xlsa17 ``train_loc``/``val_loc`` overlap ``test_seen_loc``
and are never used: the validation split is built inside ``trainval`` from
``trainclasses1.txt``/``valclasses1.txt`` when present, else from a seeded random class split.

`export_xlsa17` writes any `ZSLData` in that format, so that the published GZSL codebases
(CADA-VAE, f-CLSWGAN, TF-VAEGAN, ACMR ...) read the same files as zslkit.

Every problem with a file raises `ZSLDataError` naming the file and the key at fault.
"""
from __future__ import annotations

import os
import secrets
import shutil
import struct
from pathlib import Path

import numpy as np

from .core import ZSLData, ZSLDataError, derive_validation_split

__all__ = ["load_xlsa17", "export_xlsa17", "read_mat", "read_class_list", "mat_strings", "DOWNLOAD_HINT"]

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


# -- writer -------------------------------------------------------------------------------------

_MI_MATRIX, _MX_DOUBLE = 14, 6
_MX_UINT = {9: "uint8", 11: "uint16", 13: "uint32"}  # MATLAB class numbers of the unsigned types


def _uint_storage(values: np.ndarray) -> np.ndarray:
    """The smallest unsigned integer type holding ``values``: what MATLAB itself stores whole doubles as."""
    top = int(values.max()) if values.size else 0
    dtype = np.uint8 if top <= 0xFF else np.uint16 if top <= 0xFFFF else np.uint32
    return values.astype(dtype)


def _mark_double(path: Path, names: set[str]) -> None:
    """Relabel the unsigned-integer variables ``names`` of an uncompressed MAT v5 file as MATLAB class double.

    MATLAB saves whole-number doubles (the 1-based ``*_loc`` positions and ``labels`` of the real
    files) as class ``double`` with the data stored in the smallest unsigned type, so that
    ``scipy.io.loadmat`` returns uint8/uint16 arrays, which the Python codebases index with
    directly (``feature[trainval_loc - 1]``; a float array cannot index), while MATLAB sees
    doubles. scipy writes the storage type as the class; this sets the class byte of each
    variable's array-flags subelement to ``mxDOUBLE_CLASS``, leaving the data as they are.
    """
    with open(path, "r+b") as f:
        head = f.read(128)
        order = "<" if head[126:128] == b"IM" else ">"
        pos, size = 128, path.stat().st_size
        while pos + 8 <= size:
            f.seek(pos)
            mdtype, nbytes = struct.unpack(order + "II", f.read(8))
            if mdtype == _MI_MATRIX:
                body = f.read(nbytes)
                flags_at = 8 + (0 if order == "<" else 3)  # low byte of the class/flags word
                mclass = body[flags_at]
                dims_bytes = struct.unpack(order + "I", body[20:24])[0]
                at = 24 + ((dims_bytes + 7) // 8) * 8  # the name subelement
                word, n_name = struct.unpack(order + "II", body[at:at + 8])
                if word >> 16:  # small data element: the name is packed into the tag
                    name = body[at + 4:at + 4 + (word >> 16)]
                else:
                    name = body[at + 8:at + 8 + n_name]
                if name.decode("ascii") in names:
                    if mclass not in _MX_UINT:
                        raise ZSLDataError(f"{path}: internal error, {name!r} has MATLAB class {mclass}.")
                    f.seek(pos + 8 + flags_at)
                    f.write(bytes([_MX_DOUBLE]))
            pos += 8 + nbytes


def _save_mat(path: Path, variables: dict, whole_doubles: set[str]) -> None:
    import scipy.io

    scipy.io.savemat(str(path), variables, format="5", do_compression=False, oned_as="column")
    _mark_double(path, whole_doubles)


def _cell_column(strings) -> np.ndarray:
    """A MATLAB n×1 cell array of strings, as scipy writes and reads it (an object array of str)."""
    cell = np.empty((len(strings), 1), dtype=object)
    for i, text in enumerate(strings):
        cell[i, 0] = str(text)
    return cell


def _check_class_names(names: list[str]) -> None:
    for i, name in enumerate(names):
        if not name or name != name.strip() or "\n" in name or "\r" in name:
            raise ZSLDataError(f"class {i} is named {name!r}: xlsa17 class lists hold one name per line, so a "
                               "class name must be non-empty, without line breaks or surrounding spaces.")
    seen = set()
    for name in names:
        if name in seen:
            raise ZSLDataError(f"class name {name!r} is used twice: the xlsa17 class lists name classes, "
                               "so names must be unique.")
        seen.add(name)


def export_xlsa17(data: ZSLData, folder, *, overwrite: bool = False) -> list[Path]:
    """Write a `ZSLData` as an xlsa17 benchmark folder, readable by `load_xlsa17` and by the
    published GZSL codebases that read the xlsa17 release.

    The folder gets the files of the real release, with the same keys, shapes and MATLAB types:

    - ``res101.mat``: ``features`` (D × N double; the float32 features exactly), ``labels``
      (N × 1, 1-based class numbers, class double stored as unsigned integers as MATLAB does)
      and ``image_files`` (N × 1 cell of strings; identifiers ``NAME/CLASS/ROW``, not image files).
    - ``att_splits.mat``: ``att`` (k × C, the class embeddings L2-normalised per class),
      ``original_att`` (``data.info["original_att"]`` transposed when present, else the class
      embeddings as they are), ``allclasses_names`` (C × 1 cell), and the 1-based,
      ascending image positions ``trainval_loc``, ``test_seen_loc``, ``test_unseen_loc``,
      ``train_loc`` and ``val_loc`` (n × 1, like ``labels``).
    - ``allclasses.txt``, ``trainvalclasses.txt``, ``testclasses.txt``, ``trainclasses1.txt``,
      ``valclasses1.txt``: one class name per line.

    ``train_loc``/``val_loc`` and ``trainclasses1``/``valclasses1`` hold the dataset's
    class-disjoint validation split: ``val_loc`` = the ``trainval`` images of the validation
    classes (``val_unseen``), ``train_loc`` = the ``trainval`` images of the other seen classes
    (``train`` + ``val_seen``). Unlike the real release, whose ``train_loc``/``val_loc`` also
    contain the ``test_seen`` images, they stay inside ``trainval``, so code that tunes on them
    never sees a test image. `load_xlsa17` (``fold=1``) reads the validation classes back from
    the class lists; its held-out ``val_seen`` images are re-drawn (xlsa17 has no such split).

    Parameters
    ----------
    data : the dataset to write.
    folder : the folder to create. An existing non-empty folder is refused unless
        ``overwrite=True``, which replaces it whole, and only when it holds nothing but
        ``.mat``/``.txt`` files (an earlier export or an xlsa17 folder).

    Returns
    -------
    The paths written, in order. The files are written into a fresh hidden folder next to
    ``folder`` which is then renamed into place, so a failure leaves no half-written export.

    Examples
    --------
    >>> import tempfile
    >>> from zslkit.datasets import load, load_xlsa17
    >>> d = load("digits")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = export_xlsa17(d, tmp + "/digits")
    ...     back = load_xlsa17(tmp + "/digits")
    >>> [p.name for p in written][:2]
    ['res101.mat', 'att_splits.mat']
    >>> back.unseen_classes.tolist() == d.unseen_classes.tolist()
    True
    """
    if not isinstance(data, ZSLData):
        raise ZSLDataError(f"export_xlsa17 writes a ZSLData, got {type(data).__name__}.")
    folder = Path(folder).expanduser()
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise ZSLDataError(f"{folder} exists and is not a folder; choose a folder to export into.")
        entries = sorted(folder.iterdir())
        if entries and not overwrite:
            listed = ", ".join(p.name for p in entries[:5]) + (" ..." if len(entries) > 5 else "")
            raise ZSLDataError(f"{folder} is not empty (it holds {listed}); choose a new folder, or pass "
                               "overwrite=True (zslkit export --overwrite) to replace it.")
        foreign = [p.name for p in entries if not (p.is_file() and p.suffix in (".mat", ".txt"))]
        if foreign:
            raise ZSLDataError(f"{folder} holds {', '.join(foreign[:5])}, which is not part of an xlsa17 folder; "
                               "overwriting would delete it. Choose another folder or remove it first.")

    C = data.n_classes
    names = list(data.class_names)
    _check_class_names(names)
    S = data.class_embeddings.astype(np.float64)
    original = data.info.get("original_att") if isinstance(data.info, dict) else None
    original = S if original is None else np.asarray(original, dtype=np.float64)
    if original.ndim != 2 or original.shape[0] != C:
        raise ZSLDataError(f"{data.name}: info['original_att'] has shape {original.shape}, expected one row "
                           f"per class ({C} × attributes).")
    sp = data.splits
    seen = data.seen_classes
    val_classes = np.unique(data.labels[sp["val_unseen"]])
    train_classes = np.setdiff1d(seen, val_classes)
    tv = np.sort(sp["trainval"])
    locs = {"trainval": tv, "test_seen": np.sort(sp["test_seen"]), "test_unseen": np.sort(sp["test_unseen"]),
            "train": tv[np.isin(data.labels[tv], train_classes)], "val": tv[np.isin(data.labels[tv], val_classes)]}
    width = len(str(data.labels.size))
    image_files = [f"{data.name}/{names[c]}/{i + 1:0{width}d}" for i, c in enumerate(data.labels)]

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.export-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()  # honours the umask, unlike tempfile.mkdtemp (0700)
    try:
        _save_mat(tmp / "res101.mat", {
            "features": data.features.T.astype(np.float64),
            "image_files": _cell_column(image_files),
            "labels": _uint_storage(data.labels + 1)[:, None],
        }, {"labels"})
        split_vars = {"allclasses_names": _cell_column(names),
                      "att": (S / np.linalg.norm(S, axis=1, keepdims=True)).T,
                      "original_att": original.T}
        for key in ("test_seen", "test_unseen", "train", "trainval", "val"):  # MATLAB's alphabetical order
            split_vars[f"{key}_loc"] = _uint_storage(locs[key] + 1)[:, None]
        _save_mat(tmp / "att_splits.mat", split_vars, {k for k in split_vars if k.endswith("_loc")})
        lists = {"allclasses.txt": np.arange(C), "trainvalclasses.txt": seen, "testclasses.txt": data.unseen_classes,
                 "trainclasses1.txt": train_classes, "valclasses1.txt": val_classes}
        for fname, classes in lists.items():
            (tmp / fname).write_text("".join(f"{names[c]}\n" for c in classes), encoding="utf-8")
        if folder.exists() or folder.is_symlink():
            old = tmp.with_name(tmp.name + "-old")
            os.replace(folder, old)
            try:
                os.replace(tmp, folder)
            except OSError:
                os.replace(old, folder)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    order = ["res101.mat", "att_splits.mat", *lists]
    return [folder / f for f in order]
