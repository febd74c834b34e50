"""Datasets: the `ZSLData` container, loaders, and a name → loader registry.

>>> import zslkit
>>> sorted(zslkit.datasets.available())[:2]
['apy', 'apy-semantics']
>>> zslkit.datasets.load("digits").unseen_classes.tolist()
[2, 5, 8]
"""
from __future__ import annotations

from .bundled import BENCHMARKS, ClassSemantics, bundled_data_dir, load_semantics
from .core import ZSLData, ZSLDataError, derive_validation_split
from .critters import load_critters
from .digits import load_digits
from .synthetic import benchmark_synthetic, make_synthetic
from .xlsa17 import DOWNLOAD_HINT, default_data_dir, export_xlsa17, load_xlsa17

__all__ = ["ZSLData", "ZSLDataError", "ClassSemantics", "load", "available", "load_xlsa17", "export_xlsa17", "make_synthetic",
           "load_semantics", "load_digits", "load_critters", "derive_validation_split", "default_data_dir", "bundled_data_dir"]


def _registry() -> dict:
    reg = {
        "critters": ("AWA2's 50 animals drawn procedurally (real AWA2 split and 85 predicates), 128-d CNN features",
                     lambda **kw: load_critters(**kw)),
        "digits": ("REAL: scikit-learn's 8×8 handwritten digits with 13 drawn attributes; unseen 2, 5, 8",
                   lambda **kw: load_digits(**kw)),
        "synthetic": ("small synthetic dataset (20 classes, 5 unseen, 128-d features) for quick tests",
                      lambda **kw: make_synthetic(**kw)),
    }
    for b in BENCHMARKS:
        low = b.lower()
        reg[f"{low}-semantics"] = (f"the real {b} class semantics (attribute matrix, names, split); no features",
                                   lambda b=b, **kw: load_semantics(b, **kw))
        reg[f"{low}-synthetic"] = (f"synthetic features on the real {b} class semantics and seen/unseen split",
                                   lambda b=b, **kw: benchmark_synthetic(b, **kw))
        reg[low] = (f"the real {b} benchmark: needs res101.mat + att_splits.mat (--data-dir or $ZSLKIT_DATA/{b})",
                    lambda b=b, data_dir=None, **kw: load_xlsa17(data_dir or default_data_dir() / b, name=b.lower(), **kw))
    reg["cub-sent"] = ("the real CUB benchmark with 1024-d sentence embeddings (needs res101.mat)",
                       lambda data_dir=None, **kw: load_xlsa17(data_dir or default_data_dir() / "CUB", semantics="sent",
                                                               name="cub-sent", **kw))
    reg["flo"] = ("the real FLO benchmark, sentence embeddings only (needs res101.mat)",
                  lambda data_dir=None, **kw: load_xlsa17(data_dir or default_data_dir() / "FLO", name="flo", **kw))
    return reg


def available() -> dict:
    """Dataset names → one-line descriptions."""
    return {name: desc for name, (desc, _) in sorted(_registry().items())}


def load(name: str, **kw):
    """Load a dataset by name (see `available()`); keyword arguments go to its loader.

    Real benchmarks take ``data_dir=`` (a folder with ``res101.mat`` and ``att_splits.mat``).
    ``*-semantics`` names return a `ClassSemantics`, every other name a `ZSLData`.
    """
    reg = _registry()
    if name not in reg:
        raise ZSLDataError(f"unknown dataset {name!r}; available: {', '.join(sorted(reg))}.")
    return reg[name][1](**kw)
