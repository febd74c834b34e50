"""Diagnostics of a dataset: can its class semantics be read from the images at all?

Every zero-shot method bets that what links images to attributes on the seen classes also holds
on the unseen ones. `attribute_transfer` tests that bet directly, without any zero-shot method:
one logistic regression per attribute, trained on the seen classes' images, is asked for the
attribute on the unseen classes' test images. Where it is right about as often as a coin, no
method built on the same features can use that attribute for those classes. Direct attribute
prediction (DAP, Lampert et al. 2009) on top of those regressions gives a method-free reference
point for ZSL accuracy.
"""
from __future__ import annotations

import numpy as np

from .data import ZSLData
from .metrics import per_class_accuracy

__all__ = ["attribute_transfer"]


def attribute_transfer(data: ZSLData, attributes=None, *, C: float = 1.0, threshold: float = 0.5) -> dict:
    """How well each binary attribute transfers from the seen to the unseen classes.

    Parameters
    ----------
    data : the dataset (its ``trainval`` images train, its ``test_unseen`` images are scored).
    attributes : (C, k) binary class-attribute matrix (default: ``data.info["original_att"]``,
        binarised at ``threshold`` when it is continuous).
    C : inverse regularisation of scikit-learn's ``LogisticRegression``.

    Returns
    -------
    dict with
    ``accuracy`` : (n_unseen, k) share of each unseen class's test images whose attribute is
        predicted right (NaN where the attribute is constant on the seen classes);
    ``constant_on_seen`` : (k,) bool, attributes with one value over all seen classes (nothing to
        learn from the seen images);
    ``dap_zsl`` : per-class accuracy of DAP over the unseen classes (chance is 1 / n_unseen);
    ``unseen_classes`` : the row order of ``accuracy``.

    Examples
    --------
    >>> import zslkit
    >>> out = attribute_transfer(zslkit.datasets.load("digits"))
    >>> out["accuracy"].shape, bool(out["constant_on_seen"][2])   # segment_lower_right: always 1 on seen
    ((3, 13), True)
    """
    from sklearn.linear_model import LogisticRegression

    A = np.asarray(data.info.get("original_att") if attributes is None else attributes, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != data.n_classes:
        raise ValueError(f"attributes must be (n_classes={data.n_classes}, k), got shape {A.shape}.")
    A = (A >= threshold).astype(np.int64)
    X, y = data.X("trainval"), data.y("trainval")
    Xu, yu = data.X("test_unseen"), data.y("test_unseen")
    unseen = data.unseen_classes
    k = A.shape[1]
    prob = np.zeros((Xu.shape[0], k))
    accuracy = np.full((unseen.size, k), np.nan)
    constant = np.zeros(k, dtype=bool)
    for j in range(k):
        target = A[y, j]
        if np.unique(target).size < 2:
            constant[j] = True
            prob[:, j] = target[0]
            continue
        clf = LogisticRegression(C=C, max_iter=2000).fit(X, target)
        prob[:, j] = clf.predict_proba(Xu)[:, 1]
        for i, c in enumerate(unseen):
            accuracy[i, j] = np.mean((prob[yu == c, j] > 0.5) == A[c, j])
    eps = 1e-6
    p = np.clip(prob, eps, 1 - eps)
    log_lik = np.stack([np.where(A[c] == 1, np.log(p), np.log(1 - p)).sum(1) for c in unseen], axis=1)
    dap = unseen[log_lik.argmax(1)]
    return {"accuracy": accuracy, "constant_on_seen": constant,
            "dap_zsl": per_class_accuracy(yu, dap), "unseen_classes": unseen}
