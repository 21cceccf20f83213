"""Check what `python -m build` put in dist/: the wheel holds the package's modules, its data files and the licence
texts, and no notebooks, benchmark results or test data; the sdist can rebuild it. usage: python .ci/check_dist.py dist"""
import sys, tarfile, zipfile, configparser
from pathlib import Path

def main(dist='dist'):
    root = Path(__file__).resolve().parent.parent
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini'); ver = cfg['DEFAULT']['version']
    whl, = Path(dist).glob(f'jiio-{ver}-py3-none-any.whl')
    sdist, = Path(dist).glob(f'jiio-{ver}.tar.gz')
    names = zipfile.ZipFile(whl).namelist()
    problems = []
    want = {f'jiio/{p.name}' for p in (root/'jiio').glob('*.py')}
    want |= {f'jiio/datafiles/omniglot/{n}' for n in ('images_background_small1.zip', 'images_background_small2.zip', 'LICENSE', 'README.md')}
    want |= {f'jiio-{ver}.dist-info/licenses/LICENSE', f'jiio-{ver}.dist-info/licenses/jiio/datafiles/omniglot/LICENSE'}
    problems += [f'wheel lacks {n}' for n in sorted(want - set(names))]
    bad = [n for n in names if n.endswith(('.ipynb', '.pt', '.pyc')) or n.split('/')[0] in ('nbs', 'bench', 'tests', '.ci', 'runs', 'dist')]
    problems += [f'wheel should not hold {n}' for n in bad]
    extra = [n for n in names if not (n.startswith(f'jiio-{ver}.dist-info/') or n in want)]
    problems += [f'wheel holds an unexpected file {n}' for n in extra]
    snames = tarfile.open(sdist).getnames()
    for n in ('settings.ini', 'setup.py', 'pyproject.toml', 'LICENSE', 'README.md', 'CHANGELOG.md', 'jiio/datafiles/omniglot/LICENSE'):
        if f'jiio-{ver}/{n}' not in snames: problems.append(f'sdist lacks {n}')
    problems += [f'sdist should not hold {n}' for n in snames if n.endswith('.ipynb') or '/bench/' in n or '/tests/' in n]
    mb = lambda p: p.stat().st_size / 2**20
    print(f'{whl.name}: {len(names)} files, {mb(whl):.1f} MB; {sdist.name}: {len(snames)} entries, {mb(sdist):.1f} MB')
    if problems: sys.exit('\n'.join(problems))

if __name__ == '__main__': main(*sys.argv[1:2])
