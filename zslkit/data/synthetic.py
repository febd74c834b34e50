"""Seeded synthetic zero-shot datasets whose features come from an extractor fitted on SEEN classes.

Real GZSL features (ResNet-101 pool5) are not a function of the attributes: they come from a
network trained on other photos, and unseen images land in a space shaped for the classes that
network was trained on. That, not label noise, is what makes a model trained on the seen classes
call unseen images seen. The generator copies that mechanism in closed form, in three stages.
All randomness comes from ``seed``: the generator's weights, the extractor's own photos and the
dataset's images are three independent children of one `numpy.random.SeedSequence`.

**1. Images** — a latent "image" z ∈ R^m (m = ``latent_dim``; half explained, half unexplained).
For image i of class c with class embedding a_c (k-d, the L2-normalised rows of the benchmark):

    a_i = a_c + s_a · std_c(a) ⊙ ξ_i                    what this image shows of the attributes (a
                                                         bird with folded wings, a corner of a scene)
    e(a) = standardise(tanh(g · W₁ᵀ(a − ā)))            explained code (m/2 units): a NONLINEAR
                                                         function of the attributes (W₁ scaled so that
                                                         W₁ᵀ(a − ā) has unit variance over the classes)
    r_i  = r_c + σ_r · ε_i,     r_c ~ N(0, I)           unexplained code (m/2 units): how the class
                                                         looks beyond its attributes, and the image's
                                                         own nuisance (pose, background, light)
    z_i  = [ √(1−ρ) · e(a_i) ; √ρ · r_i ] + σ · η_i      ξ, ε, η ~ N(0, I)

ρ (``unexplained``) is the share of the class codes' variance that the attributes do not explain,
s_a (``attribute_noise``) how far one image departs from its class's attribute profile (in units of
each attribute's spread across classes), σ_r (``unexplained_noise``) the per-image variation of the
unexplained part (at σ_r ≫ 1 a class's unexplained identity is barely visible in one image, but
still there in its mean), σ (``pixel_noise``) isotropic noise, g (``gain``) the nonlinearity.

**2. Extractor, fitted on seen classes only.** ``extractor_images`` photos per SEEN class are drawn
from their own stream: never a benchmark image, never an unseen class (`_Generator.fit_extractor`
refuses one). Like ImageNet's photos for a ResNet, they are not the benchmark's: the extractor's
photos of class c have the class profile a_c + s_d · std_c(a) ⊙ ζ_c and unexplained code
(r_c + s_d · ζ'_c) / √(1 + s_d²) (s_d = ``domain_shift``, ζ ~ N(0, I) once per class). On them a
ridge classifier over the seen classes is fitted in closed form:

    W = (Z̃ᵀZ̃ + μ n I)⁻¹ Z̃ᵀ Ỹ          Z̃, Ỹ: centred latents and one-hot seen labels, μ = ``ridge``
    ℓ(z) = Wᵀ(z − z̄)                    logits over the Cs seen classes
    q(z) = softmax(ℓ(z) / (τ · s_ℓ))    posterior over the SEEN classes (s_ℓ: std of ℓ on its photos)

The features are its penultimate layer: d = ``feature_dim`` ReLU units driven by generic inputs
(fixed random projections B of the image, the share 1 − β) and by class-tuned inputs (projections
G of the seen-class posterior, the share β: units that fire for the classes the network was
trained on):

    h(z) = ReLU( √(1−β) · B̂ᵀ(z − z̄) + √β · Ĝᵀ(q(z) − q̄) ),    B ~ N(0,1)^{m×d},  G ~ N(0,1)^{Cs×d}
    x    = (h(z) − h̄) / s_h

B̂, Ĝ are B, G scaled to unit pre-activation variance on the extractor's photos; z̄, q̄, h̄ and s_h
are statistics of the extractor's photos only (like BatchNorm's running statistics), so the
features are centred ReLU activations (raw h ≥ 0; x is centred because ESZSL, which has no
intercept, degenerates on uncentred features whose class signal is weak relative to their mean).

**3. Where the seen-class bias comes from.** q(z) is a distribution over the SEEN classes only: an
unseen image is described by the seen classes it resembles, and at a low temperature τ the
posterior commits it to one of them (the class-tuned units call a zebra "horse"). A model fitted on
seen features then scores that seen class high on the unseen image. The generic units keep what
lets attributes transfer (the ranking among unseen classes). The bias therefore arises from the
extractor's training on the seen classes; with β = 0 there is no seen-class shaping at all (on
``awa2-synthetic`` ESZSL's U then rises from 9.8 to 57.5 %, its ZSL from 56.8 to 80.3 %). The domain shift
s_d makes the extractor's class-tuned units less reliable on the benchmark's own seen images (they
were tuned on other photos) without making them less biased on unseen ones.

The ``<benchmark>-synthetic`` datasets use a real benchmark's class embeddings, its seen/unseen
classes and validation fold 1 (`load_semantics`), 512-d latents and 512-d features, and the
settings in `CALIBRATED`: chosen so that ESZSL run as Xian et al. 2018 ran it (``preset="xian2018"``)
lands within ±8 points of its published ZSL, S and U on the real ResNet-101 features, for data seeds
0, 1 and 2. The calibration (the script and every run) is in ``results/synthetic-calibration/``, the
table in data/README.md. The generator and the settings are FROZEN: changing either changes every
number measured on these datasets. What calibration found: the unexplained class share that fits
ESZSL's published S/ZSL balance is small (ρ = 1–1.5 %, with σ_r = 14: invisible per image, a large
nuisance); a larger visible share lets ESZSL learn the seen classes far better than it transfers
(S ≫ published); the domain shift is what brings S on AWA2 and CUB down to the published values.
"""
from __future__ import annotations

