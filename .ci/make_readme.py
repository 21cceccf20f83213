"""Write README.md from nbs/index.ipynb (nbdev_readme needs quarto, which cannot be installed here).
Hidden cells are dropped; code cells become ```python blocks and their saved text outputs ``` blocks.
usage: python .ci/make_readme.py [--check]   (--check: fail if README.md is out of date)"""
import json, re, sys
from pathlib import Path

def cell_text(c): return ''.join(c['source'])

def out_text(c):
    parts = []
    for o in c.get('outputs', []):
        if o.get('output_type') == 'stream': parts.append(''.join(o['text']))
        elif 'data' in o and 'text/plain' in o['data']: parts.append(''.join(o['data']['text/plain']))
    return '\n'.join(p.rstrip('\n') for p in parts)

def render(nb):
    md = ['<!-- Generated from nbs/index.ipynb by .ci/make_readme.py: edit the notebook, then run the script. -->']
    for c in nb['cells']:
        src = cell_text(c)
        if re.match(r'^\s*#\|\s*hide', src): continue
        if c['cell_type'] == 'markdown': md.append(src)
        elif c['cell_type'] == 'code':
            md.append('```python\n' + re.sub(r'^#\|.*\n', '', src, flags=re.M) + '\n```')
            o = out_text(c)
            if o: md.append('```\n' + o + '\n```')
    return '\n\n'.join(md) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    text = render(json.loads((root/'nbs/index.ipynb').read_text()))
    if '--check' in sys.argv:
        if (root/'README.md').read_text() != text: sys.exit('README.md is out of date: run python .ci/make_readme.py')
        print('README.md is up to date')
    else: (root/'README.md').write_text(text); print('wrote README.md')
