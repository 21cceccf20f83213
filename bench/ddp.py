"""Data-parallel training (torch.distributed, gloo) on this 2-core CPU machine: steps per second with 1 and 2 processes,
the communication share of a step, and how long the faster process waits at the gradient all-reduce for the slower
one's per-sample JIIO solve.

Protocol. Every configuration trains the same global batches (`Batches`, seed 0) in processes forked by
`jiio.distributed.run_ranks`: '1p x 1t' (one process, one thread), '1p x 2t' (one process, two threads: what one would
run instead on these 2 cores) and '2p x 1t' (two gloo processes of one thread each, each on half of every global
batch). The configurations are interleaved, --repeats times; each run does --warmup steps, then times --steps steps
with a callback and timers around the trainer's collective operations: the gradient all-reduce (the trainer wraps
its step in DistributedDataParallel; a DDP communication hook records each bucket's all-reduce, run synchronously:
DDP's default averaging without its overlap of communication and backward) and the metric reduction. Clocks:
time.perf_counter, CLOCK_MONOTONIC, shared by the processes of one machine.
Per step of a 2-process run: the rank that reaches the gradient all-reduce last waits for nobody, so its time inside
it is the communication; the other rank's extra time there is its *wait*. 'balanced' is the step time if the two
ranks' work were equal (each arriving at the mean of the two arrival times): the most any balancing could gain.
Workloads: (A) the synthetic regression trainer of jiio.train (a Linear(4, 1), global batch 32): communication-bound;
(B) the JIIO generative trainer on MNIST inpainting, 'decoder-mlp', global batch 64, the trainer's inner solve
(20 iterations, no early stopping); (C) the same with per-sample early stopping (tol --tol, max_iter 80; compaction
on), where the shards' solves end at different iterations. The 2 cores may be shared with other jobs (the load average
is printed): absolute figures are noisy, compare within one run. Ends with one line of JSON."""
import argparse, json, statistics, time
import torch
import torch.distributed as dist
import jiio.train as jt
from jiio.core import set_seed, print_table
from jiio.data import load
from jiio.models import get_model
from jiio.train import Batches, synth_trainer
from jiio.generative import InverseTask, JIIOTrainer, JIIO_GEN
from jiio.distributed import run_ranks

CONFIGS = {'1p x 1t': (1, 1), '1p x 2t': (1, 2), '2p x 1t': (2, 1)}

class Clock:
    "Per-step timestamps: start and end of each step, and enter/exit of the trainer's collectives."
    def __init__(self): self.steps, self.cur, self.on = [], None, False
    def before_step(self, tr): self.cur = dict(start=time.perf_counter(), mean=0., ar=0.)
    def after_step(self, tr):
        if self.on: self.steps.append(dict(self.cur, end=time.perf_counter()))

def _timed_mean(clock, fn):
    "`all_mean` wrapped to add its duration to the current step (and note this rank's own solve length)."
    def g(d, world):
        t = time.perf_counter(); r = fn(d, world)
        if clock.cur is not None:
            clock.cur['mean'] += time.perf_counter() - t
            if 'inner' in d: clock.cur['inner'] = d['inner']   # this rank's own solve, before averaging
        return r
    return g

def timed_allreduce(clock, bucket):
    "DDP communication hook: the averaging all-reduce of one gradient bucket, synchronous, its times recorded (first entry, total)."
    t = time.perf_counter()
    buf = bucket.buffer(); dist.all_reduce(buf); buf /= dist.get_world_size()
    if clock.cur is not None: clock.cur.setdefault('ar_in', t); clock.cur['ar'] += time.perf_counter() - t
    fut = torch.futures.Future(); fut.set_result(buf)
    return fut

def build(work, tol):
    "The trainer of workload `work` ('synth', 'jiio', 'jiio-tol'), on this process's share of the global batches."
    if work == 'synth': return synth_trainer(n_steps=10**4, lr=0.01)
    set_seed(0)
    train = load('mnist', 'train', n=4096, seed=0).tensors[0]
    kw = dict(JIIO_GEN, tol=tol, max_iter=80) if work == 'jiio-tol' else None
    return JIIOTrainer(get_model('decoder-mlp'), Batches(train, 64, seed=0), InverseTask('inpainting'), jiio_kw=kw, n_steps=10**4, lr=2e-3)

