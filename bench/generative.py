"""Generative / inverse-problem results table: the same MLP DEQ decoder trained with JIIO latents, as a VAE, and with
naive latent optimisation (Adam-20 through full DEQ solves), for the same wall-clock time, on MNIST (offline).

Protocol: for each task and method, 20 steps (after 5 warm-up steps) estimate the time per step, then a fresh model
trains with a cosine schedule sized to --minutes of wall-clock, stopped at --minutes if it runs late (2 threads).
Test: 512 held-out digits, observed through the task's corruption (seeded); PSNR and SSIM on [0, 1] images. Inference: JIIO latents (20 iterations) for the JIIO-trained
decoder, Adam-20 latents for the naive one, the encoder for the VAE. Also, on the JIIO-trained decoder, how much faster
JIIO inference is than Adam-20 at equal PSNR. Ends with one line of JSON.
usage: python bench/generative.py [--minutes 2] [--tasks reconstruction,inpainting,denoising0.2,denoising0.4]"""
import argparse, json, time
import torch
import jiio
from jiio.core import set_seed
from jiio.data import load
from jiio.models import get_model
from jiio.train import Batches
from jiio.generative import InverseTask, VAE, evaluate
from jiio.cli import make_trainer, print_table

def make_task(name):
    if name.startswith('denoising'): return InverseTask('denoising', sigma=float(name[len('denoising'):]))
    return InverseTask(name)

def train_timed(method, task, train, minutes, preset, lr=2e-3):
    "Train a fresh model with `method` for about `minutes`, with a cosine schedule sized to fit."
    def build(n_steps):
        set_seed(0)
        m = get_model(preset)
        return make_trainer(method, VAE(m) if method == 'vae' else m, Batches(train, 64, seed=0), task, n_steps, lr)
    tr = build(1000); tr.fit(5, log_every=0); t = time.time(); tr.fit(20, log_every=0); per = (time.time() - t) / 20
    n = max(20, int(60 * minutes / per))
    tr = build(n); t = time.time()
    while tr.step < n and time.time() - t < 60 * minutes: tr.fit(min(25, n - tr.step), log_every=0)   # wall-clock cap
    return tr, tr.step, time.time() - t

def jiio_speedup(dec, test, task):
    "Seconds per batch of Adam-20 and of the smallest JIIO budget reaching Adam-20's PSNR."
    adam = evaluate(dec, test, task, 'adam')
    for T in (2, 4, 6, 8, 10, 15, 20, 30, 40):
        r = evaluate(dec, test, task, 'jiio', max_iter=T)
        if r['psnr'] >= adam['psnr']: return dict(adam_psnr=adam['psnr'], adam_s=adam['sec_per_batch'], jiio_iters=T, jiio_s=r['sec_per_batch'], speedup=adam['sec_per_batch'] / r['sec_per_batch'])
    return dict(adam_psnr=adam['psnr'], adam_s=adam['sec_per_batch'], jiio_iters=None, speedup=None)

def main(minutes=2.0, tasks='reconstruction,inpainting,denoising0.2,denoising0.4', preset='decoder-mlp'):
    torch.set_num_threads(2)
    print(__doc__.split('usage')[0])
    print(f'jiio {jiio.__version__}, torch {torch.__version__}, {minutes} min of training per (task, method), preset {preset}\n')
    train = load('mnist', 'train', n=20000).tensors[0]
    test = load('mnist', 'test', n=512, seed=1).tensors[0]
    rows = []
    for tname in tasks.split(','):
        task = make_task(tname)
        for method in ('jiio', 'vae', 'naive'):
            tr, n, secs = train_timed(method, task, train, minutes, preset)
            inf = 'vae' if method == 'vae' else 'jiio' if method == 'jiio' else 'adam'
            r = evaluate(tr.model, test, task, inf)
            row = dict(task=tname, method=method, steps=n, train_s=secs, inference=inf, psnr=r['psnr'], ssim=r['ssim'], ms_per_batch=1e3 * r['sec_per_batch'])
            if method == 'jiio': row.update(jiio_vs_adam=jiio_speedup(tr.model, test, task))
            rows.append(row); print_table([{k: v for k, v in row.items() if k != 'jiio_vs_adam'}])
            if 'jiio_vs_adam' in row: print('  JIIO inference vs Adam-20 at equal PSNR:', {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row['jiio_vs_adam'].items()})
    print('\nResults (PSNR dB / SSIM on held-out digits; equal training time):')
    table = {}
    for r in rows: table.setdefault(r['task'], {})[r['method']] = f"{r['psnr']:.2f} / {r['ssim']:.3f}"
    print_table([dict(task=t, **v) for t, v in table.items()])
    print(json.dumps(dict(benchmark='generative', minutes=minutes, preset=preset, rows=rows)))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='JIIO vs VAE vs naive latent optimisation on MNIST inverse problems')
    ap.add_argument('--minutes', type=float, default=2.0)
    ap.add_argument('--tasks', default='reconstruction,inpainting,denoising0.2,denoising0.4')
    ap.add_argument('--preset', default='decoder-mlp')
    a = ap.parse_args()
    main(a.minutes, a.tasks, a.preset)
