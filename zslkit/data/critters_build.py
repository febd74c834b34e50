"""Build the `critters` bundle: train the feature CNN on seen-class renders, extract features.

    python -m zslkit.data.critters_build            # rewrites data/critters/critters.npz

The real benchmarks' features come from a ResNet-101 trained on ImageNet, i.e. on other photos
of (mostly) other classes. `critters` copies that: `FeatureCNN` is trained to tell the 40 SEEN
classes apart on their own renders (`pretraining_seeds`: a seed range disjoint from the
benchmark's images), never on an unseen class and never on a benchmark image. Its penultimate
layer (128 ReLU units after global average pooling, like ResNet's pool5) is then the feature of
every benchmark image, seen and unseen. Unseen classes land in a space shaped to separate seen
classes: that is where the seen-class bias of GZSL comes from, here as on the real benchmarks.

The bundle (``data/critters/critters.npz``, read with ``allow_pickle=False``) holds the features
(float16), the labels, the CNN's weights (so that a feature can be recomputed from a re-rendered
image) and the build settings. Deterministic on the CPU: the same settings give the same file.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from torch import nn

from . import critters

__all__ = ["FeatureCNN", "BUILD", "render_batch", "train_cnn", "extract_features", "build"]

#: the settings of the shipped bundle (data/README.md records how they were chosen)
BUILD = dict(pretrain_per_class=300, epochs=8, batch_size=128, lr=2e-3, weight_decay=5e-4, seed=0)


class FeatureCNN(nn.Module):
    """(n, 3, 64, 64) images in [0, 1] → (n, 128) features (``features``) or (n, classes) logits.

    Four 3×3 conv blocks (16, 32, 64, 128 channels, batch norm, ReLU, 2×2 max-pool after the
    first three), global average pooling, a linear classifier over the seen classes.
    """

    feature_dim = 128

    def __init__(self, n_classes: int):
        super().__init__()
        layers, c_in = [], 3
        for i, c_out in enumerate((16, 32, 64, 128)):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            c_in = c_out
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(self.feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.body(x))


def render_batch(labels: np.ndarray, seeds: np.ndarray) -> torch.Tensor:
    """Render images and stack them as a (n, 3, 64, 64) float tensor in [0, 1]."""
    pixels = np.stack([critters.render(int(c), int(s)) for c, s in zip(labels, seeds)])
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0)


def train_cnn(pretrain_per_class: int, epochs: int, batch_size: int, lr: float, weight_decay: float, seed: int,
              progress: bool = True) -> tuple[FeatureCNN, dict]:
    """Train `FeatureCNN` on seen-class renders only; returns the network (eval mode) and a log."""
    seen = critters._semantics().seen_classes
    labels, seeds = critters.pretraining_seeds(pretrain_per_class)
    if not np.isin(labels, seen).all():
        raise RuntimeError("critters: an unseen class reached the CNN's training set.")
    if np.isin(seeds, critters.benchmark_seeds()[1]).any():
        raise RuntimeError("critters: a benchmark image reached the CNN's training set.")
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    X = render_batch(labels, seeds)
    y = torch.from_numpy(np.searchsorted(seen, labels))
    render_s = time.perf_counter() - t0
    net = FeatureCNN(len(seen))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * (len(y) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    log = {"render_seconds": render_s, "epochs": []}
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(y), generator=g)
        total, correct, t1 = 0.0, 0, time.perf_counter()
        for b in range(len(y) // batch_size):
            idx = order[b * batch_size:(b + 1) * batch_size]
            logits = net(X[idx])
            loss = nn.functional.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y[idx]).sum())
        n = (len(y) // batch_size) * batch_size
        row = {"epoch": epoch, "loss": total / n, "train_accuracy": correct / n, "seconds": time.perf_counter() - t1}
        log["epochs"].append(row)
        if progress:
            print(f"  CNN epoch {epoch}: loss {row['loss']:.3f}, train accuracy {row['train_accuracy']:.3f} "
                  f"({row['seconds']:.0f} s)", flush=True)
    return net.eval(), log


@torch.no_grad()
def extract_features(net: FeatureCNN, labels: np.ndarray, seeds: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """(n, 128) float32 penultimate-layer features of the rendered images (eval mode)."""
    net.eval()
    out = [net.features(render_batch(labels[i:i + batch_size], seeds[i:i + batch_size])).numpy()
           for i in range(0, len(labels), batch_size)]
    return np.concatenate(out).astype(np.float32)


def build(path=None, progress: bool = True, **overrides) -> dict:
    """Train the CNN, extract every benchmark image's features, write the bundle; returns the log."""
    settings = {**BUILD, **overrides}
    torch.set_num_threads(1)  # one thread: the same file on every machine
    net, log = train_cnn(**settings, progress=progress)
    labels, seeds = critters.benchmark_seeds()
    t0 = time.perf_counter()
    features = extract_features(net, labels, seeds)
    log["extract_seconds"] = time.perf_counter() - t0
    path = critters.bundle_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    weights = {f"cnn.{k}": v.numpy() for k, v in net.state_dict().items()}
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, features=features.astype(np.float16), labels=labels.astype(np.int16),
                        settings=np.array(json.dumps(settings)), log=np.array(json.dumps(log)), **weights)
    tmp.replace(path)
    return log


def load_cnn(blob: dict | None = None) -> FeatureCNN:
    """The shipped feature CNN, in eval mode (weights from the bundle)."""
    blob = critters._read_bundle(str(critters.bundle_path())) if blob is None else blob
    net = FeatureCNN(len(critters._semantics().seen_classes))
    state = {k[4:]: torch.from_numpy(np.array(v)) for k, v in blob.items() if k.startswith("cnn.")}
    net.load_state_dict(state)
    return net.eval()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for k, v in BUILD.items():
        parser.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    args = parser.parse_args(argv)
    log = build(**{k: getattr(args, k) for k in BUILD})
    print(f"wrote {critters.bundle_path()} (render {log['render_seconds']:.0f} s, extract {log['extract_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
