"""Solver benchmark: f evaluations, residual reached and median wall time of the forward solve (to rel tol 1e-4)
and of the implicit backward, on two standard DEQ problems, with torchdeq 0.1.0 as an optional comparison column.

(a) MLP cell z = tanh(W z + U x + b), d = 256, batch 256, ‖W‖₂ = 0.9, x ~ N(0, I)
(b) the DEQ-tutorial conv cell on 1x28x28 inputs (real MNIST digits when available), 32 channels (64 inner),
    GroupNorm(8), weight-normalised convs, batch 64
f is the cell's step with the input injection (U x + b, the conv stem) computed once per solve, as in the tutorial and
in `DEQ`.

overhead = solve time / (f evaluations x time of one f evaluation): the solver's own cost on top of the cell. The time of
one f evaluation is taken two ways: `overhead` divides by the time f itself took inside that solve (each call timed,
so machine noise that slows f and the solve alike cancels), `ovh*` by the median of standalone f calls timed between
the solves (stricter: it also charges the solver for slowing f down through the cache). Each problem also prints a
memory-traffic bound on what Anderson's own work costs at the measured streaming bandwidth (see `traffic_floor`).
Timings: 2 threads, CPU (f is timed with perf_counter, which assumes synchronous execution), warm-up first,
jiio's and torchdeq's runs interleaved (so machine drift hits both alike), median of --repeats runs (5x as many
where f takes under 5 ms). Ends with one line of JSON.
usage: python bench/solvers.py [--repeats 5] [--quick]"""
import argparse, json, statistics, time, sys
import torch
from torch.nn.utils import parametrize
import jiio
from jiio.core import set_seed
from jiio.solvers import get_solver
from jiio.deq import DEQ, MLPCell, ConvCell

try:
    import torchdeq
    from torchdeq import get_deq
    from torchdeq.solver import get_solver as td_get_solver
except Exception: torchdeq = None

TOL, MODE = 1e-4, 'rel'
SOLVERS = [('fixed_point_iter', {}, 'fixed_point_iter'), ('anderson', dict(kind='II'), 'anderson'),
           ('anderson', dict(kind='I'), None), ('broyden', {}, 'broyden')]

def timeit(fn, repeats):
    "Median wall time of `fn()` over `repeats` runs after one warm-up run."
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def mnist_batch(n):
    "n real MNIST test digits in [0, 1] if an offline source is installed, else N(0, 1) noise (said in the output)."
    try:
        from jiio.data import load
        ds = load('mnist', 'test', source='offline')
        return torch.stack([ds[i][0] for i in range(n)]), 'MNIST test digits'
    except Exception as e: return torch.randn(n, 1, 28, 28), f'N(0,1) noise ({type(e).__name__})'

def problems():
    set_seed(0)
    mlp = MLPCell(d=256, dx=256, rho=0.9)
    xa = torch.randn(256, 256)
    conv = ConvCell(c=32, c_inner=64)
    xb, src = mnist_batch(64)
    return [('a: MLP d=256 bs=256', mlp, xa, 'N(0, I)'), ('b: conv 32ch 28x28 bs=64', conv, xb, src)]

def injected(cell, x):
    "The input injection, computed once per solve as in the DEQ tutorial (and in `DEQ`): f(z) = cell.step(z, u)."
    with torch.no_grad(): return cell.inject(x)

