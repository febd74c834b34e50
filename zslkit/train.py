"""One trainer for every neural method: devices, seeds, batches on the device, warm-ups, history.

The `Trainer` knows nothing about any method. A method gives it

* ``train_step(x, y, epoch) -> {term: scalar tensor}`` — one update on one batch (adversarial
  methods alternate their own optimisers inside it), returning every loss term by name;
* ``state_dict()`` / ``load_state_dict()`` — networks and optimisers, for checkpoints and for
  rolling back to the last good epoch.

and the trainer runs the epochs: a fresh permutation per epoch drawn on the device, batches by
index from tensors already on the device (no host copies per batch), loss terms summed on the
device and read once per epoch, a NaN/inf guard that names the term and epoch, `tqdm.auto`
progress, checkpoints, resuming, and a clean stop on KeyboardInterrupt (the JupyterLab stop
button) that keeps the model of the last completed epoch.
"""
from __future__ import annotations

import copy
import math
import os
import random
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .data.core import ZSLDataError

__all__ = ["resolve_device", "seed_everything", "warmup", "History", "Trainer", "TrainingDiverged",
           "atomic_save", "read_zslkit_file", "to_plain", "ModelFileError", "FILE_FORMAT", "rng_state",
           "set_rng_state", "set_fast_path", "fast_path_enabled", "adam", "batches_per_epoch", "set_compile",
           "compile_enabled", "compile_step"]

# The fast path: fused Adam (one kernel per step instead of a loop over parameters; on the CPU
# too, where this torch has it) and, on CUDA, TF32 matmuls. It changes results only at the level
# of float rounding (TF32 keeps 10 mantissa bits in matmul inputs), far below seed-to-seed
# noise. The plain path (full fp32, for-each Adam) stays one switch away so its cost can be
# measured: `set_fast_path(False)`, `ZSLKIT_PLAIN=1`, or `zslkit bench --plain`.
_FAST_PATH = os.environ.get("ZSLKIT_PLAIN", "0") != "1"


def set_fast_path(enabled: bool) -> None:
    """Turn the fast path (fused Adam; on CUDA also TF32 matmuls) on or off for the next fits."""
    global _FAST_PATH
    _FAST_PATH = bool(enabled)


def fast_path_enabled() -> bool:
    return _FAST_PATH


def configure_device(device: torch.device) -> None:
    """Apply the fast-path setting to the CUDA math modes before a fit."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = _FAST_PATH
        torch.backends.cudnn.allow_tf32 = _FAST_PATH


def adam(params, **kwargs) -> torch.optim.Adam:
    """Adam, fused into one kernel per step when the fast path is on and this torch supports it
    for the parameters' device (CUDA; CPU from torch 2.4), the plain for-each Adam otherwise.
    Every method and the final classifier build their Adam here, so the switch reaches all."""
    params = list(params)
    if _FAST_PATH and "fused" not in kwargs:
        try:
            return torch.optim.Adam(params, fused=True, **kwargs)
        except (RuntimeError, TypeError, ValueError):  # fused kernel unsupported here
            pass
    return torch.optim.Adam(params, **kwargs)


def set_compile(enabled: bool) -> None:
    """Compile the training step (`compile_step`) of every later fit that does not say otherwise.
    Kept in the environment (``ZSLKIT_COMPILE=1``) so that worker processes started later inherit it."""
    os.environ["ZSLKIT_COMPILE"] = "1" if enabled else "0"


def compile_enabled() -> bool:
    return os.environ.get("ZSLKIT_COMPILE", "0") == "1"


def compile_step(step, device: torch.device):
    """A method's ``train_step`` under ``torch.compile``: on CUDA with ``mode="reduce-overhead"``
    (the step's kernels replayed as CUDA graphs), elsewhere inductor's default mode.

    The whole step is compiled as one function. Dynamo breaks the graph where it cannot trace —
    ``backward()``, ``zero_grad``, the fused Adam kernels (already one kernel each), the
    gradient penalties' double backward (`zslkit.losses.gradient_penalty` runs eagerly) — and
    compiles the pieces in between: forwards and losses fused into few kernels, with their
    backward graphs. The first steps pay for the compilation (a minute or more on a CPU).
    Dynamo compiles the wrapper of each optimiser's ``step`` once per optimiser: past 8 in one
    process (the two-level method has 5) it warns that it hit its recompile limit and runs them
    eagerly, which costs nothing (the fused Adam runs eagerly anyway).
    """
    compiled = torch.compile(step, mode="reduce-overhead" if device.type == "cuda" else None)
    if device.type != "cuda":
        return compiled

    def graphed_step(*args):
        torch.compiler.cudagraph_mark_step_begin()  # the last step's graph outputs may be overwritten
        return compiled(*args)
    return graphed_step


class TrainingDiverged(FloatingPointError):
    """A loss term became NaN or infinite; the model was rolled back to its last good epoch."""


def resolve_device(device="auto") -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; ``"cuda"`` without a GPU is an error."""
    if isinstance(device, torch.device):
        device = str(device)
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, str) or device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but torch sees no CUDA GPU; use device='cpu' or 'auto'.")
    return torch.device(device)


