"""The `fidelity` command line: the only module that knows click. Each command calls one function of
`fidelity.commands`; heavy modules are imported there, inside the command, to keep start-up fast."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click

from fidelity import __version__
from fidelity.exit_codes import ExitCode, for_abort, for_expected_error, for_internal_error
from fidelity.model import FAIL_ON_CHOICES, one_line
from fidelity.report import ReportFormat
from fidelity.stopping import stop_on_signals

FORMAT_CHOICES = tuple(f.value for f in ReportFormat)

config_option = click.option("-c", "--config", "config_path", metavar="CONFIG",
                             help="Config file (default: $FIDELITY_CONFIG, then ./fidelity.toml).")
format_option = click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
                             help="Report format; repeat it, pairing each with an -o by position.")
output_option = click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
                             help="Where the matching --format goes ('-' for stdout).")
fail_on_option = click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES),
                              help="Lowest severity that fails the gate (overrides the config).")
max_score_option = click.option("--max-score", type=click.IntRange(min=0),
                                help="Fail when a comparison's drift score exceeds this.")
show_ignored_option = click.option("--show-ignored", is_flag=True,
                                   help="Show ignored and covered findings in terminal and HTML reports.")
color_option = click.option("--color/--no-color", default=None,
                            help="Force colour on or off (default: only on a terminal, unless NO_COLOR).")
only_option = click.option("--only", multiple=True, metavar="PROBE",
                           help="Run only this probe (repeatable).")


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        level = logging.INFO if value == 1 else logging.DEBUG
        logging.getLogger().setLevel(min(level, logging.getLogger().level))
    return value


verbose_option = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                              help="Show progress (-v) or debug detail (-vv) on stderr.")
_debug = {"traceback": False}


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        _debug["traceback"] = True
    return value


debug_option = click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug,
                            help="Show the traceback of an internal error (as -vv does).")


def _with_common(func: Callable[..., int]) -> Callable[..., int]:
    return verbose_option(debug_option(func))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="fidelity")
@verbose_option
@debug_option
def cli() -> None:
    """Audit how faithfully staging mirrors production.

    Exit codes: 0 pass, 1 gate failed, 2 usage or config error, 3 audit incomplete.
    """


report_dir_option = click.option("--report-dir", metavar="DIR",
                                 help="Keep this run in a dated folder under DIR and update DIR/index.html.")
baseline_option = click.option("--baseline", "baseline_path", metavar="FILE",
                               help="Findings recorded in FILE are `baselined`: shown, but out of the gate.")


def report_options(func: Callable[..., int]) -> Callable[..., int]:
    """The options every reporting command shares."""
    for option in reversed((format_option, output_option, fail_on_option, max_score_option,
                            show_ignored_option, color_option, report_dir_option, baseline_option)):
        func = option(func)
    return func


@cli.command()
@_with_common
@config_option
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="Candidate environment to audit (repeatable; default: the config's candidates).")
@only_option
@report_options
def audit(config_path: str | None, envs: tuple[str, ...], only: tuple[str, ...], formats: tuple[str, ...],
          outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
          color: bool | None, report_dir: str | None, baseline_path: str | None) -> int:
    """Snapshot every environment, diff each candidate against the reference, report."""
    from fidelity import commands

    request = commands.ReportRequest(formats, outputs, fail_on, max_score, show_ignored, color, report_dir,
                                     baseline_path)
    return commands.audit(config_path, envs, only, request)


@cli.command(name="baseline")
@_with_common
@config_option
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Candidate environment (repeatable).")
@only_option
@click.option("-o", "--output", "output_path", required=True, metavar="FILE",
              help="Baseline file to write, e.g. fidelity-baseline.json.")
@click.option("--reason", default=None, metavar="TEXT", help="Reason recorded for every new entry.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists (reasons of kept entries survive).")
def record_baseline(config_path: str | None, envs: tuple[str, ...], only: tuple[str, ...], output_path: str,
                    reason: str | None, force: bool) -> int:
    """Record today's open findings, so that only new drift fails the gate."""
    from fidelity import commands

    return commands.record_baseline(config_path, envs, only, Path(output_path), reason, force)


@cli.command()
@_with_common
@config_option
@click.option("--env", "envs", required=True, multiple=True, metavar="NAME",
              help="Environment to snapshot (one: a snapshot holds one environment).")