import numpy as np

from .core import ZSLData, ZSLDataError, derive_validation_split

#: generator settings (module docstring) of the small default dataset (``load("synthetic")``,
#: not calibrated: a quick, learnable dataset with some seen-class bias) and the defaults of `make_synthetic`
BASE_SETTINGS = dict(attribute_noise=0.5, unexplained=0.3, unexplained_noise=1.0, pixel_noise=0.1, gain=1.0,
                     tuned=0.3, temperature=0.2, ridge=1.0, domain_shift=0.0)

#: the calibrated settings of the ``<benchmark>-synthetic`` datasets — FROZEN (calibration with ESZSL
#: only, every run in results/synthetic-calibration/runs.json; table in data/README.md).
#: AWA1 shares AWA2's classes and attributes; APY is not calibrated and borrows AWA2's settings.
CALIBRATED = {
    "AWA2": dict(attribute_noise=1.385, unexplained=0.015, unexplained_noise=14.0, pixel_noise=0.1, gain=1.0,
                 tuned=0.369, temperature=0.026, ridge=1.0, domain_shift=0.606),
    "CUB": dict(attribute_noise=1.6, unexplained=0.015, unexplained_noise=14.0, pixel_noise=0.1, gain=1.0,
                tuned=0.15, temperature=0.095, ridge=1.0, domain_shift=0.5),
    "SUN": dict(attribute_noise=1.228, unexplained=0.01, unexplained_noise=14.0, pixel_noise=0.1, gain=0.75,
                tuned=0.333, temperature=0.048, ridge=1.0, domain_shift=0.0),
}
CALIBRATED_FROM = {"AWA1": "AWA2", "APY": "AWA2"}

#: images per class of the bundled ``<benchmark>-synthetic`` datasets: the real per-class mean for
#: CUB (59) and SUN (20); AWA2 (746 real) is cut to 120 so that it loads in about a second
IMAGES_PER_CLASS = {"AWA1": 120, "AWA2": 120, "CUB": 60, "SUN": 20, "APY": 120}

_CHUNK = 4096


def _settings(overrides: dict, base: dict) -> dict:
    s = dict(base)
    unknown = set(overrides) - set(s)
    if unknown:
        raise ZSLDataError(f"unknown generator setting(s) {sorted(unknown)}; known: {sorted(s)}.")
    s.update({k: float(v) for k, v in overrides.items()})
    for key in ("unexplained", "tuned"):
        if not 0.0 <= s[key] <= 1.0:
            raise ZSLDataError(f"{key} must lie in [0, 1], got {s[key]}.")
    if s["temperature"] <= 0 or s["ridge"] <= 0:
        raise ZSLDataError(f"temperature and ridge must be positive, got {s['temperature']} and {s['ridge']}.")
    if min(s["attribute_noise"], s["unexplained_noise"], s["pixel_noise"], s["domain_shift"]) < 0:
        raise ZSLDataError("noise levels must be non-negative.")
    return s


