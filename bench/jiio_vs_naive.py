"""JIIO against the naive method: how fast each reaches the same objective on real MNIST problems.

Protocol (fixed here and printed with the results):
- Problems: (a) MLP DEQ decoder (z in R^256, latent x in R^32, Linear head to 28x28), (b) conv MDEQ decoder
  ('decoder-mnist-small'), each first trained as an autoencoder (`VAETrainer`, beta=0) for --train-minutes on 10k
  MNIST training digits (cached in bench/out/); then asked to fit a held-out batch of 64 MNIST test digits from
  latent 0: h(z, x, y) = per-sample sum of squared pixel errors. (c) an L2 attack (eps=1, images kept in [0, 1]) on a
  DEQ classifier ('classifier-mnist-small') trained for --train-minutes: minimise -CE.
- Objectives are the TRUE h(z*(x_k), x_k) with a tight solve (Anderson, rel tol 1e-6), off the clock; reported as the
  batch mean.
- Naive baselines through full DEQ solves, warm-started step to step (forward from the previous z*, backward from
  the previous adjoint): Adam-40 with lr tuned on a grid (one run per point) and solves capped at 18 or 30 iterations (tol 1e-3; the
  configuration reaching the Adam-40 objective soonest is kept); L-BFGS (strong Wolfe) through the same solves; PGD-20
  (normalised L2 steps + projection, lr tuned) for (c).
- JIIO: `jiio_solve` with its Anderson type (I/II), memory (3/5), adjoint damping alpha_mu (0.6/1.0) and x step
  alpha_x tuned on a grid (alpha_z = 0.8 as in the paper); its time to reach a target is measured by re-running it with
  increasing iteration budgets (it is deterministic) and timing each run.
- Times: median of --repeats runs after a warm-up, 2 threads, one process. Work: cell evaluations and VJPs (JIIO: one
  of each per iteration).
Ends with one line of JSON. Plots go to bench/out/jiio_vs_naive_*.png."""
import argparse, itertools, json, statistics, time, sys, os
from pathlib import Path
import torch
import torch.nn.functional as F
import jiio
from jiio.core import set_seed
from jiio.data import load
from jiio.models import get_model
from jiio.deq import DEQ
from jiio.train import Batches, Trainer
from jiio.augmented import jiio_solve, _grads
from jiio.core import Packer
from jiio.constraints import L2Ball
from jiio.baselines import naive_input_opt
from jiio.generative import VAETrainer, masked_sse

OUT = Path(__file__).parent / 'out'
TIGHT = dict(f_solver='anderson', f_tol=1e-6, f_max_iter=100)

def med(xs): return statistics.median(xs)

# ---------------------------------------------------------------- models, trained once and cached
def train_for(tr, minutes, chunk=25):
    "Run a trainer in chunks until `minutes` have passed."
    t0 = time.time()
    while time.time() - t0 < 60 * minutes and tr.step < tr.n_steps: tr.fit(chunk, log_every=0)
    return tr.step, time.time() - t0

def get_decoder(preset, minutes):
    path = OUT / f'ae_{preset}.pt'
    model = get_model(preset)
    if path.exists(): model.load_state_dict(torch.load(path)); return model
    set_seed(0)
    train = load('mnist', 'train', n=10000).tensors[0]
    tr = VAETrainer(model, Batches(train, 64, seed=0), beta=0.0, n_steps=100000, lr=2e-3, lr_min=2e-3, device='cpu')
    steps, secs = train_for(tr, minutes)
    print(f'  trained {preset} as an autoencoder: {steps} steps in {secs:.0f}s, last psnr {tr.avg(25)["psnr"]:.1f} dB')
    OUT.mkdir(exist_ok=True); torch.save(model.state_dict(), path)
    return model

def get_classifier(preset, minutes):
    path = OUT / f'cls_{preset}.pt'
    model = get_model(preset)
    if path.exists(): model.load_state_dict(torch.load(path)); return model
    set_seed(0)
    ds = load('mnist', 'train', n=10000)
    def step(tr, b):
        logits, _ = tr.model(b[0]); return dict(loss=F.cross_entropy(logits, b[1]), acc=(logits.argmax(1) == b[1]).float().mean())
    tr = Trainer(model, Batches(ds.tensors, 64, seed=0), step_fn=step, n_steps=100000, lr=2e-3, lr_min=2e-3, device='cpu')
    steps, secs = train_for(tr, minutes)
    print(f'  trained {preset} classifier: {steps} steps in {secs:.0f}s, last acc {tr.avg(25)["acc"]:.3f}')
    OUT.mkdir(exist_ok=True); torch.save(model.state_dict(), path)
    return model

