"""`python -m fidelity` and the `fidelity` console script."""

from typing import NoReturn

from fidelity.cycles import for_a_command


def main() -> NoReturn:
    """Set the garbage collector's pace for a command, then import and run the CLI."""
    for_a_command()
    # Importing the CLI is most of a small command's start-up: it comes after the pace is set.
    from fidelity.cli import run

    run()


if __name__ == "__main__":
    main()
