"""Loss terms of the five methods, as pure tensor functions.

Each function states its equation and the paper it comes from, takes tensors with the shapes
given, and returns a scalar tensor (``reduction="sum"`` sums over batch and dimensions, as the
VAE reference codes do; ``"mean"`` averages over the batch). They are tested against closed
forms and against POT in ``tests/test_losses.py``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["gaussian_kl", "wasserstein2_diag", "l1_reconstruction", "gradient_penalty", "wgan_critic_loss",
           "sinkhorn_distance", "margin_ranking", "feature_semantic_orthogonality",
           "semantic_orthogonality", "modality_discriminator_loss", "reparameterize"]


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}.")


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, mode: str = "paper") -> torch.Tensor:
    """Sample z ~ q(z|x) = N(μ, diag σ²) differentiably.

    ``mode="paper"``: z = μ + σ ⊙ ε with σ = exp(½·logvar) and ε ~ N(0, I) per dimension
    (Kingma & Welling 2014, what the CADA-VAE paper describes).
    ``mode="reference-code"``: z = μ + exp(logvar) · ε with ONE scalar ε per sample broadcast
    over the dimensions (what the official CADA-VAE/ACMR code does).
    """
    if mode == "paper":
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    if mode == "reference-code":
        return mu + torch.exp(logvar) * torch.randn(mu.shape[0], 1, device=mu.device, dtype=mu.dtype)
    raise ValueError(f"reparameterisation mode must be 'paper' or 'reference-code', got {mode!r}.")


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "sum") -> torch.Tensor:
    """KL( N(μ, diag σ²) ‖ N(0, I) ) = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²).

    mu, logvar : (n, z). Kingma & Welling 2014, appendix B; the β (CADA-VAE) / α (ACMR) term.

    >>> gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 2)).item()
    0.0
    """
    per_sample = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return _reduce(per_sample, reduction)


def wasserstein2_diag(mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor,
                      reduction: str = "sum") -> torch.Tensor:
    """2-Wasserstein distance between diagonal Gaussians, per sample, then reduced.

    W = ( ‖μ₁ − μ₂‖²₂ + ‖Σ₁^{1/2} − Σ₂^{1/2}‖²_F )^{1/2},  Σ^{1/2} = diag(exp(½ logvar)).

    CADA-VAE (Schönfeld et al. 2019) Eq. 3, the δ term; ACMR (Fang et al. 2022) Eq. 4, the β term.
    mu*, logvar* : (n, z). The square root is taken per sample (as the reference code does).

    >>> m = torch.zeros(1, 2); wasserstein2_diag(m, m, m + 3, m).item()   # √(3² + 3²)
    4.242640495300293
    """
    sq = (mu1 - mu2).pow(2).sum(dim=1) + (torch.exp(0.5 * logvar1) - torch.exp(0.5 * logvar2)).pow(2).sum(dim=1)
    return _reduce(torch.sqrt(sq + 1e-12), reduction)


def l1_reconstruction(target: torch.Tensor, reconstruction: torch.Tensor, reduction: str = "sum") -> torch.Tensor:
    """|x − x̂|₁ summed over dimensions: the (cross-)reconstruction terms of CADA-VAE (Eqs. 1, 2 of the CVPR text)."""
    return _reduce((target - reconstruction).abs().sum(dim=1), reduction)


@torch.compiler.disable(reason="double backward: torch.compile's autograd cannot differentiate a gradient")
def gradient_penalty(critic, real, fake, *context) -> torch.Tensor:
    """WGAN-GP penalty E[(‖∇ D(x̃, ·)‖₂ − 1)²] at x̃ = ε·real + (1 − ε)·fake (Gulrajani et al. 2017).

    ``real``/``fake`` may be one tensor (n, d) or a tuple of tensors interpolated with the SAME ε
    per sample (the joint critic D₃ of the two-level method, Eq. 12); the gradient norm is taken
    over all interpolated inputs together. ``context`` is passed to the critic unchanged (e.g. the
    class embedding h of a conditional critic D(x, h)).

    Runs eagerly inside a compiled training step (``fit(compile=True)``): the penalty is
    differentiated twice, which ``torch.compile`` does not support.
    """
    reals = real if isinstance(real, tuple) else (real,)
    fakes = fake if isinstance(fake, tuple) else (fake,)
    eps = torch.rand(reals[0].shape[0], 1, device=reals[0].device, dtype=reals[0].dtype)
    mixed = [(eps * r + (1 - eps) * f).detach().requires_grad_(True) for r, f in zip(reals, fakes)]
    out = critic(*mixed, *context)
    grads = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    norm = torch.sqrt(sum(g.pow(2).sum(dim=1) for g in grads) + 1e-12)
    return (norm - 1).pow(2).mean()


def wgan_critic_loss(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """The critic's loss E[D(fake)] − E[D(real)] (it maximises E[D(real)] − E[D(fake)])."""
    return critic_fake.mean() - critic_real.mean()


