"""Budget margins of the notebook tests: run notebooks with every solve started 1e-12 (relative) off, and list the
converged solves that used more than half their budget.  usage (from nbs/): python ../bench/margins.py 1e-12 05_deq.ipynb ..."""
import sys, os, json, torch
import jiio.solvers as S, jiio.broyden as Bm, jiio.augmented as A
SHIFT = float(sys.argv[1]); nbs = sys.argv[2:]
rec = []
orig_setup = S._setup
def _setup(f, z0):
    p, X0, fX = orig_setup(f, z0)
    return p, X0 + SHIFT * (1 + X0.abs()), fX
S._setup = _setup; Bm._setup = _setup
for name, fn in list(S._solvers.items()):
    def w(f, z0, _fn=fn, _name=name, **kw):
        r = _fn(f, z0, **kw); rec.append((_name, kw.get('max_iter', 50), r.nfev, bool(r.converged.all()))); return r
    w.options, w.solver_name = fn.options, fn.solver_name
    S._solvers[name] = w
orig_j = A.jiio_solve
def jw(f, h, x0, *a, **kw):
    r = orig_j(f, h, x0 + SHIFT * (1 + x0.abs()) if x0.is_floating_point() else x0, *a, **kw)
    rec.append(('jiio', kw.get('max_iter', 100), r.nfev, bool(r.converged.all()))); return r
A.jiio_solve = jw
from execnb.shell import CaptureShell
from execnb.nbio import read_nb
for nb in nbs:
    os.chdir(os.path.dirname(os.path.abspath(nb))); n0 = len(rec)
    sh = CaptureShell()
    for c in read_nb(os.path.basename(nb)).cells:
        if c.cell_type != 'code' or 'nbdev_export' in c.source or c.source.startswith('#| slow') or '#| eval: false' in c.source: continue
        sh.run(c.source)
        if sh.exc: print(nb, 'EXCEPTION', repr(sh.exc)[:300]); break
    tight = [r for r in rec[n0:] if r[3] and r[2] > r[1] / 2]
    print(nb, f'{len(rec) - n0} solves; converged using more than half the budget:', sorted(set(tight))[:12])
