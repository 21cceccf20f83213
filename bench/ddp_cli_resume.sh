#!/bin/bash
# End-to-end check of data-parallel training through the console script (not a timed benchmark):
# torchrun --nproc_per_node 2 $(which jiio-train) generative, (1) uninterrupted, (2) torchrun AND its two workers
# SIGKILLed right after the first checkpoint (step 4), then the same command with --resume. The resumed run must end
# with exactly the parameters and losses of the uninterrupted one. Note: torchrun starts its workers in sessions of
# their own, so killing torchrun's process group alone leaves the workers running; they are killed by pid here.
# Usage: PATH=.venv/bin:$PATH OMP_NUM_THREADS=1 bash bench/ddp_cli_resume.sh   (about 2 min on 2 shared cores)
set -u
OUT=$(mktemp -d)
ARGS="generative --steps 24 --n-train 512 --n-test 16 --bs 32 --ckpt-every 4"
TR="torchrun --standalone --nproc_per_node 2 $(which jiio-train)"
echo "$TR $ARGS --out OUT/..."
$TR $ARGS --out $OUT/straight > $OUT/straight.log 2>&1; echo "uninterrupted run: exit $?"
setsid $TR $ARGS --out $OUT/killed > $OUT/killed.log 2>&1 &
pid=$!
while ! [ -f $OUT/killed/ckpt.pt ]; do sleep 0.1; done
kids=$(ps -o pid= --ppid $pid); kill -9 $pid $kids; wait $pid 2>/dev/null
echo "killed run: torchrun and its workers ($(echo $kids)) SIGKILLed after the first checkpoint"
python -c "import torch; print('checkpoint left at step', torch.load('$OUT/killed/ckpt.pt', weights_only=True)['step'])"
$TR $ARGS --out $OUT/killed --resume > $OUT/resumed.log 2>&1; echo "resumed run (--resume): exit $?"
python - <<PY
import json, torch
a, b = (torch.load(f'$OUT/{d}/ckpt.pt', weights_only=True) for d in ('straight', 'killed'))
same = all(torch.equal(v, b['model'][k]) for k, v in a['model'].items())
losses = [h['loss'] for h in a['hist']] == [h['loss'] for h in b['hist']]
print('steps', a['step'], b['step'], '| parameters bitwise equal:', same, '| losses equal:', losses, '| processes:', len(b['rng_ranks']))
print(json.dumps(dict(steps=[a['step'], b['step']], params_equal=same, losses_equal=losses)))
PY
echo "summary lines printed (rank 0 only): $(grep -c '^wrote' $OUT/straight.log) and $(grep -c '^wrote' $OUT/resumed.log)"
rm -rf $OUT
