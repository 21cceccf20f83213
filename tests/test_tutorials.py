"""Run every tutorial as a user runs it: in a real Jupyter kernel (nbclient + ipykernel, the venv's own python), not in
nbdev's in-process shell, so widgets, rich display and `%` magics (the install cell's `%pip`) behave as in Jupyter and
the progress bars take their kernel (widget) form. Cells flagged like nbdev_test skips them (`tst_flags` in
settings.ini, e.g. `#| slow`; `#| eval: false`; `nbdev_export()`) are left out; nothing is written back to the notebook.
NBDEV_FLAGS=slow runs the slow cells too."""
import os, re, sys, pytest, nbformat
from pathlib import Path
from nbclient import NotebookClient
from nbdev.config import get_config

cfg = get_config()
TUTORIALS = sorted((cfg.config_path/cfg.nbs_path/'tutorials').glob('*.ipynb'))
SKIP = set(cfg.tst_flags.split()) - set(os.environ.get('NBDEV_FLAGS', '').split())

def _skipped(cell):
    "True for a code cell nbdev_test would skip."
    src = cell.source
    flags = {m.group(1) for m in re.finditer(r'^#\|\s*([\w-]+)\s*$', src, re.M)}
    return bool(flags & SKIP) or bool(re.search(r'^#\|\s*eval:\s*false', src, re.M)) or 'nbdev_export(' in src

def _outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs if kind(o)]

@pytest.mark.parametrize('path', TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_in_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or not _skipped(c)]
    # first cell: the kernel is this venv's python (jupyter_client runs a 'python' kernelspec with sys.executable)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f'import sys; assert sys.prefix == {sys.prefix!r}, sys.prefix'))
    client = NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    client.execute()   # raises CellExecutionError (with the traceback) on the first failing cell
    kinds = {k for c in nb.cells if c.cell_type == 'code' for o in c.outputs for k in o.get('data', {})}
    assert 'image/png' in kinds, f'{path.name}: no figure was displayed'
    figs = [c for c in nb.cells if c.cell_type == 'code' and any('<Figure size' in o.get('data', {}).get('text/plain', '') for o in c.outputs)
            and not any('image/png' in o.get('data', {}) for o in c.outputs)]
    assert not figs, f'{path.name}: a figure was not rendered (only its text): {figs[0].source[:200]}'
    src = ''.join(c.source for c in nb.cells)
    if 'widgets.' in src: assert 'application/vnd.jupyter.widget-view+json' in kinds, f'{path.name}: no widget was displayed'
    errs = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'stream' and o.name == 'stderr'
            and re.search(r'Traceback|Error\b|IProgress not found', o.text)]
    assert not errs, f'{path.name}: error text on stderr: {errs[0].text[:500]}'