class Ours:
    "jiio's solver `name` on (cell, x): one timed forward solve or implicit backward per call, for interleaved timing."
    def __init__(self, cell, x, name, kw):
        self.z0, u, solver = cell.z0(x), injected(cell, x), get_solver(name)
        self.f_times, self.runs, self.alone, self.bwds = [], [], [], []
        def f(z):
            t = time.perf_counter(); out = cell.step(z, u); self.f_times.append(time.perf_counter() - t); return out
        def f_once():
            with torch.no_grad(), parametrize.cached(): cell.step(self.z0, u)
        def solve():
            with torch.no_grad(), parametrize.cached(): return solver(f, self.z0, max_iter=100, tol=TOL, stop_mode=MODE, **kw)
        self.f_once, self.solve, self.x = f_once, solve, x
        self.deq = DEQ(cell, f_solver=name, f_kw=kw, f_max_iter=100, f_tol=TOL, f_stop_mode=MODE,
                       b_solver=name, b_kw=kw, b_max_iter=100, b_tol=TOL, b_stop_mode=MODE)
        self.g, self.res = torch.randn_like(self.z0), solve()
        self.bwd(); self.bwds.clear()                      # warm-up

    def fwd(self):
        for _ in range(3): t = time.perf_counter(); self.f_once(); self.alone.append(time.perf_counter() - t)
        self.f_times.clear(); t = time.perf_counter(); self.solve(); self.runs.append((time.perf_counter() - t, sum(self.f_times)))

    def bwd(self):
        z, self.info = self.deq(self.x); t = time.perf_counter(); (z * self.g).sum().backward()
        self.bwds.append(time.perf_counter() - t)

    def summary(self):
        t_fwd = statistics.median(r[0] for r in self.runs)
        b = self.info.backward
        return dict(nfev=self.res.nfev, rel=self.res.rel_lowest.max().item(), fwd_ms=1e3 * t_fwd,
                    overhead=statistics.median(r[0] / r[1] for r in self.runs),
                    overhead_alone=t_fwd / (self.res.nfev * statistics.median(self.alone)),
                    bwd_ms=1e3 * statistics.median(self.bwds), bwd_nfev=b.nfev, bwd_rel=b.rel_lowest.max().item())

class TorchDEQ:
    "torchdeq 0.1.0's solver `name` on the same f, z0 and tolerance, with the same interface as `Ours`."
    def __init__(self, cell, x, name):
        solver, u, self.z0 = td_get_solver(name), injected(cell, x), cell.z0(x)
        f = lambda z: cell.step(z, u)
        def solve():
            with torch.no_grad(), parametrize.cached(): return solver(f, self.z0, max_iter=100, tol=TOL, stop_mode=MODE, m=5)
        self.solve, self.cell, self.x, self.runs, self.bwds = solve, cell, x, [], []
        self.deq = get_deq(f_solver=name, b_solver=name, f_max_iter=100, b_max_iter=100, f_tol=TOL, b_tol=TOL,
                           f_stop_mode=MODE, b_stop_mode=MODE, ift=True)
        self.g, self.info = torch.randn_like(self.z0), solve()[2]
        self.bwd(); self.bwds.clear()                      # warm-up

    def fwd(self):
        t = time.perf_counter(); self.solve(); self.runs.append(time.perf_counter() - t)

    def bwd(self):
        u_g = self.cell.inject(self.x)   # with its graph, as `DEQ` does: computed once, outside the solve
        z_out, _ = self.deq(lambda z: self.cell.step(z, u_g), self.z0)
        t = time.perf_counter(); (z_out[-1] * self.g).sum().backward(); self.bwds.append(time.perf_counter() - t)

    def summary(self):
        return dict(td_nfev=int(self.info['nstep'].max().item()), td_rel=self.info['rel_lowest'].max().item(),
                    td_fwd_ms=1e3 * statistics.median(self.runs), td_bwd_ms=1e3 * statistics.median(self.bwds))

def interleaved(benches, repeats):
    "Time every bench's forward solve, then its backward, `repeats` times, alternating between the benches run by run."
    for _ in range(repeats):
        for b in benches: b.fwd()
    for _ in range(repeats):
        for b in benches: b.bwd()
    out = {}
    for b in benches: out.update(b.summary())
    return out

def stream_bandwidth():
    "Streaming read bandwidth in bytes/s: the best of 10 sums of a 256 MB tensor (larger than any cache)."
    big, ts = torch.ones(64 * 2**20), []
    for _ in range(10): t = time.perf_counter(); big.sum(); ts.append(time.perf_counter() - t)
    return big.numel() * 4 / min(ts)

