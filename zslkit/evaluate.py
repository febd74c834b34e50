"""`evaluate(model, data)`: the standard GZSL protocol on a fitted model, in one call."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import metrics
from .data.core import ZSLData

__all__ = ["Evaluation", "evaluate", "evaluate_scores"]


@dataclass
class Evaluation:
    """S, U, H (GZSL), ZSL, AUSUC and retrieval mAP, all fractions in [0, 1], plus the details.

    ``as_dict()`` gives exactly the six headline numbers; ``curve`` the seen–unseen curve,
    ``per_class_ap`` the AP of each unseen class, ``scores_*`` the raw test scores.
    """

    S: float
    U: float
    H: float
    ZSL: float
    AUSUC: float
    mAP: float
    curve: dict = field(repr=False, default_factory=dict)
    per_class_ap: dict = field(repr=False, default_factory=dict)
    calibration: float = 0.0
    scores_seen: np.ndarray | None = field(repr=False, default=None)
    scores_unseen: np.ndarray | None = field(repr=False, default=None)

    def as_dict(self) -> dict:
        return {"S": self.S, "U": self.U, "H": self.H, "ZSL": self.ZSL, "AUSUC": self.AUSUC, "mAP": self.mAP}

    def __str__(self):
        return "  ".join(f"{k} {100 * v:5.1f}" for k, v in self.as_dict().items())


def evaluate_scores(scores_seen, scores_unseen, data: ZSLData, calibration: float = 0.0,
                    split: tuple = ("test_seen", "test_unseen")) -> Evaluation:
    """Evaluate precomputed (N, C) scores of the ``split`` images of ``data``."""
    y_s, y_u = data.y(split[0]), data.y(split[1])
    seen, unseen = data.seen_classes, data.unseen_classes
    C = data.n_classes
    for name, s, y in (("test_seen", scores_seen, y_s), ("test_unseen", scores_unseen, y_u)):
        if np.shape(s) != (y.size, C):
            raise ValueError(f"scores for {name} must have shape ({y.size}, {C}), got {np.shape(s)}.")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"scores for {name} contain NaN/inf: the model is broken (check its training history).")
    g = metrics.gzsl_accuracy(scores_seen, y_s, scores_unseen, y_u, seen, calibration)
    curve = metrics.seen_unseen_curve(scores_seen, y_s, scores_unseen, y_u, seen, unseen)
    aps = metrics.average_precision_per_class(scores_unseen, y_u, unseen)
    return Evaluation(S=g["S"], U=g["U"], H=g["H"], ZSL=metrics.zsl_accuracy(scores_unseen, y_u, unseen),
                      AUSUC=metrics.ausuc(curve), mAP=float(np.mean(list(aps.values()))), curve=curve,
                      per_class_ap=aps, calibration=calibration, scores_seen=np.asarray(scores_seen),
                      scores_unseen=np.asarray(scores_unseen))


def evaluate(model, data: ZSLData, calibration: float = 0.0, split: str = "test") -> Evaluation:
    """Evaluate a fitted model on ``data``'s test splits (``split="test"``) or, for model
    selection, on its validation problem (``split="validation"``, see `ZSLData.validation_view`:
    the model must then have been fitted on that view).

    ``calibration`` is subtracted from the seen classes' scores for S/U/H (calibrated
    stacking); ZSL, AUSUC and mAP do not depend on it.
    """
    if split == "validation":
        data = data.validation_view()
    elif split != "test":
        raise ValueError(f"split must be 'test' or 'validation', got {split!r}.")
    return evaluate_scores(model.scores(data.X("test_seen")), model.scores(data.X("test_unseen")), data, calibration)
