"""The final softmax classifier of the generative methods (CADA-VAE, ACMR, two-level).

Those methods do not score classes directly: they produce features or latents for every class
(real ones for seen classes, synthesised ones for unseen classes) and train one linear softmax
classifier over ALL classes on them. This module is that stage, shared by the three.
"""
from __future__ import annotations

import torch
from torch import nn

from .train import adam


def train_softmax(features: torch.Tensor, labels: torch.Tensor, n_classes: int, *, epochs: int = 25,
                  lr: float = 1e-3, beta1: float = 0.5, batch_size: int = 32, weight_decay: float = 0.0,
                  classifier: nn.Module | None = None, generator: torch.Generator | None = None) -> nn.Module:
    """Fit a linear softmax classifier (log-softmax + NLL, Adam) on ``features``.

    Parameters
    ----------
    features : (n, d) tensor on the training device; labels : (n,) class indices in ``0..n_classes-1``.
    epochs, lr, beta1, batch_size : Adam schedule (CADA-VAE's reference: lr 1e-3, β₁ 0.5, batch 32).
    classifier : an existing module to train in place (default: a new ``nn.Linear(d, n_classes)``).
    generator : optional torch.Generator for the batch order (default: torch's global RNG).

    Returns
    -------
    The trained module (outputs logits; apply ``log_softmax`` for log-probabilities).

    Examples
    --------
    >>> x = torch.cat([torch.randn(50, 2) + 3, torch.randn(50, 2) - 3]); y = torch.repeat_interleave(torch.arange(2), 50)
    >>> clf = train_softmax(x, y, 2, epochs=5)
    >>> (clf(x).argmax(1) == y).float().mean().item() > 0.9
    True
    """
    if features.ndim != 2 or labels.shape[0] != features.shape[0]:
        raise ValueError(f"features (n, d) and labels (n,) must match, got {tuple(features.shape)} and {tuple(labels.shape)}.")
    device = features.device
    clf = classifier if classifier is not None else nn.Linear(features.shape[1], n_classes).to(device)
    opt = adam(clf.parameters(), lr=lr, betas=(beta1, 0.999), weight_decay=weight_decay)
    n = features.shape[0]
    clf.train()
    for _ in range(int(epochs)):
        perm = torch.randperm(n, device=device, generator=generator)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            loss = nn.functional.cross_entropy(clf(features[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    clf.eval()
    return clf