def seed_everything(seed: int) -> None:
    """Seed python's `random`, numpy's global RNG and torch (CPU and every GPU)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))


def rng_state() -> dict:
    """The state of every random generator, as plain data a checkpoint can hold (see `to_plain`):
    python's is a tuple of ints, numpy's key becomes an int64 tensor (torch < 2.3 has no uint32),
    torch's are uint8 tensors."""
    numpy = np.random.get_state(legacy=False)
    numpy["state"] = {"key": torch.from_numpy(numpy["state"]["key"].astype(np.int64)),
                      "pos": int(numpy["state"]["pos"])}
    state = {"python": random.getstate(), "numpy": numpy, "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore the generators from `rng_state`'s plain data (torch's states on the CPU, wherever
    the checkpoint was mapped)."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy = state["numpy"]
    key = np.asarray(numpy["state"]["key"].cpu(), dtype=np.uint32)
    np.random.set_state({**numpy, "state": {"key": key, "pos": numpy["state"]["pos"]}})
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def batches_per_epoch(n: int, batch_size: int) -> int:
    """Updates in one epoch of the `Trainer`: ``floor(n / batch_size)`` full batches (the last,
    smaller one is dropped), or a single batch of all ``n`` when ``n <= batch_size``.

    >>> batches_per_epoch(120, 50), batches_per_epoch(30, 50)
    (2, 1)
    """
    return max(1, n // batch_size)


def warmup(epoch: float, factor: float, start: float = 0, end: float = 0) -> float:
    """Linear warm-up of a loss weight: ``factor · clamp((epoch − start) / (end − start), 0, 1)``.

    ``epoch`` is 0-based and the weight is constant within an epoch (as in CADA-VAE's code).
    With ``end <= start`` the weight is a step: 0 before ``start``, ``factor`` from it on.

    >>> [round(warmup(e, 2.0, 1, 3), 2) for e in range(5)]
    [0.0, 0.0, 1.0, 2.0, 2.0]
    """
    if end <= start:
        return float(factor) if epoch >= start else 0.0
    return float(factor) * min(max((epoch - start) / (end - start), 0.0), 1.0)


@dataclass
class History:
    """Per-epoch means of every loss term, plus timings and how the run ended.

    ``history["kl"]`` is the list of the KL term's epoch means; ``history.terms`` the names.
    """

    losses: dict = field(default_factory=dict)
    epoch_seconds: list = field(default_factory=list)
    epochs_completed: int = 0
    stopped: str = "completed"          # "completed" | "interrupted" | "diverged"
    extra: dict = field(default_factory=dict)  # e.g. final-classifier time, selected values

    @property
    def terms(self) -> list:
        return list(self.losses)

    def __getitem__(self, term):
        return self.losses[term]

    def __contains__(self, term):
        return term in self.losses

    def append(self, terms: dict, seconds: float) -> None:
        for k, v in terms.items():
            self.losses.setdefault(k, []).append(float(v))
        self.epoch_seconds.append(float(seconds))
        self.epochs_completed += 1

    def as_dict(self) -> dict:
        return {"losses": self.losses, "epoch_seconds": self.epoch_seconds,
                "epochs_completed": self.epochs_completed, "stopped": self.stopped, "extra": self.extra}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(losses={k: list(v) for k, v in d["losses"].items()}, epoch_seconds=list(d["epoch_seconds"]),
                   epochs_completed=int(d["epochs_completed"]), stopped=d.get("stopped", "completed"),
                   extra=dict(d.get("extra", {})))

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.losses.items() if v}
        return f"History(epochs={self.epochs_completed}, stopped={self.stopped!r}, last={last})"


