"""Paired query accuracy and adaptation time of inner loops on one saved few-shot model: is JIIO-T as accurate as Adam-k, and how much faster?

Loads a model saved by `bench/meta.py --save-models DIR` (DIR/CONFIG_jiio.pt, the tiny preset), adapts the same
N_BATCHES x 20 test tasks (bench/meta.py's sweep tasks: test split, seed 2, 5 queries per class) with each setting,
the settings interleaved batch by batch (so load from other processes hits all of them alike), and prints per setting
its mean query accuracy with a 95% interval over tasks and its median adaptation time per meta-batch of 20 tasks.
Then, for every naive setting against every JIIO setting:
the paired per-task difference (mean +- 95% interval) and the time ratio; and per naive setting the cheapest JIIO
setting with a paired difference >= 0 ("equal or better") and the cheapest not significantly worse (interval reaches 0).
With --select-l2 K, each method first chooses its adaptation l2 (`jiio.meta.select_l2`, candidates --l2s) by query
accuracy on K x 20 tasks of the *validation* alphabets (seed 3), with its last setting in SETTINGS (its largest budget,
by convention); all its settings then adapt the test tasks with that l2 (unless a setting names its own).
One thread. Ends with one line of JSON.
With --split valid the paired comparison itself runs on validation tasks (seed 2), to choose settings without the test tasks.
A setting may name its own model as a third element, e.g. ('naive', dict(steps=10), 'runs/5x1_naive.pt'): then it compares
whole pipelines (each method adapting the model it meta-trained) instead of inner loops on one model.
usage: python bench/meta_paired.py CONFIG MODEL N_BATCHES SETTINGS [--select-l2 K] [--l2s 0.01,0.03,0.1,0.3] [--preset P] [--split S], e.g.
python bench/meta_paired.py 20x1 runs/20x1_jiio.pt 3 "[('jiio', dict(max_iter=30)), ('naive', dict(steps=10))]" """
import sys, time, json, argparse, torch
import numpy as np
from jiio.data import omniglot_episodes
from jiio.meta import get_meta_model, adapt, query_logits, select_l2

def run(models, batches, settings):
    "Per setting: query accuracy of every task and adaptation seconds of every meta-batch, settings interleaved."
    accs, secs = {k: [] for k in settings}, {k: [] for k in settings}
    for i, (us, ys, uq, yq) in enumerate(batches):
        for k, (method, kw, path) in settings.items():
            model = models[path]
            t = time.perf_counter(); v, _ = adapt(model, us, ys, method, **kw); secs[k].append(time.perf_counter() - t)
            with torch.no_grad(): accs[k].append((query_logits(model, uq, v.detach()).argmax(-1) == yq).float().mean(1))
        print(f'batch {i + 1}/{len(batches)}', flush=True)
    return {k: torch.cat(a).double() for k, a in accs.items()}, {k: float(np.median(s)) for k, s in secs.items()}

def choose_l2(model, ways, shots, settings, k, l2s):
    "Per method: the l2 that `select_l2` picks on k x 20 validation tasks with the method's last setting; the candidates' rows."
    val, chosen, rows = omniglot_episodes('valid', ways, shots, 5, seed=3), {}, {}
    for m in dict.fromkeys(m for m, _ in settings):
        kw = [kw for mm, kw in settings if mm == m][-1]
        t = time.perf_counter()
        chosen[m], rows[m] = select_l2(model, val, l2s, 20 * k, m, **kw)
        for r in rows[m]: print(f"valid {m} {kw} l2={r['l2']}: query acc {r['acc']:.4f} +- {r['ci95']:.4f}", flush=True)
        print(f'{m}: l2 = {chosen[m]} chosen on {20 * k} validation tasks ({time.perf_counter() - t:.0f} s)', flush=True)
    return chosen, rows

def load(preset, ways, path):
    model = get_meta_model(preset, ways); model.load_state_dict(torch.load(path)); model.eval()
    return model

def main(cfg, path, n_batches, settings, select=0, l2s=(0.01, 0.03, 0.1, 0.3), preset='meta-omniglot-tiny', split='test'):
    torch.set_num_threads(1)
    ways, shots = map(int, cfg.split('x'))
    settings = [(s[0], s[1], s[2] if len(s) > 2 else path) for s in settings]
    models = {p: load(preset, ways, p) for p in dict.fromkeys([path] + [p for *_, p in settings])}
    model = models[path]
    if select and len(models) > 1: raise ValueError('--select-l2 with per-setting models is not supported')
    chosen, rows = choose_l2(model, ways, shots, [s[:2] for s in settings], select, l2s) if select else ({}, {})
    settings = [(m, dict(l2=chosen[m]) | kw if m in chosen else kw, p) for m, kw, p in settings]
    test = omniglot_episodes(split, ways, shots, 5, seed=2)
    batches = [test.sample(20) for _ in range(n_batches)]
    ci = lambda a: 1.96 * a.std().item() / len(a) ** .5
    tag = lambda p: '' if p == path else f' [{p.rsplit("/", 1)[-1]}]'
    settings = {f'{m} {kw}{tag(p)}': (m, kw, p) for m, kw, p in settings}
    acc, sec = run(models, batches, settings)
    out = dict(config=cfg, model=path, split=split, n_tasks=20 * n_batches, settings={}, paired=[], speedups=[],
               l2_chosen=chosen, l2_valid=rows, valid_tasks=20 * select)
    for k, a in acc.items():
        print(f'{k}: query acc {a.mean():.4f} +- {ci(a):.4f}, {sec[k]:.2f} s per 20 tasks', flush=True)
        out['settings'][k] = dict(acc=a.mean().item(), ci95=ci(a), s_per_batch=sec[k], task_acc=[round(t, 4) for t in a.tolist()])
    js, ns = [k for k in acc if settings[k][0] == 'jiio'], [k for k in acc if settings[k][0] != 'jiio']
    for n in ns:
        eq, ns_worse = [], []
        for j in js:
            d = acc[j] - acc[n]; r = sec[n] / sec[j]
            print(f'paired {j} - {n}: {d.mean():+.4f} +- {ci(d):.4f} ({len(d)} tasks), {r:.1f}x less time', flush=True)
            out['paired'].append(dict(jiio=j, naive=n, diff=d.mean().item(), ci95=ci(d), speedup=r))
            if d.mean() >= 0: eq.append((r, j))
            if d.mean() + ci(d) >= 0: ns_worse.append((r, j))
        best = lambda l: max(l) if l else (None, 'none')
        (r1, j1), (r2, j2) = best(eq), best(ns_worse)
        print(f'{n}: equal or better: {j1} ({r1 and round(r1, 1)}x); not significantly worse: {j2} ({r2 and round(r2, 1)}x)', flush=True)
        out['speedups'].append(dict(naive=n, equal_or_better=j1, speedup=r1, not_worse=j2, speedup_not_worse=r2))
    print(json.dumps(out))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument('config'); ap.add_argument('model'); ap.add_argument('n_batches', type=int); ap.add_argument('settings')
    ap.add_argument('--select-l2', type=int, default=0); ap.add_argument('--l2s', default='0.01,0.03,0.1,0.3')
    ap.add_argument('--preset', default='meta-omniglot-tiny')
    ap.add_argument('--split', default='test', help="the tasks of the paired comparison: 'test', or 'valid' to choose settings")
    a = ap.parse_args()
    main(a.config, a.model, a.n_batches, eval(a.settings), a.select_l2, tuple(map(float, a.l2s.split(','))), a.preset, a.split)
