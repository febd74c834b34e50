"""MIANet — "Modality Independent Adversarial Network for Generalized Zero Shot Image Classification".

Zhang et al., Neural Networks 134 (2021) 11–22. No official implementation is public: the
architecture and the hyperparameters below are the paper's (§3, §4.2).

Idea
----
Embed both modalities into ONE latent space (the paper: z = 2·(s+u), twice the number of
classes) on the unit hypersphere, and classify an image by the class whose latent is nearest (cosine).

- **Shared representation embedding (SRE).** A visual embedder ``d → 2048 → z`` (ReLU) gives
  v = E_f(x); a semantic embedder ``A → z`` (one linear layer) gives s = E_s(a).
- **Feature–semantic orthogonality (Eq. 1).** Every training image is paired with its own
  class embedding (a positive pair, m = 1) and with the embedding of a random other seen class
  (a negative pair, m = 0); a cross-entropy pushes cos(v, s) to 1 for positives and to 0
  (orthogonal) for negatives:
  L_orf = −(1/n) Σ_i [m_i log(v_iᵀs_i) + (1 − m_i) log(1 − v_iᵀs_i)].
- **Semantic–semantic orthogonality (Eq. 2, weight α).** The semantic latents A_l of ALL
  classes, seen and unseen, should be orthonormal: L_ors = ‖A_lᵀA_l − I‖²_F (inner products,
  not cosines, so it also drives their norms to 1). The inductive protocol gives the unseen
  classes' embeddings (never their images) at training time, so using them is allowed.
- **Modality-adversarial representation learning (Eqs. 3–4, weight γ).** A discriminator
  ``z → 30 → 2`` (ReLU, softmax) guesses whether a latent came from an image or from a class
  embedding; the embedders try to fool it, so the latent keeps what the modalities share.
- **Cross reconstruction (Eq. 5, weight β).** The visual latent must rebuild the class
  embedding and the semantic latent the image feature, through the TRANSPOSED (tied) weights of
  the embedders: L_rec = ‖R_s(v_i) − a_i‖² + ‖R_f(s_i) − x_i‖² on the positive pairs.

Training alternates every batch (§3.3): (Eq. 6) one Adam step of the discriminator on L_dis
with the embedders fixed, then (Eq. 7) one Adam step of the embedders on
L_orf + α·L_ors + β·L_rec − γ·L_dis with the discriminator fixed. Scores are the cosines between
the image latent and every class latent.

Presets
-------
Dataset presets are data: ``zslkit/presets.toml`` (method × dataset → hyperparameters, one line
of provenance each); every setting tried when choosing them is in ``results/selection/README.md``.
The paper gives α, β, γ, the batch size, the learning rate and z = 2(s+u), but no number of
epochs. On the bundled data the validation folds prefer a latent smaller than the number of
classes (``latent_factor=0.5``), and so do the folds of 2048-d ``awa2-synthetic`` that chose the
AWA1/AWA2/APY presets (hidden 512 and z = 0.5(s+u): H 0.388; the paper's 2048 and 2(s+u): 0.229);
the same network at 25 epochs is the CUB preset (folds of 2048-d ``cub-synthetic``: H 0.382).

What to expect
--------------
MIANet ranks classes well (its ZSL accuracy, AUSUC and retrieval mAP are well above ESZSL's on
``digits`` and ``awa2-synthetic``) but its cosine scores are biased towards the seen classes:
seen images reach cosines of about 0.85 with their class, unseen images about 0.5 with theirs.
GZSL H therefore suffers (S near 100 %, U low); calibrated stacking,
``zslkit.evaluate(model, data, calibration=...)`` with the offset chosen on validation, shows
how much H is lost to that bias. The paper does not calibrate, and neither does this module.

Deviations from the paper
-------------------------
- The discriminator's input has size z (the latent size); the paper's "100 → 30 → 2" is
  AWA's latent size.
- v and s are L2-normalised before the cosine of L_orf, the discriminator and the
  cross-reconstruction, and the cosine is clamped to [ε, 1 − ε] before the log (the paper
  does not say how v_iᵀs_i stays in (0, 1)). L_ors uses the raw (un-normalised) class latents,
  as the paper says.
- The negative pair's class is a random other SEEN class by default (``negatives="seen"``);
  the paper's "a random different class" could include unseen classes (``negatives="all"``),
  which the awa2-synthetic validation split rejects (H 0.100 vs 0.214).
- L_dis runs over the 2n pairs of the batch (each image in its positive and its negative pair;
  the semantic side are the pairs' class latents), as Eq. 3 sums over the pairs.
- L_rec is computed on the positive pairs only (cross-reconstructing the embedding of a wrong
  class is meaningless), summed over dimensions and averaged over the batch.
- The tied decoders share the embedders' weight matrices (transposed); they have their own
  output biases (the paper does not mention biases), and R_f uses a ReLU between its two
  layers and a linear output (the paper does not state the reconstructors' activations).
- L_dis is the paper's Eq. 3 with Eq. 4's f, which for a softmax output is twice the usual
  two-way cross-entropy; `losses.modality_discriminator_loss` (the mean cross-entropy) is
  multiplied by 2 so that γ means what it means in the paper.
- Optimiser: Adam (lr 1e-4, betas (0.9, 0.999)) for both players; the paper gives the learning
  rate but not the optimiser. The default of 100 epochs comes from the awa2-synthetic validation
  split; it has not been validated on the real features (not available here).
- Presets for the bundled data (validation-chosen, see zslkit/presets.toml): hidden layer 512 (the
  features are 64-/128-/512-d, not 2048-d), z = 0.5·(s+u) instead of 2·(s+u), and batch 64 on
  the small datasets (with 300, an epoch of the digits validation problem is a single step).
  The AWA1/AWA2/APY and CUB presets, chosen on folds of 2048-d synthetic data, take the same
  smaller network with the paper's batch 300 (100 epochs on the AWA2-shaped data, 25 on the
  CUB-shaped); the SUN preset keeps the paper's 2048 and 2·(s+u), which beat the smaller network
  on folds of 2048-d SUN-shaped data (0.333 vs 0.325).
- The unseen classes' embeddings enter L_ors (as in the paper); the inductive protocol gives
  them at training time, never the unseen images.
- No FLO results are published (no preset).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from .base import NeuralMethod, Problem, register

__all__ = ["MIANet", "MIANetConfig"]


@dataclass
class MIANetConfig:
    """Hyperparameters (defaults = the paper's, §4.2; epochs chosen on validation).

    latent_factor : latent size z = round(latent_factor · number of classes); 2 is the paper's
        choice for the real benchmarks (Fig. 6).
    latent_dim : an explicit latent size (overrides ``latent_factor`` when given).
    hidden_dim : hidden layer of the visual embedder (2048 in the paper).
    discriminator_hidden : hidden layer of the modality discriminator (30).
    alpha : weight of the semantic–semantic orthogonality L_ors (1000; SUN 100).
    beta : weight of the cross reconstruction L_rec (0.01).
    gamma : weight of the adversarial term −L_dis in the embedders' objective (0.01).
    lr, lr_discriminator : Adam learning rates of the embedders and the discriminator (1e-4).
    eps : clamp of the cosine inside the logs of L_orf.
    negatives : class of each image's negative pair: ``"seen"`` (a random other seen class) or
        ``"all"`` (a random other class, seen or unseen: the paper's "a random different class"
        with A_all known).
    epochs, batch_size : training length (not in the paper; 100 from the awa2-synthetic validation
        split) and batch size (300).
    """

    latent_factor: float = 2.0
    latent_dim: int | None = None
    hidden_dim: int = 2048
    discriminator_hidden: int = 30
    alpha: float = 1000.0
    beta: float = 0.01
    gamma: float = 0.01
    lr: float = 1e-4
    lr_discriminator: float = 1e-4
    eps: float = 1e-6
    negatives: str = "seen"
    epochs: int = 100
    batch_size: int = 300


# -- modules ------------------------------------------------------------------------------------

class VisualEmbedder(nn.Module):
    """E_f: x (d) → 2048 → z with a ReLU in between (the SRE's visual branch, W_f)."""

    def __init__(self, feature_dim: int, hidden_dim: int, latent_dim: int):
        super().__init__()
        self.fc1 = nn.Linear(feature_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


class SemanticEmbedder(nn.Module):
    """E_s: a (A) → z, one linear layer (the SRE's semantic branch, W_s)."""

    def __init__(self, embedding_dim: int, latent_dim: int):
        super().__init__()
        self.fc = nn.Linear(embedding_dim, latent_dim)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.fc(a)


class TiedReconstructors(nn.Module):
    """The cross reconstructors R_s (latent → class embedding) and R_f (latent → feature).

    They have NO weight matrices of their own: R_s uses W_sᵀ and R_f uses W_f2ᵀ then W_f1ᵀ, the
    transposed weights of the embedders passed in (so every gradient of L_rec also trains the
    embedders). Only the output biases are their own parameters.
    """

    def __init__(self, visual: VisualEmbedder, semantic: SemanticEmbedder):
        super().__init__()
        # plain references, not submodules: the embedders are registered once, in modules_
        object.__setattr__(self, "_visual", visual)
        object.__setattr__(self, "_semantic", semantic)
        self.bias_semantic = nn.Parameter(torch.zeros(semantic.fc.in_features))
        self.bias_hidden = nn.Parameter(torch.zeros(visual.fc1.out_features))
        self.bias_feature = nn.Parameter(torch.zeros(visual.fc1.in_features))

    def to_semantic(self, v: torch.Tensor) -> torch.Tensor:
        """R_s(v) = v W_s + b: visual latent (n, z) → class embedding (n, A)."""
        return v @ self._semantic.fc.weight + self.bias_semantic

    def to_feature(self, s: torch.Tensor) -> torch.Tensor:
        """R_f(s) = ReLU(s W_f2 + b_h) W_f1 + b: semantic latent (n, z) → feature (n, d)."""
        h = torch.relu(s @ self._visual.fc2.weight + self.bias_hidden)
        return h @ self._visual.fc1.weight + self.bias_feature


class ModalityDiscriminator(nn.Module):
    """D: latent (z) → 30 → 2 logits (ReLU in the middle; softmax applied inside the loss)."""

    def __init__(self, latent_dim: int, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 2))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


# -- the method ---------------------------------------------------------------------------------

@register("mianet")
class MIANet(NeuralMethod):
    """Modality Independent Adversarial Network: see the module docstring."""

    Config = MIANetConfig
    feature_scaling = "minmax"

    # -- networks and optimisers ------------------------------------------------------------
    def setup(self, problem: Problem) -> None:
        cfg = self.config
        if cfg.negatives not in ("seen", "all"):
            raise ValueError(f"mianet: negatives must be 'seen' or 'all', got {cfg.negatives!r}.")
        if (cfg.latent_dim is not None and cfg.latent_dim < 1) or cfg.latent_factor <= 0:
            raise ValueError(f"mianet: the latent size must be positive (latent_dim={cfg.latent_dim}, "
                             f"latent_factor={cfg.latent_factor}).")
        C = problem.n_classes
        z = cfg.latent_dim or max(2, int(round(cfg.latent_factor * C)))
        visual = VisualEmbedder(problem.feature_dim, cfg.hidden_dim, z)
        semantic = SemanticEmbedder(problem.embedding_dim, z)
        self.modules_["visual"] = visual
        self.modules_["semantic"] = semantic
        self.modules_["reconstructors"] = TiedReconstructors(visual, semantic)
        self.modules_["discriminator"] = ModalityDiscriminator(z, cfg.discriminator_hidden)
        embedders = [*visual.parameters(), *semantic.parameters(), *self.modules_["reconstructors"].parameters()]
        self.optimizers_["embedders"] = self.adam(embedders, lr=cfg.lr)
        self.optimizers_["discriminator"] = self.adam(self.modules_["discriminator"].parameters(),
                                                      lr=cfg.lr_discriminator)
        # the class structure the step needs, on the device
        self._attributes = problem.class_embeddings.float()
        self._seen = problem.seen
        self._seen_position = torch.full((C,), -1, dtype=torch.long, device=problem.seen.device)
        self._seen_position[problem.seen] = torch.arange(problem.seen.numel(), device=problem.seen.device)

    def _negatives(self, y: torch.Tensor) -> torch.Tensor:
        """One random class other than y_i for every i, uniform over the other seen classes
        (``negatives="seen"``) or over all other classes (``"all"``)."""
        if self.config.negatives == "all":
            C = self._attributes.shape[0]
            return (y + torch.randint(1, C, y.shape, device=y.device)) % C
        if self.config.negatives != "seen":
            raise ValueError(f"negatives must be 'seen' or 'all', got {self.config.negatives!r}.")
        S = self._seen.numel()
        if S < 2:
            raise ValueError("MIANet's negative pairs need at least two seen classes.")
        shift = torch.randint(1, S, y.shape, device=y.device)
        return self._seen[(self._seen_position[y] + shift) % S]

    # -- one batch: Eq. 6 then Eq. 7 ----------------------------------------------------------
    def train_step(self, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict:
        cfg = self.config
        m = self.modules_
        visual, semantic, rec, disc = m["visual"], m["semantic"], m["reconstructors"], m["discriminator"]
        a_pos, a_neg = self._attributes[y], self._attributes[self._negatives(y)]

        # (Eq. 6) discriminator step, embedders fixed: tell image latents (0) from class latents (1),
        # over the 2n pairs (each image appears in its positive and its negative pair)
        with torch.no_grad():
            v_fixed = F.normalize(visual(x), dim=1)
            s_fixed = F.normalize(semantic(torch.cat([a_pos, a_neg])), dim=1)
        dis_d = 2 * losses.modality_discriminator_loss(disc(torch.cat([v_fixed, v_fixed])), disc(s_fixed))
        self.optimizers_["discriminator"].zero_grad(set_to_none=True)
        dis_d.backward()
        self.optimizers_["discriminator"].step()

        # (Eq. 7) embedders step, discriminator fixed
        v_raw = visual(x)
        s_pos_raw, s_neg_raw = semantic(a_pos), semantic(a_neg)
        # L_orf on balanced pairs: (v_i, s_i) with m = 1 and (v_i, s_neg) with m = 0
        match = torch.cat([torch.ones_like(y, dtype=x.dtype), torch.zeros_like(y, dtype=x.dtype)])
        orf = losses.feature_semantic_orthogonality(torch.cat([v_raw, v_raw]), torch.cat([s_pos_raw, s_neg_raw]),
                                                    match, eps=cfg.eps)
        # L_ors over the raw latents of ALL classes (seen and unseen)
        ors = losses.semantic_orthogonality(semantic(self._attributes))
        # L_rec: cross reconstruction of the positive pairs through the tied weights
        v, s = F.normalize(v_raw, dim=1), F.normalize(s_pos_raw, dim=1)
        rec_s = (rec.to_semantic(v) - a_pos).pow(2).sum(1).mean()
        rec_f = (rec.to_feature(s) - x).pow(2).sum(1).mean()
        rec_total = rec_s + rec_f
        # −γ L_dis: fool the (fixed) discriminator, over the same 2n pairs
        s_pairs = F.normalize(torch.cat([s_pos_raw, s_neg_raw]), dim=1)
        dis_g = 2 * losses.modality_discriminator_loss(disc(torch.cat([v, v])), disc(s_pairs))
        total = orf + cfg.alpha * ors + cfg.beta * rec_total - cfg.gamma * dis_g
        self.optimizers_["embedders"].zero_grad(set_to_none=True)
        total.backward()
        self.optimizers_["embedders"].step()
        disc.zero_grad(set_to_none=True)  # Eq. 7 does not move W_d

        return {"total": total.detach(), "orf": orf.detach(), "ors": ors.detach(),
                "rec_semantic": rec_s.detach(), "rec_feature": rec_f.detach(),
                "dis": dis_d.detach(), "dis_embedders": dis_g.detach()}

    # -- inference ---------------------------------------------------------------------------
    def _class_latents(self) -> torch.Tensor:
        a = self.class_embeddings_.to(self.device_).float()
        return F.normalize(self.modules_["semantic"](a), dim=1)

    def score_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """cos(E_f(x), E_s(a_c)) for every class c: (N, C)."""
        return F.normalize(self.modules_["visual"](x), dim=1) @ self._class_latents().T

    @torch.no_grad()
    def embed(self, X) -> np.ndarray:
        """The images' L2-normalised visual latents (N, z), the space the scores are cosines in."""
        self._check_fitted()
        X = torch.as_tensor(self.scaler_.transform(self._check_features(X)), device=self.device_)
        self.modules_.eval()
        return F.normalize(self.modules_["visual"](X), dim=1).cpu().numpy()

    @torch.no_grad()
    def embed_classes(self) -> np.ndarray:
        """The L2-normalised semantic latents (C, z) of ALL classes, row c = class c."""
        self._check_fitted()
        self.modules_.eval()
        return self._class_latents().cpu().numpy()
