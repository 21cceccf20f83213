"""Per-iteration cost of JIIO, old against new in one process: the ratio (solve time) / (T x one evaluation + VJP, timed
alone) of `bench/jiio_vs_naive.py --cost-only`, for an older jiio and this one, interleaved so that both see the same
machine load.

Protocol: problems (a), (b), (c) of `bench/jiio_vs_naive.py` (its cached models in bench/out/, else trained for
--train-minutes first; on a fixed budget the cost per iteration does not depend on the training), batch 64, and with
--meta CONFIG (e.g. 5x5) a few-shot inner solve of `jiio.meta` (a fresh tiny model, 20 test tasks, `JIIO_META`
settings); --T iterations (60) on a fixed budget (tol=None, no traces), memory --m (the meta problem: JIIO_META's), --threads (2). Each of --repeats rounds
times the evaluation + VJP alone (T times), then both solves, alternating which goes first; the medians of the
per-round ratios are reported, with the number of rounds in which the new solve was faster.

The older version must be importable as `jiio_old`, e.g.:
    git worktree add /tmp/old <rev> && mkdir -p /tmp/oldpkg && cp -r /tmp/old/jiio /tmp/oldpkg/jiio_old
    python bench/cost_ab.py /tmp/oldpkg --m 10
(jiio's modules import each other relatively, so the renamed copy is self-contained.)"""
import argparse, sys, time, statistics
from pathlib import Path
import torch
import torch.nn.functional as F

def meta_problem(cfg):
    "The inner solve of `jiio.meta.adapt_jiio` on 20 test tasks of a fresh tiny model: (cell, h, x0, y, kw, None)."
    from jiio.data import omniglot_episodes
    from jiio.meta import get_meta_model, inner_problem, _jiio_kw
    ways, shots = map(int, cfg.split('x'))
    torch.manual_seed(0); model = get_meta_model('meta-omniglot-tiny', ways).eval()
    us, ys, _, _ = omniglot_episodes('test', ways, shots, 5, seed=2).sample(20)
    kw = {k: v for k, v in _jiio_kw(model, {}).items() if k not in ('max_iter', 'tol')}
    return *inner_problem(model, us, ys, 0.01), kw, None

def main(old_dir, m, R, T=60, train_minutes=3, meta=None, problems='abc', threads=2):
    sys.path.insert(0, str(Path(__file__).parent)); sys.path.insert(0, old_dir)
    from jiio_vs_naive import get_classifier, get_decoder, load, masked_sse, Packer, _grads
    import jiio.augmented as NEW, jiio.constraints as NC
    import jiio_old.augmented as OLD, jiio_old.constraints as OC
    torch.set_num_threads(threads)
    probs = {}
    for tag, preset in [(t, p) for t, p in [('a', 'decoder-mlp'), ('b', 'decoder-mnist-small')] if t in problems]:
        model = get_decoder(preset, train_minutes); y = load('mnist', 'test', n=64, seed=1).tensors[0]
        probs[tag] = (model.cell, masked_sse(model.head), torch.zeros(64, model.latent_dim), (y, torch.ones_like(y[:, :1])), {}, None)
    if 'c' in problems:
        model = get_classifier('classifier-mnist-small', train_minutes)
        u, lbl = load('mnist', 'test', n=64, seed=2).tensors
        h = lambda z, x, y, head=model.head: -F.cross_entropy(head(z), y, reduction='none')
        probs['c'] = (model.cell, h, u, lbl, dict(normalize='l2', alpha_x=0.5), u)
    if meta: probs[f'meta {meta}'] = meta_problem(meta)
    timed = lambda fn: (lambda t: (fn(), time.perf_counter() - t)[1])(time.perf_counter())
    print(f'memory m={m}, T={T}, {R} interleaved rounds, {threads} threads; ratio = solve / (T x evaluation + VJP timed alone)')
    for tag, (cell, h, x0, y, kw, u) in probs.items():
        kw = dict(dict(m=m) | kw, max_iter=T, tol=None, trace=False)
        solves = {name: (lambda mod=mod, C=C: mod.jiio_solve(cell, h, x0, y, constraint=C.L2Ball(1.0, center=u, lo=0., hi=1.) if u is not None else None, **kw))
                  for name, mod, C in (('old', OLD, OC), ('new', NEW, NC))}
        r = solves['new']()
        pz = Packer(r.z); Z, X, MU = pz.pack(r.z), r.x.reshape(len(r.x), -1), pz.pack(r.mu)
        ev = lambda: [_grads(cell, h, y, pz, r.x.shape[1:], Z, X, MU) for _ in range(T)]
        for f in (ev, solves['old'], solves['new']): timed(f)          # warm-up
        rat = {'old': [], 'new': []}
        for i in range(R):
            e = timed(ev)
            for name in (('old', 'new') if i % 2 == 0 else ('new', 'old')): rat[name].append(timed(solves[name]) / e)
        wins = sum(n < o for n, o in zip(rat['new'], rat['old']))
        print(f'  {tag}: old {statistics.median(rat["old"]):.3f}  new {statistics.median(rat["new"]):.3f}  '
              f'(new faster in {wins}/{R} rounds; evaluation + VJP {1e3 * e / T:.2f} ms)', flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('old_dir', help='a directory holding the older jiio as the package jiio_old')
    ap.add_argument('--m', type=int, default=10); ap.add_argument('--repeats', type=int, default=9)
    ap.add_argument('--train-minutes', type=float, default=3); ap.add_argument('--meta', default=None, help='also a few-shot inner solve, e.g. 5x5')
    ap.add_argument('--problems', default='abc', help='which of (a), (b), (c) to run')
    ap.add_argument('--T', type=int, default=60); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    print(__doc__.split('\n\n')[0]); main(a.old_dir, a.m, a.repeats, a.T, a.train_minutes, a.meta, a.problems, a.threads)
