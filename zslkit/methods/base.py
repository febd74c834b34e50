"""The method interface and the registry.

A method is a small scikit-learn-like estimator::

    model = zslkit.create("cada-vae", latent_size=64)   # hyperparameters only, paper defaults
    history = model.fit(data, epochs=None, seed=0, device="auto", progress=True)
    model.scores(X)                                     # (N, C) over ALL classes, higher = likelier

Neural methods subclass `NeuralMethod` and write four things, in the order their paper reads:

``setup(problem)``            build networks (``self.modules_``) and optimisers (``self.optimizers_``)
``train_step(x, y, epoch)``   one update on one batch; returns every loss term by name
``finish(problem)``           optional stage after the epochs (e.g. the final softmax classifier)
``score_tensor(x)``           scores of preprocessed features over all classes

The shared `Trainer` runs the epochs; this base class handles seeding, the device, feature
preprocessing (fitted on the training features only), checkpoints, resuming, save/load.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data.core import ZSLData, ZSLDataError
from ..train import (History, ModelFileError, Trainer, adam, atomic_save, batches_per_epoch, compile_enabled,
                     configure_device, read_zslkit_file, resolve_device, seed_everything, set_rng_state)

__all__ = ["Method", "NeuralMethod", "Problem", "register", "create", "available_methods", "load_model",
           "method_class", "FeatureScaler"]

_REGISTRY: dict[str, type] = {}


def register(key: str):
    """Class decorator adding a method to the registry under ``key``."""
    def deco(cls):
        cls.key = key
        _REGISTRY[key] = cls
        return cls
    return deco


def _load_all():
    import importlib
    import pkgutil

    from .. import methods as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")


def available_methods() -> list[str]:
    """Registered method keys (the baseline first)."""
    _load_all()
    order = ["eszsl", "cada-vae", "sp-aen", "acmr", "two-level", "mianet"]
    return [k for k in order if k in _REGISTRY] + sorted(k for k in _REGISTRY if k not in order)


def method_class(key: str) -> type:
    _load_all()
    if key not in _REGISTRY:
        raise ValueError(f"unknown method {key!r}; available: {', '.join(available_methods())}.")
    return _REGISTRY[key]


def create(key: str, preset: str | None = None, **hyperparameters) -> "Method":
    """A new, unfitted method. ``preset`` (a dataset name such as ``"digits"``) starts from that
    dataset's documented settings; ``preset="auto"`` applies the size rule at fit time
    (`zslkit.presets.size_rule`: the nearest bundled dataset's validated preset, in updates);
    keyword arguments override single hyperparameters."""
    return method_class(key)(preset=preset, **hyperparameters)


def load_model(path) -> "Method":
    """Load a model written by ``model.save(path)`` (on the CPU; ``model.to("cuda")`` to move it).

    The file is read as plain tensors and data, never unpickled, so a model someone hands you
    cannot run code; anything that is not a zslkit model of this version raises `ModelFileError`.
    """
    blob = read_zslkit_file(path, "model")
    try:
        model = method_class(blob["key"])(**blob["config"])
        model._restore(blob)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # its contents do not fit the method
        raise ModelFileError(f"{path} is a zslkit model file but does not fit this zslkit's methods "
                             f"({type(exc).__name__}: {exc}).") from None
    return model


@dataclass
class FeatureScaler:
    """Feature preprocessing fitted on training features only: ``minmax`` (to [0, 1] on the
    training range, as CADA-VAE/ACMR/f-CLSWGAN do), ``l2`` (unit rows) or ``none``."""

    kind: str = "minmax"
    low: np.ndarray | None = None
    scale: np.ndarray | None = None

    @classmethod
    def from_saved(cls, d: dict) -> "FeatureScaler":
        """The scaler ``dataclasses.asdict(scaler)`` saved (its arrays were written as tensors)."""
        low, scale = (None if d[k] is None else np.asarray(d[k]) for k in ("low", "scale"))
        return cls(d["kind"], low, scale)

    def fit(self, X: np.ndarray) -> "FeatureScaler":
        if self.kind not in ("minmax", "l2", "none"):
            raise ValueError(f"feature scaling must be 'minmax', 'l2' or 'none', got {self.kind!r}.")
        if self.kind == "minmax":
            lo, hi = X.min(axis=0), X.max(axis=0)
            self.low, self.scale = lo.astype(np.float32), np.where(hi > lo, hi - lo, 1.0).astype(np.float32)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if self.kind == "minmax":
            return (X - self.low) / self.scale
        if self.kind == "l2":
            return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        return X


@dataclass
class Problem:
    """What a method sees when it is set up: tensors on its device, and the class structure.

    X, y : preprocessed training features (n, d) and labels (n,) in ``0..C-1`` (None when a
        saved model is being rebuilt); class_embeddings : (C, k); seen, unseen : class indices.
    data : the `ZSLData` being fitted (None when rebuilding), for methods that select
        something on its validation split.
    """

    class_embeddings: torch.Tensor
    seen: torch.Tensor
    unseen: torch.Tensor
    feature_dim: int
    device: torch.device
    X: torch.Tensor | None = None
    y: torch.Tensor | None = None
    data: ZSLData | None = None

    @property
    def n_classes(self) -> int:
        return self.class_embeddings.shape[0]

    @property
    def embedding_dim(self) -> int:
        return self.class_embeddings.shape[1]


class _PresetsOfMethod:
    """``Method.presets``: preset name → overrides, read from the one table ``zslkit/presets.toml``."""

    def __get__(self, instance, owner) -> dict:
        from ..presets import presets_of
        return presets_of(owner.key)


class Method:
    """Base of every method: hyperparameters in ``self.config`` (a dataclass of the paper's defaults)."""

    key: str = ""
    Config: type = None
    #: preset name (a dataset such as ``"digits"``, ``"AWA2"``, or ``"quick"``) -> overrides of the
    #: paper's defaults, from ``zslkit/presets.toml`` (each with its provenance)
    presets = _PresetsOfMethod()

    def __init__(self, preset: str | None = None, **hyperparameters):
        base = {}
        self._explicit = dict(hyperparameters)  # what the caller set: the size rule leaves it alone
        self.size_rule_ = None  # preset "auto": the rule's outcome, once fitted
        if preset is not None and preset != "auto":
            if preset not in self.presets:
                raise ValueError(f"{self.key}: no preset {preset!r}; presets: {sorted(self.presets)}.")
            base = dict(self.presets[preset])
        base.update(hyperparameters)
        valid = [f.name for f in dataclasses.fields(self.Config)]
        unknown = sorted(set(base) - set(valid))
        if unknown:
            raise ValueError(f"{self.key}: unknown hyperparameter(s) {unknown}; valid: {valid}.")
        self.config = self.Config(**base)
        self.preset = preset
        self.history_ = None

    def __repr__(self):
        changed = {f.name: getattr(self.config, f.name) for f in dataclasses.fields(self.config)
                   if getattr(self.config, f.name) != f.default}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    @classmethod
    def loss_weights(cls) -> dict:
        """The Greek-named loss weights of the config with their defaults (for sliders)."""
        greek = ("alpha", "alpha1", "alpha2", "beta", "gamma", "delta", "lambda_", "lambda_gp")
        return {f.name: f.default for f in dataclasses.fields(cls.Config) if f.name in greek}

    # -- to implement ------------------------------------------------------------------------
    def fit(self, data: ZSLData, epochs=None, seed: int = 0, device="auto", progress: bool = True, **kw) -> History:
        """Train on ``data``'s trainval split (see `NeuralMethod.fit` for the keywords). A
        closed-form method makes no updates and ignores ``budget_images``. The returned history
        records the wall seconds of training in ``history.extra["train_seconds"]`` (what
        `zslkit.runs` and `zslkit.select` report)."""
        raise NotImplementedError

    def scores(self, X) -> np.ndarray:
        raise NotImplementedError

    # -- shared helpers ----------------------------------------------------------------------
    @staticmethod
    def _check_data(data):
        if not isinstance(data, ZSLData):
            raise TypeError(f"fit expects a zslkit.ZSLData, got {type(data).__name__}; build one with "
                            "zslkit.ZSLData(...) or zslkit.datasets.load(name).")

    def _check_fitted(self):
        if not getattr(self, "fitted_", False):
            raise RuntimeError(f"{self.key}: call fit(data) (or zslkit.load_model) before scores().")

    def _check_features(self, X) -> np.ndarray:
        try:
            X = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ZSLDataError(f"features cannot be read as floats: {exc}") from None
        if X.ndim != 2 or X.shape[1] != self.feature_dim_:
            raise ZSLDataError(f"expected features of shape (N, {self.feature_dim_}), got {X.shape}.")
        if not np.all(np.isfinite(X)):
            raise ZSLDataError("features contain NaN or inf values.")
        return X


class NeuralMethod(Method):
    """A method trained by gradient descent with the shared `Trainer` (see module docstring)."""

    #: preprocessing of the features, fitted on the training features
    feature_scaling = "minmax"

    # -- the four pieces a method writes -----------------------------------------------------
    def setup(self, problem: Problem) -> None:
        raise NotImplementedError

    def train_step(self, x: torch.Tensor, y: torch.Tensor, epoch: float) -> dict:
        """One update on a batch; ``epoch`` is the 0-based schedule epoch for warm-ups and
        learning-rate steps (a float between integers when ``fit(budget_images=...)`` stretches
        the schedule over more passes). Returns every loss term by name."""
        raise NotImplementedError

    def finish(self, problem: Problem, progress: bool = False) -> None:
        """Runs after the epochs (default: nothing)."""

    def score_tensor(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Networks, optimisers and any ``extra_state()`` of the method (for checkpoints)."""
        return {"modules": self.modules_.state_dict(),
                "optimizers": {k: o.state_dict() for k, o in self.optimizers_.items()},
                "extra": self.extra_state()}

    def load_state_dict(self, state: dict) -> None:
        self.modules_.load_state_dict(state["modules"])
        for k, o in self.optimizers_.items():
            if k in state["optimizers"]:
                o.load_state_dict(state["optimizers"][k])
        self.load_extra_state(state.get("extra", {}))

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    # -- fit / scores ------------------------------------------------------------------------
    def _problem(self, data: ZSLData, device) -> Problem:
        self.scaler_ = FeatureScaler(self.feature_scaling).fit(data.X("trainval"))
        dev = resolve_device(device)
        X = torch.as_tensor(self.scaler_.transform(data.X("trainval")), device=dev)
        return Problem(class_embeddings=torch.tensor(data.class_embeddings, device=dev),
                       seen=torch.as_tensor(data.seen_classes, device=dev),
                       unseen=torch.as_tensor(data.unseen_classes, device=dev),
                       feature_dim=data.feature_dim, device=dev, X=X,
                       y=torch.as_tensor(data.y("trainval"), device=dev), data=data)

    def adam(self, params, **kwargs) -> torch.optim.Adam:
        """An Adam optimiser (fused when the fast path is on, see `zslkit.train.adam`)."""
        return adam(params, **kwargs)

    def fit(self, data: ZSLData, epochs=None, seed: int = 0, device="auto", progress: bool = True, *,
            resume=None, checkpoint=None, checkpoint_every: int = 1, max_batches=None, callback=None,
            budget_images: int | None = None, compile: bool | None = None) -> History:
        """Train on ``data``'s trainval split.

        Parameters
        ----------
        data : the `ZSLData` to fit (only ``trainval`` and the class embeddings are used; methods
            that select something internally use its class-disjoint validation split).
        epochs : number of epochs (default: the config's).
        seed : seeds python, numpy and torch; the same seed on CPU gives the same scores.
        device : ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        progress : show progress bars.
        resume : a checkpoint file written by an earlier ``fit(..., checkpoint=path)``: training
            continues from its last epoch (same data, config and seed give the same result as an
            uninterrupted run on CPU).
        checkpoint : file to write a checkpoint to every ``checkpoint_every`` epochs.
        max_batches : cap on the batches per epoch (used by ``zslkit bench`` to time a few).
        callback : ``callback(epoch, terms)`` after every epoch (see `zslkit.train.Trainer`);
            returning ``True`` stops training early.
        budget_images : train for the UPDATES that ``epochs`` would give on this many training
            images (with the same batch size), not for ``epochs`` passes over ``data``. A
            validation fold holds about half of trainval's images, so a budget chosen on folds
            and refitted on trainval only transfers when it is counted in updates; warm-ups and
            learning-rate steps stretch alike. `zslkit.select` passes the full trainval size.
            Default: the preset's own (`zslkit.presets.budget_of`) when its epochs are used,
            else none (epochs you give are passes over ``data``).
            ``history`` then has one entry per pass over ``data``.
        compile : run each training step under ``torch.compile`` (`zslkit.train.compile_step`:
            CUDA graphs on a GPU); the first steps pay for the compilation. Default: off, or on
            after `zslkit.train.set_compile(True)` / ``ZSLKIT_COMPILE=1``.

        Returns
        -------
        History with each loss term's per-epoch mean.
        """
        self._check_data(data)
        if self.preset == "auto":
            budget_images = self._apply_size_rule(data, budget_images)
        elif budget_images is None and self.preset is not None and epochs is None and "epochs" not in self._explicit:
            from ..presets import budget_of
            budget_images = budget_of(self.key, self.preset)  # the preset's epochs count updates on its data
        epochs = self.config.epochs if epochs is None else int(epochs)
        if epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {epochs}.")
        seed_everything(seed)
        t0 = time.perf_counter()
        problem = self._problem(data, device)
        configure_device(problem.device)
        self.device_ = problem.device
        self.modules_, self.optimizers_ = nn.ModuleDict(), {}
        self.setup(problem)
        self.modules_.to(problem.device)
        self.feature_dim_, self.n_classes_ = problem.feature_dim, problem.n_classes
        self.class_embeddings_, self.seen_, self.unseen_ = problem.class_embeddings, problem.seen, problem.unseen
        self.device_ = problem.device
        history, start = History(), 0
        if resume is not None:
            ck = read_zslkit_file(resume, "checkpoint", map_location=problem.device)
            if ck.get("method") != self.key:
                raise ModelFileError(f"{resume} is a checkpoint of {ck.get('method')!r}, not of {self.key!r}.")
            try:
                self.load_state_dict(ck["trainer_state"])
                history = History.from_dict(ck["history"])
                set_rng_state(ck["rng"])
            except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # other networks, or a damaged file
                raise ModelFileError(f"{resume} is a zslkit checkpoint but does not fit this {self.key} model "
                                     f"and data ({type(exc).__name__}: {exc}).") from None
            start = history.epochs_completed
        self.modules_.train()
        scale = 1.0
        if budget_images is not None:
            scale = self._schedule_scale(int(budget_images), problem.X.shape[0])
            epochs = round(epochs * scale)
        trainer = Trainer(self, problem.X, problem.y, batch_size=self.config.batch_size, progress=progress,
                          checkpoint=checkpoint, checkpoint_every=checkpoint_every, description=self.key,
                          max_batches=max_batches, callback=callback, schedule_scale=scale,
                          compile=compile_enabled() if compile is None else compile)
        history = trainer.fit(epochs, history=history, start_epoch=start)
        t1 = time.perf_counter()
        self.finish(problem, progress=progress)
        self.modules_.eval()
        history.extra.update(train_seconds=time.perf_counter() - t0, finish_seconds=time.perf_counter() - t1,
                             seed=seed, device=str(problem.device))
        self.history_, self.fitted_ = history, True
        return history

    def _apply_size_rule(self, data: ZSLData, budget_images):
        """Preset ``"auto"``: the settings `zslkit.presets.size_rule` gives for ``data``'s shape
        (the caller's own hyperparameters win); returns the image budget to train for."""
        from ..presets import size_rule

        n = int(budget_images) if budget_images is not None else len(data.y("trainval"))
        rule = size_rule(self.key, data.features.shape[1], n)
        self.config = self.Config(**{**rule["hyperparameters"], **self._explicit})
        self.size_rule_ = rule
        return budget_images if rule["budget_images"] is None else rule["budget_images"]

    def _schedule_scale(self, budget_images: int, n: int) -> float:
        """Passes over ``n`` images per epoch over ``budget_images`` (batches of full size)."""
        if budget_images < 1:
            raise ValueError(f"budget_images must be a positive number of images, got {budget_images}.")
        bs = self.config.batch_size
        return batches_per_epoch(budget_images, bs) / batches_per_epoch(n, bs)

    @torch.no_grad()
    def scores(self, X, batch_size: int = 4096) -> np.ndarray:
        """Scores (N, C) of every class for every row of ``X`` (raw features); higher = likelier."""
        self._check_fitted()
        X = self.scaler_.transform(self._check_features(X))
        self.modules_.eval()
        out = []
        for i in range(0, X.shape[0], batch_size):
            xb = torch.as_tensor(X[i:i + batch_size], device=self.device_)
            out.append(self.score_tensor(xb).float().cpu())
        return (torch.cat(out) if out else torch.zeros(0, self.n_classes_)).numpy()

    def to(self, device) -> "NeuralMethod":
        """Move a fitted model to another device."""
        self._check_fitted()
        self.device_ = resolve_device(device)
        self.modules_.to(self.device_)
        for name in ("class_embeddings_", "seen_", "unseen_"):
            setattr(self, name, getattr(self, name).to(self.device_))
        return self

    # -- save / load --------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the fitted model (config, preprocessing, networks, history) to one file."""
        self._check_fitted()
        atomic_save({"key": self.key, "config": dataclasses.asdict(self.config),
                     "class_embeddings": self.class_embeddings_.cpu(), "seen": self.seen_.cpu(),
                     "unseen": self.unseen_.cpu(), "feature_dim": self.feature_dim_,
                     "scaler": dataclasses.asdict(self.scaler_),
                     "state": {k: v for k, v in self.state_dict().items() if k != "optimizers"},
                     "history": self.history_.as_dict()}, path, "model")

    def _restore(self, blob: dict) -> None:
        self.scaler_ = FeatureScaler.from_saved(blob["scaler"])
        problem = Problem(class_embeddings=blob["class_embeddings"], seen=blob["seen"], unseen=blob["unseen"],
                          feature_dim=blob["feature_dim"], device=torch.device("cpu"))
        self.device_ = problem.device
        self.modules_, self.optimizers_ = nn.ModuleDict(), {}
        self.setup(problem)
        self.modules_.load_state_dict(blob["state"]["modules"])
        self.load_extra_state(blob["state"].get("extra", {}))
        self.modules_.eval()
        self.feature_dim_, self.n_classes_ = problem.feature_dim, problem.n_classes
        self.class_embeddings_, self.seen_, self.unseen_ = problem.class_embeddings, problem.seen, problem.unseen
        self.device_ = problem.device
        self.history_, self.fitted_ = History.from_dict(blob["history"]), True