def sinkhorn_distance(a_points: torch.Tensor, b_points: torch.Tensor, reg: float = 0.1,
                      normalize_cost: bool = True, num_iter: int = 200, a_mask: torch.Tensor | None = None,
                      b_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Entropic optimal-transport (Sinkhorn) cost between two uniform point clouds.

        W_ε(P, Q) = ⟨T*, M⟩,  T* = argmin_{T ∈ Π(u, v)} ⟨T, M⟩ − ε H(T),  M_ij = ‖p_i − q_j‖²

    with uniform weights u, v (Cuturi 2013). ``normalize_cost`` divides M by its maximum (kept as
    a constant) so ``reg`` means the same at every scale. The two-level method's semantic
    alignment term (γ): inferred class centres vs the true class embeddings (Chandhok &
    Balasubramanian 2021, Eq. 11).

    Computed on the device by ``num_iter`` log-domain Sinkhorn iterations — POT's
    ``ot.sinkhorn2(u, v, M, reg, method="sinkhorn_log")`` iteration, step for step, without its
    convergence test (which reads the error back to the host every 10 iterations) — and
    differentiated through the unrolled iterations as POT's torch backend does. POT is the
    reference it is tested against (``tests/test_two_level.py``).

    a_points : (n, k), b_points : (m, k).
    a_mask, b_mask : optional boolean (n,), (m,): the points that take part (uniform weight over
        them, 0 elsewhere), so a varying set of points keeps fixed shapes; the result equals the
        cost between the selected points alone.
    """
    if num_iter < 1:
        raise ValueError(f"num_iter must be at least 1, got {num_iter}.")
    a_mask = torch.ones(a_points.shape[0], dtype=torch.bool, device=a_points.device) if a_mask is None else a_mask
    b_mask = torch.ones(b_points.shape[0], dtype=torch.bool, device=b_points.device) if b_mask is None else b_mask
    M = torch.cdist(a_points, b_points, compute_mode="donot_use_mm_for_euclid_dist").pow(2)
    if normalize_cost:
        M = M / torch.where(a_mask[:, None] & b_mask[None, :], M.detach(), 0).max().clamp_min(1e-12)
    log_u = torch.log(a_mask.to(M.dtype) / a_mask.sum())   # log of the weights: −inf outside the mask
    log_v = torch.log(b_mask.to(M.dtype) / b_mask.sum())
    Mr = -M / reg
    f = torch.where(a_mask, 0.0, -torch.inf).to(M.dtype)  # POT starts from 0; masked points start out
    for _ in range(num_iter):
        g = log_v - torch.logsumexp(Mr + f[:, None], 0)
        f = log_u - torch.logsumexp(Mr + g[None, :], 1)
    return (M * torch.exp(Mr + f[:, None] + g[None, :])).sum()   # ⟨T, M⟩


def margin_ranking(scores: torch.Tensor, labels: torch.Tensor, margin: float = 0.2, negatives: str = "random",
                   reduction: str = "mean") -> torch.Tensor:
    """SP-AEN's classification loss (Chen et al. 2018, Eq. 2), one negative l′ per sample:

        L_cls = max{0, γ − a_lᵀE(x) + a_{l′}ᵀE(x)}

    scores : (n, C') compatibilities a_cᵀE(x) over the training classes; labels : (n,) columns of
    the true class. ``negatives``: ``"random"`` (paper: any wrong label, drawn uniformly),
    ``"violating"`` (the official code: a random label among those violating the margin, if
    any), or ``"all"`` (sum over every wrong label).
    """
    n, C = scores.shape
    pos = scores.gather(1, labels[:, None])
    hinge = (margin - pos + scores).clamp_min(0)
    wrong = torch.ones_like(scores, dtype=torch.bool).scatter_(1, labels[:, None], False)
    if negatives == "all":
        per = (hinge * wrong).sum(1)
    elif negatives in ("random", "violating"):
        weight = wrong.float()
        if negatives == "violating":
            violating = wrong & (hinge > 0)
            weight = torch.where(violating.any(1, keepdim=True), violating.float(), weight)
        # one draw of torch.multinomial(weight, 1), written out: the same exponential race
        # (argmax of weight / q, q ~ Exp(1)), the same numbers, without multinomial's check of
        # the weights on the host (a device sync per call)
        neg = (weight / torch.empty_like(weight).exponential_()).argmax(1, keepdim=True)
        per = hinge.gather(1, neg)[:, 0]
    else:
        raise ValueError(f"negatives must be 'random', 'violating' or 'all', got {negatives!r}.")
    return _reduce(per, reduction)


def feature_semantic_orthogonality(v: torch.Tensor, s: torch.Tensor, match: torch.Tensor,
                                   eps: float = 1e-6) -> torch.Tensor:
    """MIANet's feature–semantic orthogonality loss (Zhang et al. 2021, Eq. 1):

        L_orf = −(1/n) Σ_i [ m_i log(v_iᵀs_i) + (1 − m_i) log(1 − v_iᵀs_i) ]

    v, s : (n, z) latents (L2-normalised inside, so v_iᵀs_i is a cosine), match : (n,) 1 for
    same-class pairs, 0 otherwise. The cosine is clamped to [eps, 1 − eps] before the log
    (the paper does not say how it stays in (0, 1)).
    """
    cos = (F.normalize(v, dim=1) * F.normalize(s, dim=1)).sum(1).clamp(eps, 1 - eps)
    return F.binary_cross_entropy(cos, match.to(cos.dtype))


def semantic_orthogonality(A: torch.Tensor) -> torch.Tensor:
    """MIANet's semantic–semantic orthogonality (Eq. 2): ‖A Aᵀ − I‖²_F for class latents A (C, z),
    one row per class (the paper's A_lᵀA_l with classes as columns)."""
    gram = A @ A.T
    return (gram - torch.eye(A.shape[0], device=A.device, dtype=A.dtype)).pow(2).sum()


def modality_discriminator_loss(logits_visual: torch.Tensor, logits_semantic: torch.Tensor) -> torch.Tensor:
    """MIANet's modality-discriminator loss (Eqs. 3–4): two-way cross-entropy with label 0 for
    visual latents and 1 for semantic latents, averaged over the 2n inputs."""
    logits = torch.cat([logits_visual, logits_semantic])
    target = torch.cat([torch.zeros(logits_visual.shape[0], dtype=torch.long, device=logits.device),
                        torch.ones(logits_semantic.shape[0], dtype=torch.long, device=logits.device)])
    return F.cross_entropy(logits, target)
