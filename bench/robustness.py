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
- `--floor`: the same L-BFGS reference (budget 1000) on every unconstrained problem of the suite, next to JIIO's
  iterations, summarised by how many evaluations L-BFGS needed: how hard the problems are, not only how JIIO fares.
- `--inexact`: the naive method done with care, in JIIO's unit of work (a cell evaluation or a VJP counts half an
  iteration): L-BFGS on x whose gradients come from warm-started Anderson solves of z and mu, to a tolerance tied to
  the gradient (0.1 |g|/g0), on every unconstrained problem, next to JIIO's iterations.
- `--spectrum 0,44`: per sample, the eigenvalues of largest modulus of the augmented map's Jacobian at a tightly solved
  point (alpha_x 0.03 / 0.1 / 0.3): modulus above 1 is an unstable mode, close to 1 a slow one.
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

def lbfgs_evals(cell, h, x0, y, budget=3000):
    "Per sample: gradient evaluations L-BFGS (exact DEQ solves, strong Wolfe) needs to |g|/g0 < 1e-8 (None: not within budget)."
    from jiio.deq import DEQ
    deq = DEQ(cell, f_tol=1e-13, f_stop_mode='abs', f_max_iter=500, b_tol=1e-13, b_stop_mode='abs', b_max_iter=500)
    out = []
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
    return out

def lbfgs_reference(problems, budget=3000):
    "Print, per sample of each problem, L-BFGS's gradient evaluations next to JIIO's iterations at the defaults."
    for p in problems:
        cell, h, x0, y, cons = jiio_problem(p)
        r = jiio_solve(cell, h, x0, y, constraint=cons, tol=1e-8, max_iter=1000, trace=False)
        print(f'  problem {p:3d} ({type(cons).__name__ if cons is not None else "none"}, dim x {x0.shape[1]}): L-BFGS evaluations {lbfgs_evals(cell, h, x0, y, budget)}; '
              f'JIIO iterations {[n if c else None for n, c in zip(r.nstep.tolist(), r.converged.tolist())]}', flush=True)

def spectrum(problems, alphas=(0.03, 0.1, 0.3)):
    "Per sample: the eigenvalues of largest modulus of the augmented map's Jacobian at a tightly solved point, per x step."
    from jiio.augmented import _JIIOMap, _aug_map_graph, _JIIO_DEFAULTS
    from jiio.core import Packer
    from jiio.constraints import Constraint
    for p in problems:
        cell, h, x0, y, cons = jiio_problem(p)
        r = jiio_solve(cell, h, x0, y, constraint=cons, tol=1e-12, max_iter=5000, trace=False)
        print(f'  problem {p} ({type(cons).__name__ if cons is not None else "none"}): JIIO iterations to 1e-12 {r.nstep.tolist()}')
        for i in range(len(x0)):
            pz = Packer(r.z[i:i+1]); M = _JIIOMap(cell, h, y[i:i+1], cons or Constraint(), pz, x0.shape[1:], _JIIO_DEFAULTS, pz.pack(r.z[i:i+1]))
            V = M.join(pz.pack(r.z[i:i+1]), r.x[i:i+1], pz.pack(r.mu[i:i+1]))
            row = []
            for ax in alphas:
                ev = np.linalg.eigvals(torch.autograd.functional.jacobian(_aug_map_graph(M, ax), V)[0, :, 0, :].numpy())
                top = ev[np.argsort(-np.abs(ev))[:3]]
                row.append(f'alpha_x {ax}: rho {np.abs(top[0]):.4f} (' + ', '.join(f'{e.real:.4f}{e.imag:+.4f}i' if abs(e.imag) > 1e-9 else f'{e.real:.4f}' for e in top) + ')')
            print(f'    sample {i}: ' + '; '.join(row), flush=True)

class _Done(Exception): pass

def inexact_lbfgs(cell, h, x0, y, budget=1000, eta=0.1):
    """Work (in JIIO iterations: a cell evaluation or a VJP counts 0.5) that L-BFGS on x needs to |g|/g0 < 1e-8 when every
    gradient comes from warm-started Anderson solves of z and mu to a tolerance of eta |g|/g0 (at most 1e-3): the naive
    method with inexact solves. 10**6 if not within `budget`."""
    aa = get_solver('anderson')
    z0 = cell.z0(x0).detach()
    x, st = x0.clone().requires_grad_(), dict(u=0., z=z0, mu=torch.zeros_like(z0), g0=None, tol=1e-3)
    def closure():
        with torch.no_grad(): r = aa(lambda z: cell(z, x), st['z'], max_iter=300, tol=st['tol'], m=5)
        z, xx = r.z.detach().requires_grad_(), x.detach().requires_grad_()
        with torch.enable_grad():
            fz, c = cell(z, xx), h(z, xx, y)
            hz, = torch.autograd.grad(c.sum(), z, retain_graph=True)
            r2 = aa(lambda mu: hz + torch.autograd.grad(fz, z, mu, retain_graph=True)[0], st['mu'], max_iter=300, tol=st['tol'], m=5)
            hx, = torch.autograd.grad(c.sum(), xx, retain_graph=True, allow_unused=True)
            g, = torch.autograd.grad(fz, xx, r2.z)
        g = g if hx is None else g + hx
        st['u'] += 0.5 * (int(r.nstep.max()) + int(r2.nstep.max())) + 1   # + the graph's forward and the x VJP
        st['z'], st['mu'] = z.detach(), r2.z.detach()
        gn = g.norm().item(); st['g0'] = st['g0'] or gn
        if gn / st['g0'] < 1e-8 or st['u'] > budget: raise _Done
        st['tol'] = max(1e-13, min(1e-3, eta * gn / st['g0']))
        x.grad = g; return c.sum().detach()
    opt = torch.optim.LBFGS([x], lr=1, max_iter=10**5, max_eval=10**5, history_size=20, tolerance_grad=0, tolerance_change=0,
                            line_search_fn='strong_wolfe')
    try: opt.step(closure)
    except _Done: pass
    return st['u'] if st['u'] <= budget else 10**6

