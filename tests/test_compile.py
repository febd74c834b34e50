"""``fit(..., compile=True)``: the training step under ``torch.compile``.

On the CPU inductor compiles the step's graphs to C++ (gcc); with its ``fallback_random`` the
compiled step draws the eager step's random numbers, so both must give the same numbers within
float tolerance. Compiling takes about a minute per method on two cores, hence two methods: a
VAE (CADA-VAE) and one with a gradient penalty (SP-AEN: the double backward runs eagerly).
"""
import numpy as np
import pytest
import torch

import zslkit
import zslkit.train
from zslkit.cli import main
from zslkit.train import compile_enabled, compile_step, set_compile


def _ready(key, data):
    model = zslkit.create(key, preset="quick")
    model.fit(data, epochs=0, seed=0, device="cpu", progress=False)
    model.modules_.train()
    X = torch.as_tensor(model.scaler_.transform(data.X("trainval")))
    y = torch.as_tensor(data.y("trainval"))
    n = min(model.config.batch_size, X.shape[0])
    return model, X[:n], y[:n]


@pytest.mark.slow
@pytest.mark.parametrize("key", ["cada-vae", "sp-aen"])
def test_compiled_step_gives_the_eager_numbers(key, tiny):
    eager, x, y = _ready(key, tiny)
    compiled, _, _ = _ready(key, tiny)
    epoch = compiled.config.epochs - 1  # every term on (SP-AEN: the adversarial stage)
    step = compile_step(compiled.train_step, torch.device("cpu"))
    runs = []
    with torch._inductor.config.patch(fallback_random=True):  # the eager random numbers
        for fn in (eager.train_step, step):
            torch.manual_seed(7)
            runs.append([fn(x, y, epoch) for _ in range(3)])
    for want, got in zip(*runs):  # the 2nd and 3rd steps see the parameters the updates made
        assert want.keys() == got.keys()
        for k in want:
            np.testing.assert_allclose(float(got[k]), float(want[k]), rtol=1e-4, atol=1e-5, err_msg=k)


def test_fit_compile_switch_reaches_the_trainer(tiny, monkeypatch):
    # the plumbing, without paying for a compilation: fit(compile=...), set_compile / the
    # environment, and the CLI's --compile each hand the step to compile_step (or not)
    calls = []

    def fake_compile_step(step, device):
        calls.append(device.type)
        return step
    monkeypatch.setattr(zslkit.train, "compile_step", fake_compile_step)
    monkeypatch.delenv("ZSLKIT_COMPILE", raising=False)

    def fit(**kw):
        zslkit.create("mianet", preset="quick").fit(tiny, epochs=1, device="cpu", progress=False, **kw)
    fit()
    assert calls == []
    fit(compile=True)
    assert calls == ["cpu"]
    set_compile(True)
    try:
        fit()
        assert calls == ["cpu", "cpu"]
        fit(compile=False)  # an explicit False wins over the switch
        assert calls == ["cpu", "cpu"]
    finally:
        set_compile(False)
    assert main(["train", "mianet", "--dataset", "digits", "--quick", "--epochs", "1", "--device", "cpu",
                 "--no-progress", "--compile"]) == 0
    assert calls == ["cpu"] * 3
    assert not compile_enabled()  # the CLI put the switch back
