__version__ = "0.1.0"
from . import core  # noqa: F401  (runs the torchvision import shim before anything imports torchvision)
from . import broyden  # noqa: F401  (registers the 'broyden' solver, whatever module the user imports first)