class _Generator:
    """Stages 1 and 2 of the module docstring for one class-embedding matrix and one seed."""

    def __init__(self, A: np.ndarray, seen: np.ndarray, feature_dim: int, latent_dim: int, settings: dict,
                 weights_rng: np.random.Generator):
        self.s = settings
        self.A = np.asarray(A, dtype=np.float64)
        C, k = self.A.shape
        self.seen = np.asarray(seen)
        self.d, self.m = int(feature_dim), int(latent_dim)
        if self.d < 1 or self.m < 2:
            raise ZSLDataError(f"feature_dim must be >= 1 and latent_dim >= 2, got {self.d} and {self.m}.")
        self.me = self.m // 2
        self.mr = self.m - self.me
        rng = weights_rng
        self.a_mean = self.A.mean(axis=0)
        self.a_spread = self.A.std(axis=0)
        W1 = rng.standard_normal((k, self.me))
        P = (self.A - self.a_mean) @ W1
        self.W1 = W1 / max(float(P.std()), 1e-12)
        E = np.tanh(settings["gain"] * (self.A - self.a_mean) @ self.W1)
        self.e_mean, self.e_std = E.mean(axis=0), np.maximum(E.std(axis=0), 1e-8)
        self.R = rng.standard_normal((C, self.mr))
        self.B = rng.standard_normal((self.m, self.d)).astype(np.float32)
        self.G = rng.standard_normal((self.seen.size, self.d)).astype(np.float32)
        # the extractor's own photos of a class differ from the benchmark's by a class-level shift
        shift = settings["domain_shift"]
        self.A_extractor = self.A + shift * self.a_spread * rng.standard_normal((C, k))
        self.R_extractor = (self.R + shift * rng.standard_normal((C, self.mr))) / np.sqrt(1.0 + shift ** 2)

    def images(self, y: np.ndarray, rng: np.random.Generator, extractor: bool = False) -> np.ndarray:
        """Latent images z (n, m), float32, for labels ``y`` (stage 1); ``extractor``: the
        extractor's own photos, whose class profiles are shifted (``domain_shift``)."""
        s, k = self.s, self.A.shape[1]
        A_c, R_c = (self.A_extractor, self.R_extractor) if extractor else (self.A, self.R)
        A = A_c[y] + s["attribute_noise"] * self.a_spread * rng.standard_normal((y.size, k))
        E = (np.tanh(s["gain"] * (A - self.a_mean) @ self.W1) - self.e_mean) / self.e_std
        Rr = R_c[y] + s["unexplained_noise"] * rng.standard_normal((y.size, self.mr))
        Z = np.concatenate([np.sqrt(1.0 - s["unexplained"]) * E, np.sqrt(s["unexplained"]) * Rr], axis=1)
        Z += s["pixel_noise"] * rng.standard_normal(Z.shape)
        return Z.astype(np.float32)

    def fit_extractor(self, Z: np.ndarray, y: np.ndarray) -> dict:
        """Stage 2 on the extractor's own images (seen classes only); returns a small log."""
        if not np.isin(y, self.seen).all():
            raise ZSLDataError("synthetic generator: an unseen class reached the feature extractor's training set.")
        self.z_mean = Z.mean(axis=0)
        Zc = (Z - self.z_mean).astype(np.float64)
        n = y.size
        Y = np.zeros((n, self.seen.size))
        Y[np.arange(n), np.searchsorted(self.seen, y)] = 1.0
        Y -= Y.mean(axis=0)
        self.W = np.linalg.solve(Zc.T @ Zc + self.s["ridge"] * n * np.eye(self.m), Zc.T @ Y).astype(np.float32)
        L = Zc.astype(np.float32) @ self.W
        self.l_scale = float(L.std()) * self.s["temperature"]
        Q = self._softmax(L / self.l_scale)
        self.q_mean = Q.mean(axis=0)
        self.B /= max(float(((Z - self.z_mean) @ self.B).std()), 1e-12)
        self.G /= max(float(((Q - self.q_mean) @ self.G).std()), 1e-12)
        H = self._hidden(Z, Q)
        self.h_mean = H.mean(axis=0)
        self.h_scale = max(float((H - self.h_mean).std()), 1e-12)
        return {"extractor_images": int(n), "extractor_classes": int(np.unique(y).size),
                "extractor_train_accuracy": float(np.mean(L.argmax(axis=1) == np.searchsorted(self.seen, y)))}

    @staticmethod
    def _softmax(L: np.ndarray) -> np.ndarray:
        L = L - L.max(axis=1, keepdims=True)
        np.exp(L, out=L)
        L /= L.sum(axis=1, keepdims=True)
        return L

    def _hidden(self, Z: np.ndarray, Q: np.ndarray) -> np.ndarray:
        b = self.s["tuned"]
        H = np.sqrt(1.0 - b) * ((Z - self.z_mean) @ self.B)
        if b > 0:
            H += np.sqrt(b) * ((Q - self.q_mean) @ self.G)
        return np.maximum(H, 0.0, out=H)

    def features(self, Z: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """Penultimate-layer features x (n, d), float32, of latent images (stage 2), and how many
        of the images of SEEN classes among labels ``y`` the extractor classifies right (a diagnostic)."""
        out = np.empty((Z.shape[0], self.d), dtype=np.float32)
        correct = 0
        for i in range(0, Z.shape[0], _CHUNK):
            z = Z[i:i + _CHUNK]
            L = (z - self.z_mean) @ self.W
            if y is not None:
                yc = y[i:i + _CHUNK]
                is_seen = np.isin(yc, self.seen)
                correct += int(np.sum(L[is_seen].argmax(axis=1) == np.searchsorted(self.seen, yc[is_seen])))
            out[i:i + _CHUNK] = (self._hidden(z, self._softmax(L / self.l_scale)) - self.h_mean) / self.h_scale
        return out, correct


def _draw_features(A, y, seen, *, feature_dim, latent_dim, extractor_images, settings, seed):
    """Features for images with labels ``y`` (module docstring) and the generator's log."""
    weights_ss, extractor_ss, images_ss = np.random.SeedSequence(seed).spawn(3)
    gen = _Generator(A, seen, feature_dim, latent_dim, settings, np.random.default_rng(weights_ss))
    y_ext = np.repeat(np.asarray(seen), extractor_images)
    log = gen.fit_extractor(gen.images(y_ext, np.random.default_rng(extractor_ss), extractor=True), y_ext)
    rng = np.random.default_rng(images_ss)
    X = np.empty((y.size, gen.d), dtype=np.float32)
    correct = 0
    for i in range(0, y.size, _CHUNK):
        yc = y[i:i + _CHUNK]
        X[i:i + _CHUNK], c = gen.features(gen.images(yc, rng), yc)
        correct += c
    n_seen = int(np.isin(y, seen).sum())
    log["extractor_seen_accuracy"] = correct / max(n_seen, 1)
    return X, log


def make_synthetic(class_embeddings=None, *, n_classes: int = 20, n_unseen: int = 5, embedding_dim: int = 16,
                   feature_dim: int = 128, images_per_class: int = 60, test_seen_fraction: float = 0.2,
                   latent_dim: int | None = None, extractor_images: int | None = None, unseen_classes=None,
                   validation_classes=None, class_names=None, attribute_names=None, seed: int = 0,
                   name: str = "synthetic", info: dict | None = None, **settings) -> ZSLData:
    """A seeded synthetic `ZSLData` (generator in the module docstring).

    Parameters
    ----------
    class_embeddings : optional (C, k) matrix (e.g. a real benchmark's attributes); random
        non-negative unit vectors of size ``embedding_dim`` for ``n_classes`` classes when None.
    n_unseen / unseen_classes : number of unseen classes (chosen at random) or the explicit list.
    validation_classes : explicit validation classes inside the seen ones (else a seeded 20 %).
    feature_dim : d; latent_dim : m (default d); images_per_class : images drawn per class (seen
        classes split trainval/test_seen by ``test_seen_fraction``; unseen classes all go to
        test_unseen); extractor_images : the extractor's own images per seen class (default
        ``images_per_class``), drawn separately from the dataset's images.
    **settings : generator settings (`BASE_SETTINGS`): attribute_noise (s_a), unexplained (ρ),
        unexplained_noise (σ_r), pixel_noise (σ), gain (g), tuned (β), temperature (τ), ridge (μ),
        domain_shift (s_d).
    seed : one seed for the classes, the generator weights, the extractor's images and the images.
    info : extra entries for ``data.info`` (which records the settings and the extractor's log).

    Examples
    --------
    >>> d = make_synthetic(n_classes=6, n_unseen=2, feature_dim=8, images_per_class=10)
    >>> d.features.shape, d.unseen_classes.size
    ((60, 8), 2)
    """
    s = _settings(settings, BASE_SETTINGS)
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
    seen = np.setdiff1d(np.arange(C), unseen)
    y = np.repeat(np.arange(C), images_per_class)
    X, log = _draw_features(A, y, seen, feature_dim=feature_dim, latent_dim=latent_dim or feature_dim,
                            extractor_images=extractor_images or images_per_class, settings=s, seed=seed)
    is_unseen = np.isin(y, unseen)
    trainval, test_seen = [], []
    for c in seen:
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = max(1, int(round(test_seen_fraction * idx.size)))
        test_seen.append(idx[:n_test])
        trainval.append(idx[n_test:])
    trainval = np.sort(np.concatenate(trainval))
    splits = {"trainval": trainval, "test_seen": np.sort(np.concatenate(test_seen)),
              "test_unseen": np.flatnonzero(is_unseen)}
    splits.update(derive_validation_split(y, trainval, val_classes=validation_classes, seed=seed))
    return ZSLData(features=X, labels=y, class_embeddings=A.astype(np.float32),
                   splits=splits, class_names=class_names, attribute_names=attribute_names, name=name,
                   validation_seed=seed,
                   info={"generator": "synthetic", "seed": seed, "feature_dim": int(feature_dim),
                         "latent_dim": int(latent_dim or feature_dim), **s, **log, **(info or {})})


def _benchmark_settings(name: str, overrides: dict) -> tuple[dict, str]:
    key = CALIBRATED_FROM.get(name, name)
    return _settings(overrides, CALIBRATED[key]), key


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
    timing training at real scale (``zslkit bench``), not for accuracy. Same generator and
    settings as ``<benchmark>-synthetic`` (latent 512-d, features ``feature_dim``-d)."""
    from .bundled import load_semantics

    sem = load_semantics(benchmark)
    sizes = BENCHMARK_SHAPES[sem.name]
    s, calibrated_on = _benchmark_settings(sem.name, {})
    rng = np.random.default_rng(seed)
    cyc = lambda classes, n: rng.permutation(classes[np.arange(n) % classes.size])  # noqa: E731
    y = np.concatenate([cyc(sem.seen_classes, sizes["trainval"]), cyc(sem.seen_classes, sizes["test_seen"]),
                        cyc(sem.unseen_classes, sizes["test_unseen"])])
    X, log = _draw_features(sem.matrix, y, sem.seen_classes, feature_dim=feature_dim, latent_dim=512,
                            extractor_images=IMAGES_PER_CLASS[sem.name], settings=s, seed=seed)
    a, b = sizes["trainval"], sizes["trainval"] + sizes["test_seen"]
    splits = {"trainval": np.arange(a), "test_seen": np.arange(a, b), "test_unseen": np.arange(b, y.size)}
    splits.update(derive_validation_split(y, splits["trainval"], val_classes=sem.validation_classes, seed=seed))
    return ZSLData(features=X, labels=y, class_embeddings=sem.matrix, splits=splits, class_names=sem.class_names,
                   attribute_names=sem.attribute_names, name=f"{sem.name.lower()}-shaped", validation_seed=seed,
                   info={"generator": "benchmark_shaped", "seed": seed, "settings_of": calibrated_on, **s, **log})


def benchmark_synthetic(benchmark: str, *, feature_dim: int = 512, images_per_class: int | None = None,
                        seed: int = 0, **kw) -> ZSLData:
    """Synthetic features on a real benchmark's class semantics and class split (e.g. AWA2's 40/10),
    with the generator settings calibrated for it (`CALIBRATED`; keyword arguments override them).

    ``images_per_class`` defaults to `IMAGES_PER_CLASS` (AWA2 120, CUB 60, SUN 20); the calibration
    holds for the defaults (512-d features from a 512-d latent)."""
    from .bundled import load_semantics

    sem = load_semantics(benchmark)
    gen_kw = {k: kw.pop(k) for k in list(kw) if k in BASE_SETTINGS}
    s, calibrated_on = _benchmark_settings(sem.name, gen_kw)
    return make_synthetic(sem.matrix, unseen_classes=sem.unseen_classes, validation_classes=sem.validation_classes,
                          feature_dim=feature_dim, images_per_class=images_per_class or IMAGES_PER_CLASS[sem.name],
                          class_names=sem.class_names, attribute_names=sem.attribute_names, seed=seed,
                          name=f"{sem.name.lower()}-synthetic", latent_dim=kw.pop("latent_dim", 512),
                          info={"settings_of": calibrated_on, "calibrated": sem.name in CALIBRATED and not gen_kw},
                          **kw, **s)
