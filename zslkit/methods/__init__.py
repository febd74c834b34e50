"""The methods, one module each, registered by key (see `base` for the interface)."""
from .base import Method, NeuralMethod, Problem, available_methods, create, load_model, method_class, register

__all__ = ["Method", "NeuralMethod", "Problem", "register", "create", "available_methods", "load_model",
           "method_class"]
