"""`python -m kubeteach` is the `kubeteach` console script: same parser, same output, same exit code."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "kubeteach"


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_python_m_kubeteach_help_is_the_console_scripts():
    module, script = run(sys.executable, "-m", "kubeteach", "--help"), run(str(SCRIPT), "--help")
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout
    assert module.stdout.startswith("usage: kubeteach ")
    for command in ("walkthrough", "answer", "serve"):
        assert command in module.stdout


def test_python_m_kubeteach_answer_short_is_the_console_scripts():
    module = run(sys.executable, "-m", "kubeteach", "answer", "--short")
    script = run(str(SCRIPT), "answer", "--short")
    assert module.returncode == script.returncode == 0, module.stderr
    assert module.stdout == script.stdout and module.stdout.strip()


def test_python_m_kubeteach_refuses_an_unknown_command_like_the_script():
    module, script = run(sys.executable, "-m", "kubeteach", "nope"), run(str(SCRIPT), "nope")
    assert module.returncode == script.returncode == 2
    assert module.stderr == script.stderr and "invalid choice: 'nope'" in module.stderr


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`kubeteach followups | head -1`: the reader closes the pipe before the command writes; it stops quietly
    with a shell's exit status for SIGPIPE (141), not a BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "kubeteach", "followups"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()                       # the reader is gone before the first line
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141 and "Traceback" not in err, err