def unconstrained(n_problems):
    "The unconstrained problems of the suite, each with JIIO's iterations per sample at the defaults (10**6: not within 1000)."
    for p in range(n_problems):
        cell, h, x0, y, cons = jiio_problem(p)
        if cons is not None: continue
        r = jiio_solve(cell, h, x0, y, tol=1e-8, max_iter=1000, trace=False)
        yield p, cell, h, x0, y, torch.where(r.converged, r.nstep, 10**6).tolist()

def inexact(n_problems):
    "`inexact_lbfgs` per sample on every unconstrained problem, next to JIIO's iterations, and both summaries."
    ii, jj = [], []
    for p, cell, h, x0, y, b in unconstrained(n_problems):
        a = [inexact_lbfgs(cell, h, x0[i:i+1], y[i:i+1]) for i in range(len(x0))]
        print(f'  problem {p:3d}: inexact L-BFGS work {a}; JIIO iterations {b}', flush=True)
        ii += a; jj += b
    print(f'inexact L-BFGS (work in JIIO iterations): {summary(ii)}')
    print(f'JIIO defaults (iterations):               {summary(jj)}')

def floor(n_problems, budget=1000):
    "On every unconstrained problem: L-BFGS's evaluations and JIIO's iterations per sample, and both summaries."
    lb, jj = [], []
    for p, cell, h, x0, y, b in unconstrained(n_problems):
        a = lbfgs_evals(cell, h, x0, y, budget)
        print(f'  problem {p:3d} (dim z {cell.z0(x0).shape[1]}, dim x {x0.shape[1]}): L-BFGS {a}; JIIO {[n if n < 10**6 else None for n in b]}', flush=True)
        lb += [10**6 if n is None else n for n in a]; jj += b
    lb, jj = np.array(lb), np.array(jj)
    print(f'L-BFGS (gradient evaluations, each a full solve): {summary(lb)}')
    print(f'JIIO defaults (iterations):                      {summary(jj)}')
    for lo, hi in [(0, 50), (50, 150), (150, 300), (300, 1000), (1000, 10**7)]:
        sel = (lb > lo) & (lb <= hi)
        if sel.any(): print(f'  samples L-BFGS needs ({lo}, {hi if hi < 10**7 else "inf"}]: {sel.sum():3d}; JIIO within 300: {(jj[sel] <= 300).mean():.3f}, median {np.median(jj[sel]):.0f}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--problems', type=int, default=120)
    ap.add_argument('--label', default='')
    ap.add_argument('--reference', default='', help='comma-separated problem numbers: only the L-BFGS reference on them')
    ap.add_argument('--spectrum', default='', help='comma-separated problem numbers: only the augmented map\'s spectrum at the solution')
    ap.add_argument('--inexact', action='store_true', help='only L-BFGS with warm-started inexact solves, in JIIO iterations, on every unconstrained problem')
    ap.add_argument('--floor', action='store_true', help='only the L-BFGS reference on every unconstrained problem, with JIIO beside it')
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.reference:
        print(f'jiio {jiio.__version__}: L-BFGS with exact solves against JIIO defaults, tol 1e-8 (None: not within the budget)')
        lbfgs_reference([int(p) for p in a.reference.split(',')]); raise SystemExit
    if a.spectrum:
        print(f'jiio {jiio.__version__}: eigenvalues of largest modulus of the augmented map\'s Jacobian at the solution (alpha_z 0.8, alpha_mu 0.6)')
        spectrum([int(p) for p in a.spectrum.split(',')]); raise SystemExit
    if a.inexact:
        print(f'jiio {jiio.__version__}: L-BFGS on x with warm-started inexact Anderson solves (tolerance 0.1 |g|/g0), work in JIIO iterations, against JIIO defaults, unconstrained problems, tol 1e-8')
        inexact(a.problems); raise SystemExit
    if a.floor:
        print(f'jiio {jiio.__version__}: L-BFGS with exact solves (budget 1000) against JIIO defaults on the unconstrained problems, tol 1e-8')
        floor(a.problems); raise SystemExit
    print()
    print(f'jiio {jiio.__version__} {a.label}, torch {torch.__version__}, {a.problems} JIIO problems x 6 samples\n')
    new = 'restart' in str(getattr(jiio.augmented, '_JIIO_DEFAULTS', {}))
    m0 = getattr(jiio.augmented, '_JIIO_DEFAULTS', {}).get('m', 5)
    configs = {f'default (type I, m={m0}, alpha_x=0.1)': {}, 'm=5': dict(m=5), 'm=10, lam=1e-8': dict(m=10, lam=1e-8), 'type II': dict(kind='II'),
               'm=20, lam=1e-10, alpha_x=0.2': dict(m=20, lam=1e-10, alpha_x=0.2)}
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
