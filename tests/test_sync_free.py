"""A training step reads nothing back to the host (DESIGN.md, "Conventions").

Every neural method makes one ``train_step`` on the CPU while every Python-level way of reading
a tensor on the host raises: ``.item()``, ``.tolist()``, ``.cpu()``, ``.numpy()``, truth values
(``if tensor:``), ``float()``/``int()`` of a tensor, ``torch.unique``, ``nonzero``,
``torch.multinomial`` (its sanity check reads the probabilities back). On a GPU each of these
would wait for the device; a step without them can be queued ahead and captured as a CUDA graph.
Setup (networks, pre-training, the first call) runs unpatched; only the step is watched.
"""
import contextlib

import numpy as np
import pytest
import torch

import zslkit

NEURAL = [k for k in zslkit.available_methods() if k != "eszsl"]


class HostRead(AssertionError):
    pass


@contextlib.contextmanager
def no_host_reads():
    """Patch every host read named in the module docstring to raise `HostRead`."""
    def forbid(name):
        def raiser(*args, **kwargs):
            raise HostRead(f"train_step called {name}")
        return raiser

    mp = pytest.MonkeyPatch()
    try:
        for name in ("item", "tolist", "cpu", "numpy", "__bool__", "__float__", "__int__", "nonzero",
                     "unique", "multinomial"):
            mp.setattr(torch.Tensor, name, forbid(f"Tensor.{name}"))
        for name in ("unique", "nonzero", "multinomial", "argwhere", "masked_select", "unique_consecutive",
                     "bincount", "repeat_interleave"):
            mp.setattr(torch, name, forbid(f"torch.{name}"))
        yield
    finally:
        mp.undo()


def test_the_patch_catches_host_reads():
    t = torch.ones(3)
    with no_host_reads():
        for read in (lambda: t.sum().item(), lambda: bool(t.sum()), lambda: float(t.sum()), lambda: t.tolist(),
                     lambda: torch.unique(t), lambda: t.nonzero(), lambda: t.numpy(), lambda: t.cpu()):
            with pytest.raises(HostRead):
                read()
    assert t.sum().item() == 3.0  # restored afterwards


def _ready(key, data, device="cpu"):
    """A method fitted for 0 epochs (networks, optimisers, pre-training done), in training mode,
    and a batch of its size from the preprocessed trainval features."""
    model = zslkit.create(key, preset="quick")
    model.fit(data, epochs=0, seed=0, device=device, progress=False)
    model.modules_.train()
    X = torch.as_tensor(model.scaler_.transform(data.X("trainval")), device=device)
    y = torch.as_tensor(data.y("trainval"), device=device)
    n = min(model.config.batch_size, X.shape[0])
    return model, X[:n], y[:n]


@pytest.mark.parametrize("key", NEURAL)
def test_train_step_reads_nothing_back(key, tiny):
    model, x, y = _ready(key, tiny)
    # every stage of the schedule: epoch 0 and the last epoch (SP-AEN's warm-up and its adversarial stage)
    for epoch in (0, model.config.epochs - 1):
        model.train_step(x, y, epoch)  # the first call may cache things (unpatched, as setup)
        with no_host_reads():
            terms = model.train_step(x, y, epoch)
        assert all(np.isfinite(float(v)) for v in terms.values()), key


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("key", NEURAL)
def test_train_step_does_not_synchronise_the_gpu(key, tiny):
    # on a GPU torch itself can tell: every synchronising call raises in this mode (including
    # those made inside torch's C++ code, which the patches above cannot see)
    model, x, y = _ready(key, tiny, device="cuda")
    for epoch in (0, model.config.epochs - 1):
        model.train_step(x, y, epoch)
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            model.train_step(x, y, epoch)
        finally:
            torch.cuda.set_sync_debug_mode("default")
