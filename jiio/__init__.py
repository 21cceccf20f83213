__version__ = "0.0.1"
from . import core  # noqa: F401  (runs the torchvision import shim before anything imports torchvision)
