"""Seeded synthetic zero-shot datasets with a documented nonlinear generator.

Generator (all weights drawn once from ``seed``):

    h_c   = tanh(W₁ a_c / √k) + σ_class · r_c,  r_c ~ N(0, I_m)   class code: explained by the
                                                    embedding a_c (k-d) plus a part r_c it does not explain
    h     = h_c + σ_intra · ε,      ε ~ N(0, I_m)        one image's hidden state (m = 2·d)
    x     = softplus(W₂ h / √m + b) · (1 + σ_obs · |η|)  its d-d feature, η ~ N(0, I_d)

Features are non-negative and correlated, like pooled ResNet activations; classes are nonlinear
functions of their semantics, so an embedding learned on seen classes transfers to unseen
ones only as far as the semantics explain the features. ``σ_intra`` controls class overlap and
``σ_class`` how much of each class the semantics cannot predict (real attributes explain real
features only partly, which is what makes GZSL models biased towards seen classes).
"""
from __future__ import annotations

import numpy as np

from .core import ZSLData, ZSLDataError, derive_validation_split


def make_synthetic(class_embeddings=None, *, n_classes: int = 20, n_unseen: int = 5, embedding_dim: int = 16,
                   feature_dim: int = 128, images_per_class: int = 60, test_seen_fraction: float = 0.2,
                   intra_class_noise: float = 0.6, class_noise: float = 0.35, observation_noise: float = 0.1, unseen_classes=None,
                   validation_classes=None, class_names=None, attribute_names=None, seed: int = 0,
                   name: str = "synthetic") -> ZSLData:
    """A seeded synthetic `ZSLData` (generator in the module docstring).

    Parameters
    ----------
    class_embeddings : optional (C, k) matrix (e.g. a real benchmark's attributes); random
        non-negative unit vectors of size ``embedding_dim`` for ``n_classes`` classes when None.
    n_unseen / unseen_classes : number of unseen classes (chosen at random) or the explicit list.
    validation_classes : explicit validation classes inside the seen ones (else a seeded 20 %).
    feature_dim : d; images_per_class : images drawn per class (seen classes split
        trainval/test_seen by ``test_seen_fraction``; unseen classes all go to test_unseen).
    intra_class_noise, class_noise, observation_noise : σ_intra, σ_class and σ_obs of the generator.
    seed : one seed for the classes, the generator weights and the images.

    Examples
    --------
    >>> d = make_synthetic(n_classes=6, n_unseen=2, feature_dim=8, images_per_class=10)
    >>> d.features.shape, d.unseen_classes.size
    ((60, 8), 2)
    """
    rng = np.random.default_rng(seed)
    if class_embeddings is None:
        if n_classes < 4:
            raise ZSLDataError(f"n_classes must be at least 4, got {n_classes}.")
        A = np.abs(rng.normal(size=(n_classes, embedding_dim)))
        A /= np.linalg.norm(A, axis=1, keepdims=True)
    else:
        A = np.asarray(class_embeddings, dtype=np.float64)
        if A.ndim != 2:
            raise ZSLDataError(f"class_embeddings must be (C, k), got shape {A.shape}.")
    C, k = A.shape
    if unseen_classes is None:
        if not 1 <= n_unseen <= C - 2:
            raise ZSLDataError(f"n_unseen must be in [1, {C - 2}], got {n_unseen}.")
        unseen_classes = rng.choice(C, size=n_unseen, replace=False)
    unseen = np.asarray(sorted(int(c) for c in unseen_classes))
    if images_per_class < 3:
        raise ZSLDataError(f"images_per_class must be at least 3, got {images_per_class}.")
    y = np.repeat(np.arange(C), images_per_class)
    X = _generate(A, y, feature_dim, rng, intra_class_noise, class_noise, observation_noise)
    is_unseen = np.isin(y, unseen)
    trainval, test_seen = [], []
    for c in np.setdiff1d(np.arange(C), unseen):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = max(1, int(round(test_seen_fraction * idx.size)))
        test_seen.append(idx[:n_test])
        trainval.append(idx[n_test:])
    trainval = np.sort(np.concatenate(trainval))
    splits = {"trainval": trainval, "test_seen": np.sort(np.concatenate(test_seen)),
              "test_unseen": np.flatnonzero(is_unseen)}
    splits.update(derive_validation_split(y, trainval, val_classes=validation_classes, seed=seed))
    return ZSLData(features=X.astype(np.float32), labels=y, class_embeddings=A.astype(np.float32),
                   splits=splits, class_names=class_names, attribute_names=attribute_names, name=name,
                   validation_seed=seed,
                   info={"generator": "synthetic", "seed": seed, "intra_class_noise": intra_class_noise,
                         "class_noise": class_noise, "observation_noise": observation_noise})