# ---------------------------------------------------------------- true objective, off the clock
def true_obj(cell, h, x, y):
    "Batch-mean h(z*(x), x, y) with a tight forward solve."
    with torch.no_grad():
        z, _ = DEQ(cell, **TIGHT, on_diverge='ignore')(x)
        return h(z, x, y).mean().item()

def naive_run(cell, h, x0, y, repeats, **kw):
    "A naive run's trace: (times, true objectives, fevals, vjps); times are medians over repeats."
    runs = []
    for i in range(repeats + 1):
        xs = []
        r = naive_input_opt(cell, h, x0, y, callback=lambda t, x: xs.append(x.clone()), **kw)
        runs.append(r)
    objs = [true_obj(cell, h, x, y) for x in xs]
    times = torch.stack([r.time_trace for r in (runs[1:] or runs)]).median(0).values.tolist()
    return dict(times=times, objs=objs, fevals=r.fevals.tolist(), vjps=r.vjps.tolist())

def jiio_time(cell, h, x0, y, T, repeats, **kw):
    "Median wall time of a JIIO run with budget T, and the true objective of its result."
    ts = []
    for i in range(repeats + 1):
        t = time.perf_counter(); r = jiio_solve(cell, h, x0, y, max_iter=T, trace=False, **kw); ts.append(time.perf_counter() - t)
    return med(ts[1:] or ts), true_obj(cell, h, r.x, y), r

def first_reach(times, objs, target):
    "Time at which a trace first reaches `target` (up to a 1e-4 relative slack for run-to-run rounding; linear interpolation), or None."
    target = target + 1e-4 * abs(target)
    for i, o in enumerate(objs):
        if o <= target:
            if i == 0: return times[0]
            t0, t1, o0 = times[i - 1], times[i], objs[i - 1]
            return t0 + (t1 - t0) * (o0 - target) / max(o0 - o, 1e-30)
    return None

def jiio_curve(cell, h, x0, y, repeats, target, budgets, **kw):
    "JIIO time/objective at increasing budgets until `target` is reached (and a little beyond)."
    times, objs, evals = [], [], []
    for T in budgets:
        t, o, r = jiio_time(cell, h, x0, y, T, repeats, **kw)
        times.append(t); objs.append(o); evals.append(T)
        if target is not None and o <= target and len(objs) > 1 and objs[-2] <= target: break
    return dict(times=times, objs=objs, fevals=evals, vjps=evals)

