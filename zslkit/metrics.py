"""Evaluation metrics of the GZSL protocol (Xian et al. 2018), as pure numpy functions.

All accuracies are per-class top-1 accuracies (the mean over classes of each class's hit rate),
computed in floating point, as fractions in [0, 1].

* GZSL: predict over ALL classes; **S** = per-class accuracy on ``test_seen`` (seen classes),
  **U** = per-class accuracy on ``test_unseen``; **H** = 2SU / (S + U).
* ZSL: predict over the unseen classes only; per-class accuracy on ``test_unseen``.
* Calibrated stacking (Chao et al., ECCV 2016): subtract ``calibration`` from every seen
  class's score; sweeping it traces the seen–unseen accuracy curve, whose area is **AUSUC**.
* Retrieval **mAP**: each unseen class is a query ranking the unseen test images by the
  class's score; AP per query, mean over unseen classes (MIANet Eq. 9).
"""
from __future__ import annotations

import numpy as np

__all__ = ["per_class_accuracy", "harmonic_mean", "gzsl_accuracy", "zsl_accuracy", "calibrated_stacking",
           "seen_unseen_curve", "ausuc", "average_precision_per_class", "retrieval_map"]


def per_class_accuracy(y_true, y_pred, classes=None) -> float:
    """Mean over ``classes`` (default: the classes present in ``y_true``) of each class's accuracy.

    Equals scikit-learn's ``balanced_accuracy_score`` when ``classes`` is None.

    >>> round(per_class_accuracy([0, 0, 0, 1], [0, 0, 1, 1]), 4)   # (2/3 + 1/1) / 2
    0.8333
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {y_true.shape} vs {y_pred.shape}.")
    classes = np.unique(y_true) if classes is None else np.asarray(classes)
    accs = [float(np.mean(y_pred[y_true == c] == c)) for c in classes if np.any(y_true == c)]
    return float(np.mean(accs)) if accs else 0.0


def harmonic_mean(seen: float, unseen: float) -> float:
    """H = 2SU / (S + U), 0 when both are 0."""
    return 0.0 if seen + unseen == 0 else 2.0 * seen * unseen / (seen + unseen)


def calibrated_stacking(scores, seen_classes, calibration: float) -> np.ndarray:
    """Scores with ``calibration`` subtracted from every seen class (Chao et al. 2016)."""
    out = np.array(scores, dtype=np.float64, copy=True)
    out[:, np.asarray(seen_classes)] -= calibration
    return out


def gzsl_accuracy(scores_seen, y_seen, scores_unseen, y_unseen, seen_classes, calibration: float = 0.0) -> dict:
    """GZSL S, U, H from the (N, C) scores of the test_seen and test_unseen images."""
    ps = calibrated_stacking(scores_seen, seen_classes, calibration).argmax(1)
    pu = calibrated_stacking(scores_unseen, seen_classes, calibration).argmax(1)
    S, U = per_class_accuracy(y_seen, ps), per_class_accuracy(y_unseen, pu)
    return {"S": S, "U": U, "H": harmonic_mean(S, U)}


def zsl_accuracy(scores_unseen, y_unseen, unseen_classes) -> float:
    """Conventional ZSL: argmax over the unseen classes only; per-class accuracy on test_unseen."""
    unseen_classes = np.asarray(unseen_classes)
    pred = unseen_classes[np.asarray(scores_unseen)[:, unseen_classes].argmax(1)]
    return per_class_accuracy(y_unseen, pred)


def seen_unseen_curve(scores_seen, y_seen, scores_unseen, y_unseen, seen_classes, unseen_classes):
    """The exact seen–unseen accuracy curve of calibrated stacking.

    An image is assigned to a seen class iff ``max_seen − calibration > max_unseen``, i.e. iff
    ``calibration < d`` with ``d = max_seen − max_unseen``; which seen (unseen) class it gets does
    not depend on the calibration. So S(γ) and U(γ) are step functions that change only at the
    values of d, and evaluating at every d (plus ±∞) gives the whole curve.

    Returns
    -------
    dict with ``calibration`` (T,), ``S`` (T,), ``U`` (T,), ordered by increasing calibration
    (U rising from 0 to the ZSL accuracy, S falling from the seen-only accuracy to 0).
    """
    seen_classes, unseen_classes = np.asarray(seen_classes), np.asarray(unseen_classes)

    def parts(scores, y):
        scores = np.asarray(scores, dtype=np.float64)
        s_seen, s_unseen = scores[:, seen_classes], scores[:, unseen_classes]
        d = s_seen.max(1) - s_unseen.max(1)
        hit_seen = seen_classes[s_seen.argmax(1)] == y
        hit_unseen = unseen_classes[s_unseen.argmax(1)] == y
        classes, counts = np.unique(y, return_counts=True)
        weight = 1.0 / (counts[np.searchsorted(classes, y)] * classes.size)  # per-class averaging
        return d, hit_seen * weight, hit_unseen * weight

    d_s, w_seen, _ = parts(scores_seen, np.asarray(y_seen))
    d_u, _, w_unseen = parts(scores_unseen, np.asarray(y_unseen))
    grid = np.concatenate([[-np.inf], np.unique(np.concatenate([d_s, d_u])), [np.inf]])
    order_s, order_u = np.argsort(d_s), np.argsort(d_u)
    cum_s = np.concatenate([[0.0], np.cumsum(w_seen[order_s])])
    cum_u = np.concatenate([[0.0], np.cumsum(w_unseen[order_u])])
    # S(γ) = Σ w_seen over d > γ ;  U(γ) = Σ w_unseen over d <= γ
    S = cum_s[-1] - cum_s[np.searchsorted(d_s[order_s], grid, side="right")]
    U = cum_u[np.searchsorted(d_u[order_u], grid, side="right")]
    return {"calibration": grid, "S": np.clip(S, 0, 1), "U": np.clip(U, 0, 1)}


def ausuc(curve: dict) -> float:
    """Area under the seen–unseen curve (x = U, y = S), trapezoidal, in [0, 1]."""
    U, S = np.asarray(curve["U"]), np.asarray(curve["S"])
    order = np.lexsort((-S, U))
    U, S = U[order], S[order]
    return float(np.sum(np.diff(U) * (S[1:] + S[:-1]) / 2.0))


def average_precision_per_class(scores_unseen, y_unseen, unseen_classes) -> dict:
    """AP of each unseen class as a query over the unseen test images (scikit-learn's AP)."""
    from sklearn.metrics import average_precision_score

    scores_unseen, y_unseen = np.asarray(scores_unseen), np.asarray(y_unseen)
    return {int(c): float(average_precision_score(y_unseen == c, scores_unseen[:, c]))
            for c in np.asarray(unseen_classes) if np.any(y_unseen == c)}


def retrieval_map(scores_unseen, y_unseen, unseen_classes) -> float:
    """Zero-shot retrieval mAP: mean over unseen classes of `average_precision_per_class`."""
    aps = average_precision_per_class(scores_unseen, y_unseen, unseen_classes)
    return float(np.mean(list(aps.values()))) if aps else 0.0
