"""CADA-VAE — "Generalized Zero- and Few-Shot Learning via Aligned Variational Autoencoders".

Schönfeld, Ebrahimi, Sinha, Darrell & Akata, CVPR 2019 (short version: "Cross-linked
variational autoencoders for generalized zero-shot learning"). Reference code:
edgarschnfld/CADA-VAE-PyTorch.

Idea
----
Two variational autoencoders, one for image features x and one for class embeddings a, share a
latent space of size 64. Each encoder E_i gives a diagonal Gaussian q(z | x⁽ⁱ⁾) = N(μ_i, diag σ_i²);
each decoder D_i maps a latent back to its modality. Trained on (image, class embedding) pairs of
the seen classes, the loss is (Eqs. 1–3; every term summed over the batch and the dimensions)

    L =  Σ_i |x⁽ⁱ⁾ − D_i(z_i)|₁ + β Σ_i KL(q(z | x⁽ⁱ⁾) ‖ N(0, I))        VAE (L1 reconstruction)
      +  γ Σ_i Σ_{j≠i} |x⁽ʲ⁾ − D_j(z_i)|₁                              cross-reconstruction (CA)
      +  δ W(q(z | x), q(z | a))                                      distribution alignment (DA)

    W = ( ‖μ_x − μ_a‖²₂ + ‖σ_x − σ_a‖²₂ )^{1/2}     (2-Wasserstein between diagonal Gaussians)

with z_i = μ_i + σ_i ⊙ ε sampled by reparameterisation. The weights are warmed up linearly
(`zslkit.train.warmup`, the reference code's table): β 0 → 0.25 over epochs 0–93, γ 0 → 2.37 over
epochs 21–75, δ 0 → 8.13 over epochs 6–22. Each VAE first learns alone, then the cross terms are
phased in — so the *total* loss rises during the warm-up although training is fine; watch the
individual terms in ``history``.

After the VAEs, a linear softmax classifier (64 → C, all classes) is trained on latents: 200
noisy encodings per seen class of its training images and 400 noisy encodings per unseen class
of its class embedding, through the attribute encoder. A test image is classified from the mean
μ_x of its encoding; ``scores`` are the classifier's log-probabilities.

Architecture (reference code): image encoder d → 1560 → (μ, log σ²), image decoder 64 → 1660 → d,
attribute encoder k → 1450 → (μ, log σ²), attribute decoder 64 → 665 → k; ReLU hidden layers,
linear outputs; Xavier-uniform weights (gain 0.5), zero biases. One Adam (lr 1.5e-4, amsgrad) for
both VAEs, batch 50, 100 epochs. Classifier: Adam lr 1e-3, β₁ 0.5, batch 32.

Quirks of the reference code
----------------------------
- Reparameterisation (reproduced by default): z = μ + exp(log σ²) · ε with ONE scalar ε per
  sample broadcast over the 64 dimensions, i.e. the variance is used as the standard deviation
  and every dimension moves together; both in training and when sampling the classifier's
  latents. The paper (and Kingma & Welling) has z = μ + exp(½ log σ²) ⊙ ε with per-dimension ε:
  ``reparameterization="paper"``. zslkit's default is the code's, because the published numbers
  come from it. On the exported ``critters``, ``awa2-synthetic`` and ``cub-synthetic`` files the
  code's version lands within 0.2–1.3 points of the official code's mean H (3 runs each) and the
  paper's formula costs 6.4, 21.0 and 40.6 points (README, "Side by side with the authors'
  code"; ``results/fidelity/``); on a held-out AWA2-format folder H 30.0 with the paper's
  formula vs 48.6 with the code's, official code 47.9.
  Presets chosen with the paper's formula say so (``reparameterization = "paper"`` in their row).
- Classifier epochs are fixed per dataset (GZSL: CUB 23, SUN 21, AWA1 33, AWA2 29) and the last
  epoch is reported; the seen-class latents come from the *first* 200 training images of each
  class in file order; MinMax scaling was (in early versions) re-fitted on each test split; VAE
  batches are drawn independently (with replacement across batches) rather than by epoch.

Presets
-------
Dataset presets are data: ``zslkit/presets.toml`` (method × dataset → hyperparameters, one line
of provenance each); every setting tried when choosing them is in ``results/selection/README.md``.
The reference hyperparameters were tuned for 2048-d ResNet features and ~470 batches per epoch.
Every term is a SUM, so on low-dimensional features the KL and alignment terms are relatively
stronger: the small-data presets scale β by about d/2048 and raise the learning rate.

Deviations from the paper
-------------------------
- Classifier epochs: the real-benchmark presets use the reference code's counts (its comment
  says they were set on a validation split); the bundled/synthetic presets choose them on
  zslkit's validation split (above).
  The last classifier epoch is used, never the best test epoch.
- The small-data presets scale β by about d/2048, raise the learning rate, and on ``awa2-synthetic``
  shorten training to 10 epochs (760 updates) and halve the hidden layers (above); the paper's 2048-d setting
  is untouched in the default config.
- The seen-class images behind the classifier's 200 latents per class are a random (seeded)
  choice of the class's training images, tiled when a class has fewer than 200, instead of the
  first ones in file order.
- VAE batches are the shared `Trainer`'s: a fresh permutation each epoch, ``floor(n/50)``
  batches (the last incomplete one dropped); the reference draws ``ceil(n/50)`` batches per
  epoch, each independently at random.
- MinMax scaling is fitted on the training features only and applied to every split.
- The paper's double sum Σ_i Σ_{j≠i} W_ij counts the one distance twice; like the reference
  code zslkit counts it once (the factor 2 is absorbed into δ).
- The final classifier is trained by the shared `zslkit.classifier.train_softmax`, which keeps
  the last, smaller batch of an epoch (the reference drops it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import losses
from ..classifier import train_softmax
from ..train import warmup
from .base import NeuralMethod, Problem, register

__all__ = ["CADAVAEConfig", "CADAVAE", "validation_curve"]


# -- configuration -------------------------------------------------------------------------------
@dataclass
class CADAVAEConfig:
    """Hyperparameters; defaults are the paper's / reference code's.

    Loss weights and their linear warm-ups (0-based epochs; the weight is
    ``factor · clamp((epoch − start)/(end − start), 0, 1)``):
    beta (KL), gamma (cross-reconstruction), delta (distribution alignment). They assume every
    term SUMMED over the batch (of 50) and the dimensions, as the reference code does. Adam does
    not care about the overall scale of the loss, but the balance of the terms changes with the
    feature dimension d (reconstruction sums grow with d): see "Presets" in the module docstring.

    reparameterization : ``"reference-code"`` (the default: σ = exp(log σ²), one scalar noise per
        sample, what the published numbers come from) or ``"paper"`` (σ = exp(½ log σ²),
        per-dimension noise); see "Quirks of the reference code" in the module docstring.
    seen_samples, unseen_samples : latents per seen / unseen class for the final classifier.
    classifier_epochs : epochs of the final softmax classifier (the last one is used); the
        default 29 is the reference code's GZSL count for AWA2 (CUB 23, SUN 21, AWA1 33).
    """

    latent_size: int = 64
    image_encoder_hidden: int = 1560
    image_decoder_hidden: int = 1660
    attribute_encoder_hidden: int = 1450
    attribute_decoder_hidden: int = 665
    beta: float = 0.25
    beta_start: float = 0
    beta_end: float = 93
    gamma: float = 2.37
    gamma_start: float = 21
    gamma_end: float = 75
    delta: float = 8.13
    delta_start: float = 6
    delta_end: float = 22
    lr: float = 1.5e-4
    amsgrad: bool = True
    epochs: int = 100
    batch_size: int = 50
    reparameterization: str = "reference-code"
    seen_samples: int = 200
    unseen_samples: int = 400
    classifier_epochs: int = 29
    classifier_lr: float = 1e-3
    classifier_beta1: float = 0.5
    classifier_batch_size: int = 32

    def __post_init__(self):
        if self.reparameterization not in ("paper", "reference-code"):
            raise ValueError(f"cada-vae: reparameterization must be 'paper' or 'reference-code', "
                             f"got {self.reparameterization!r}.")


# -- modules -------------------------------------------------------------------------------------
def _init_linear(module: nn.Module) -> None:
    """Xavier-uniform weights with gain 0.5 and zero biases (the reference initialisation)."""
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight, gain=0.5)
        nn.init.zeros_(module.bias)


class GaussianEncoder(nn.Module):
    """x (n, d_in) → hidden ReLU layer → (μ, log σ²), each (n, latent)."""

    def __init__(self, d_in: int, hidden: int, latent: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.apply(_init_linear)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)


def _decoder(latent: int, hidden: int, d_out: int) -> nn.Sequential:
    """z (n, latent) → hidden ReLU layer → reconstruction (n, d_out), linear output."""
    net = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, d_out))
    net.apply(_init_linear)
    return net


def _repeat_to(indices: torch.Tensor, n: int) -> torch.Tensor:
    """The first ``n`` entries of ``indices`` tiled as often as needed."""
    reps = -(-n // indices.numel())
    return indices.repeat(reps)[:n]


# -- the method ----------------------------------------------------------------------------------
@register("cada-vae")
class CADAVAE(NeuralMethod):
    """Cross- and distribution-aligned VAEs with a softmax classifier on latents (see module doc)."""

    Config = CADAVAEConfig
    feature_scaling = "minmax"

    # -- building ----------------------------------------------------------------------------
    def setup(self, problem: Problem) -> None:
        """The two VAEs, the final classifier (64 → C) and one Adam for both VAEs."""
        cfg = self.config
        d, k, z = problem.feature_dim, problem.embedding_dim, cfg.latent_size
        m = self.modules_
        m["image_encoder"] = GaussianEncoder(d, cfg.image_encoder_hidden, z)
        m["image_decoder"] = _decoder(z, cfg.image_decoder_hidden, d)
        m["attribute_encoder"] = GaussianEncoder(k, cfg.attribute_encoder_hidden, z)
        m["attribute_decoder"] = _decoder(z, cfg.attribute_decoder_hidden, k)
        m["classifier"] = nn.Linear(z, problem.n_classes)
        _init_linear(m["classifier"])
        vae = [p for name in ("image_encoder", "image_decoder", "attribute_encoder", "attribute_decoder")
               for p in m[name].parameters()]
        self.optimizers_["vae"] = self.adam(vae, lr=cfg.lr, betas=(0.9, 0.999), amsgrad=cfg.amsgrad)

    def weights_at(self, epoch: float) -> dict:
        """The warmed-up loss weights β, γ, δ at a (0-based) epoch."""
        c = self.config
        return {"beta": warmup(epoch, c.beta, c.beta_start, c.beta_end),
                "gamma": warmup(epoch, c.gamma, c.gamma_start, c.gamma_end),
                "delta": warmup(epoch, c.delta, c.delta_start, c.delta_end)}

    def _sample(self, mu, logvar):
        return losses.reparameterize(mu, logvar, mode=self.config.reparameterization)

    # -- one batch -----------------------------------------------------------------------------
    def train_step(self, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict:
        m = self.modules_
        a = self.class_embeddings_[y]                         # the class embedding of each image
        mu_x, logvar_x = m["image_encoder"](x)
        mu_a, logvar_a = m["attribute_encoder"](a)
        z_x, z_a = self._sample(mu_x, logvar_x), self._sample(mu_a, logvar_a)

        # VAE terms: L1 reconstruction within each modality, KL to the N(0, I) prior (Eq. 1)
        reconstruction = (losses.l1_reconstruction(x, m["image_decoder"](z_x))
                          + losses.l1_reconstruction(a, m["attribute_decoder"](z_a)))
        kl = losses.gaussian_kl(mu_x, logvar_x) + losses.gaussian_kl(mu_a, logvar_a)
        # cross-reconstruction: decode each modality from the other's latent (Eq. 2)
        cross = (losses.l1_reconstruction(x, m["image_decoder"](z_a))
                 + losses.l1_reconstruction(a, m["attribute_decoder"](z_x)))
        # distribution alignment: 2-Wasserstein between the two posteriors (Eq. 3)
        alignment = losses.wasserstein2_diag(mu_x, logvar_x, mu_a, logvar_a)

        w = self.weights_at(epoch)
        total = reconstruction + w["beta"] * kl + w["gamma"] * cross + w["delta"] * alignment
        opt = self.optimizers_["vae"]
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        return {"reconstruction": reconstruction.detach(), "kl": kl.detach(),
                "cross_reconstruction": cross.detach(), "distribution_alignment": alignment.detach(),
                "total": total.detach()}

    # -- the final classifier ----------------------------------------------------------------------
    @torch.no_grad()
    def classifier_training_set(self, problem: Problem) -> tuple:
        """Latents and labels the softmax is trained on: ``seen_samples`` noisy image encodings per
        seen class (a seeded random choice of its training images, tiled if too few) and
        ``unseen_samples`` noisy attribute encodings per unseen class."""
        cfg = self.config
        m = self.modules_
        m.eval()
        xs, ys = [], []
        if cfg.seen_samples > 0:
            for c in problem.seen.tolist():
                members = torch.nonzero(problem.y == c).flatten()
                members = members[torch.randperm(members.numel(), device=members.device)]
                idx = _repeat_to(members, cfg.seen_samples)
                xs.append(self._sample(*m["image_encoder"](problem.X[idx])))
                ys.append(torch.full((cfg.seen_samples,), c, dtype=torch.long, device=problem.device))
        if cfg.unseen_samples > 0 and problem.unseen.numel():
            z, labels = self._synthesize(problem.unseen, cfg.unseen_samples)
            xs.append(z)
            ys.append(labels)
        return torch.cat(xs), torch.cat(ys)

    def finish(self, problem: Problem, progress: bool = False) -> None:
        """Train the linear softmax over all classes on sampled latents (the last epoch is kept)."""
        cfg = self.config
        Z, labels = self.classifier_training_set(problem)
        train_softmax(Z, labels, problem.n_classes, epochs=cfg.classifier_epochs, lr=cfg.classifier_lr,
                      beta1=cfg.classifier_beta1, batch_size=cfg.classifier_batch_size,
                      classifier=self.modules_["classifier"])

    # -- using the model -----------------------------------------------------------------------------
    def score_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """log p(c | μ_x(x)) over all classes."""
        mu, _ = self.modules_["image_encoder"](x)
        return torch.log_softmax(self.modules_["classifier"](mu), dim=1)

    @torch.no_grad()
    def embed(self, X, batch_size: int = 4096) -> np.ndarray:
        """Image features → the image encoder's mean μ_x (N, latent_size)."""
        self._check_fitted()
        X = self.scaler_.transform(self._check_features(X))
        self.modules_.eval()
        out = [self.modules_["image_encoder"](torch.as_tensor(X[i:i + batch_size], device=self.device_))[0].cpu()
               for i in range(0, X.shape[0], batch_size)]
        return (torch.cat(out) if out else torch.zeros(0, self.config.latent_size)).numpy()

    @torch.no_grad()
    def embed_classes(self, class_indices=None) -> np.ndarray:
        """Class embeddings → the attribute encoder's mean μ_a (len(class_indices), latent_size);
        all classes when ``class_indices`` is None."""
        self._check_fitted()
        idx = self._class_index(class_indices)
        self.modules_.eval()
        return self.modules_["attribute_encoder"](self.class_embeddings_[idx])[0].cpu().numpy()

    def _class_index(self, classes) -> torch.Tensor:
        if classes is None:
            return torch.arange(self.n_classes_, device=self.device_)
        idx = np.asarray(classes).reshape(-1)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= self.n_classes_):
            raise ValueError(f"class indices must be integers in 0..{self.n_classes_ - 1}, got {idx.tolist()[:10]}.")
        return torch.as_tensor(idx.astype(np.int64), device=self.device_)

    def _synthesize(self, classes: torch.Tensor, n: int) -> tuple:
        labels = classes.repeat_interleave(n)
        mu, logvar = self.modules_["attribute_encoder"](self.class_embeddings_[labels])
        return self._sample(mu, logvar), labels

    @torch.no_grad()
    def synthesize(self, classes, n: int, seed: int | None = None) -> tuple:
        """``n`` latents per class sampled from the attribute encoder q(z | a_c), as the final
        classifier sees them for unseen classes. Returns (samples (len(classes)·n, latent_size),
        labels). ``seed`` makes the draw reproducible without touching torch's global RNG."""
        self._check_fitted()
        idx = self._class_index(classes)
        self.modules_.eval()
        if seed is None:
            z, labels = self._synthesize(idx, int(n))
        else:
            devices = [self.device_.index or 0] if self.device_.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(int(seed))
                z, labels = self._synthesize(idx, int(n))
        return z.cpu().numpy(), labels.cpu().numpy()


