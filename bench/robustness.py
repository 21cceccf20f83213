"""Robustness of the augmented JIIO solve and of the plain solvers: how many samples converge, and how fast.

Protocol (fixed here and printed with the results):
- JIIO suite: --problems random nonlinear problems of the kind in `nbs/06_augmented.ipynb`, float64, 6 samples each:
  a tanh cell f(z, x) = tanh(W z + U x + b) (`jiio.testing.TanhCell`) with z in R^16/32/64, contraction ||W|| drawn in
  [0.5, 0.9], a sigmoid decoder head sigmoid(D z) with D random (scale 0.7-1.3) to R^10..40, latent x in R^4..16 (always
  fewer latent than output dimensions, so each problem has an isolated optimum), targets = the head's output at a random
  latent plus Gaussian noise (sigma 0.01/0.05/0.1); h = per-sample squared error. Half of every eight problems are
  constrained (none, the box [-1, 1], an L2 ball of radius 0.5 sqrt(dim x), an L-inf ball of radius 0.7). x0 = 0.
- Each configuration of `jiio_solve` runs every problem to tol 1e-8 on the KKT residual with a budget of 1000; a
  sample counts as converged at its step count. Reported: the fraction converged within 150 / 300 / 1000 iterations,
  the median and 95th percentile of iterations (unconverged samples count as 1000+), and, as a check that the
  converged points are the optimum and not merely stationary for the test, the share of converged samples whose cost
  is more than 1e-6 (relative) above the lowest cost any configuration found for that sample.
- Plain solvers: Anderson (type II, m = 5) on slow problems: affine maps z = Mz + b (dimension 50-200, contraction
  0.99 / 0.995 / 0.999, symmetric and not) and tanh DEQ cells (dimension 32-128, contraction 0.95-0.995, strong inputs),
  rel tol 1e-8, budget 1000, 8 samples each.
- `--reference 12,27,44`: only a difficulty reference on those problems, per sample: the gradient evaluations L-BFGS
  (torch.optim.LBFGS, strong Wolfe, history 20) needs to reach |g|/g0 < 1e-8 with exact DEQ solves (each evaluation
  a full forward and backward solve, 20-60x the cost of one JIIO iteration), next to JIIO's iterations.
Ends with one line of JSON. Runs on the jiio it imports (point PYTHONPATH at another checkout for a before/after)."""
import argparse, json, math, time
import numpy as np
import torch
import jiio
from jiio.testing import TanhCell, affine_problem, reference_fixed_point
from jiio.augmented import jiio_solve
from jiio.solvers import get_solver
try: from jiio.constraints import Box, L2Ball, LinfBall
except ImportError: from jiio.augmented import Box, L2Ball, LinfBall   # older jiio

