"""`ZSLData`: one immutable, validated container for a (generalised) zero-shot dataset.

Every loader in zslkit returns a `ZSLData`; every method reads one. It checks itself on
construction, so a method never sees a label out of range, a split that overlaps another, an
unseen class without test images or a NaN feature.

Splits (integer index arrays into the rows of ``features``):

``trainval``      images of the seen classes used for training (xlsa17 ``trainval_loc``)
``test_seen``     held-out images of the seen classes (``test_seen_loc``)
``test_unseen``   images of the unseen classes (``test_unseen_loc``)
``train``         the part of ``trainval`` a model is fitted on during model selection
``val_seen``      held-out images of the ``train`` classes, for validation-S
``val_unseen``    all ``trainval`` images of the validation classes, for validation-U

``train``/``val_*`` live inside ``trainval`` and the validation classes are disjoint from the
``train`` classes, so model selection never touches a test image. If they are not given they are
derived with a seeded random class split (see `derive_validation_split`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import math

import numpy as np

__all__ = ["ZSLData", "ZSLDataError", "derive_validation_split", "REQUIRED_SPLITS"]

REQUIRED_SPLITS = ("trainval", "test_seen", "test_unseen")
VALIDATION_SPLITS = ("train", "val_seen", "val_unseen")


class ZSLDataError(ValueError):
    """Raised for any malformed dataset or data file; the message names what is wrong and how to fix it."""


def _as_index_array(name: str, values, n: int) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise ZSLDataError(f"split {name!r} cannot be read as an index array: {exc}") from None
    if arr.dtype == bool:
        raise ZSLDataError(f"split {name!r} is a boolean mask; pass integer indices (np.flatnonzero(mask)).")
    arr = arr.reshape(-1)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ZSLDataError(f"split {name!r} must hold integer row indices, got dtype {arr.dtype}.")
    arr = arr.astype(np.int64)
    if arr.size == 0:
        raise ZSLDataError(f"split {name!r} is empty: every split needs at least one image.")
    if arr.min() < 0 or arr.max() >= n:
        raise ZSLDataError(
            f"split {name!r} has indices in [{arr.min()}, {arr.max()}] but there are only {n} images "
            f"(valid 0..{n - 1}); 1-based MATLAB indices must be shifted by -1 once, in the loader."
        )
    if np.unique(arr).size != arr.size:
        raise ZSLDataError(f"split {name!r} lists the same image more than once.")
    return arr


def _as_float_matrix(name: str, values) -> np.ndarray:
    if np.iscomplexobj(values):
        raise ZSLDataError(f"{name} holds complex numbers; expected real features/embeddings.")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ZSLDataError(f"{name} cannot be read as a float matrix: {exc}") from None
    if arr.ndim != 2:
        raise ZSLDataError(f"{name} must be 2-D, got shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ZSLDataError(f"{name} is empty (shape {arr.shape}).")
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise ZSLDataError(
            f"{name} holds {int(bad.sum())} NaN/inf values (first rows {rows[:5].tolist()}); "
            "clean or re-download the file."
        )
    big = np.abs(arr) > np.finfo(np.float32).max
    if big.any():
        raise ZSLDataError(f"{name} holds values beyond float32 range (e.g. {arr[big][0]:.3g}); rescale them.")
    return arr.astype(np.float32)


def derive_validation_split(labels: np.ndarray, trainval: np.ndarray, *, val_fraction: float = 0.2,
                            val_classes=None, seen_holdout: float = 0.2, seed: int = 0) -> dict:
    """Split ``trainval`` into class-disjoint ``train`` / ``val_unseen`` plus ``val_seen``.

    Parameters
    ----------
    labels : (N,) int array of class indices.
    trainval : (n,) indices of the training images (seen classes).
    val_fraction : share of the seen classes that play "unseen" during validation
        (ignored when ``val_classes`` is given). At least one class each side.
    val_classes : optional explicit validation classes (e.g. xlsa17 ``valclasses1.txt``).
    seen_holdout : share of each train class's images held out as ``val_seen``.
    seed : seeds the class split and the hold-out.

    Returns
    -------
    dict with ``train``, ``val_seen``, ``val_unseen`` index arrays.
    """
    rng = np.random.default_rng(seed)
    seen = np.unique(labels[trainval])
    if seen.size < 2:
        raise ZSLDataError("a validation split needs at least two seen classes in trainval.")
    if val_classes is None:
        n_val = int(np.clip(round(val_fraction * seen.size), 1, seen.size - 1))
        val_classes = rng.choice(seen, size=n_val, replace=False)
    val_classes = np.asarray(sorted(set(int(c) for c in val_classes)))
    if not np.isin(val_classes, seen).all() or val_classes.size in (0, seen.size):
        raise ZSLDataError(
            f"validation classes {val_classes.tolist()} must be a non-empty proper subset of the seen classes."
        )
    is_val = np.isin(labels[trainval], val_classes)
    val_unseen = trainval[is_val]
    train, val_seen = [], []
    for c in np.setdiff1d(seen, val_classes):
        idx = trainval[labels[trainval] == c]
        idx = idx[rng.permutation(idx.size)]
        k = int(round(seen_holdout * idx.size)) if idx.size > 1 else 0
        k = min(max(k, 1 if idx.size > 1 else 0), idx.size - 1)
        val_seen.append(idx[:k])
        train.append(idx[k:])
    return {"train": np.sort(np.concatenate(train)), "val_seen": np.sort(np.concatenate(val_seen)),
            "val_unseen": np.sort(val_unseen)}


@dataclass(frozen=True, eq=False)
class ZSLData:
    """A zero-shot dataset: features, labels, one embedding per class, and the splits.

    Parameters
    ----------
    features : (N, d) float32 image features (one row per image).
    labels : (N,) int class index in ``0..C-1`` per image.
    class_embeddings : (C, k) float32, one semantic vector per class (attributes, sentences, ...).
    splits : dict of index arrays; ``trainval``, ``test_seen`` and ``test_unseen`` are required,
        ``train``/``val_seen``/``val_unseen`` are derived when absent.
    class_names, attribute_names : optional lists (length C and k); default ``class_0 ...``.
    name : a short label used in reports.
    validation_seed : seed of the derived validation split.

    Examples
    --------
    >>> import numpy as np, zslkit
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(4), 10)
    >>> d = zslkit.ZSLData(features=rng.normal(size=(40, 5)), labels=y,
    ...                    class_embeddings=rng.normal(size=(4, 3)),
    ...                    splits={"trainval": np.arange(0, 25), "test_seen": np.arange(25, 30),
    ...                            "test_unseen": np.arange(30, 40)})
    >>> d.seen_classes.tolist(), d.unseen_classes.tolist()
    ([0, 1, 2], [3])
    """

    features: np.ndarray
    labels: np.ndarray
    class_embeddings: np.ndarray
    splits: dict
    class_names: list | None = None
    attribute_names: list | None = None
    name: str = "dataset"
    validation_seed: int = 0
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 - frozen dataclass
        X = _as_float_matrix("features", self.features)
        n = X.shape[0]
        y = np.asarray(self.labels)
        if y.ndim == 2 and 1 in y.shape:
            y = y.reshape(-1)
        if y.ndim != 1:
            raise ZSLDataError(f"labels must be a vector of length N={n}, got shape {y.shape}.")
        if y.shape[0] != n:
            hint = " (features may be stored D×N: transpose them)" if X.shape[1] == y.shape[0] else ""
            raise ZSLDataError(f"features have {n} rows but labels have {y.shape[0]} entries{hint}.")
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise ZSLDataError(f"labels must be integer class indices, got dtype {y.dtype}.")
        y = y.astype(np.int64)
        S = _as_float_matrix("class_embeddings", self.class_embeddings)
        C = S.shape[0]
        if y.min() < 0 or y.max() >= C:
            raise ZSLDataError(
                f"labels range over [{y.min()}, {y.max()}] but there are {C} class embeddings "
                f"(valid 0..{C - 1}); 1-based labels must be shifted by -1, and every class needs an embedding."
            )
        zero = np.flatnonzero(np.abs(S).sum(axis=1) == 0)
        if zero.size:
            raise ZSLDataError(f"class embeddings of classes {zero[:10].tolist()} are all zero: they carry no semantics.")
        if not isinstance(self.splits, dict):
            raise ZSLDataError(f"splits must be a dict of index arrays, got {type(self.splits).__name__}.")
        unknown = set(self.splits) - set(REQUIRED_SPLITS) - set(VALIDATION_SPLITS)
        if unknown:
            raise ZSLDataError(f"unknown split names {sorted(unknown)}; valid: {list(REQUIRED_SPLITS + VALIDATION_SPLITS)}.")
        missing = [s for s in REQUIRED_SPLITS if s not in self.splits]
        if missing:
            raise ZSLDataError(f"splits lack {missing}; required: {list(REQUIRED_SPLITS)}.")
        splits = {k: _as_index_array(k, v, n) for k, v in self.splits.items()}
        for a, b in [("trainval", "test_seen"), ("trainval", "test_unseen"), ("test_seen", "test_unseen")]:
            both = np.intersect1d(splits[a], splits[b])
            if both.size:
                raise ZSLDataError(f"splits {a!r} and {b!r} share {both.size} images (e.g. row {both[0]}); they must be disjoint.")
        seen = np.unique(y[splits["trainval"]])
        unseen = np.unique(y[splits["test_unseen"]])
        if np.intersect1d(seen, unseen).size:
            raise ZSLDataError(
                f"classes {np.intersect1d(seen, unseen)[:10].tolist()} appear both in trainval and test_unseen; "
                "unseen classes must have no training images."
            )
        stray = np.setdiff1d(np.unique(y[splits["test_seen"]]), seen)
        if stray.size:
            raise ZSLDataError(f"test_seen holds classes {stray[:10].tolist()} that have no trainval images.")
        if seen.size < 2:
            raise ZSLDataError(f"trainval covers {seen.size} class; zero-shot learning needs at least two seen classes.")
        orphans = np.setdiff1d(np.arange(C), np.union1d(seen, unseen))
        if orphans.size:
            raise ZSLDataError(
                f"classes {orphans[:10].tolist()} have a class embedding but no images in trainval or test_unseen: "
                "every class must be seen (trainval images) or unseen (test_unseen images); drop their embeddings "
                "or add their test images."
            )
        present = set(REQUIRED_SPLITS) | set(VALIDATION_SPLITS)
        if not set(VALIDATION_SPLITS) <= set(splits):
            if set(VALIDATION_SPLITS) & set(splits):
                raise ZSLDataError(f"give all of {list(VALIDATION_SPLITS)} or none of them.")
            splits.update(derive_validation_split(y, splits["trainval"], seed=self.validation_seed))
        else:
            inside = np.concatenate([splits[s] for s in VALIDATION_SPLITS])
            if not np.isin(inside, splits["trainval"]).all():
                raise ZSLDataError("train/val_seen/val_unseen must lie inside trainval (never in the test splits).")
            if np.intersect1d(np.unique(y[splits["train"]]), np.unique(y[splits["val_unseen"]])).size:
                raise ZSLDataError("train and val_unseen must be class-disjoint.")
        del present
        names = list(self.class_names) if self.class_names is not None else [f"class_{c}" for c in range(C)]
        if len(names) != C:
            raise ZSLDataError(f"{len(names)} class names for {C} class embeddings.")
        attrs = list(self.attribute_names) if self.attribute_names is not None else [f"attr_{a}" for a in range(S.shape[1])]
        if len(attrs) != S.shape[1]:
            raise ZSLDataError(f"{len(attrs)} attribute names for class embeddings of width {S.shape[1]}.")
        for arr in (X, y, S, *splits.values()):
            arr.setflags(write=False)
        set_("features", X)
        set_("labels", y)
        set_("class_embeddings", S)
        set_("splits", splits)
        set_("class_names", [str(c) for c in names])
        set_("attribute_names", [str(a) for a in attrs])

    # -- derived facts -------------------------------------------------------------------------
    @property
    def n_classes(self) -> int:
        return self.class_embeddings.shape[0]

    @property
    def seen_classes(self) -> np.ndarray:
        """Classes with training images, sorted."""
        return np.unique(self.labels[self.splits["trainval"]])

    @property
    def unseen_classes(self) -> np.ndarray:
        """Classes of ``test_unseen``, sorted."""
        return np.unique(self.labels[self.splits["test_unseen"]])

    @property
    def feature_dim(self) -> int:
        return self.features.shape[1]

    @property
    def embedding_dim(self) -> int:
        return self.class_embeddings.shape[1]

    def X(self, split: str) -> np.ndarray:
        """Features of one split, shape (n_split, d)."""
        return self.features[self._split(split)]

    def y(self, split: str) -> np.ndarray:
        """Labels of one split, shape (n_split,)."""
        return self.labels[self._split(split)]

    def _split(self, split):
        if split not in self.splits:
            raise KeyError(f"unknown split {split!r}; valid: {sorted(self.splits)}")
        return self.splits[split]

    def replace(self, **changes) -> "ZSLData":
        """A new, re-validated `ZSLData` with some fields changed."""
        return dataclasses.replace(self, **changes)

    def validation_view(self) -> "ZSLData":
        """The model-selection problem as a dataset of its own.

        Only the seen classes are kept (renumbered ``0..S-1``): ``train`` becomes ``trainval``,
        ``val_seen`` becomes ``test_seen`` and ``val_unseen`` becomes ``test_unseen``. Fitting and
        evaluating on it never touches a test image nor a test class's embedding.
        """
        seen = self.seen_classes
        remap = -np.ones(self.n_classes, dtype=np.int64)
        remap[seen] = np.arange(seen.size)
        rows = np.concatenate([self.splits["train"], self.splits["val_seen"], self.splits["val_unseen"]])
        a, b = self.splits["train"].size, self.splits["val_seen"].size
        return ZSLData(
            features=self.features[rows], labels=remap[self.labels[rows]],
            class_embeddings=self.class_embeddings[seen],
            splits={"trainval": np.arange(a), "test_seen": np.arange(a, a + b),
                    "test_unseen": np.arange(a + b, rows.size)},
            class_names=[self.class_names[c] for c in seen], attribute_names=self.attribute_names,
            name=f"{self.name}/validation", validation_seed=self.validation_seed,
            info={**self.info, "validation_of": self.name},
        )

    def max_validation_folds(self) -> int:
        """How many distinct class sets of the validation split's size the seen classes allow."""
        seen = np.unique(self.labels[self.splits["trainval"]]).size
        held = np.unique(self.labels[self.splits["val_unseen"]]).size
        return math.comb(seen, held)

    def validation_folds(self, k: int = 5, seed: int = 0) -> list["ZSLData"]:
        """``k`` class-disjoint model-selection problems inside trainval, each a `validation_view`.

        Fold 0 is the dataset's own validation split. Folds 1..k−1 hold out as many seen classes
        as it does, dealt from seeded permutations of the seen classes so that every class plays
        "unseen" about equally often (no fold repeats another's class set while new ones exist).
        Why: one fold measures one draw of unseen classes, and with few classes that draw
        dominates. On `digits` ESZSL's validation H ranges from 0.00 to 0.80 over the 21 possible
        pairs of held-out digits (mean 0.42), and the fixed pair 4, 9 is the easiest of them;
        the mean over folds is the steadier estimate of how a setting transfers.

        Parameters
        ----------
        k : number of folds (≥ 1). seed : seeds the class draws and each fold's seen hold-out.

        Returns
        -------
        list of ``k`` `ZSLData`, each with ``trainval``/``test_seen``/``test_unseen`` over the
        seen classes only (never a test image or a test class's embedding).

        Examples
        --------
        >>> from zslkit.datasets import load
        >>> folds = load("digits").validation_folds(3)
        >>> [f.unseen_classes.size for f in folds]
        [2, 2, 2]
        """
        if int(k) != k or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
        trainval = self.splits["trainval"]
        seen = np.unique(self.labels[trainval])
        held = tuple(sorted(np.unique(self.labels[self.splits["val_unseen"]]).tolist()))
        n_possible = self.max_validation_folds()
        if int(k) > n_possible:
            raise ValueError(f"{self.name} has only {n_possible} distinct sets of {len(held)} validation "
                             f"classes among its {seen.size} seen classes; ask for k <= {n_possible}.")
        rng = np.random.default_rng(seed)
        draws, deck = [held], []
        while len(draws) < int(k):
            chunk = []
            while len(chunk) < len(held):
                fresh = [c for c in deck if c not in chunk]
                if not fresh:
                    deck += rng.permutation(seen).tolist()
                    continue
                chunk.append(fresh[0])
                deck.remove(fresh[0])
            chunk = tuple(sorted(chunk))
            if chunk not in draws:
                draws.append(chunk)
        folds = [self.validation_view()]
        for i, classes in enumerate(draws[1:], start=1):
            splits = dict(self.splits)
            splits.update(derive_validation_split(self.labels, trainval, val_classes=classes, seed=seed + i))
            folds.append(self.replace(splits=splits).validation_view())
        return folds

    def subsample(self, per_class: int, seed: int = 0) -> "ZSLData":
        """At most ``per_class`` images per class and split (for quick runs); splits stay valid."""
        rng = np.random.default_rng(seed)
        keep = []
        for s in REQUIRED_SPLITS:
            idx = self.splits[s]
            for c in np.unique(self.labels[idx]):
                members = idx[self.labels[idx] == c]
                keep.append(rng.permutation(members)[:per_class])
        keep = np.sort(np.concatenate(keep))
        pos = -np.ones(len(self.labels), dtype=np.int64)
        pos[keep] = np.arange(keep.size)
        splits = {s: pos[self.splits[s][np.isin(self.splits[s], keep)]] for s in REQUIRED_SPLITS}
        # keep the dataset's own (e.g. fixed) validation classes, restricted to the kept rows
        kept_val = {s: pos[self.splits[s][np.isin(self.splits[s], keep)]] for s in VALIDATION_SPLITS}
        if all(v.size for v in kept_val.values()):
            splits.update(kept_val)
        return ZSLData(features=self.features[keep], labels=self.labels[keep],
                       class_embeddings=self.class_embeddings, splits=splits,
                       class_names=self.class_names, attribute_names=self.attribute_names,
                       name=f"{self.name}[{per_class}/class]", validation_seed=self.validation_seed,
                       info=self._info_of_rows(keep))

    def _info_of_rows(self, rows: np.ndarray) -> dict:
        """``info`` for a subset of the images: per-image arrays (first axis of length N, such as
        digits' ``images`` or critters' render ``seeds``) keep only ``rows``; the rest is shared."""
        n = len(self.labels)
        return {k: (v[rows] if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n else v)
                for k, v in self.info.items()}

    def summary(self) -> str:
        """One paragraph describing the dataset (for notebooks and the CLI)."""
        s = self.splits
        return (f"{self.name}: {len(self.labels)} images × {self.feature_dim} features; "
                f"{self.n_classes} classes ({self.seen_classes.size} seen, {self.unseen_classes.size} unseen) "
                f"with {self.embedding_dim}-d class embeddings; trainval {s['trainval'].size}, "
                f"test_seen {s['test_seen'].size}, test_unseen {s['test_unseen'].size}; "
                f"validation: train {s['train'].size}, val_seen {s['val_seen'].size}, val_unseen {s['val_unseen'].size}.")

    def __repr__(self):
        return f"ZSLData({self.summary()})"