# ---------------------------------------------------------------- the comparison for one decoder problem
def decoder_problem(name, model, repeats, quick, small_grid=False):
    torch.manual_seed(0)
    y = load('mnist', 'test', n=64, seed=1).tensors[0]
    cell, h = model.cell, masked_sse(model.head)
    ym = (y, torch.ones_like(y[:, :1]))
    x0 = torch.zeros(64, model.latent_dim)
    print(f'\n({name}) {type(model).__name__}: fit 64 held-out MNIST digits from latent 0; objective at x=0: {true_obj(cell, h, x0, ym):.2f}')
    # --- Adam-40: lr grid x solve caps
    lrs = [0.1, 0.3, 1.0] if quick or small_grid else [0.03, 0.1, 0.3, 1.0, 3.0]
    caps = [18, 30]
    grid = {}
    for cap in caps:
        for lr in lrs:
            grid[(cap, lr)] = naive_run(cell, h, x0, ym, 0, optimizer='adam', lr=lr, steps=40, f_max_iter=cap, b_max_iter=cap, f_tol=1e-3, b_tol=1e-3)
    (cap, lr), _ = min(grid.items(), key=lambda kv: kv[1]['objs'][-1])
    target40 = grid[(cap, lr)]['objs'][-1]
    # of the configurations reaching that objective, keep the fastest (re-timed with all repeats)
    cands = [(k, first_reach(v['times'], v['objs'], target40)) for k, v in grid.items()]
    cands = [(k, t) for k, t in cands if t is not None]
    (cap, lr), _ = min(cands, key=lambda kt: kt[1])
    adam = naive_run(cell, h, x0, ym, repeats, optimizer='adam', lr=lr, steps=40, f_max_iter=cap, b_max_iter=cap, f_tol=1e-3, b_tol=1e-3)
    t_adam = first_reach(adam['times'], adam['objs'], target40)
    print(f'  Adam-40: lr {lr}, solves capped at {cap} (tol 1e-3): objective {target40:.3f} reached at {t_adam:.2f}s')
    # --- L-BFGS through the same solves
    lb = naive_run(cell, h, x0, ym, repeats, optimizer='lbfgs', lr=1.0, steps=40 if quick else 60, f_max_iter=cap, b_max_iter=cap, f_tol=1e-3, b_tol=1e-3)
    # --- JIIO: a grid over type, memory, x step and adjoint damping; the configuration whose iterate objective
    #     (h at the joint iterate, from the traces: a proxy, no extra solves) first reaches Adam-40's is kept
    jgrid = {}
    for kind, m, amu, ax in itertools.product(['I', 'II'], [3, 5] if not small_grid else [5], [0.6, 1.0], [0.1, 0.3] if quick or small_grid else [0.03, 0.1, 0.3]):
        r = jiio_solve(cell, h, x0, ym, max_iter=100, tol=None, kind=kind, m=m, alpha_mu=amu, alpha_x=ax)
        c = r.traces['cost'].mean(0)
        hit = (c <= target40).nonzero()
        jgrid[(kind, m, amu, ax)] = (hit[0, 0].item() + 1 if len(hit) else 10**6, c[-1].item())
    (kind, m, amu, ax), _ = min(jgrid.items(), key=lambda kv: kv[1])
    jkw = dict(kind=kind, m=m, alpha_mu=amu, alpha_x=ax, tol=None)
    print(f'  Adam grid: lr {lrs} x solve caps {caps}; JIIO grid: {len(jgrid)} configurations (type, m, alpha_mu, alpha_x); kept {jkw}')
    # --- the optimum: both methods run long
    _, o_j, _ = jiio_time(cell, h, x0, ym, 300 if not quick else 150, 0, **jkw)
    lb_long = naive_run(cell, h, x0, ym, 0, optimizer='lbfgs', lr=1.0, steps=150 if not (quick or small_grid) else 80, f_max_iter=cap, b_max_iter=cap, f_tol=1e-4, b_tol=1e-4)
    opt = min(o_j, min(lb_long['objs']), min(adam['objs']))
    target10 = 1.1 * opt
    budgets = [2, 4, 6, 8, 10, 12, 15, 18, 21, 25, 30, 35, 40, 50, 60, 70, 80, 100, 120, 150, 200, 250, 300]
    jc = jiio_curve(cell, h, x0, ym, repeats, None, [b for b in budgets if b <= 100], **jkw)
    if min(jc['objs']) > target10: jc2 = jiio_curve(cell, h, x0, ym, repeats, target10, [b for b in budgets if b > 100], **jkw); [jc[k].extend(jc2[k]) for k in jc]
    t_j40 = first_reach(jc['times'], jc['objs'], target40)
    t_j10, t_lb10 = first_reach(jc['times'], jc['objs'], target10), first_reach(lb['times'], lb['objs'], target10)
    t_adam10 = first_reach(adam['times'], adam['objs'], target10)
    ev = lambda tr, t: next((f + v for tt, f, v in zip(tr['times'], tr['fevals'], tr['vjps']) if tt >= t), None) if t is not None else None
    res = dict(problem=name, optimum=opt, adam=dict(lr=lr, cap=cap), jiio=jkw, target_adam40=target40, target_10pct=target10,
               t_adam40=t_adam, t_jiio_to_adam40=t_j40, ratio_adam40=t_adam / t_j40 if t_j40 else None,
               evals_adam40=ev(adam, t_adam), evals_jiio_to_adam40=ev(jc, t_j40),
               t_lbfgs_10pct=t_lb10, t_adam_10pct=t_adam10, t_jiio_10pct=t_j10,
               ratio_lbfgs_10pct=t_lb10 / t_j10 if (t_lb10 and t_j10) else None,
               evals_lbfgs_10pct=ev(lb, t_lb10), evals_jiio_10pct=ev(jc, t_j10),
               curves=dict(adam=adam, lbfgs=lb, jiio=jc))
    fmt = lambda t: 'not reached' if t is None else f'{t:.3f}s'
    print(f'  optimum (best of long JIIO / L-BFGS / Adam runs): {opt:.3f}; within 10%: {target10:.3f}')
    print(f'  to reach Adam-40\'s objective {target40:.3f}: Adam {fmt(t_adam)} ({res["evals_adam40"]} f+VJP), '
          f'JIIO {fmt(t_j40)} ({res["evals_jiio_to_adam40"]} f+VJP)  -> {res["ratio_adam40"] and round(res["ratio_adam40"], 1)}x')
    print(f'  to get within 10% of the optimum: L-BFGS {fmt(t_lb10)} ({res["evals_lbfgs_10pct"]} f+VJP), Adam {fmt(t_adam10)}, '
          f'JIIO {fmt(t_j10)} ({res["evals_jiio_10pct"]} f+VJP)  -> {res["ratio_lbfgs_10pct"] and round(res["ratio_lbfgs_10pct"], 1)}x vs L-BFGS')
    return res

