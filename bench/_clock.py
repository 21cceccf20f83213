"""Equal wall-clock training for the benchmarks, on `jiio.train.Trainer(seconds=...)`: the lr follows the training clock,
so every method ends its schedule at the same budget whatever the machine's load. This adds pauses for evaluations
(their time is not training time: the trainer's clock counts steps only)."""

def fit_for(tr, stops=(1.,), on_stop=None):
    """Train `tr` (a `Trainer` with a time budget) until the budget is spent; when the clock passes each fraction in `stops`
    of the budget, `on_stop(tr, training_seconds, frac)` runs (e.g. an evaluation). Returns the training seconds."""
    if tr.seconds is None: raise ValueError('fit_for needs a trainer with a time budget (seconds=...)')
    for frac in stops:
        while tr.clock < frac * tr.seconds and not tr.spent: tr.fit(1, log_every=0)
        if on_stop: on_stop(tr, tr.clock, frac)
    return tr.clock
