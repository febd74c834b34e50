"""Two-level adversarial visual-semantic coupling — "Two-Level Adversarial Visual-Semantic
Coupling for Generalized Zero-shot Learning".

Chandhok & Balasubramanian, WACV 2021. No official code is public: everything beyond the
paper's equations is zslkit's reading, listed under "Deviations from the paper".

Idea
----
Model the joint distribution of an image feature x and its class embedding h both ways:

* **Generative module** (§3.1, f-CLSWGAN): a generator x̂ = G(z, h), z ~ N(0, I), trained as a
  conditional WGAN-GP against a critic D₁(x, h) (Eq. 7) plus the classification loss of a
  softmax pre-trained on real seen features and then frozen (Eq. 8):

      L_gen = min_G max_D₁ L_WGAN₁ + β·L_CLS                                       (Eq. 9)

* **Inference module** (§3.2): an inference network ĥ = I(x) (x → hidden f → ĥ, L2-normalised
  like the class embeddings), trained as a WGAN-GP against a critic D₂(h, x) that separates the
  true h of an image from the inferred ĥ (Eq. 10, penalty on the gradient in h), plus a
  Wasserstein (Sinkhorn) alignment between the class centres of ĥ and the true h:

      L_inf = min_I max_D₂ L_WGAN₂ + γ·L_wasserstein                               (Eq. 11)

* **Adversarial joint maximisation** (§3.3, ALI-style): a joint critic D₃ separates the pair
  ⟨x, I(x)⟩ (real image, inferred semantics) from ⟨G(z, h), h⟩ (generated image, real
  semantics); its penalty is taken jointly over (x̃, h̃) interpolated with one shared ε (Eq. 12).
  G and I are trained against it, which couples the two modules.

      L_total = L_gen + α₁·L_inf + α₂·L_joint-max                                   (Eq. 14)

* **Recognition module** (§3.4, Eq. 15): one linear softmax over ALL classes on the
  concatenation ⟨x, ĥ, f⟩ — the feature, the inferred semantics and I's hidden layer — trained
  on the real seen features and ``syn_num`` generated features per unseen class, every one of
  them passed through I.

One training step (``train_step``): ``critic_steps`` (5) updates of D₁ and
``coupling_critic_steps`` (default: as many) of D₂ and D₃ on the batch with fresh noise, then
one update of G and I together on

    −E[D₁(x̂, h)] + β·L_CLS + α₁·(−E[D₂(ĥ, x)] + γ·L_wasserstein) + α₂·W₃,
    W₃ = E[D₃(x, ĥ)] − E[D₃(x̂, h)],

so G and I *minimise* the quantity D₃ maximises (see Deviations). Every term is reported in the
history: ``wgan1``/``wgan2``/``wgan3`` (the critics' Wasserstein estimates, mean over the critic
steps), ``gp1``/``gp2``/``gp3`` (their gradient penalties), ``g_adv``, ``cls``, ``i_adv``,
``wasserstein``, ``joint`` (= W₃ as G and I see it) and ``total``.

``synthesize(classes, n)`` returns generated features in the user's raw feature space (the
MinMax scaling undone) so t-SNE can show them beside real ones; ``embed(X)`` returns ĥ = I(x).

Architecture (zslkit's reading of "as in f-VAEGAN-D2 for all components")
---------------------------------------------------------------------------
G: [z (dim A) ⊕ h] → H LeakyReLU(0.2) → d, sigmoid (MinMax features).
D₁: [x ⊕ h] → H LeakyReLU(0.2) → 1.   D₂: [h ⊕ x] → H → 1.   D₃: [x ⊕ h] → H → 1.
I: x → H_I LeakyReLU(0.2) (= f) → A, L2-normalised (= ĥ).
Linear weights N(0, 0.02), biases 0 (f-CLSWGAN). H = H_I = 4096 for 2048-d ResNet features.

Presets
-------
Dataset presets are data: ``zslkit/presets.toml`` (method × dataset → hyperparameters, one line
of provenance each); every setting tried when choosing them is in ``results/selection/README.md``.
The FLO preset carries the paper's α₂ (Fig. 2b) and f-CLSWGAN's per-dataset β, learning rate,
epochs and syn_num (not validated); AWA1/AWA2/APY and CUB take the 256-wide networks chosen on
folds of 2048-d ``awa2-synthetic`` and ``cub-synthetic`` (the paper's 4096-wide ones do not fit a
CPU's budget), and SUN takes CUB's, checked on folds of 2048-d ``sun-synthetic``.
α₁ and γ are unreadable in the paper's figures ("higher values are best"), so zslkit's defaults
for them come from validation on the bundled data.

Deviations from the paper
-------------------------
- No official code and no supplementary material: layer sizes, the construction of the Sinkhorn
  term, the update order (``critic_steps`` = 5 steps of D₁ as in f-CLSWGAN, ``coupling_critic_steps``
  of D₂ and D₃ — 5 by default, 1 in presets where the validation folds prefer it — then one
  joint G+I step) and the values of
  α₁, γ, β, λ are zslkit's (β, λ, lr, epochs and syn_num follow f-CLSWGAN's reference settings).
- Sign of the joint term: Eq. 14 literally adds L_joint-max = −W₃ to a loss that G and I
  *minimise*, which would make G and I help D₃. zslkit follows ALI (the paper's [7]): G and I
  minimise W₃, opposing D₃ (the only reading consistent with "adversarial" and with Eq. 12).
- L_wasserstein: the exact form is in the unavailable supplementary. zslkit uses, per batch,
  the mean ĥ of each class present in the batch against those classes' h, uniform weights,
  squared-Euclidean cost divided by its maximum, entropic OT with ``sinkhorn_reg`` (0.1)
  (`zslkit.losses.sinkhorn_distance`). The class means are a fixed-shape one-hot product over
  all seen classes with a mask of the classes present, so the step reads nothing back to the
  host.
- The Sinkhorn solver runs exactly ``sinkhorn_iter`` (20) log-domain iterations on the device,
  POT's ``sinkhorn_log`` iteration without its convergence test (POT stops early once the
  marginal error falls below 1e-9, checked on the host every 10 iterations; with ``reg`` 0.1
  on a cost scaled to [0, 1] it never did within 20 in zslkit's runs on digits and
  awa2-synthetic). Tested against ``ot.sinkhorn2``; a step's value and gradient agree with the
  former POT path to 5e-6 (float32 rounding).
- The critics' steps reuse the step's batch with fresh noise (f-CLSWGAN draws a new batch
  for each critic step); the epoch is one pass of generator steps over trainval.
- The generator's classification loss uses a softmax over the seen classes pre-trained for
  ``cls_epochs`` on the real trainval features (f-CLSWGAN's setting), frozen afterwards.
- The final softmax is trained for a fixed ``softmax_epochs`` (25) and the last epoch is used;
  f-CLSWGAN's code reports the best test epoch, and the number of GAN epochs on the real
  benchmarks is f-CLSWGAN's (zslkit does not select anything on a test split). Its batch is
  ``syn_num`` by default (f-CLSWGAN); on the small bundled datasets that leaves too few steps
  (validation H 0.49 vs 0.75 on digits), so their presets use batches of 64.
- α₁ = 10 and γ = 1 (the paper's values are unreadable; it reports that larger α₁ and γ help):
  validation on digits and awa2-synthetic preferred α₁ = 10 over 1, and γ = 1 over 10.
- The paper shows α₂ only for AWA1 (10) and CUB (1). The AWA1/AWA2/APY presets, chosen on folds
  of 2048-d ``awa2-synthetic``, keep the awa2-synthetic preset's α₂ = 1 (not the paper's 10);
  SUN takes CUB's preset, α₂ = 1.
- CUB's headline result (59.4 H) uses 1024-d sentence embeddings; on xlsa17's 312 attributes
  compare with the paper's "Ours-312" (55.6 H).
- Bundled/synthetic presets use smaller hidden layers (H, H_I) and larger learning rates than
  the paper so a run fits a CPU budget; each is validated (results/selection/README.md), and so
  are the AWA1/AWA2/APY and CUB presets, on 2048-d synthetic data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from ..classifier import train_softmax
from .base import NeuralMethod, Problem, register

__all__ = ["TwoLevelConfig", "TwoLevel"]


# -- config -------------------------------------------------------------------------------------
@dataclass
class TwoLevelConfig:
    """Hyperparameters; defaults are the paper's / f-CLSWGAN's AWA1 settings (see module docstring).

    Loss weights (Eqs. 7–14)
    alpha1 : α₁, weight of the inference-module loss L_inf.
    alpha2 : α₂, weight of the adversarial joint maximisation (paper Fig. 2b: 10 on AWA1, 1 on CUB).
    beta : β, weight of the generator's classification loss L_CLS (f-CLSWGAN: 0.01).
    gamma : γ, weight of the Sinkhorn semantic alignment inside L_inf.
    lambda_gp : λ, the gradient-penalty weight of all three critics (WGAN-GP: 10).

    Networks
    hidden_size : H, hidden units of G, D₁, D₂, D₃ (4096 for 2048-d features).
    inference_hidden : H_I, hidden units of I (= size of f).
    noise_dim : size of z (None = the class-embedding size A, as f-CLSWGAN).

    Training
    epochs, batch_size, lr, beta1 : the GAN schedule (Adam betas (beta1, 0.999)).
    critic_steps : updates of D₁ (f-CLSWGAN's critic) per generator/inference update.
    coupling_critic_steps : updates of D₂ and D₃ per generator/inference update; None = the
        same as ``critic_steps``. The paper gives no count; D₂ and D₃ updates are about 61 % of
        a step at 5, so 1 is measured against 5 on the validation folds (with time).
    sinkhorn_reg : entropic regularisation of the Sinkhorn term (cost scaled to [0, 1]).
    sinkhorn_iter : Sinkhorn iterations (with reg 0.1 the cost is within 1e-4 of its limit by 20).
    cls_epochs, cls_lr, cls_batch_size : the pre-trained L_CLS softmax (f-CLSWGAN: 50, 1e-3, 100).
    syn_num : generated features per unseen class for the recognition module.
    softmax_epochs, softmax_lr, softmax_batch_size : the recognition softmax
        (f-CLSWGAN: 25 epochs, lr 1e-3, batch = syn_num when None).
    recognition_inputs : which of ``"x"``, ``"h"`` (ĥ), ``"f"`` the recognition softmax sees;
        the paper's full model uses all three (ablation S3/S4), ``("x",)`` is S1/S2.
    """

    alpha1: float = 10.0
    alpha2: float = 10.0
    beta: float = 0.01
    gamma: float = 1.0
    lambda_gp: float = 10.0
    hidden_size: int = 4096
    inference_hidden: int = 4096
    noise_dim: int | None = None
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-5
    beta1: float = 0.5
    critic_steps: int = 5
    coupling_critic_steps: int | None = None
    sinkhorn_reg: float = 0.1
    sinkhorn_iter: int = 20
    cls_epochs: int = 50
    cls_lr: float = 1e-3
    cls_batch_size: int = 100
    syn_num: int = 1800
    softmax_epochs: int = 25
    softmax_lr: float = 1e-3
    softmax_batch_size: int | None = None
    recognition_inputs: tuple = ("x", "h", "f")


# -- modules -------------------------------------------------------------------------------------
def _init_weights(module: nn.Module) -> None:
    """f-CLSWGAN's initialisation: Linear weights N(0, 0.02), biases 0."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """G(z, h): [z ⊕ h] → hidden LeakyReLU(0.2) → d, sigmoid (features are MinMax-scaled)."""

    def __init__(self, noise_dim: int, embedding_dim: int, hidden: int, feature_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(noise_dim + embedding_dim, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, feature_dim), nn.Sigmoid())

    def forward(self, z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, h], dim=1))


