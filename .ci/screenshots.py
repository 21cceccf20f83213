"""Look at the offline docs (_site/, from .ci/render_docs.py) in headless Chromium, as a reader would.
Every page is loaded and checked in the browser: a figure that did not load (a broken <img>), a figure that was never
rendered (matplotlib's '<Figure size ...>' text where the picture should be), or an error output (a traceback) fails
the run. The index and every tutorial are also saved as full-page screenshots in _screenshots/ for people to look at.
Images from other sites (the Colab badge) cannot load offline: they are listed, not counted as missing figures.
usage: python .ci/screenshots.py [--site _site] [--out _screenshots]"""
import json, os, re, shutil, subprocess, sys, tempfile, html
from pathlib import Path

CHECK = r'''<script>
window.addEventListener('load', () => setTimeout(() => {
  const imgs = [...document.images], ext = s => /^https?:/.test(s || '');
  const r = {
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0) && !ext(i.getAttribute('src'))).map(i => (i.getAttribute('src') || '').slice(0, 80)),
    external: imgs.filter(i => ext(i.getAttribute('src'))).map(i => i.getAttribute('src') + (i.naturalWidth > 0 ? '' : ' (not loaded offline)')),
    errors: [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.innerText)
              .filter(t => /Traceback|\w+Error\b/.test(t)).map(t => t.slice(0, 300)),
    unrendered: [...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText)
              .filter(t => /<Figure size|<Axes: /.test(t)).map(t => t.slice(0, 120)),
    height: document.documentElement.scrollHeight };
  const pre = document.createElement('pre'); pre.id = 'jiio-check'; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}, 200));
</script>'''

def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name): return shutil.which(name)
    return None

def run(exe, *args, timeout=120):
    prof = tempfile.mkdtemp(prefix='chromium-')
    try:
        return subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                               '--disable-background-networking', '--disable-component-update', '--disable-sync',
                               '--hide-scrollbars', f'--user-data-dir={prof}', *args],
                              capture_output=True, text=True, timeout=timeout)
    finally: shutil.rmtree(prof, ignore_errors=True)

def check(exe, page, tmp):
    "Load `page` with the checker script appended; the DOM after load carries its findings."
    probe = tmp/page.name
    probe.write_text(page.read_text().replace('</body>', CHECK + '</body>'))
    shutil.copytree(page.parent, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns('*.html'))  # local images, css
    r = run(exe, '--virtual-time-budget=10000', '--dump-dom', probe.as_uri())
    m = re.search(r'<pre id="jiio-check">(.*?)</pre>', r.stdout, re.S)
    if not m: raise RuntimeError(f'{page}: chromium did not report (rc {r.returncode}): {r.stderr[-500:]}')
    return json.loads(html.unescape(m.group(1)))

def main(site='_site', out='_screenshots'):
    exe = chromium()
    if exe is None:
        print('SCREENSHOTS SKIPPED: no chromium on this machine (apt-get install chromium); the docs were not looked at')
        return 0
    site, out = Path(site), Path(out)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    pages = sorted(p for p in site.rglob('*.html') if p.name != 'toc.html')
    shoot = [p for p in pages if p.name == 'index.html' or 'tutorials' in p.parts]
    failed = []
    for page in pages:
        rel = page.relative_to(site)
        with tempfile.TemporaryDirectory() as t: r = check(exe, page, Path(t))
        bad = [f'missing figure {b}' for b in r['broken']] + [f'figure not rendered: {u}' for u in r['unrendered']] + \
              [f'error output: {e}' for e in r['errors']]
        note = f"{str(rel):42s} {r['images']:3d} images, {r['height']:6d} px" + (f"; external: {', '.join(r['external'])}" if r['external'] else '')
        if page in shoot:
            png = out/(str(rel.with_suffix('')).replace('/', '__') + '.png')
            h = min(max(r['height'], 800), 16000)
            s = run(exe, '--window-size=1280,%d' % h, '--virtual-time-budget=10000', f'--screenshot={png.absolute()}', page.absolute().as_uri())
            if not png.is_file(): bad.append(f'no screenshot (rc {s.returncode}): {s.stderr[-300:]}')
            else: note += f' -> {png} ({png.stat().st_size // 1024} kB)'
        print(note)
        for b in bad: print('   FAIL', b)
        if bad: failed.append(str(rel))
    if failed: print(f'{len(failed)} page(s) failed: {failed}'); return 1
    print(f'{len(pages)} pages looked at in {Path(exe).name}, none with a missing figure or an error output; '
          f'{len(shoot)} screenshots in {out}/')
    return 0

if __name__ == '__main__':
    a = sys.argv[1:]
    kw = {k[2:]: v for k, v in zip(a[::2], a[1::2])}
    sys.exit(main(**kw))
