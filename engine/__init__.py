"""optical-clir engine: encoders, OT distillation, suites, evaluation, index, search, export.

Heavy dependencies (torch, transformers) are imported inside the modules that need them,
so ``python -m engine --help`` stays fast.
"""

__version__ = "0.1.0"