@click.option("-o", "--output", "output_path", required=True, metavar="SNAPSHOT.json",
              help="File to write (atomically).")
@only_option
def snapshot(config_path: str | None, envs: tuple[str, ...], output_path: str, only: tuple[str, ...]) -> int:
    """Snapshot one environment into a file, for a later `fidelity diff`."""
    from fidelity import commands

    if len(envs) > 1:
        raise click.UsageError(f"--env is given {len(envs)} times; a snapshot holds one environment "
                               "(take one snapshot per environment)")
    return commands.take_snapshot(config_path, envs[0], Path(output_path), only)


@cli.command()
@_with_common
@click.argument("reference", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@config_option
@report_options
def diff(reference: Path, candidate: Path, config_path: str | None, formats: tuple[str, ...],
         outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
         color: bool | None, report_dir: str | None, baseline_path: str | None) -> int:
    """Compare two snapshot files (reference first) and report."""
    from fidelity import commands

    request = commands.ReportRequest(formats, outputs, fail_on, max_score, show_ignored, color, report_dir,
                                     baseline_path)
    return commands.diff(reference, candidate, config_path, request)


@cli.command(name="probes")
@_with_common
def list_probes() -> int:
    """List the available probe types, their options and default severities."""
    from fidelity import commands

    click.echo(commands.describe_probes())
    return ExitCode.OK


def run() -> NoReturn:
    """The `fidelity` console script and `python -m fidelity`: `main`, then a fast exit.

    A command leaves large trees behind (two parsed configs, snapshots, the report), and an ordinary
    interpreter exit frees every object of them one by one, which costs as much as a stage of the
    audit. As mypy does, the process ends without that: the exit handlers run (temporary files of
    the Kubernetes client, `weakref.finalize` callbacks, logging), the standard streams are flushed,
    then `os._exit`. Every file fidelity writes is closed before `main` returns. Under a profiler or
    a tracer (`python -m cProfile -m fidelity`, a debugger) the exit is the ordinary one, so that
    they can write what they gathered.
    """
    stop_on_signals()  # SIGTERM and SIGHUP stop the command as Ctrl-C does (fidelity.stopping)
    try:
        code = main()
    except KeyboardInterrupt as exc:  # a signal just before the command's own handling, or after it
        code = _stopped(exc)
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`fidelity audit | head`)
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code; expected failures print one line, never a traceback."""
    from fidelity.redact.text import MaskingFormatter  # logs, -vv tracebacks included, carry no secret

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter("fidelity: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    _debug["traceback"] = False
    try:
        return _run(argv)
    finally:
        root.removeHandler(handler)


def _run(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="fidelity",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        return _stopped(exc)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"fidelity: error: {_masked_line(exc.format_message())}", err=True)
        return ExitCode.USAGE
    except Exception as exc:
        code = for_expected_error(exc)
        if code is None:
            return _internal_error(exc)
        click.echo(f"fidelity: error: {_masked_line(str(exc))}", err=True)
        return code
    return int(result) if isinstance(result, int) else ExitCode.OK


#: What the one line says when a command is stopped, by exit code (any other abort: "aborted").
_STOPPED = {ExitCode.INTERRUPTED: "interrupted", ExitCode.TERMINATED: "terminated (SIGTERM)",
            ExitCode.HUNG_UP: "hung up (SIGHUP)"}


def _stopped(exc: BaseException) -> ExitCode:
    """Say on one line that the command was stopped, and how; return its exit code."""
    code = for_abort(exc)
    with contextlib.suppress(OSError):  # a terminal that hung up takes no line: the code still counts
        click.echo(f"fidelity: {_STOPPED.get(code, 'aborted')}", err=True)
    return code


def _masked_line(text: str) -> str:
    """An error message on one line, with any secret it quotes (a value echoed back) masked."""
    from fidelity.redact import mask_text

    return one_line(mask_text(text))


def _internal_error(exc: Exception) -> int:
    """A bug: one masked line (the traceback only with -vv or --debug), and never exit 1."""
    import traceback

    from fidelity.redact import mask_text

    if _debug["traceback"] or logging.getLogger().level <= logging.DEBUG:
        click.echo(mask_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))),
                   err=True, nl=False)
    click.echo(f"fidelity: internal error: {type(exc).__name__}: {one_line(mask_text(str(exc)))}", err=True)
    return for_internal_error(exc)
