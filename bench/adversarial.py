"""Adversarial training of a DEQ classifier: JIIO-AT against PGD-AT through the same DEQ (jiio.adversarial).

Protocol (fixed here and printed with the results):
- Data: --data (mnist or fashion-mnist, offline copies), --n-train training images, --n-test test images (seeded
  subsets); threat model --norm / --eps (default: the setting's radius, jiio.adversarial.EPS: MNIST L2 1.0, L-inf 0.3;
  Fashion-MNIST L2 1.0, L-inf 0.1); model --preset (default classifier-mnist-small), trained with the solves
  jiio.adversarial.TRAIN_DEQ; batch --bs, Adam, cosine schedule from --lr to lr/10, clip 5, seed 0 for every run.
- Time per training step (median of --timing-steps steps after one warm-up step) of clean training, JIIO-AT,
  PGD-AT-10 and PGD-AT-20, each on a fresh copy of the same model.
- --pretrain M: a clean model is trained for M minutes first and every model below starts from its weights
  (adversarial fine-tuning); 0 (default): from scratch.
- JIIO-AT's inner attack: jiio.adversarial.JIIO_ATTACK (30 iterations), or --jiio-iters iterations. --eps-warmup N:
  both methods' training radius grows linearly to eps over the first N steps (the evaluation always uses eps).
  --jac-weight W: JIIO-AT adds W x the Jacobian regulariser at its trajectory samples (keeps its solves converging).
- Equal wall clock: JIIO-AT and PGD-AT-10 each train a fresh model for --minutes of training time
  (`make_adv_trainer(seconds=...)`: the lr follows the training clock, warm-up 10 steps, so both end their schedules at
  the budget however loaded the machine is).
- Equal steps: JIIO-AT trains again for as many steps as PGD-AT-10 reached in the budget (its time is reported), and
  clean training for the same number of steps (the reference robust accuracy of an undefended model).
- Each trained model: jiio.adversarial.robust_eval on the test images with --attacks (PGD-20 and PGD-100 with
  --restarts random restarts, the JIIO attack with 100 iterations, PGD-20 through 10 unrolled cell applications,
  Square with --n-queries queries, torchattacks' AutoAttack), with the training solves and with tight solves (rel tol
  1e-5, 100 iterations), worst case per sample over all attacks; the fraction of unconverged forward solves; flags.
- Robustness curve: worst-case robust accuracy of the equal-time JIIO-AT and PGD-AT models over --curve-eps radii
  (attacks --curve-attacks, training solves, one restart), plotted to <--out>.png.
Cost of the evaluation (measured on the small preset, 32 images, 1 restart, all attacks, both solves, 2 shared cores):
  900 s (28 s per image; PGD-100 and Square with the tight solves were the largest parts). With the defaults (100 images,
  2 restarts) plan roughly 1-1.5 h per model, for four models; --attacks/--restarts/--n-test/--no-tight trade it down.
Threads: 1 (shared machine). The console output is also written to <--out>.txt. Ends with one line of JSON.
usage: python bench/adversarial.py [--minutes 10] [--norm linf] [--data fashion-mnist] [--quick]"""
import argparse, json, sys, time
import numpy as np
import torch
import jiio
from jiio.core import set_seed, print_table
from jiio.train import Batches
from _clock import fit_for
from jiio.adversarial import (EPS, ATTACKS, TRAIN_DEQ, JIIO_ATTACK, adv_data, get_adv_model, make_adv_trainer, robust_eval,
                              eval_rows, robust_curve, plot_curves)

class Tee:
    "Write to the console and to a file."
    def __init__(self, path): self.f, self.out = open(path, 'w'), sys.stdout
    def write(self, s): self.out.write(s); self.f.write(s); self.f.flush()
    def flush(self): self.out.flush(); self.f.flush()

METHODS = {'clean': ('clean', {}), 'jiio': ('jiio', {}), 'pgd-10': ('pgd', dict(pgd_steps=10)), 'pgd-20': ('pgd', dict(pgd_steps=20))}

def attack_kw(a):
    "JIIO-AT's inner-attack overrides from the command line (--jiio-iters), {} for the defaults."
    return dict(max_iter=a.jiio_iters) if a.jiio_iters else {}