# ---------------------------------------------------------------- (c) the attack
def attack_problem(model, repeats, quick, eps=1.0):
    torch.manual_seed(0)
    ds = load('mnist', 'test', n=64, seed=2)
    u, lbl = ds.tensors
    cell, head = model.cell, model.head
    h = lambda z, x, y: -F.cross_entropy(head(z), y, reduction='none')
    C = L2Ball(eps, center=u, lo=0., hi=1.)
    print(f'\n(c) {type(model).__name__}: L2 attack eps={eps} (images kept in [0, 1]) on 64 test digits; clean CE {-true_obj(cell, h, u, lbl):.3f}')
    lrs = [0.2, 0.5, 1.0] if quick else [0.1, 0.2, 0.5, 1.0, 2.0]
    grid = {lr: naive_run(cell, h, u, lbl, 0, constraint=C, optimizer='pgd', lr=lr, steps=20, f_max_iter=18, b_max_iter=18, f_tol=1e-3, b_tol=1e-3)
            for lr in lrs}
    lr = min(grid, key=lambda k: grid[k]['objs'][-1])
    pgd = naive_run(cell, h, u, lbl, repeats, constraint=C, optimizer='pgd', lr=lr, steps=20, f_max_iter=18, b_max_iter=18, f_tol=1e-3, b_tol=1e-3)
    target = pgd['objs'][-1]
    jgrid = {}   # same selection as for the decoders: first iteration whose (proxy) objective reaches PGD-20's
    for kind, amu, ax in itertools.product(['I', 'II'], [0.6, 1.0], [0.2, 0.5, 1.0]):
        r = jiio_solve(cell, h, u, lbl, max_iter=80, tol=None, constraint=C, normalize='l2', kind=kind, alpha_mu=amu, alpha_x=ax)
        c = r.traces['cost'].mean(0); hit = (c <= target).nonzero()
        jgrid[(kind, amu, ax)] = (hit[0, 0].item() + 1 if len(hit) else 10**6, c[-1].item())
    (kind, amu, ax), _ = min(jgrid.items(), key=lambda kv: kv[1])
    jkw = dict(constraint=C, normalize='l2', kind=kind, alpha_mu=amu, alpha_x=ax, tol=None)
    jc = jiio_curve(cell, h, u, lbl, repeats, target, [2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80], **jkw)
    t_pgd, t_j = first_reach(pgd['times'], pgd['objs'], target), first_reach(jc['times'], jc['objs'], target)
    print(f'  PGD-20 (lr {lr} from {lrs}): CE {-target:.3f} at {t_pgd:.3f}s;  JIIO (type {kind}, alpha_mu {amu}, alpha_x {ax}, normalised L2 steps; {len(jgrid)} configurations): '
          + ('not reached' if t_j is None else f'{t_j:.3f}s -> {t_pgd / t_j:.1f}x'))
    return dict(problem='c: attack', eps=eps, pgd_lr=lr, jiio=dict(kind=kind, alpha_mu=amu, alpha_x=ax), target_ce=-target, t_pgd20=t_pgd, t_jiio=t_j,
                ratio_pgd20=t_pgd / t_j if t_j else None, curves=dict(pgd=pgd, jiio=jc))

