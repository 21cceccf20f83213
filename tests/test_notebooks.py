"""Run every notebook in nbs/ as one pytest test, the way nbdev_test does (execnb, in-process, honours tst_flags).
The tutorials run in a real Jupyter kernel instead (tests/test_tutorials.py: the same cells, as users run them);
JIIO_TUTORIALS_INPROCESS=1 runs them here too."""
import os, pytest
from pathlib import Path
from nbdev.config import get_config
from nbdev.test import test_nb as run_nb  # alias: pytest would otherwise collect `test_nb` itself

cfg = get_config()
NBS = sorted(p for p in Path(cfg.nbs_path).rglob('*.ipynb')
             if not any(part.startswith(('.', '_')) for part in p.relative_to(cfg.nbs_path).parts)
             and (p.relative_to(cfg.nbs_path).parts[0] != 'tutorials' or os.environ.get('JIIO_TUTORIALS_INPROCESS') == '1'))
FORCE = os.environ.get('NBDEV_FLAGS', '').split()  # e.g. NBDEV_FLAGS=slow to also run `#| slow` cells

@pytest.mark.parametrize('nb', NBS, ids=[str(p.relative_to(cfg.nbs_path)) for p in NBS])
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)
    ok, secs = run_nb(nb.absolute(), skip_flags=cfg.tst_flags.split(), force_flags=FORCE, basepath=cfg.config_path)
    print(f'{nb.name}: {secs:.1f}s')
    assert ok, f'{nb.name} failed (traceback above)'