def trainer(name, data, a, n_steps=None, seconds=None):
    "A fresh model (seed 0) and the trainer of method `name` with a schedule of `n_steps` steps, or over `seconds` of training time."
    method, kw = METHODS[name]
    set_seed(0)
    model = get_adv_model(a.preset)
    if getattr(a, 'init', None) is not None: model.load_state_dict(a.init)   # --pretrain: start from the clean-trained weights
    if method == 'jiio' and attack_kw(a): kw = dict(kw, attack_kw=attack_kw(a))   # JIIO-AT's inner budget
    if method == 'jiio' and a.jac_weight: kw = dict(kw, jac_weight=a.jac_weight)
    return make_adv_trainer(method, model, Batches(data, a.bs, seed=0), a.eps, a.norm, n_steps, a.lr, eps_warmup=a.eps_warmup,
                            seconds=seconds, **kw)

def time_per_step(name, data, a):
    "Median seconds per training step of method `name` (after one warm-up step)."
    tr = trainer(name, data, a, 1000)
    tr.fit(1 + a.timing_steps, log_every=0)
    return float(np.median([h['time'] for h in tr.hist[1:]]))

def train(name, data, a, seconds=None, steps=None):
    "Train a fresh model with `name` for `seconds` of wall clock (the lr schedule follows the clock) or for `steps` steps."
    if seconds:
        tr = trainer(name, data, a, seconds=seconds)
        secs = fit_for(tr)
    else:
        tr, t0 = trainer(name, data, a, steps), time.time()
        tr.fit(steps, log_every=0); secs = time.time() - t0
    h = tr.hist[-min(20, len(tr.hist)):]
    print(f'  {name}: {tr.step} steps in {secs:.0f}s; last steps: loss {np.mean([x["loss"] for x in h]):.3f}, '
          f'clean acc {np.mean([x["clean_acc"] for x in h]):.3f}' + (f', adv acc {np.mean([x["adv_acc"] for x in h]):.3f}' if 'adv_acc' in h[-1] else ''), flush=True)
    return tr.model, dict(steps=tr.step, train_s=secs)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', default='mnist'); p.add_argument('--norm', default='l2'); p.add_argument('--eps', type=float, default=None)
    p.add_argument('--preset', default='classifier-mnist-small'); p.add_argument('--bs', type=int, default=64); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--n-train', type=int, default=10000); p.add_argument('--n-test', type=int, default=100)
    p.add_argument('--minutes', type=float, default=10.); p.add_argument('--timing-steps', type=int, default=5)
    p.add_argument('--attacks', default=','.join(ATTACKS)); p.add_argument('--restarts', type=int, default=2)
    p.add_argument('--n-queries', type=int, default=300); p.add_argument('--no-tight', action='store_true')
    p.add_argument('--curve-eps', default=None); p.add_argument('--curve-attacks', default='pgd-20,jiio')
    p.add_argument('--out', default=None, help='prefix of the .txt and .png results (default bench/results/adversarial_<data>_<norm>)')
    p.add_argument('--pretrain', type=float, default=0., help='minutes of clean training whose weights every method starts from (0: from scratch)')
    p.add_argument('--jac-weight', type=float, default=0., help="JIIO-AT's Jacobian regulariser at trajectory samples (0: off)")
    p.add_argument('--eps-warmup', type=int, default=0, help='steps over which the training radius grows linearly to eps (0: off)')
    p.add_argument('--jiio-iters', type=int, default=None, help="iterations of JIIO-AT's inner attack (default: JIIO_ATTACK's)")
    p.add_argument('--quick', action='store_true', help='smoke test: tiny preset, 0.2 min, 16 test images, cheap attacks')
    a = p.parse_args()
    if a.quick:
        a.preset, a.minutes, a.n_train, a.n_test, a.bs, a.timing_steps = 'classifier-mnist-tiny', 0.2, 512, 16, 16, 2
        a.attacks, a.restarts, a.n_queries, a.curve_attacks = 'pgd-20,jiio,unrolled,square', 1, 50, 'jiio'
    a.eps = EPS[(a.data, a.norm)] if a.eps is None else a.eps
    a.out = a.out or f'bench/results/adversarial_{a.data}_{a.norm}' + ('_pretrained' if a.pretrain else '') + ('_quick' if a.quick else '')
    curve_eps = [float(e) for e in a.curve_eps.split(',')] if a.curve_eps else [a.eps * f for f in (0.25, 0.5, 1.0, 1.5, 2.0)]
    attacks = tuple(x for x in a.attacks.split(',') if x)
    sys.stdout = Tee(a.out + '.txt')
    torch.set_num_threads(1)
    print(__doc__.split('usage:')[0])
    print(f'jiio {jiio.__version__}, torch {torch.__version__}, 1 thread; settings {vars(a)}')
    print(f'training solves {TRAIN_DEQ}; JIIO attack in training {JIIO_ATTACK | attack_kw(a)}')
    data, test = adv_data(a.data, a.n_train, a.n_test, seed=0)

    print('\n1. time per training step (s)', flush=True)
    timing = {k: time_per_step(k, data, a) for k in METHODS}
    print_table([dict(method=k, s_per_step=v, vs_clean=v / timing['clean']) for k, v in timing.items()])

    if a.pretrain:
        print(f'\n1b. clean pre-training for {a.pretrain} min; every model below starts from its weights', flush=True)
        m0, _ = train('clean', data, a, 60 * a.pretrain)
        a.init = {k: v.detach().clone() for k, v in m0.state_dict().items()}
    print(f'\n2. training: equal wall clock ({a.minutes} min each), then equal steps', flush=True)
    models, runs = {}, {}
    for k in ('jiio', 'pgd-10'):
        models[f'{k} (time)'], runs[f'{k} (time)'] = train(k, data, a, 60 * a.minutes)
    S = runs['pgd-10 (time)']['steps']
    models['jiio (steps)'], runs['jiio (steps)'] = train('jiio', data, a, steps=S)
    models['clean (steps)'], runs['clean (steps)'] = train('clean', data, a, steps=S)

    print(f'\n3. robust evaluation ({a.n_test} test images, {a.norm} eps={a.eps}; attacks {attacks}, {a.restarts} restarts)', flush=True)
    akw = {x: dict(n_queries=a.n_queries) for x in attacks if x in ('square', 'autoattack')}
    evals, rows = {}, []
    for k, m in models.items():
        print(f'\n{k}:', flush=True)
        r = robust_eval(m, test, a.eps, a.norm, attacks, not a.no_tight, a.restarts, akw, verbose=True)
        for s in ('train', 'tight'): r.get(s, {}).pop('correct', None)
        evals[k] = r
        print(f'{k}: {runs[k]["steps"]} steps, {runs[k]["train_s"]:.0f}s of training; evaluation {r["seconds"]:.0f}s')
        print_table(eval_rows(r))
        for f in r['flags']: print('  FLAG:', f)
        s = 'tight' if 'tight' in r else 'train'
        rows.append(dict(model=k, steps=runs[k]['steps'], train_s=runs[k]['train_s'], clean=r[s]['clean'],
                         **{x: r[s]['robust'][x] for x in attacks}, worst=r[s]['robust']['worst'],
                         worst_train_solve=r['train']['robust']['worst'], unconverged=r[s]['not_converged'], flags=len(r['flags'])))
    print(f'\nsummary (accuracies with the {"tight" if not a.no_tight else "training"} solves; worst = per-sample worst case over all attacks)')
    print_table(rows)

    print(f'\n4. robustness curve (worst case over {a.curve_attacks}, training solves, 1 restart)', flush=True)
    ca = tuple(x for x in a.curve_attacks.split(',') if x)
    curves = {k: robust_curve(models[k], test, curve_eps, a.norm, ca, restarts=1) for k in ('jiio (time)', 'pgd-10 (time)')}
    print_table([dict(eps=e, **{k: c['robust'][i] for k, c in curves.items()}) for i, e in enumerate(curve_eps)])
    plot_curves({('JIIO-AT' if k.startswith('jiio') else 'PGD-AT-10') + f' ({a.minutes:g} min)': c for k, c in curves.items()}, path=a.out + '.png')
    print(f'plot: {a.out}.png')
    a.init = None   # weights, not a setting
    print(json.dumps(dict(benchmark='adversarial', settings=vars(a), timing=timing, runs=runs, summary=rows, evals=evals, curves=curves), default=str))

if __name__ == '__main__': main()
