"""Paired query accuracy of inner loops on one saved few-shot model: is a gap between JIIO and Adam-k larger than the noise?

Loads a model saved by `bench/meta.py --save-models DIR` (DIR/CONFIG_jiio.pt, the tiny preset), adapts the same
N_BATCHES x 20 test tasks (bench/meta.py's sweep tasks: test split, seed 2, 5 queries per class) with each setting, and
prints each setting's mean query accuracy with a 95% interval over tasks, then the paired per-task difference of every
setting in the first half of the list against every setting in the second half (mean +- 95% interval). One thread.
usage: python bench/meta_paired.py CONFIG MODEL N_BATCHES SETTINGS, e.g.
python bench/meta_paired.py 20x1 runs/20x1_jiio.pt 3 "[('jiio', dict(max_iter=30)), ('naive', dict(steps=10))]" """
import sys, torch
from jiio.data import omniglot_episodes
from jiio.meta import get_meta_model, adapt, query_logits

def per_task(model, batches, method, **kw):
    "Query accuracy of each task after adapting by `method`."
    accs = []
    for us, ys, uq, yq in batches:
        v, _ = adapt(model, us, ys, method, **kw)
        with torch.no_grad(): accs.append((query_logits(model, uq, v.detach()).argmax(-1) == yq).float().mean(1))
    return torch.cat(accs).double()

def main(cfg, path, n_batches, settings):
    torch.set_num_threads(1)
    ways, shots = map(int, cfg.split('x'))
    model = get_meta_model('meta-omniglot-tiny', ways); model.load_state_dict(torch.load(path)); model.eval()
    test = omniglot_episodes('test', ways, shots, 5, seed=2)
    batches = [test.sample(20) for _ in range(n_batches)]
    ci = lambda a: 1.96 * a.std().item() / len(a) ** .5
    res = {f'{m} {kw}': per_task(model, batches, m, **kw) for m, kw in settings}
    for k, a in res.items(): print(f'{k}: {a.mean():.4f} +- {ci(a):.4f}', flush=True)
    keys = list(res)
    for a in keys[:len(keys) // 2]:
        for b in keys[len(keys) // 2:]:
            d = res[a] - res[b]
            print(f'paired {a} - {b}: {d.mean():+.4f} +- {ci(d):.4f} ({len(d)} tasks)', flush=True)

if __name__ == '__main__':
    if len(sys.argv) != 5: raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), eval(sys.argv[4]))