def _generate(A, y, feature_dim, rng, intra_class_noise, class_noise, observation_noise):
    """Features of images with labels ``y`` from the generator in the module docstring.

    Small datasets are drawn in one go (float64); benchmark-sized ones in float32 chunks of
    4,096 images to bound memory (a different but equally seeded stream of draws)."""
    C, k = A.shape
    m = 2 * feature_dim
    W1 = rng.normal(size=(m, k)) * 3.0
    W2 = rng.normal(size=(feature_dim, m))
    b = rng.normal(size=feature_dim) * 0.5 - 1.0
    codes = np.tanh(A @ W1.T / np.sqrt(k)) + class_noise * rng.normal(size=(C, m))
    out = np.empty((y.size, feature_dim), dtype=np.float32)
    big = y.size * m > 5e7
    chunk = 4096 if big else y.size
    if big:
        codes, W2, b = codes.astype(np.float32), W2.astype(np.float32), b.astype(np.float32)
    for i in range(0, y.size, chunk):
        yc = y[i:i + chunk]
        H = codes[yc] + intra_class_noise * rng.standard_normal(size=(yc.size, m), dtype=W2.dtype)
        out[i:i + chunk] = np.logaddexp(0.0, H @ W2.T / np.sqrt(m) + b) * (
            1 + observation_noise * np.abs(rng.standard_normal(size=(yc.size, feature_dim), dtype=W2.dtype)))
    return out


#: split sizes of the real benchmarks (xlsa17 proposed splits)
BENCHMARK_SHAPES = {
    "AWA2": {"trainval": 23527, "test_seen": 5882, "test_unseen": 7913},
    "AWA1": {"trainval": 19832, "test_seen": 4958, "test_unseen": 5685},
    "CUB": {"trainval": 7057, "test_seen": 1764, "test_unseen": 2967},
    "SUN": {"trainval": 10320, "test_seen": 2580, "test_unseen": 1440},
    "APY": {"trainval": 5932, "test_seen": 1483, "test_unseen": 7924},
}


def benchmark_shaped(benchmark: str, *, feature_dim: int = 2048, seed: int = 0) -> ZSLData:
    """Synthetic features with EXACTLY a real benchmark's shapes: its class semantics and
    seen/unseen classes, its split sizes (e.g. AWA2: 23,527 trainval × 2048 features) — for
    timing training at real scale (``zslkit bench``), not for accuracy."""
    from .bundled import load_semantics

    sem = load_semantics(benchmark)
    sizes = BENCHMARK_SHAPES[sem.name]
    rng = np.random.default_rng(seed)
    cyc = lambda classes, n: rng.permutation(classes[np.arange(n) % classes.size])  # noqa: E731
    y = np.concatenate([cyc(sem.seen_classes, sizes["trainval"]), cyc(sem.seen_classes, sizes["test_seen"]),
                        cyc(sem.unseen_classes, sizes["test_unseen"])])
    X = _generate(sem.matrix.astype(np.float32), y, feature_dim, rng, 0.6, 0.35, 0.1)
    a, b = sizes["trainval"], sizes["trainval"] + sizes["test_seen"]
    splits = {"trainval": np.arange(a), "test_seen": np.arange(a, b), "test_unseen": np.arange(b, y.size)}
    splits.update(derive_validation_split(y, splits["trainval"], val_classes=sem.validation_classes, seed=seed))
    return ZSLData(features=X, labels=y, class_embeddings=sem.matrix, splits=splits, class_names=sem.class_names,
                   attribute_names=sem.attribute_names, name=f"{sem.name.lower()}-shaped", validation_seed=seed,
                   info={"generator": "benchmark_shaped", "seed": seed})


def benchmark_synthetic(benchmark: str, *, feature_dim: int = 512, images_per_class: int = 120,
                        seed: int = 0, **kw) -> ZSLData:
    """Synthetic features on a real benchmark's class semantics and class split (e.g. AWA2's 40/10)."""
    from .bundled import load_semantics

    sem = load_semantics(benchmark)
    return make_synthetic(sem.matrix, unseen_classes=sem.unseen_classes, validation_classes=sem.validation_classes,
                          feature_dim=feature_dim, images_per_class=images_per_class, class_names=sem.class_names,
                          attribute_names=sem.attribute_names, seed=seed, name=f"{sem.name.lower()}-synthetic", **kw)
