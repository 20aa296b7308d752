"""schemathesis' command line, with room to recurse.

Hypothesis describes nested strategies recursively; under CPython 3.11 a RecursionError
raised inside ``ast.parse`` at that depth surfaces as ``SystemError: AST constructor
recursion depth mismatch`` (seen in CI as a schemathesis "runtime error"). A deeper
recursion limit, and thread stacks large enough for it, leave the generator the room it needs.
"""

import sys
import threading

from schemathesis.cli import schemathesis

if __name__ == "__main__":
    threading.stack_size(256 * 1024 * 1024)
    sys.setrecursionlimit(20_000)
    sys.exit(schemathesis())