class Inference(nn.Module):
    """I(x): x → hidden LeakyReLU(0.2) (= f) → A, L2-normalised (= ĥ). Returns (ĥ, f)."""

    def __init__(self, feature_dim: int, hidden: int, embedding_dim: int):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(feature_dim, hidden), nn.LeakyReLU(0.2))
        self.out = nn.Linear(hidden, embedding_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.hidden(x)
        return F.normalize(self.out(f), dim=1), f


class Critic(nn.Module):
    """A WGAN critic on concatenated inputs: [u ⊕ v ⊕ …] → hidden LeakyReLU(0.2) → 1 (no sigmoid)."""

    def __init__(self, input_dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, *parts: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat(parts, dim=1)).squeeze(1)


def class_centres(values: torch.Tensor, labels: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of ``values`` (n, k) per class, for labels (n,) in ``0..n_classes − 1``: (centres
    (n_classes, k), present (n_classes,) bool). Fixed shapes whatever classes the batch holds (a
    one-hot product, nothing read back to the host); a class absent from ``labels`` gets a zero
    row and ``present`` False."""
    onehot = (labels[:, None] == torch.arange(n_classes, device=labels.device)).to(values.dtype)  # (n, C)
    counts = onehot.sum(0)
    return onehot.T @ values / counts.clamp_min(1)[:, None], counts > 0


# -- the method ----------------------------------------------------------------------------------
@register("two-level")
class TwoLevel(NeuralMethod):
    """Two-level adversarial visual-semantic coupling (Chandhok & Balasubramanian, WACV 2021)."""

    Config = TwoLevelConfig
    feature_scaling = "minmax"

    # -- networks and optimisers -----------------------------------------------------------
    def setup(self, problem: Problem) -> None:
        cfg = self.config
        bad = sorted(set(cfg.recognition_inputs) - {"x", "h", "f"})
        if bad or not cfg.recognition_inputs:
            raise ValueError(f"two-level: recognition_inputs must be a non-empty subset of ('x', 'h', 'f'), "
                             f"got {cfg.recognition_inputs!r}.")
        d, A, dev = problem.feature_dim, problem.embedding_dim, problem.device
        H, HI = int(cfg.hidden_size), int(cfg.inference_hidden)
        self.noise_dim_ = int(cfg.noise_dim) if cfg.noise_dim else A
        m = self.modules_
        m["generator"] = Generator(self.noise_dim_, A, H, d)
        m["critic1"] = Critic(d + A, H)             # D₁(x, h)
        m["inference"] = Inference(d, HI, A)
        m["critic2"] = Critic(A + d, H)             # D₂(h, x)
        m["critic3"] = Critic(d + A, H)             # D₃(x, h), joint
        m.apply(_init_weights)
        n_seen = int(problem.seen.shape[0])
        m["pretrained_classifier"] = nn.Linear(d, n_seen)   # θ of L_CLS, over the seen classes
        sizes = {"x": d, "h": A, "f": HI}
        m["classifier"] = nn.Linear(sum(sizes[k] for k in cfg.recognition_inputs), problem.n_classes)
        m.to(dev)

        betas = (cfg.beta1, 0.999)
        self.optimizers_ = {name: self.adam(m[name].parameters(), lr=cfg.lr, betas=betas)
                            for name in ("generator", "inference", "critic1", "critic2", "critic3")}
        self.h_ = problem.class_embeddings
        # class index -> position among the seen classes (targets of the L_CLS softmax)
        self.seen_position_ = torch.full((problem.n_classes,), -1, dtype=torch.long, device=dev)
        self.seen_position_[problem.seen] = torch.arange(n_seen, device=dev)
        self.h_seen_ = problem.class_embeddings[problem.seen]

        if problem.X is not None:  # fitting (not rebuilding a saved model): pre-train θ, then freeze it
            train_softmax(problem.X, self.seen_position_[problem.y], n_seen, epochs=cfg.cls_epochs,
                          lr=cfg.cls_lr, beta1=cfg.beta1, batch_size=cfg.cls_batch_size,
                          classifier=m["pretrained_classifier"])
        m["pretrained_classifier"].requires_grad_(False)

    def noise(self, n: int, device) -> torch.Tensor:
        """z ~ N(0, I) of shape (n, noise_dim), from torch's global RNG."""
        return torch.randn(n, self.noise_dim_, device=device)

    # -- one step --------------------------------------------------------------------------
    def train_step(self, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict:
        cfg, m, opt = self.config, self.modules_, self.optimizers_
        G, I, D1, D2, D3 = m["generator"], m["inference"], m["critic1"], m["critic2"], m["critic3"]
        h = self.h_[y]
        n = x.shape[0]
        zero = x.new_zeros(())
        use_inf, use_joint = cfg.alpha1 != 0, cfg.alpha2 != 0
        terms = {k: zero for k in ("wgan1", "gp1", "wgan2", "gp2", "wgan3", "gp3")}

        # 1) the critics, each maximising its Wasserstein estimate minus λ·GP (Eqs. 7, 10, 12)
        with torch.no_grad():
            h_inf, _ = I(x)                      # I does not change during the critic steps
        coupling_steps = cfg.critic_steps if cfg.coupling_critic_steps is None else cfg.coupling_critic_steps
        for step in range(max(cfg.critic_steps, coupling_steps)):
            with torch.no_grad():
                x_fake = G(self.noise(n, x.device), h)
            if step < cfg.critic_steps:  # D₁: real ⟨x, h⟩ vs generated ⟨x̂, h⟩, penalty in x
                w1 = D1(x, h).mean() - D1(x_fake, h).mean()
                gp1 = losses.gradient_penalty(D1, x, x_fake, h)
                self._update("critic1", -w1 + cfg.lambda_gp * gp1)
                terms["wgan1"], terms["gp1"] = terms["wgan1"] + w1.detach(), terms["gp1"] + gp1.detach()
            if step >= coupling_steps:
                continue
            if use_inf:  # D₂: true ⟨h, x⟩ vs inferred ⟨ĥ, x⟩, penalty in h
                w2 = D2(h, x).mean() - D2(h_inf, x).mean()
                gp2 = losses.gradient_penalty(D2, h, h_inf, x)
                self._update("critic2", -w2 + cfg.lambda_gp * gp2)
                terms["wgan2"], terms["gp2"] = terms["wgan2"] + w2.detach(), terms["gp2"] + gp2.detach()
            if use_joint:  # D₃: ⟨x, I(x)⟩ vs ⟨G(z, h), h⟩, penalty jointly in (x̃, h̃), one ε
                w3 = D3(x, h_inf).mean() - D3(x_fake, h).mean()
                gp3 = losses.gradient_penalty(D3, (x, h_inf), (x_fake, h))
                self._update("critic3", -w3 + cfg.lambda_gp * gp3)
                terms["wgan3"], terms["gp3"] = terms["wgan3"] + w3.detach(), terms["gp3"] + gp3.detach()
        counts = {"1": max(cfg.critic_steps, 1), "2": max(coupling_steps, 1), "3": max(coupling_steps, 1)}
        terms = {name: v / counts[name[-1]] for name, v in terms.items()}

        # 2) G and I together on L_gen + α₁·L_inf + α₂·W₃ (Eq. 14, ALI sign for the joint term)
        for net in (D1, D2, D3):
            net.requires_grad_(False)
        x_fake = G(self.noise(n, x.device), h)
        h_inf, _ = I(x)
        g_adv = -D1(x_fake, h).mean()
        cls = F.cross_entropy(m["pretrained_classifier"](x_fake), self.seen_position_[y])
        l_gen = g_adv + cfg.beta * cls
        i_adv, wass, joint = zero, zero, zero
        if use_inf:
            i_adv = -D2(h_inf, x).mean()
            if cfg.gamma != 0:
                # centres of ĥ per seen class vs those classes' h, over the classes in the batch
                centres, present = class_centres(h_inf, self.seen_position_[y], self.h_seen_.shape[0])
                wass = losses.sinkhorn_distance(centres, self.h_seen_, reg=cfg.sinkhorn_reg,
                                                 num_iter=cfg.sinkhorn_iter, a_mask=present, b_mask=present)
        l_inf = i_adv + cfg.gamma * wass
        if use_joint:
            joint = D3(x, h_inf).mean() - D3(x_fake, h).mean()
        total = l_gen + cfg.alpha1 * l_inf + cfg.alpha2 * joint
        opt["generator"].zero_grad(set_to_none=True)
        opt["inference"].zero_grad(set_to_none=True)
        total.backward()
        opt["generator"].step()
        opt["inference"].step()
        for net in (D1, D2, D3):
            net.requires_grad_(True)
        terms.update(g_adv=g_adv.detach(), cls=cls.detach(), i_adv=i_adv.detach(), wasserstein=wass.detach(),
                     joint=joint.detach(), total=total.detach())
        return terms

    def _update(self, name: str, loss: torch.Tensor) -> None:
        opt = self.optimizers_[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    # -- recognition module (§3.4) -----------------------------------------------------------
    def recognition_features(self, x: torch.Tensor) -> torch.Tensor:
        """⟨x, ĥ, f⟩ (the parts named in ``recognition_inputs``) for preprocessed features x."""
        h_inf, f = self.modules_["inference"](x)
        parts = {"x": x, "h": h_inf, "f": f}
        return torch.cat([parts[k] for k in self.config.recognition_inputs], dim=1)

    @torch.no_grad()
    def _generate(self, classes: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` generated (MinMax-scaled) features per class: ((len(classes)·n, d), labels)."""
        emb = self.class_embeddings_
        labels = classes.to(emb.device).repeat_interleave(n)
        G = self.modules_["generator"]
        G.eval()
        out = [G(self.noise(idx.shape[0], emb.device), emb[idx]) for idx in labels.split(4096)]
        return (torch.cat(out) if out else emb.new_zeros(0, self.feature_dim_)), labels

    def finish(self, problem: Problem, progress: bool = False) -> None:
        """Train the recognition softmax over all classes on ⟨x, ĥ, f⟩ of the real seen features
        and ``syn_num`` generated features per unseen class (Eq. 15)."""
        cfg = self.config
        self.modules_.eval()
        x_syn, y_syn = self._generate(problem.unseen, cfg.syn_num)
        X = torch.cat([problem.X, x_syn])
        with torch.no_grad():
            feats = torch.cat([self.recognition_features(b) for b in X.split(4096)])
        labels = torch.cat([problem.y, y_syn])
        train_softmax(feats, labels, problem.n_classes, epochs=cfg.softmax_epochs, lr=cfg.softmax_lr,
                      beta1=cfg.beta1, batch_size=cfg.softmax_batch_size or cfg.syn_num,
                      classifier=self.modules_["classifier"])

    def score_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """log P(c | ⟨x, ĥ, f⟩) over all classes."""
        return F.log_softmax(self.modules_["classifier"](self.recognition_features(x)), dim=1)

    # -- views -----------------------------------------------------------------------------------
    @torch.no_grad()
    def embed(self, X) -> np.ndarray:
        """The inferred class embeddings ĥ = I(x) of raw features X: (N, A), unit rows."""
        self._check_fitted()
        x = torch.as_tensor(self.scaler_.transform(self._check_features(X)), device=self.device_)
        self.modules_.eval()
        out = [self.modules_["inference"](b)[0] for b in x.split(4096)]
        return torch.cat(out).cpu().numpy() if out else np.zeros((0, self.class_embeddings_.shape[1]), np.float32)

    @torch.no_grad()
    def synthesize(self, classes, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` generated features per class in ``classes``, in the RAW feature space (the MinMax
        scaling undone, so they can be plotted beside real features): (len(classes)·n, d), labels."""
        self._check_fitted()
        classes = np.asarray(classes, dtype=np.int64).reshape(-1)
        if classes.size and (classes.min() < 0 or classes.max() >= self.n_classes_):
            raise ValueError(f"classes must lie in 0..{self.n_classes_ - 1}, got {classes.tolist()}.")
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}.")
        x, labels = self._generate(torch.as_tensor(classes, device=self.device_), int(n))
        x = x.cpu().numpy()
        if self.scaler_.kind == "minmax":
            x = x * self.scaler_.scale + self.scaler_.low
        return x.astype(np.float32), labels.cpu().numpy()
