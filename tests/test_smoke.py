"Import smoke test: the installed package imports, torchvision works through the shim, modules agree with the notebooks."
import importlib, pkgutil
import jiio

def test_import_all_modules():
    for m in pkgutil.iter_modules(jiio.__path__):
        importlib.import_module(f'jiio.{m.name}')

def test_torchvision_through_shim():
    import torch, torchvision
    from torchvision.utils import make_grid
    assert make_grid(torch.zeros(4, 1, 8, 8), nrow=2).shape[0] == 3

def test_every_builtin_solver_registered():
    "In a fresh interpreter, `get_solver` knows every built-in solver without importing the module that defines it."
    import subprocess, sys
    code = "from jiio.solvers import get_solver, _solvers; get_solver('broyden'); print(sorted(_solvers))"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['anderson', 'broyden', 'fixed_point_iter']", out