def job(work, threads, warmup, steps, tol):
    "Run in each process: warm up, then time `steps` steps; this process's per-step records."
    torch.set_num_threads(threads)
    clock = Clock()
    jt.all_mean = _timed_mean(clock, jt.all_mean)
    tr = build(work, tol); tr.cbs = [clock]
    if tr.world > 1: tr.ddp.register_comm_hook(clock, timed_allreduce)
    tr.fit(warmup, log_every=0)
    clock.on = True; tr.fit(steps, log_every=0)
    return clock.steps

def summarise(recs):
    "Per-run figures from the per-rank step records of one run."
    n, T = len(recs[0]), [r['end'] - r['start'] for r in recs[0]]
    out = dict(steps_per_s=n / sum(T), step_ms=1e3 * statistics.median(T))
    if len(recs) == 1: return out
    comm, wait, comp, bal, dinner = [], [], [], [], []
    for i in range(n):
        s = [r[i] for r in recs]
        last = max(range(len(s)), key=lambda k: s[k]['ar_in'])
        comm.append(s[last]['ar'] + s[last]['mean'])
        w = [s[last]['ar_in'] - x['ar_in'] for x in s]
        wait.append(max(w)); bal.append(T[i] - statistics.mean(w))
        comp.append(statistics.mean(x['ar_in'] - x['start'] for x in s))
        if 'inner' in s[0]: dinner.append(abs(s[0]['inner'] - s[1]['inner']))
    out.update(comm_ms=1e3 * statistics.median(comm), comm_share=sum(comm) / sum(T), wait_ms=1e3 * statistics.mean(wait),
               wait_share=sum(wait) / sum(T), balanced_steps_per_s=n / sum(bal), balance_gain=sum(T) / sum(bal) - 1)
    if dinner: out['inner_gap'] = statistics.mean(dinner)   # mean |difference| of the two shards' solve lengths (evaluations)
    return out

def measure(work, configs, repeats, warmup, steps, tol):
    "Interleaved runs of `configs`; the per-run summaries of each configuration."
    res = {c: [] for c in configs}
    for rep in range(repeats):
        for c in configs:
            nproc, threads = CONFIGS[c]
            for attempt in range(2):   # one retry: a failed run is reported, never silently dropped
                o = run_ranks(job, work, threads, warmup, steps, tol, nproc=nproc, timeout=900, grace=30)
                if all(x['ok'] for x in o): break
                print(f'  {work} rep {rep} {c} FAILED (attempt {attempt + 1}):\n' + '\n'.join(str(x.get('traceback', x['error'])) for x in o), flush=True)
            else: raise RuntimeError(f'{work} {c} failed twice')
            res[c].append(summarise([x['value'] for x in o]))
            print(f'  {work} rep {rep} {c}: ' + '  '.join(f'{k} {v:.3g}' for k, v in res[c][-1].items()), flush=True)
    return res

def table(work, res):
    "Median over the repeats of each figure; speed-ups against the one-process runs."
    rows = []
    for c, runs in res.items():
        row = dict(workload=work, config=c, **{k: statistics.median(r[k] for r in runs) for k in runs[0]})
        rows.append(row)
    base = {r['config']: r['steps_per_s'] for r in rows}
    for r in rows:
        r['vs_1p1t'] = r['steps_per_s'] / base['1p x 1t'] if '1p x 1t' in base else None
        if '1p x 2t' in base: r['vs_1p2t'] = r['steps_per_s'] / base['1p x 2t']
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--tol', type=float, default=3e-2)
    ap.add_argument('--synth-steps', type=int, default=300)
    ap.add_argument('--jiio-steps', type=int, default=20)
    a = ap.parse_args()
    loadavg = lambda: open('/proc/loadavg').read().split()[:3]
    print(__doc__); print(f'args: {vars(a)}; torch {torch.__version__}, gloo; load average (1, 5, 15 min) at the start: {loadavg()}\n', flush=True)
    t0, rows = time.time(), []
    rows += table('A synth', measure('synth', list(CONFIGS), a.repeats, 20, a.synth_steps, a.tol))
    rows += table('B jiio', measure('jiio', list(CONFIGS), a.repeats, 3, a.jiio_steps, a.tol))
    rows += table('C jiio tol', measure('jiio-tol', ['1p x 1t', '2p x 1t'], a.repeats, 3, 2 * a.jiio_steps, a.tol))
    print(f'\nmedians over {a.repeats} interleaved repeats ({time.time() - t0:.0f} s in all; load average at the end {loadavg()} on 2 cores); '
          'times in ms, shares of the step time:')
    print_table(rows)
    print(json.dumps(dict(args=vars(a), rows=rows)))
