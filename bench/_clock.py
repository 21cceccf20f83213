"""Equal wall-clock training for the benchmarks: the learning rate follows the clock, not a step count.

A schedule sized from a short timing ends early or late when the machine's load changes; here every method gets the
same budget and the same schedule over it: linear warm-up over `warmup` steps (or over `warmup_frac` of the budget if
that ends first), then a half-cosine from lr to lr/10 over the budget."""
import math, time

def fit_for(tr, seconds, stops=(1.,), on_stop=None, warmup=20, warmup_frac=None):
    """Train `tr` (a `jiio.train.Trainer`) for `seconds` of wall clock with the clock-driven schedule. At each fraction in
    `stops` the clock pauses and `on_stop(tr, train_seconds)` runs (e.g. an evaluation). Returns the training seconds."""
    state = dict(used=0., t=time.time())
    def factor(s):
        f = min(1., (state['used'] + time.time() - state['t']) / seconds)
        warm = min(1., max((s + 1) / warmup, f / warmup_frac if warmup_frac else 0.))
        return warm * (0.1 + 0.9 * (1 + math.cos(math.pi * f)) / 2)
    tr.sched.lr_lambdas[0] = factor
    for frac in stops:
        state['t'] = time.time()
        while state['used'] + time.time() - state['t'] < seconds * frac: tr.fit(1, log_every=0)
        state['used'] += time.time() - state['t']
        if on_stop: on_stop(tr, state['used'])
    return state['used']
