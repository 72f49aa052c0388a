"""`python -m fidelity` and the `fidelity` console script."""

import sys
from typing import NoReturn

from fidelity.cycles import for_a_command


def main() -> NoReturn:
    """Set the garbage collector's pace for a command, then import and run the CLI."""
    for_a_command()
    # Importing the CLI is most of a small command's start-up: it comes after the pace is set.
    try:
        from fidelity.cli import run
    except KeyboardInterrupt:  # Ctrl-C this early: nothing was started, and no traceback is due
        from fidelity.exit_codes import ExitCode

        sys.stderr.write("fidelity: interrupted\n")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    run()


if __name__ == "__main__":
    main()