def jiio_problem(i, B=6):
    "Problem i of the JIIO suite: (cell, h, x0, y, constraint)."
    g = torch.Generator().manual_seed(1000 + i)
    r = lambda: torch.rand(1, generator=g).item()
    d = [16, 32, 64][i % 3]; dx, dy = [(4, 10), (4, 20), (8, 20), (8, 40), (16, 40)][(i // 3) % 5]
    rho, noise = 0.5 + 0.4 * r(), [0.01, 0.05, 0.1][(i // 2) % 3]
    cell = TanhCell(d=d, dx=dx, rho=rho, seed=i)
    D = torch.randn(dy, d, generator=g, dtype=torch.float64) * (0.7 + 0.6 * r())
    h = lambda z, x, y: (torch.sigmoid(z @ D.T) - y).square().sum(1)
    x_true = torch.randn(B, dx, generator=g, dtype=torch.float64)
    zt = reference_fixed_point(lambda z: cell(z, x_true), cell.z0(x_true))
    y = torch.sigmoid(zt @ D.T) + noise * torch.randn(B, dy, generator=g, dtype=torch.float64)
    cons = [None, Box(-1., 1.), L2Ball(0.5 * math.sqrt(dx)), LinfBall(0.7)][i % 4] if i % 8 >= 4 else None
    return cell, h, torch.zeros(B, dx, dtype=torch.float64), y, cons

def summary(its, budget=1000):
    its = np.asarray(its)
    return dict(n=len(its), **{f'within_{b}': round(float((its <= b).mean()), 3) for b in (150, 300, 1000)},
                median=float(np.median(its)), p95=float(np.percentile(its, 95)))

def run_jiio(n_problems, configs):
    "Per configuration: iterations per sample (1e6 if not converged), costs, kinds of constraint, seconds."
    out = {}
    for name, kw in configs.items():
        its, costs, kinds, t0 = [], [], [], time.time()
        for i in range(n_problems):
            cell, h, x0, y, cons = jiio_problem(i)
            r = jiio_solve(cell, h, x0, y, constraint=cons, tol=1e-8, max_iter=1000, trace=False, **kw)
            its += torch.where(r.converged, r.nstep, 10**6).tolist(); costs += r.cost.tolist()
            kinds += [type(cons).__name__ if cons is not None else 'none'] * len(r.nstep)
        out[name] = dict(its=np.array(its), costs=np.array(costs), kinds=np.array(kinds), secs=time.time() - t0)
    return out

def plain_problems():
    for i in range(40):
        if i % 2 == 0:
            f, z0, _, _ = affine_problem(n=[50, 100, 200][i % 3], rho=[0.99, 0.995, 0.999][(i // 2) % 3], bs=8, seed=i, symmetric=(i // 2) % 2 == 0)
            yield 'affine', f, z0
        else:
            cell = TanhCell(d=[32, 64, 128][i % 3], dx=8, rho=[0.95, 0.98, 0.99, 0.995][(i // 2) % 4], seed=i)
            x = 2 * torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(i))
            yield 'tanh', (lambda z, cell=cell, x=x: cell(z, x)), cell.z0(x)

def run_plain(configs):
    out = {}
    for name, kw in configs.items():
        res = {'affine': [], 'tanh': []}
        for kind, f, z0 in plain_problems():
            r = get_solver('anderson')(f, z0, max_iter=1000, tol=1e-8, stop_mode='rel', **kw)
            res[kind] += torch.where(r.converged, r.nstep, 10**6).tolist()
        out[name] = {k: summary(v) for k, v in res.items()}
    return out

def lbfgs_reference(problems, budget=3000):
    "Per sample of each problem: gradient evaluations L-BFGS (exact DEQ solves, strong Wolfe) needs to |g|/g0 < 1e-8."
    from jiio.deq import DEQ
    for p in problems:
        cell, h, x0, y, cons = jiio_problem(p)
        deq = DEQ(cell, f_tol=1e-13, f_stop_mode='abs', f_max_iter=500, b_tol=1e-13, b_stop_mode='abs', b_max_iter=500)
        r, out = jiio_solve(cell, h, x0, y, constraint=cons, tol=1e-8, max_iter=1000, trace=False), []
        for i in range(len(x0)):
            x, gs = x0[i:i+1].clone().requires_grad_(), []
            opt = torch.optim.LBFGS([x], lr=1, max_iter=budget, max_eval=budget, history_size=20, tolerance_grad=1e-14,
                                    tolerance_change=1e-20, line_search_fn='strong_wolfe')
            def closure():
                opt.zero_grad(); z = deq(x); z = z[0] if isinstance(z, tuple) else z
                L = h(z, x, y[i:i+1]).sum(); L.backward(); gs.append(x.grad.norm().item()); return L
            opt.step(closure)
            g = np.array(gs) / max(gs[:5]); hit = np.flatnonzero(g < 1e-8)
            out.append(int(hit[0]) + 1 if len(hit) else None)
        print(f'  problem {p:3d} ({type(cons).__name__ if cons is not None else "none"}, dim x {x0.shape[1]}): L-BFGS evaluations {out}; '
              f'JIIO iterations {[n if c else None for n, c in zip(r.nstep.tolist(), r.converged.tolist())]}', flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--problems', type=int, default=120)
    ap.add_argument('--label', default='')
    ap.add_argument('--reference', default='', help='comma-separated problem numbers: only the L-BFGS reference on them')
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.reference:
        print(f'jiio {jiio.__version__}: L-BFGS with exact solves against JIIO defaults, tol 1e-8 (None: not within the budget)')
        lbfgs_reference([int(p) for p in a.reference.split(',')]); raise SystemExit
    print()
    print(f'jiio {jiio.__version__} {a.label}, torch {torch.__version__}, {a.problems} JIIO problems x 6 samples\n')
    new = 'restart' in str(getattr(jiio.augmented, '_JIIO_DEFAULTS', {}))
    m0 = getattr(jiio.augmented, '_JIIO_DEFAULTS', {}).get('m', 5)
    configs = {f'default (type I, m={m0}, alpha_x=0.1)': {}, 'm=5': dict(m=5), 'm=10, lam=1e-8': dict(m=10, lam=1e-8), 'type II': dict(kind='II')}
    if new: configs |= {'restart=100': dict(restart=100.), 'wmax=1e3': dict(wmax=1e3)}
    res = run_jiio(a.problems, configs)
    best = np.min(np.stack([v['costs'] for v in res.values()]), 0)
    print(f'{"JIIO configuration":36s} {"set":8s} {"n":>4s} {"<=150":>6s} {"<=300":>6s} {"<=1000":>6s} {"median":>7s} {"p95":>7s} {"worse":>6s} {"secs":>5s}')
    js = {}
    for name, v in res.items():
        conv = v['its'] < 10**6
        worse = conv & (v['costs'] > best * (1 + 1e-6) + 1e-12)
        for kind in ['all', 'none', 'Box', 'L2Ball', 'LinfBall']:
            sel = np.ones_like(conv) if kind == 'all' else v['kinds'] == kind
            s = summary(v['its'][sel]); s['worse'] = round(float(worse[sel].sum() / max(conv[sel].sum(), 1)), 3)
            js[f'{name}/{kind}'] = s
            print(f'{name if kind == "all" else "":36s} {kind:8s} {s["n"]:4d} {s["within_150"]:6.3f} {s["within_300"]:6.3f} {s["within_1000"]:6.3f} '
                  f'{s["median"]:7.1f} {s["p95"]:7.0f} {s["worse"]:6.3f} {v["secs"] if kind == "all" else 0:5.0f}')
    pconf = {'anderson II m=5': {}, 'anderson II m=10': dict(m=10)}
    if 'restart' in str(getattr(get_solver('anderson'), 'options', [])): pconf |= {'restart=10': dict(restart=10.), 'wmax=1e3': dict(wmax=1e3)}
    pr = run_plain(pconf)
    print(f'\n{"plain solver":36s} {"set":8s} {"n":>4s} {"<=150":>6s} {"<=300":>6s} {"<=1000":>6s} {"median":>7s} {"p95":>7s}')
    for name, v in pr.items():
        for kind, s in v.items():
            print(f'{name:36s} {kind:8s} {s["n"]:4d} {s["within_150"]:6.3f} {s["within_300"]:6.3f} {s["within_1000"]:6.3f} {s["median"]:7.1f} {s["p95"]:7.0f}')
    print(json.dumps(dict(label=a.label, jiio=js, plain=pr)))
