"""Meta-train JIIO with a given inner solve: the probe behind the choice of `jiio.meta.JIIO_META`.

Protocol: bench/meta.py's (meta-omniglot-tiny, meta-batches of 4 tasks, 5 queries per class, lr 3e-3, seed 0), one
method: JIIO (first-order) with the inner solve JIIO_META | INNER (a JSON dict of `jiio_solve` options; also used at
test time), meta-trained for MINUTES of training time (the lr follows the training clock), tested on a quarter of
N_TEST held-out tasks at half time and on N_TEST at the end. One thread. Prints (training s, steps, accuracy, 95% CI,
test s per meta-batch), the support objective of the last 20 steps and the median s per step.
Two settings compare fairly only when run side by side (two processes on the 2 cores), as in
bench/results/meta_5x5_defaults_ab.txt.
usage: python bench/meta_inner.py WAYSxSHOTS MINUTES INNER N_TEST, e.g. python bench/meta_inner.py 5x5 8 '{"kind": "II", "m": 10}' 300"""
import sys, json, torch
from _clock import fit_for
from jiio.core import set_seed
from jiio.data import omniglot_episodes
from jiio.meta import get_meta_model, make_meta_trainer, MetaBatches, meta_test

def main(config, minutes, inner, n_test):
    torch.set_num_threads(1)
    ways, shots = map(int, config.split('x'))
    set_seed(0)
    tr = make_meta_trainer('jiio', get_meta_model('meta-omniglot-tiny', ways), MetaBatches(omniglot_episodes('train', ways, shots, 5, seed=0), 4),
                           lr=3e-3, inner_kw=inner, seconds=60 * minutes)
    test = omniglot_episodes('test', ways, shots, 5, seed=1)
    def ev(tr, t, frac):
        e = meta_test(tr.model, test, n_test if frac == 1 else n_test // 4, 'jiio', **inner)
        print(config, minutes, inner, (round(t), tr.step, round(e['acc'], 3), round(e['ci95'], 3), round(e['sec_per_batch'], 2)),
              'support', sum(h['support_loss'] for h in tr.hist[-20:]) / len(tr.hist[-20:]), 's/step', sorted(h['time'] for h in tr.hist)[len(tr.hist) // 2], flush=True)
    fit_for(tr, (0.5, 1.), ev)

if __name__ == '__main__':
    if len(sys.argv) != 5: raise SystemExit(__doc__)
    main(sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]))