def traffic_floor(B, D, m, t_f, bw, itemsize=4):
    """1 + a lower bound on Anderson-II's extra cost over forward iteration, from memory traffic alone: per iteration, beyond what forward iteration
    moves (F - X and norms), it reads m stored residuals for the Gram row and m stored images for the mix, writes the
    mixed iterate and copies f(X) into the history (2m + 3 passes over the (B, D) state), and saves one norm (|G| comes
    from the Gram row): 2m + 2 passes at the best streaming bandwidth, counting no write-allocate traffic."""
    return 1 + (2 * m + 2) * B * D * itemsize / bw / t_f

def main(repeats=5, quick=False):
    torch.set_num_threads(2)
    print(f'jiio {jiio.__version__}, torch {torch.__version__}, threads {torch.get_num_threads()}, '
          f'torchdeq {getattr(torchdeq, "__version__", "0.1.0") if torchdeq else "not installed"}')
    print(f'forward solve to {MODE} tol {TOL}, implicit backward to {MODE} tol {TOL} with the same solver; '
          f'Anderson m=5 (torchdeq m=5, its lam 1e-4 absolute); median of {repeats} runs after warm-up '
          f'({5 * repeats} where one f evaluation takes under 5 ms: short solves are the noisiest)\n')
    bw = stream_bandwidth()
    print(f'streaming read bandwidth: {bw / 1e9:.1f} GB/s\n')
    rows = []
    for pname, cell, x, src in problems():
        u = injected(cell, x)
        def f_once():
            with torch.no_grad(), parametrize.cached(): cell.step(cell.z0(x), u)
        t_f = timeit(f_once, max(repeats, 10))
        B, D = x.shape[0], cell.z0(x)[0].numel()
        floor = traffic_floor(B, D, 5, t_f, bw)
        reps = repeats if t_f >= 5e-3 else 5 * repeats
        print(f'{pname} (x: {src}); one f evaluation: {1e3 * t_f:.2f} ms; state {B}x{D} = {4 * B * D / 1e6:.1f} MB; '
              f'Anderson-II (m=5) moves at least {100 * (floor - 1):.1f}% of f\'s time in memory traffic beyond forward iteration; '
              f'median of {reps} runs')
        hdr = f"{'solver':18s} {'nfev':>5s} {'rel res':>9s} {'fwd ms':>8s} {'overhead':>8s} {'ovh*':>5s} {'bwd nfev':>8s} {'bwd ms':>8s}"
        if torchdeq: hdr += f" | {'td nfev':>7s} {'td rel':>9s} {'td fwd ms':>9s} {'td bwd ms':>9s} {'fwd x':>6s} {'bwd x':>6s}"
        print(hdr)
        for name, kw, td_name in SOLVERS:
            if quick and name == 'fixed_point_iter' and pname.startswith('b'): continue
            benches = [Ours(cell, x, name, kw)] + ([TorchDEQ(cell, x, td_name)] if torchdeq and td_name else [])
            r = interleaved(benches, reps)
            r.update(repeats=reps, problem=pname, solver=name + ('-' + kw['kind'] if kw else ''), f_ms=1e3 * t_f, traffic_floor=floor)
            line = (f"{r['solver']:18s} {r['nfev']:5d} {r['rel']:9.2e} {r['fwd_ms']:8.1f} {r['overhead']:8.3f} {r['overhead_alone']:5.2f} "
                    f"{r['bwd_nfev']:8d} {r['bwd_ms']:8.1f}")
            if len(benches) > 1:
                r['speedup_fwd'], r['speedup_bwd'] = r['td_fwd_ms'] / r['fwd_ms'], r['td_bwd_ms'] / r['bwd_ms']
                line += (f" | {r['td_nfev']:7d} {r['td_rel']:9.2e} {r['td_fwd_ms']:9.1f} {r['td_bwd_ms']:9.1f} "
                         f"{r['speedup_fwd']:6.2f} {r['speedup_bwd']:6.2f}")
            print(line); sys.stdout.flush()
            rows.append(r)
        print()
    print('fwd x / bwd x: torchdeq time / jiio time (above 1: jiio is faster)')
    print(json.dumps(dict(benchmark='solvers', tol=TOL, stop_mode=MODE, repeats=repeats, rows=rows)))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--quick', action='store_true', help='skip forward iteration on the conv problem')
    a = ap.parse_args()
    main(a.repeats, a.quick)
