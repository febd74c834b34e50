"""zslkit: a teaching and analysis kit for generalised zero-shot learning.

>>> import zslkit
>>> data = zslkit.datasets.load("digits")
>>> model = zslkit.create("eszsl")
>>> _ = model.fit(data, progress=False)
>>> sorted(zslkit.evaluate(model, data).as_dict())
['AUSUC', 'H', 'S', 'U', 'ZSL', 'mAP']
"""
from . import datasets, metrics
from .data import ZSLData, ZSLDataError
from .evaluate import Evaluation, evaluate
from .methods import available_methods, create, load_model, method_class
from .train import History, ModelFileError, TrainingDiverged, warmup

__version__ = "0.1.0"
__all__ = ["ZSLData", "ZSLDataError", "ModelFileError", "datasets", "metrics", "create", "available_methods",
           "load_model", "method_class", "evaluate", "Evaluation", "History", "TrainingDiverged", "warmup",
           "__version__"]
