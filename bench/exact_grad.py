"""Exact against first-order gradients through the augmented fixed point, on MNIST inpainting (offline).

Protocol: the MLP DEQ decoder ('decoder-mlp') trained with JIIO latents (the trainer's inner solve, `JIIO_GEN`), the
outer loss the MSE to the clean image (the inner objective sees the masked image, so first-order drops dx*/dtheta).
(1) Cost: one training step (solve + outer forward + backward) with each mode, and the backward alone, median of
--repeats steps on the same batches after warm-up; the exact backward is a fixed-point solve of VJPs through the
augmented map (Anderson, `b_tol`), each a double backward. (2) Quality: a fresh decoder per mode trained for --minutes
of wall-clock (cosine schedule sized from a timed probe, as bench/generative.py), then PSNR / SSIM on 512 held-out
digits inpainted by JIIO. 2 threads. Ends with one line of JSON."""
import argparse, itertools, json, statistics, time
import torch
import jiio
from jiio.core import set_seed
from jiio.data import load
from jiio.models import get_model
from jiio.train import Batches
from jiio.generative import InverseTask, JIIOTrainer, evaluate

def build(grad, train, task, n_steps, lr=2e-3):
    set_seed(0)
    return JIIOTrainer(get_model('decoder-mlp'), Batches(train, 64, seed=0), task, grad=grad, b_kw=dict(b_max_iter=60, b_tol=1e-4),
                       n_steps=n_steps, lr=lr, lr_min=lr / 20, warmup=min(50, n_steps // 10))

def step_cost(grad, train, task, repeats):
    "Median seconds of a whole training step and of its backward, and the backward solver's evaluations."
    tr = build(grad, train, task, 1000); tr.fit(3, log_every=0)
    steps, bwds, nfev = [], [], []
    for b in itertools.islice(iter(Batches(train, 64, seed=1)), repeats):
        t0 = time.perf_counter(); r = tr.compute(b); t1 = time.perf_counter()
        tr.model.zero_grad(); r['loss'].backward(); t2 = time.perf_counter()
        steps.append(t2 - t0); bwds.append(t2 - t1); nfev.append(tr.aug.last_backward['backward'].nfev)
    return dict(grad=grad, step_s=statistics.median(steps), backward_s=statistics.median(bwds), backward_nfev=statistics.median(nfev))

def train_timed(grad, train, task, minutes):
    tr = build(grad, train, task, 1000); tr.fit(5, log_every=0); t = time.time(); tr.fit(10, log_every=0); per = (time.time() - t) / 10
    n = max(20, int(60 * minutes / per))
    tr = build(grad, train, task, n); t = time.time()
    while tr.step < n and time.time() - t < 60 * minutes: tr.fit(min(25, n - tr.step), log_every=0)
    return tr, tr.step, time.time() - t

def main(minutes, repeats):
    torch.set_num_threads(2)
    print(__doc__); print(f'jiio {jiio.__version__}, torch {torch.__version__}, {minutes} min of training per mode\n')
    train, test = load('mnist', 'train', n=20000).tensors[0], load('mnist', 'test', n=512, seed=1).tensors[0]
    task = InverseTask('inpainting')
    cost = [step_cost(g, train, task, repeats) for g in ('first-order', 'exact')]
    for c in cost: print(f"  {c['grad']:12s} step {1e3 * c['step_s']:7.1f} ms, backward {1e3 * c['backward_s']:7.1f} ms ({c['backward_nfev']} backward evaluations)")
    print(f"  exact / first-order: step x{cost[1]['step_s'] / cost[0]['step_s']:.2f}, backward x{cost[1]['backward_s'] / cost[0]['backward_s']:.2f}\n")
    rows = []
    for g in ('first-order', 'exact'):
        tr, n, secs = train_timed(g, train, task, minutes)
        r = evaluate(tr.model, test, task, 'jiio')
        rows.append(dict(grad=g, steps=n, train_s=secs, psnr=r['psnr'], ssim=r['ssim']))
        print(f"  {g:12s} {n} steps in {secs:.0f} s: test PSNR {r['psnr']:.2f} dB, SSIM {r['ssim']:.3f}")
    print(json.dumps(dict(benchmark='exact_grad', minutes=minutes, cost=cost, quality=rows)))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--minutes', type=float, default=2.0); ap.add_argument('--repeats', type=int, default=10)
    a = ap.parse_args()
    main(a.minutes, a.repeats)