# -- model selection ---------------------------------------------------------------------------------
def validation_curve(data, classifier_epochs=(5, 10, 20, 30, 40), seed: int = 0, device="cpu",
                     preset: str | None = None, **hyperparameters) -> dict:
    """Validation H (and S, U) of CADA-VAE for several classifier-epoch counts.

    Fits the VAEs once on ``data.validation_view()`` (never a test image), then trains a fresh
    final classifier for every count in ``classifier_epochs`` on the same sampled latents and
    evaluates each on the validation classes. Returns ``{epochs: Evaluation.as_dict()}`` plus
    ``"history"``. Used to choose the presets' ``classifier_epochs``.
    """
    from ..evaluate import evaluate

    val = data.validation_view()
    model = CADAVAE(preset=preset, **{**hyperparameters, "classifier_epochs": 0})
    history = model.fit(val, seed=seed, device=device, progress=False)
    problem = model._problem(val, device)
    Z, labels = model.classifier_training_set(problem)
    out = {"history": history}
    for n in classifier_epochs:
        _init_linear(model.modules_["classifier"])
        train_softmax(Z, labels, val.n_classes, epochs=n, lr=model.config.classifier_lr,
                      beta1=model.config.classifier_beta1, batch_size=model.config.classifier_batch_size,
                      classifier=model.modules_["classifier"])
        out[n] = evaluate(model, val).as_dict()
    return out
