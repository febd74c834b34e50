"""SP-AEN — "Zero-Shot Visual Recognition using Semantics-Preserving Adversarial Embedding Networks".

Chen, Zhang, Xiao, Liu & Chang, CVPR 2018. Official code: zjuchenlong/sp-aen.cvpr18 (TensorFlow).

Idea
----
An embedding method (Eq. 1): an embedder E maps an image x into the class-embedding space and
the predicted class is the one whose (L2-normalised) embedding a_l has the largest dot product,

    l* = argmax_l a_lᵀ E(x)          over ALL classes (seen and unseen) for GZSL.

E alone, trained with a ranking loss, keeps only what separates the *seen* classes ("semantic
loss"): attributes that do not vary among the seen classes are discarded, yet an unseen class
may need them. SP-AEN adds a second, independent embedder F into the same space, trained to
*reconstruct* the input through a decoder G (so F(x) keeps everything), and a critic D that
makes E(x) indistinguishable from F(x): the adversarial game pulls the discriminative embedding
onto the manifold of the reconstructive one, transferring the semantics E would have lost.

    E : x ─ L2-normalise ─ dropout ─ 1024 LeakyReLU ─ dropout ─ A (─ LeakyReLU)   (classifies)
    F : x ─ 1024 LeakyReLU ─ A ─ standardise                                     (reconstructs)
    G : A ─ 1024 LeakyReLU ─ d                                                   (decoder)
    D : A ─ A LeakyReLU ─ 1                                                      (critic)

Losses (each one a term of the training history):

- ``cls``  Eq. 2, margin ranking, one wrong label l′ per image:
  max{0, γ − a_lᵀE(x) + a_{l′}ᵀE(x)} over the seen classes (`losses.margin_ranking`).
- ``rec``  Eq. 3 on features: ‖G(F(x)) − x‖²₂ summed over the d dimensions, mean over the batch.
- ``adv``  Eq. 4 in its Wasserstein form: E_x[D(F(x))] − E_{x′}[D(E(x′))] with F(x) "real" and
  E(x′) "fake" (x′ another image of the batch), which D maximises and E minimises. It is also
  the critic's estimate of the distance between the two embeddings, so it is worth watching
  even when β = 0.
- ``critic``, ``gp``  the critic's own loss E[D(fake)] − E[D(real)] and its WGAN-GP penalty
  (Gulrajani et al. 2017, weight λ_GP), averaged over the ``critic_steps`` critic updates.
- ``total`` Eq. 5: L = L_cls + α·L_rec + β·L_adv, minimised over E, F, G (Eq. 6), with the
  epoch's β (see the schedule).

Training schedule (two stages, as the official code)
----------------------------------------------------
1. Epochs ``0 .. warmup_epochs − 1``: **reconstruction warm-up**. Only F and G are updated, on
   α·L_rec; E and D are not touched and their terms are reported as 0. F(x) must carry the
   image's content before it can serve as the "real" distribution.
2. From epoch ``warmup_epochs`` on, each batch makes ``critic_steps`` (5) updates of D on
   E[D(E(x′))] − E[D(F(x))] + λ_GP·GP, then one update of E, F and G on Eq. 5. β rises linearly
   from 0 over ``beta_warmup_epochs`` (`zslkit.warmup`; 0 = at once, as the code). F and G keep
   minimising α·L_rec; whether F also plays the adversarial game (Eq. 6 read literally: F(x) is
   pulled towards E) is ``adversarial_f`` (off by default: the code freezes F, G in stage 2).
3. From ``lr_decay_epoch`` on, every learning rate is ×0.1 (the code: after half its steps).

Scores are a_cᵀE(x) for every class with the class embeddings L2-normalised, in eval mode
(no dropout). ``embed(X)`` returns E(x) (``branch="F"`` gives F(x), to compare the two
subspaces); ``reconstruct(X)`` gives G(F(x)).

Two things make the adversarial game work on features (found on the validation split)
--------------------------------------------------------------------------------------
- **F's output is standardised** (per dimension: mean 0, variance 1/A, i.e. ‖F(x)‖ ≈ 1 like the
  unit class embeddings; the code instead regularises ‖F(x)‖ → 1). A plain autoencoder code has
  an arbitrary offset and scale (G absorbs both), and on our data F(x) was a near-constant
  vector (‖mean‖ ≈ ‖F(x)‖): matching it made E collapse to a point. Without standardisation,
  β = 0.05 gave validation H 0.104 ± 0.095 on awa2-synthetic, with it 0.159 ± 0.006 (seeds 1, 2).
- **The critic compares batch-centred embeddings** (``centre_critic``): where a distribution sits
  is not semantics (F's mean is arbitrary), but with dot-product scores a shift t of E(x) adds
  a_cᵀt to every class score. With an uncentred critic, β = 0.5 … 5 made E oscillate as a
  whole along the critic's gradient (Adam follows that coherent direction whatever β's size)
  and classify every image alike (validation H ≈ 0); centred, β = 5 trains stably.

Presets
-------
Dataset presets are data: ``zslkit/presets.toml`` (method × dataset → hyperparameters, one line
of provenance each); every setting tried when choosing them is in ``results/selection/README.md``.
On the bundled data the validation folds have preferred β = 0 (the paper's "Cls. only" ablation)
or a small β, and so did the folds of 2048-d ``cub-synthetic`` that chose the CUB preset (H 0.450;
β = 5: 0.097); the folds of 2048-d ``awa2-synthetic`` preferred the paper's β = 5 (the AWA1/AWA2/APY
presets); on 2048-d ``sun-synthetic`` β = 0 won on the official validation fold (H 0.453; β = 5:
0.087) and held on 3 folds (0.464; β = 5: 0.125), the SUN preset.
The full objective is ``beta=5``.

Deviations from the paper
-------------------------
- **Features, not pixels.** The paper reconstructs the raw 256×256 RGB image (Eq. 3: an AlexNet
  conv5 perceptual loss plus λ_p·pixel loss, F built on AlexNet, G on Dosovitskiy & Brox's
  up-convolutional generator, ResNet-101 in E). zslkit works on precomputed features, so the
  reconstruction target becomes the (min-max scaled) feature vector itself, L_rec = ‖G(F(x)) − x‖²,
  and the perceptual term, image generator and comparator disappear. By the paper's own argument
  (a CNN feature "is already a semantic space") this removes the extra semantics F was meant to
  carry; hence the validation result above.
- **One feature per image**: no 10-crop augmentation, no fine-tuning of the backbone.
- **WGAN-GP instead of Eq. 4's log loss.** The paper says it "followed the strategy of WGAN";
  the official code uses a WGAN-GP critic (λ_GP = 10, 5 critic steps), which zslkit follows
  with a plain linear critic output. The code passes the critic's output through a sigmoid
  before the Wasserstein estimate and E's adversarial term (its penalty uses the raw output);
  zslkit does not (a bounded critic is not a WGAN critic).
- **Order and data of the critic steps.** The code makes one E step and then 5 critic steps on
  new batches; zslkit makes the critic steps first, on the step's batch (below).
- **F and G keep learning α·L_rec in stage 2** (the code freezes them after stage 1).
- **Initialisation and slope.** The code uses MSRA (He) initialisation and LeakyReLU slope 0.3;
  zslkit keeps PyTorch's default initialisation and slope 0.2 (``leak``).
- **Standardised F and centred critic** (above): not in the paper or the code.
- **Which negative l′.** The paper draws one wrong label uniformly at random (``negatives=
  "random"``, the default); the official code draws one among the labels that *violate* the
  margin (``"violating"``); ``"all"`` sums over every wrong label (Eq. 2's sum written out).
- **α = 10, β = 5 are the paper's** (Table 2; Fig. 7 uses β = 50), not the official code's flag
  scales (ranking ×1000, pixel 0.03, comparator 3, adversarial 50), whose mapping to α, β is not
  documented. Their effective size depends on how each term is reduced (here: L_cls and L_adv
  are batch means, L_rec a sum over dimensions and a mean over the batch). The margin γ = 0.2
  is the code's (the paper gives none).
- **E ends with a LeakyReLU** (``e_output_activation``, the code's E; the paper's Fig. 3 does
  not show it). Validation H with it: digits 0.637 ± 0.018 vs 0.559 ± 0.059 without.
- **Schedule.** The code runs 200k steps per stage with lr ×0.1 after 100k, a ‖F(x)‖ → 1
  regulariser, weight decay 5e-6 and gradient clipping at 10; zslkit counts epochs, decays the
  learning rate at ``lr_decay_epoch`` and has none of the other three. The bundled presets use
  lr 1e-3 (paper 1e-4) and 256 hidden units (paper 1024) to fit a CPU budget of ~1000 steps.
- The 5 critic updates of one step reuse that step's batch (F(x) and E(x′) computed once, with
  x′ a random permutation of the batch); WGAN-GP implementations usually draw a new batch for
  each critic update. Since D is unconditional, E's adversarial term uses E(x) of the batch
  itself (the same set as E(x′)).
- SP-AEN is discriminative and biased towards seen classes; calibrated stacking (the paper's
  Fig. 7) is a view (`evaluate(..., calibration=γ)`, AUSUC), never part of the model.
- The paper's "AWA" is AWA2 (its splits are AWA2's); its α, β are one pair for all datasets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from ..train import warmup
from .base import NeuralMethod, register


@dataclass
class SPAENConfig:
    """SP-AEN hyperparameters; defaults are the paper's (α, β, lr) and the official code's.

    gamma : ranking margin γ of Eq. 2 (code: 0.2).
    alpha, beta : weights of L_rec and L_adv in Eq. 5 (paper Table 2: 10 and 5).
    lambda_gp : WGAN-GP penalty weight (code: 10).
    critic_steps : critic updates per generator update (code: 5).
    negatives : which wrong label l′ enters Eq. 2: "random" (paper), "violating" (code), "all".
    hidden : width of the hidden layer of E, F and G (paper/code: 1024).
    dropout : dropout probability in E (code: keep 0.5).
    leak : negative slope of the LeakyReLUs (TensorFlow's default 0.2; the official code 0.3).
    e_output_activation : a LeakyReLU after E's last layer (the code's E).
    lr, beta1 : Adam for every network (paper: 1e-4; code: betas (0.5, 0.999)).
    lr_critic : Adam learning rate of D (None: ``lr``).
    lr_decay_epoch : from this epoch on every learning rate is ×0.1 (code: after half of the
        steps; paper: "when the error plateaus"); None keeps it constant.
    warmup_epochs : reconstruction-only epochs (F, G) before E and D start (stage 1 of the code).
    beta_warmup_epochs : β rises linearly from 0 over this many epochs once E and D have
        started (0: full β at once, as the code).
    adversarial_f : F also minimises β·L_adv (Eq. 6 read literally); False keeps F(x) a fixed
        target for E within each step, F learning only from L_rec.
    standardise_f : standardise F's output per dimension to mean 0, variance 1/A.
    centre_critic : the critic sees batch-centred F(x) and E(x).
    epochs, batch_size : total epochs (warm-up included) and batch size (code: 128).
    """

    gamma: float = 0.2
    alpha: float = 10.0
    beta: float = 5.0
    lambda_gp: float = 10.0
    critic_steps: int = 5
    negatives: str = "random"
    hidden: int = 1024
    dropout: float = 0.5
    leak: float = 0.2
    e_output_activation: bool = True
    lr: float = 1e-4
    beta1: float = 0.5
    lr_critic: float | None = None
    lr_decay_epoch: int | None = None
    warmup_epochs: int = 10
    beta_warmup_epochs: int = 0
    adversarial_f: bool = False
    standardise_f: bool = True
    centre_critic: bool = True
    epochs: int = 60
    batch_size: int = 128


# -- modules -----------------------------------------------------------------------------------

class Embedder(nn.Module):
    """E: x ─ L2-normalise ─ dropout ─ hidden LeakyReLU ─ dropout ─ A (the classifying embedder)."""

    def __init__(self, feature_dim: int, embedding_dim: int, hidden: int, dropout: float, leak: float,
                 output_activation: bool = False):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, hidden), nn.LeakyReLU(leak),
                                 nn.Dropout(dropout), nn.Linear(hidden, embedding_dim))
        if output_activation:
            self.net.append(nn.LeakyReLU(leak))

    def forward(self, x):
        return self.net(F.normalize(x, dim=1))


class Standardise(nn.Module):
    """Per-dimension standardisation to mean 0 and variance 1/A (a BatchNorm without affine
    parameters, running statistics at evaluation), so that ‖F(x)‖ ≈ 1 like the unit class
    embeddings and the "real" distribution has no constant offset for E to copy."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.BatchNorm1d(dim, affine=False)
        self.scale = dim ** -0.5

    def forward(self, z):
        return self.norm(z) * self.scale