# -- files ---------------------------------------------------------------------------------------
# A .pt file written by plain `torch.save` is a pickle, and unpickling can run any code the file
# names: a shared model or checkpoint could do anything on the machine that opens it. zslkit
# therefore writes only plain data (tensors, numbers, strings, lists, tuples, dicts) and reads
# with ``torch.load(weights_only=True)``, whose unpickler builds those types and refuses any other.
# Every file carries its format and kind, so a foreign or outdated file gets a clear error.

#: the version of the file layout; raise it when what `save` or a checkpoint holds changes
FILE_FORMAT = 2

#: what each kind of file is, and how to use one given in the wrong place
_KINDS = {"model": ("model file", "load it with zslkit.load_model(path)"),
          "checkpoint": ("checkpoint file", "continue training from it with fit(..., resume=path)")}


class ModelFileError(ZSLDataError):
    """A model or checkpoint file that zslkit cannot (or will not) read; the message names the file."""


def to_plain(obj, where: str = "the file"):
    """``obj`` as data the weights-only loader accepts, or a TypeError naming what is not.

    Tensors, None, bools, numbers, strings, lists, tuples and dicts pass (dicts keep their
    ``OrderedDict`` type and the layer versions that `nn.Module.state_dict` attaches). Numpy
    scalars become Python numbers and numpy arrays become tensors of the same dtype: a reader that
    wants the array back calls ``.numpy()``. Anything else (a class instance, a function) is
    refused here, when writing, so it never has to be unpickled when reading.
    """
    if obj is None or isinstance(obj, (bool, int, float, str, torch.Tensor)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        try:
            return torch.from_numpy(np.ascontiguousarray(obj))
        except TypeError:
            raise TypeError(f"cannot write the {obj.dtype} array at {where} to a zslkit file.") from None
    if type(obj) in (dict, OrderedDict):
        out = type(obj)((k, to_plain(v, f"{where}[{k!r}]")) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            out._metadata = to_plain(obj._metadata, f"{where}._metadata")
        return out
    if type(obj) in (list, tuple):
        return type(obj)(to_plain(v, f"{where}[{i}]") for i, v in enumerate(obj))
    raise TypeError(f"cannot write a {type(obj).__name__} (at {where}) to a zslkit file: files hold only "
                    "tensors, numbers, strings, lists and dicts, so that reading one never runs code.")


def atomic_save(obj: dict, path, kind: str) -> None:
    """Write ``obj`` (a dict of plain data, see `to_plain`) as a zslkit ``kind`` file
    (``"model"`` or ``"checkpoint"``) stamped with `FILE_FORMAT`: ``torch.save`` to a temporary
    file in the same folder, then rename, so there is never a half-written file."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}.")
    blob = to_plain({"zslkit_format": FILE_FORMAT, "kind": kind, **obj})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    torch.save(blob, tmp)
    os.replace(tmp, path)


def read_zslkit_file(path, kind: str, map_location="cpu") -> dict:
    """Read a file written by `atomic_save`, without running anything in it.

    Raises FileNotFoundError when there is no file, and `ModelFileError` (one sentence naming the
    file) when it is not a zslkit file of this ``kind`` and `FILE_FORMAT`: a pickle of arbitrary
    objects, a truncated or empty file, random bytes, another program's tensors, a file of an
    older or newer zslkit, or a checkpoint given where a model is expected (and vice versa).
    """
    from . import __version__

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no zslkit {kind} file at {path}")
    what = _KINDS[kind][0]
    try:
        with warnings.catch_warnings():  # a foreign pickle's protocol is no news: it gets the error below
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            blob = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError, EOFError, zipfile errors ...: all mean "not ours"
        raise ModelFileError(
            f"{path} is not a zslkit {what}, or was written by an incompatible version of zslkit: it does not "
            f"read as plain tensors and data ({type(exc).__name__}). zslkit never unpickles other objects, so "
            "nothing in the file was run.") from None
    fmt = blob.get("zslkit_format") if isinstance(blob, dict) else None
    if fmt is None:
        raise ModelFileError(f"{path} is not a zslkit {what}: it holds tensors or data but no 'zslkit_format' "
                             "entry (files of zslkit before format 2 have none: retrain and save again).")
    if not (type(fmt) is int and fmt == FILE_FORMAT):
        advice = "upgrade zslkit to read it" if type(fmt) is int and fmt > FILE_FORMAT else \
            "retrain with this zslkit and save again"
        raise ModelFileError(f"{path} was written in zslkit file format {fmt!r}; this zslkit ({__version__}) reads "
                             f"format {FILE_FORMAT}: {advice}.")
    found = blob.get("kind")
    if found != kind:
        if isinstance(found, str) and found in _KINDS:
            name, use = _KINDS[found]
            raise ModelFileError(f"{path} is a zslkit {name}, not a {what}: {use}.")
        raise ModelFileError(f"{path} is not a zslkit {what}: its kind is {found!r}.")
    return blob


class Trainer:
    """Runs epochs of a method's ``train_step`` over tensors resident on the device.

    Parameters
    ----------
    method : an object with ``train_step(x, y, epoch)``, ``state_dict()``, ``load_state_dict()``.
    X, y : training features (n, d) and labels (n,) as tensors on the device.
    batch_size : batch size; an epoch is ``floor(n / batch_size)`` full batches of a fresh
        permutation (the last, smaller batch is dropped), or one batch of all n when
        ``n <= batch_size``.
    progress : show a `tqdm.auto` bar.
    checkpoint : optional file written (atomically) every ``checkpoint_every`` epochs and at the end.
    callback : optional ``callback(epoch, terms)`` called after every epoch with the epoch's mean
        loss terms (a dict of floats), e.g. to log or plot while training. Returning ``True``
        stops training after that epoch (``history.stopped == "callback"``); the final stage
        still runs. Never use it to stop on a test metric.
    max_batches : optional cap on the batches of each epoch (for timing a few and extrapolating).
    compile : run the method's ``train_step`` under ``torch.compile`` (`compile_step`).
    schedule_scale : passes over ``X`` per epoch of the method's schedule. The method's
        ``train_step`` is told the schedule epoch ``pass / schedule_scale`` (a float when the
        scale is not 1), so warm-ups and learning-rate steps written in epochs stretch with the
        run. `NeuralMethod.fit(..., budget_images=N)` sets it to give a small training set the
        updates of a larger one (model selection on folds, `zslkit.select`).
    """

    def __init__(self, method, X: torch.Tensor, y: torch.Tensor, *, batch_size: int, progress: bool = True,
                 checkpoint=None, checkpoint_every: int = 1, description: str = "training", max_batches=None,
                 callback=None, schedule_scale: float = 1.0, compile: bool = False):
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")
        self.method, self.X, self.y = method, X, y
        self.batch_size = int(batch_size)
        self.progress, self.description = progress, description
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.checkpoint_every = max(1, int(checkpoint_every))
        self.max_batches = max_batches  # cap on batches per epoch (benchmarks time a few and extrapolate)
        self.callback = callback
        if not schedule_scale > 0:
            raise ValueError(f"schedule_scale must be positive, got {schedule_scale}.")
        self.schedule_scale = float(schedule_scale)
        self.compile = bool(compile)

    def batches(self):
        """Index tensors of one epoch's batches, drawn on the device from torch's global RNG."""
        n = self.X.shape[0]
        perm = torch.randperm(n, device=self.X.device)
        bs = min(self.batch_size, n)
        batches = [perm[i * bs:(i + 1) * bs] for i in range(batches_per_epoch(n, bs))]
        return batches[:self.max_batches] if self.max_batches else batches

    def _snapshot(self):
        return copy.deepcopy(self.method.state_dict())

    def save_checkpoint(self, history: History, path=None) -> None:
        atomic_save({"method": getattr(self.method, "key", ""), "trainer_state": self.method.state_dict(),
                     "history": history.as_dict(), "rng": rng_state()}, path or self.checkpoint, "checkpoint")

    def fit(self, epochs: int, history: History | None = None, start_epoch: int = 0) -> History:
        """Train from ``start_epoch`` up to ``epochs``; returns the (extended) history.

        Raises `TrainingDiverged` (after rolling back to the last good epoch) when a loss term is
        NaN/inf. A KeyboardInterrupt rolls back to the last completed epoch and returns normally
        with ``history.stopped == "interrupted"``.
        """
        from tqdm.auto import tqdm

        history = history or History()
        good = self._snapshot()
        step = compile_step(self.method.train_step, self.X.device) if self.compile else self.method.train_step
        bar = tqdm(range(start_epoch, epochs), desc=self.description, disable=not self.progress, leave=False,
                   dynamic_ncols=True)
        try:
            for epoch in bar:
                t0 = time.perf_counter()
                sums, count = {}, 0
                schedule_epoch = epoch if self.schedule_scale == 1.0 else epoch / self.schedule_scale
                for idx in self.batches():
                    terms = step(self.X[idx], self.y[idx], schedule_epoch)
                    for k, v in terms.items():  # summed on the device: nothing is read back per step
                        v = v.detach() if torch.is_tensor(v) else torch.tensor(float(v))
                        sums[k] = sums.get(k, 0) + v  # a new tensor (a CUDA graph reuses its outputs)
                    count += 1
                values = [v.to(self.X.device, torch.float64) for v in sums.values()]
                values = torch.stack(values).tolist() if values else []
                means = {k: v / count for k, v in zip(sums, values)}  # the one host read of the epoch
                if self.X.is_cuda:
                    torch.cuda.synchronize()
                bad = [k for k, v in means.items() if not math.isfinite(v)]
                if bad:
                    self.method.load_state_dict(good)
                    history.stopped = "diverged"
                    raise TrainingDiverged(
                        f"loss term {bad[0]!r} became {means[bad[0]]} in epoch {epoch} (0-based); the model was "
                        f"rolled back to {'its initial state' if epoch == 0 else f'the end of epoch {epoch - 1}'}. "
                        "Lower the learning rate or that term's weight."
                    )
                history.append(means, time.perf_counter() - t0)
                good = self._snapshot()
                if self.progress:
                    bar.set_postfix({k: f"{v:.3g}" for k, v in list(means.items())[:2]})  # one line in a notebook
                stop = self.callback is not None and self.callback(epoch, means) is True
                if self.checkpoint and ((epoch + 1) % self.checkpoint_every == 0 or epoch + 1 == epochs or stop):
                    self.save_checkpoint(history)
                if stop:
                    history.stopped = "callback"
                    break
        except KeyboardInterrupt:
            self.method.load_state_dict(good)
            history.stopped = "interrupted"
            warnings.warn(f"training interrupted: keeping the model after {history.epochs_completed} completed epochs.",
                          stacklevel=2)
        finally:
            bar.close()
        return history