# ---------------------------------------------------------------- per-iteration cost against the physical limit
def iteration_cost(name, cell, h, x0, y, repeats, T=60, **jkw):
    "JIIO solve time / (T x the time of one evaluation of f and h with its VJP, timed alone), interleaved, median of `repeats`."
    r = jiio_solve(cell, h, x0, y, max_iter=T, tol=None, trace=False, **jkw)
    pz = Packer(r.z)
    Z, X, MU = pz.pack(r.z), r.x.reshape(len(r.x), -1), pz.pack(r.mu)
    eval_vjp = lambda: _grads(cell, h, y, pz, r.x.shape[1:], Z, X, MU)   # one forward of f and h, one backward for both
    def timed(fn, n):
        t = time.perf_counter()
        for _ in range(n): fn()
        return time.perf_counter() - t
    solve = lambda: jiio_solve(cell, h, x0, y, max_iter=T, tol=None, trace=False, **jkw)
    timed(solve, 1); timed(eval_vjp, 5)                                   # warm-up
    js, es = [], []
    for _ in range(repeats):
        js.append(timed(solve, 1)); es.append(timed(eval_vjp, T))
    ratio = med([a / b for a, b in zip(js, es)])
    print(f'  {name}: JIIO {1e3 * med(js) / T:.2f} ms per iteration, evaluation + VJP alone {1e3 * med(es) / T:.2f} ms '
          f'-> ratio {ratio:.3f} (T = {T}, median of {repeats} interleaved runs)')
    return dict(problem=name, ms_per_iter=1e3 * med(js) / T, ms_eval_vjp=1e3 * med(es) / T, ratio=ratio, T=T)

def cost_problems(repeats, train_minutes, **jkw):
    "The per-iteration ratio on (a), (b) and (c), with each problem's JIIO settings of the main comparison's grid defaults."
    out = []
    for tag, preset in [('a', 'decoder-mlp'), ('b', 'decoder-mnist-small')]:
        model = get_decoder(preset, train_minutes)
        y = load('mnist', 'test', n=64, seed=1).tensors[0]
        out.append(iteration_cost(tag, model.cell, masked_sse(model.head), torch.zeros(64, model.latent_dim), (y, torch.ones_like(y[:, :1])), repeats, **jkw))
    model = get_classifier('classifier-mnist-small', train_minutes)
    u, lbl = load('mnist', 'test', n=64, seed=2).tensors
    h = lambda z, x, y: -F.cross_entropy(model.head(z), y, reduction='none')
    out.append(iteration_cost('c', model.cell, h, u, lbl, repeats, constraint=L2Ball(1.0, center=u, lo=0., hi=1.), normalize='l2', alpha_x=0.5, **jkw))
    return out

def plot(res, path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, c in res['curves'].items():
        ax[0].plot(c['times'], c['objs'], '.-', label=name)
        ax[1].plot([f + v for f, v in zip(c['fevals'], c['vjps'])], c['objs'], '.-', label=name)
    for a, xl in zip(ax, ['seconds', 'cell evaluations + VJPs']):
        a.set_xlabel(xl); a.set_ylabel('objective (true h)'); a.set_xscale('log'); a.legend(); a.set_title(res['problem'])
    plt.tight_layout(); plt.savefig(path, dpi=100); plt.close()

def main(problems='abc', repeats=3, train_minutes=3.0, quick=False):
    torch.set_num_threads(2)
    print(__doc__.split('\n\n')[0])
    print(f'jiio {jiio.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads, repeats {repeats}, train {train_minutes} min per model')
    out = []
    cost = cost_problems(max(repeats, 5), train_minutes)
    if 'a' in problems: out.append(decoder_problem('a: MLP decoder', get_decoder('decoder-mlp', train_minutes), repeats, quick))
    if 'b' in problems: out.append(decoder_problem('b: conv decoder', get_decoder('decoder-mnist-small', train_minutes), repeats, quick, small_grid=True))
    if 'c' in problems: out.append(attack_problem(get_classifier('classifier-mnist-small', train_minutes), repeats, quick))
    OUT.mkdir(exist_ok=True)
    for r in out: plot(r, OUT / f"jiio_vs_naive_{r['problem'][0]}.png")
    print(json.dumps(dict(benchmark='jiio_vs_naive', iteration_cost=cost, results=[{k: v for k, v in r.items() if k != 'curves'} for r in out])))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='JIIO vs the naive method on MNIST problems')
    ap.add_argument('--problems', default='abc'); ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--train-minutes', type=float, default=3.0); ap.add_argument('--quick', action='store_true')
    ap.add_argument('--cost-only', action='store_true', help='only the per-iteration cost ratio on (a), (b), (c)')
    ap.add_argument('--m', type=int, default=None, help='with --cost-only: the Anderson memory (default: jiio_solve\'s)')
    a = ap.parse_args()
    if a.cost_only:
        torch.set_num_threads(2)
        print(f'jiio {jiio.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads: JIIO time per iteration / (evaluation + VJP alone)' + (f', m={a.m}' if a.m else ''))
        print(json.dumps(dict(benchmark='jiio_iteration_cost', results=cost_problems(max(a.repeats, 5), a.train_minutes, **({'m': a.m} if a.m else {})))))
    else: main(a.problems, a.repeats, a.train_minutes, a.quick)
