"""Few-shot Omniglot meta-learning: JIIO against the naive inner loop and a conv reference (jiio.meta).

Protocol: 5-way 1-shot (other configurations with --configs, e.g. 5x1,5x5,20x1), 5 queries per class, meta-batches of
--tasks tasks, on the offline Omniglot subsets (train: 4 alphabets, test: 2 held-out alphabets, rotations as classes).
Each method meta-trains a fresh model (seed 0) for --minutes of training time (`make_meta_trainer(seconds=...)`: the lr
follows the training clock, warm-up 20 steps, so every method ends its schedule at the budget however loaded the machine is): 'jiio' (first-order meta-gradient), 'jiio-exact' (exact meta-gradient through
the augmented fixed point), 'naive' (Adam-10 on the context through full DEQ solves, first-order), 'conv' (4-block conv
net with the same FiLM context, SGD-10 by backprop: `GD_META`). The DEQ methods use --preset. Test: mean query accuracy over
--test-tasks held-out tasks (the same tasks for every method) with a 95% CI, at the end (and on a quarter of them at
half time: the plot).
Adaptation sweep on the JIIO-trained model, on --sweep-batches meta-batches of 20 test tasks: JIIO with T joint
iterations (--jiio-iters) vs Adam-k (--naive-steps) through full solves; time per meta-batch (median), support objective, query accuracy; JIIO's
speed-up at equal support objective and at equal query accuracy. With --pipeline (and 'naive' among the methods) the
Adam-k rows adapt the naive-trained model instead: whole pipelines, each method adapting the model it meta-trained
(bench/meta_paired.py measures the same per task, paired). Threads: 1 (shared machine). Ends with one line of JSON.
usage: python bench/meta.py [--minutes 2] [--test-tasks 100] [--configs 5x1]"""
import argparse, json, time
import numpy as np
import torch
import jiio
from jiio.core import set_seed, print_table
from _clock import fit_for
from jiio.data import omniglot_episodes
from jiio.meta import get_meta_model, make_meta_trainer, MetaBatches, meta_test, adapt, query_logits

METHODS = {'jiio': ('jiio', 'first-order'), 'jiio-exact': ('jiio', 'exact'), 'naive': ('naive', 'first-order'), 'conv': ('conv', 'first-order')}

