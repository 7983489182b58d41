"""A pytest plugin that runs Supervisor's own end-to-end suite against our daemon.

Supervisor's `supervisor/tests/test_end_to_end.py` (from the installed `supervisor` package,
unmodified) starts the daemon as `python -m supervisor.supervisord ARGS` and the sample
config as `python -c 'from supervisor import confecho; confecho.main()'`, both through
`pexpect.spawn`. This plugin sends those two spawns to our binary instead
(`$SUPERVISORD_BIN ARGS` and `$SUPERVISORD_BIN echo-conf`) and leaves every other spawn as the
suite wrote it: Python's `supervisorctl`, `xmlrpc.client` and `pidproxy` are the real clients.

The suite's fixtures are copied to a temp dir, with the one fixture that the PyPI release
leaves out (its MANIFEST.in ships fixtures' *.conf and *.py only, so `hello.sh`, which
issue-565.conf runs, is missing and that test fails under Python's own daemon too).

Load with `-p supervisor_suite_plugin` and this directory on PYTHONPATH.
"""

import os
import shutil
import sys
import tempfile

os.environ["END_TO_END"] = "1"  # the suite is skipped unless this is set when it is imported

import pexpect  # noqa: E402
from supervisor.compat import resource_filename  # noqa: E402
from supervisor.tests import test_end_to_end as suite  # noqa: E402

OUR_DAEMON = os.environ["SUPERVISORD_BIN"]

# What upstream's repository has at supervisor/tests/fixtures/hello.sh, in substance: ten
# numbered lines with Unicode in them, one a second.
HELLO_SH = """#!/bin/bash
for n in 1 2 3 4 5 6 7 8 9 10; do
    echo "The \u00d8resund bridge ends in Malm\u00f6 - $n"
    sleep 1
done
"""


def _fixtures_copy():
    """The installed fixtures, copied to a fresh temp dir, with hello.sh added."""
    installed = resource_filename("supervisor.tests", "fixtures")
    root = tempfile.mkdtemp(prefix="supervisor-suite-")
    copy = os.path.join(root, "fixtures")
    shutil.copytree(installed, copy)
    hello = os.path.join(copy, "hello.sh")
    if not os.path.exists(hello):
        with open(hello, "w", encoding="utf-8") as f:
            f.write(HELLO_SH)
        os.chmod(hello, 0o755)
    return root


FIXTURES_ROOT = _fixtures_copy()


def _resource_filename(package, name):
    if package == "supervisor.tests" and name.startswith("fixtures/"):
        return os.path.join(FIXTURES_ROOT, name)
    return resource_filename(package, name)


def _redirect(command, args):
    """Our daemon's command line for the suite's spawns of Supervisor's, else as given."""
    if command == sys.executable:
        if args[:2] == ["-m", "supervisor.supervisord"]:
            return OUR_DAEMON, args[2:]
        if args == ["-c", "from supervisor import confecho; confecho.main()"]:
            return OUR_DAEMON, ["echo-conf"]
    return command, args


class _Spawn(pexpect.spawn):
    def __init__(self, command, args=(), *rest, **kwargs):
        command, args = _redirect(command, list(args))
        super().__init__(command, args, *rest, **kwargs)


def pytest_configure(config):
    suite.resource_filename = _resource_filename
    pexpect.spawn = _Spawn


def pytest_unconfigure(config):
    shutil.rmtree(FIXTURES_ROOT, ignore_errors=True)
