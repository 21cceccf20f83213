"""Offline docs check: quarto cannot be installed here, so render the docs the way nbdev would prepare them
(nbdev's `proc_nbs`: runs show_doc/export/import cells, drops hidden cells) and turn the processed notebooks into
static HTML with nbconvert. Writes `_site/`. Fails if a notebook cannot be processed, a page comes out empty, or
an API page has no rendered signature. usage: python .ci/render_docs.py [--out _site]"""
import json, re, sys, shutil, html
import yaml
from pathlib import Path
from nbdev.config import get_config
from nbdev.serve import proc_nbs
from nbconvert import HTMLExporter
import nbformat

def _front(nb):
    "Title and description from nbdev's YAML front matter (first raw cell)."
    for c in nb.cells[:2]:
        if c.cell_type == 'raw' and c.source.startswith('---'):
            meta = yaml.safe_load(c.source.strip().strip('-'))   # YAML: long values wrap onto continuation lines
            return {k: str(v) for k, v in (meta or {}).items()}
    return {}

def _prep(nb):
    "Map quarto cell options to nbconvert tags; turn front matter into a heading."
    meta = _front(nb)
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'): continue
        if c.cell_type == 'code':
            opts = dict(re.findall(r'^#\|\s*([\w-]+):\s*(\S+)', c.source, re.M))
            c.source = re.sub(r'^#\|.*\n?', '', c.source, flags=re.M)
            tags = c.metadata.setdefault('tags', [])
            if opts.get('echo') == 'false': tags.append('remove_input')
            if opts.get('output') == 'false': tags.append('remove_output')
        if c.cell_type == 'markdown': c.source = re.sub(r'\{(target|\.|#)[^}]*\}', '', c.source)  # quarto attributes
        cells.append(c)
    head = f"# {meta.get('title', '')}\n\n> {meta.get('description', '')}" if meta.get('title') else ''
    nb.cells = ([nbformat.v4.new_markdown_cell(head)] if head else []) + cells
    return nb, meta

def main(out='_site'):
    cfg = get_config()
    out = cfg.config_path/out
    cache = proc_nbs(force=True, n_workers=1)
    if out.exists(): shutil.rmtree(out)
    exp = HTMLExporter(template_name='lab')
    exp.exclude_input_prompt = exp.exclude_output_prompt = True
    from traitlets.config import Config
    c = Config(); c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}; c.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    c.TagRemovePreprocessor.enabled = True
    exp = HTMLExporter(config=c, template_name='lab'); exp.exclude_input_prompt = exp.exclude_output_prompt = True
    pages, problems = [], []
    for f in sorted(Path(cache).rglob('*.ipynb')):
        rel = f.relative_to(cache)
        nb, meta = _prep(nbformat.read(f, as_version=4))
        body, _ = exp.from_notebook_node(nb)
        dest = (out/rel).with_suffix('.html'); dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body)
        n_doc = body.count('>source</a>')  # one per show_doc entry
        n_img = body.count('src="data:image/png')
        pages.append((rel, meta.get('title', rel.stem), n_doc, n_img, len(body)))
        if len(nb.cells) < 2: problems.append(f'{rel}: empty page')
        src = (cfg.config_path/cfg.nbs_path/rel).read_text()
        if '#| export' in src and n_doc == 0:
            problems.append(f'{rel}: exports symbols but no show_doc output was rendered')
    links = '\n'.join(f'<li><a href="{html.escape(str(r.with_suffix(".html")))}">{html.escape(t)}</a> '
                      f'({d} doc entries, {i} figures)</li>' for r, t, d, i, _ in pages)
    (out/'toc.html').write_text(f'<html><body><h1>{cfg.title}: offline docs</h1><ul>{links}</ul></body></html>')
    for r, t, d, i, n in pages: print(f'{str(r):45s} {n/1e3:8.0f} kB  doc={d:3d} figures={i:3d}')
    if problems: print('\n'.join(problems)); sys.exit(1)
    print(f'{len(pages)} pages written to {out}')

if __name__ == '__main__':
    main(*(sys.argv[2:3] if '--out' in sys.argv else []))
