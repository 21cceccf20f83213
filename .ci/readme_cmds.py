"""Print set-up command N (1 or 2) of README.md's Install section: the lines of its first ```sh block.
.ci/run runs command 1 (shortened) before its own steps, so CI always does what a newcomer does: paste command 1,
then command 2 (`bash .ci/run`), in one clone.  usage: python .ci/readme_cmds.py N"""
import re, sys
from pathlib import Path

def commands(readme=Path(__file__).resolve().parent.parent/'README.md'):
    text = readme.read_text(encoding='utf-8')
    m = re.search(r'^## Install\n(.*?)^```sh\n(.*?)^```', text, re.S | re.M)
    if not m: sys.exit('README.md: no ```sh block in the Install section')
    cmds = [l.strip() for l in m.group(2).splitlines() if l.strip() and not l.lstrip().startswith('#')]
    if len(cmds) != 2: sys.exit(f'README.md: expected exactly two set-up commands, found {len(cmds)}: {cmds}')
    return cmds

if __name__ == '__main__': print(commands()[int(sys.argv[1]) - 1])