def train_timed(name, ways, shots, a):
    "Meta-train a fresh model with method `name` for `a.minutes` of wall clock (the lr schedule follows the clock); test at half time and at the end."
    method, grad = METHODS[name]
    set_seed(0)
    m = get_meta_model('conv4' if method == 'conv' else a.preset, ways)
    tr = make_meta_trainer(method, m, MetaBatches(omniglot_episodes('train', ways, shots, a.queries, seed=0), a.tasks), lr=a.lr, grad=grad,
                           l2=a.l2, seconds=60 * a.minutes)
    test, curve = omniglot_episodes('test', ways, shots, a.queries, seed=1), []
    def evaluate(tr, t_train, frac):
        last = frac == 1
        ev = meta_test(tr.model, test, a.test_tasks if last else a.test_tasks // 4, 'gd' if method == 'conv' else method, l2=a.l2)
        curve.append(dict(train_s=t_train, steps=tr.step, **ev))
    t_train = fit_for(tr, (0.5, 1.), evaluate)
    sec = float(np.median([h['time'] for h in tr.hist]))
    return tr, dict(method=name, steps=tr.step, train_s=t_train, s_per_step=sec, acc=curve[-1]['acc'], ci95=curve[-1]['ci95'],
                    n_tasks=curve[-1]['n_tasks'], test_s_per_batch=curve[-1]['sec_per_batch']), curve

def sweep(model, ways, shots, a, naive_model=None):
    "Adaptation time per meta-batch of 20 tasks, support objective and query accuracy: JIIO-T vs Adam-k (on `naive_model` if given)."
    test = omniglot_episodes('test', ways, shots, a.queries, seed=2)
    batches = [test.sample(a.sweep_size) for _ in range(a.sweep_batches)]
    rows = []
    for m in (model, naive_model):
        if m is not None: m.eval()
    for method, key, vals in (('jiio', 'max_iter', a.jiio_iters), ('naive', 'steps', a.naive_steps)):
        mdl = naive_model if method == 'naive' and naive_model is not None else model
        for k in vals:
            ts, sl, acc = [], [], []
            for us, ys, uq, yq in batches:
                t = time.perf_counter(); v, st = adapt(mdl, us, ys, method, a.l2, **{key: k}); ts.append(time.perf_counter() - t)
                with torch.no_grad(): acc.append((query_logits(mdl, uq, v.detach()).argmax(-1) == yq).float().mean().item())
                sl.append(st['support_loss'])
            rows.append(dict(method=f'{"JIIO" if method == "jiio" else "Adam"}-{k}', s_per_batch=float(np.median(ts)),
                             support_obj=float(np.mean(sl)), query_acc=float(np.mean(acc))))
    return rows

def speedups(rows):
    "For each Adam-k: the cheapest JIIO-T at least as good in support objective, and in query accuracy; time ratios."
    jr, out = [r for r in rows if r['method'].startswith('JIIO')], []
    for n in (r for r in rows if r['method'].startswith('Adam')):
        d = dict(naive=n['method'])
        for crit, better in (('support_obj', lambda j: j['support_obj'] <= n['support_obj']), ('query_acc', lambda j: j['query_acc'] >= n['query_acc'])):
            ok = [j for j in jr if better(j)]
            j = min(ok, key=lambda j: j['s_per_batch']) if ok else None
            d[f'jiio_at_equal_{crit}'] = j['method'] if j else 'none'
            d[f'speedup_{crit}'] = n['s_per_batch'] / j['s_per_batch'] if j else None
        out.append(d)
    return out

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--minutes', type=float, default=2.0); p.add_argument('--test-tasks', type=int, default=100)
    p.add_argument('--configs', default='5x1'); p.add_argument('--methods', default='jiio,jiio-exact,naive,conv')
    p.add_argument('--preset', default='meta-omniglot-tiny'); p.add_argument('--tasks', type=int, default=4)
    p.add_argument('--queries', type=int, default=5); p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--l2', type=float, default=0.01, help='the inner objective\'s weight on ||v||^2 / 2 (training, test and sweep)')
    p.add_argument('--sweep-batches', type=int, default=2); p.add_argument('--sweep-size', type=int, default=20); p.add_argument('--plot', default='bench/results/meta.png')
    p.add_argument('--jiio-iters', default='5,10,20,40'); p.add_argument('--naive-steps', default='5,10,20')
    p.add_argument('--pipeline', action='store_true', help="sweep: Adam-k adapts the naive-trained model (whole pipelines)")
    p.add_argument('--save-models', default=None, help='a folder: save each trained model there as CONFIG_METHOD.pt')
    a = p.parse_args()
    a.jiio_iters, a.naive_steps = [int(k) for k in a.jiio_iters.split(',')], [int(k) for k in a.naive_steps.split(',')]
    torch.set_num_threads(1)
    print(__doc__.split('usage:')[0]); print(f'settings: {vars(a)}; torch {torch.__version__}, jiio {jiio.__version__}\n')
    result, curves = {}, {}
    for cfg in a.configs.split(','):
        ways, shots = map(int, cfg.split('x'))
        rows, models = [], {}
        for name in a.methods.split(','):
            tr, row, curve = train_timed(name, ways, shots, a)
            rows.append(row); curves[f'{cfg} {name}'] = curve; models[name] = tr.model
            if a.save_models: torch.save(tr.model.state_dict(), f'{a.save_models}/{cfg}_{name}.pt')
            print(f'{cfg} {name}: {row["steps"]} steps in {row["train_s"]:.0f}s, test acc {row["acc"]:.3f} ± {row["ci95"]:.3f}', flush=True)
        print(f'\n== {ways}-way {shots}-shot: meta-training for {a.minutes} min per method, test on held-out alphabets ==')
        print_table(rows)
        res = dict(train=rows)
        if 'jiio' in models:
            naive_model = models.get('naive') if a.pipeline else None
            sw = sweep(models['jiio'], ways, shots, a, naive_model)
            which = 'JIIO-trained model' if naive_model is None else 'JIIO-T on the JIIO-trained model, Adam-k on the naive-trained one'
            print(f'\n== {ways}-way {shots}-shot: adaptation of {a.sweep_batches} meta-batches of {a.sweep_size} test tasks, {which} ==')
            print_table(sw); sp = speedups(sw); print(); print_table(sp)
            res.update(sweep=sw, speedups=sp)
        result[cfg] = res
    try:
        import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for k, c in curves.items():
            ax.errorbar([r['train_s'] for r in c], [r['acc'] for r in c], [r['ci95'] for r in c], marker='o', capsize=3, label=k)
        ax.axhline(1 / int(a.configs.split(',')[0].split('x')[0]), color='gray', ls=':', lw=1, label='chance')
        ax.set(xlabel='meta-training time (s)', ylabel='test accuracy', title='Omniglot few-shot, held-out alphabets'); ax.legend(fontsize=7)
        fig.tight_layout(); fig.savefig(a.plot, dpi=120); print(f'\nplot: {a.plot}')
    except ImportError: print('no matplotlib: no plot')
    print(json.dumps(dict(settings=vars(a), results=result, curves=curves)))

if __name__ == '__main__': main()