def mlp(sizes, leak: float) -> nn.Sequential:
    """Linear layers of the given sizes with LeakyReLU between them (none after the last)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(leak))
    return nn.Sequential(*layers)


# -- the method --------------------------------------------------------------------------------

@register("sp-aen")
class SPAEN(NeuralMethod):
    """Semantics-Preserving Adversarial Embedding Network (see the module docstring)."""

    Config = SPAENConfig
    feature_scaling = "minmax"

    # ---------------------------------------------------------------------------------------
    def setup(self, problem):
        """E, F, G, D and one Adam per player: E, (F, G) and D."""
        c = self.config
        if c.negatives not in ("random", "violating", "all"):
            raise ValueError(f"sp-aen: negatives must be 'random', 'violating' or 'all', got {c.negatives!r}.")
        d, A = problem.feature_dim, problem.embedding_dim
        self.modules_["E"] = Embedder(d, A, c.hidden, c.dropout, c.leak, c.e_output_activation)
        self.modules_["F"] = mlp([d, c.hidden, A], c.leak)
        if c.standardise_f:
            self.modules_["F"].append(Standardise(A))
        self.modules_["G"] = mlp([A, c.hidden, d], c.leak)
        self.modules_["D"] = mlp([A, A, 1], c.leak)
        adam = dict(lr=c.lr, betas=(c.beta1, 0.999))
        self.optimizers_["E"] = self.adam(self.modules_["E"].parameters(), **adam)
        self.optimizers_["FG"] = self.adam(list(self.modules_["F"].parameters())
                                           + list(self.modules_["G"].parameters()), **adam)
        self.optimizers_["D"] = self.adam(self.modules_["D"].parameters(), **{**adam, "lr": c.lr_critic or c.lr})
        # Eq. 2 ranks the seen classes only: their normalised embeddings, and label -> column.
        a = F.normalize(problem.class_embeddings.float(), dim=1)
        self._a_seen = a[problem.seen].to(problem.device)
        column = torch.full((problem.n_classes,), -1, dtype=torch.long)
        column[problem.seen.cpu()] = torch.arange(problem.seen.numel())
        self._column = column.to(problem.device)

    # ---------------------------------------------------------------------------------------
    def schedule(self, epoch: int) -> dict:
        """The epoch's β (linear warm-up after stage 1) and learning-rate factor."""
        c = self.config
        beta = warmup(epoch, c.beta, start=c.warmup_epochs, end=c.warmup_epochs + c.beta_warmup_epochs)
        decay = 0.1 if c.lr_decay_epoch is not None and epoch >= c.lr_decay_epoch else 1.0
        return {"beta": beta, "lr_factor": decay}

    def train_step(self, x, y, epoch):
        c = self.config
        E, Fm, G, D = (self.modules_[k] for k in ("E", "F", "G", "D"))
        zero = x.new_zeros(())
        sched = self.schedule(epoch)
        for key, opt in self.optimizers_.items():
            base = (c.lr_critic or c.lr) if key == "D" else c.lr
            for group in opt.param_groups:
                group["lr"] = base * sched["lr_factor"]

        # Stage 1: reconstruction warm-up of F and G only.
        if epoch < c.warmup_epochs:
            rec = (G(Fm(x)) - x).pow(2).sum(1).mean()
            self.optimizers_["FG"].zero_grad(set_to_none=True)
            (c.alpha * rec).backward()
            self.optimizers_["FG"].step()
            return {"cls": zero, "rec": rec.detach(), "adv": zero, "critic": zero, "gp": zero,
                    "total": (c.alpha * rec).detach()}

        # Both embeddings of the batch, once; x′ = another image of the batch (a permutation).
        f, e = Fm(x), E(x)
        x_prime = torch.randperm(x.shape[0], device=x.device)

        # What the critic compares: the two batches, centred when ``centre_critic`` (then D sees
        # the shape of the distributions, not where they sit).
        f_in, e_in = (f - f.mean(0), e - e.mean(0)) if c.centre_critic else (f, e)

        # Stage 2a: the critic D, critic_steps updates on real = F(x), fake = E(x′) (held fixed).
        real, fake = f_in.detach(), e_in.detach()[x_prime]
        critic_sum, gp_sum = zero, zero
        for _ in range(c.critic_steps):
            critic = losses.wgan_critic_loss(D(real), D(fake))
            gp = losses.gradient_penalty(D, real, fake)
            self.optimizers_["D"].zero_grad(set_to_none=True)
            (critic + c.lambda_gp * gp).backward()
            self.optimizers_["D"].step()
            critic_sum, gp_sum = critic_sum + critic.detach(), gp_sum + gp.detach()

        # Stage 2b: E, F, G on Eq. 5, L = L_cls + α·L_rec + β·L_adv, against the updated D.
        # (D is unconditional, so the batch mean of D(E(x′)) is that of D(E(x)).)
        cls = losses.margin_ranking(e @ self._a_seen.T, self._column[y], margin=c.gamma, negatives=c.negatives)
        rec = (G(f) - x).pow(2).sum(1).mean()
        D.requires_grad_(False)  # D is the opponent here: L_adv moves E (and F), not D
        adv = D(f_in if c.adversarial_f else f_in.detach()).mean() - D(e_in).mean()
        total = cls + c.alpha * rec + sched["beta"] * adv
        for k in ("E", "FG"):
            self.optimizers_[k].zero_grad(set_to_none=True)
        total.backward()
        D.requires_grad_(True)
        self.optimizers_["E"].step()
        self.optimizers_["FG"].step()
        return {"cls": cls.detach(), "rec": rec.detach(), "adv": adv.detach(),
                "critic": critic_sum / max(c.critic_steps, 1), "gp": gp_sum / max(c.critic_steps, 1), "total": total.detach()}

    # ---------------------------------------------------------------------------------------
    def score_tensor(self, x):
        """Eq. 1: a_cᵀE(x) for every class c, class embeddings L2-normalised."""
        return self.modules_["E"](x) @ F.normalize(self.class_embeddings_.float(), dim=1).T

    @torch.no_grad()
    def embed(self, X, branch: str = "E") -> np.ndarray:
        """The images in the semantic space: E(x) (``branch="E"``, what is classified) or the
        reconstructive embedding F(x) (``branch="F"``). Raw features in, (N, A) out."""
        self._check_fitted()
        if branch not in ("E", "F"):
            raise ValueError(f"branch must be 'E' or 'F', got {branch!r}.")
        X = torch.as_tensor(self.scaler_.transform(self._check_features(X)), device=self.device_)
        self.modules_.eval()
        return self.modules_[branch](X).float().cpu().numpy()

    @torch.no_grad()
    def reconstruct(self, X) -> np.ndarray:
        """G(F(x)) for raw features X, in the preprocessed (min-max scaled) feature space."""
        self._check_fitted()
        X = torch.as_tensor(self.scaler_.transform(self._check_features(X)), device=self.device_)
        self.modules_.eval()
        return self.modules_["G"](self.modules_["F"](X)).float().cpu().numpy()
