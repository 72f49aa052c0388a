"""The `fidelity` command line. Heavy modules are imported inside commands to keep start-up fast."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fidelity import __version__
from fidelity.exit_codes import ExitCode, for_expected_error

if TYPE_CHECKING:
    from fidelity.config import Config
    from fidelity.model import AuditReport

SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info", "never")
FORMAT_CHOICES = ("terminal", "json", "html", "markdown", "junit")

config_option = click.option("-c", "--config", "config_path", metavar="CONFIG",
                             help="Config file (default: $FIDELITY_CONFIG, then ./fidelity.toml).")
format_option = click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
                             help="Report format; repeat it, pairing each with an -o by position.")
output_option = click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
                             help="Where the matching --format goes ('-' for stdout).")
fail_on_option = click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES),
                              help="Lowest severity that fails the gate (overrides the config).")
max_score_option = click.option("--max-score", type=click.IntRange(min=0),
                                help="Fail when a comparison's drift score exceeds this.")
show_ignored_option = click.option("--show-ignored", is_flag=True,
                                   help="Show ignored findings in terminal and HTML reports.")
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="fidelity")
@verbose_option
def cli() -> None:
    """Audit how faithfully staging mirrors production.

    Exit codes: 0 pass, 1 gate failed, 2 usage or config error, 3 audit incomplete.
    """


def _load_config(path: str | None, required: bool = True) -> Config:
    from fidelity import config as config_module

    found = config_module.find_config(path)
    if found is None:
        if not required:
            return config_module.default_config()
        raise click.UsageError("no config file: pass -c CONFIG, set FIDELITY_CONFIG, or create "
                               "./fidelity.toml (see config.example.toml)")
    return config_module.load(found)


def _with_overrides(config: Config, fail_on: str | None, max_score: int | None) -> Config:
    from dataclasses import replace

    from fidelity.model import Severity

    if fail_on is not None:
        config = replace(config, fail_on=None if fail_on == "never" else Severity(fail_on))
    if max_score is not None:
        config = replace(config, max_score=max_score)
    return config


def _check_only(config: Config, only: Sequence[str]) -> list[str] | None:
    names = [p.name for p in config.probes]
    for name in only:
        if name not in names:
            raise click.UsageError(f"--only {name}: no such probe (configured: {', '.join(names)})")
    return list(only) or None


def _finish(report: AuditReport, formats: Sequence[str], outputs: Sequence[str], show_ignored: bool,
            color: bool | None, inputs: Sequence[Path] = ()) -> int:
    from fidelity import exit_codes, output

    targets = output.plan(formats, outputs, inputs)
    output.emit(report, targets, show_ignored, color)
    if all(t.path is not None for t in targets):
        from fidelity.report.terminal import summary_line

        click.echo(summary_line(report), err=True)
    return exit_codes.for_report(report)


@cli.command()
@verbose_option
@config_option
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="Candidate environment to audit (repeatable; default: the config's candidates).")
@only_option
@format_option
@output_option
@fail_on_option
@max_score_option
@show_ignored_option
@color_option
def audit(config_path: str | None, envs: tuple[str, ...], only: tuple[str, ...], formats: tuple[str, ...],
          outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
          color: bool | None) -> int:
    """Snapshot every environment, diff each candidate against the reference, report."""
    from fidelity import audit as audit_module
    from fidelity import output

    config = _with_overrides(_load_config(config_path), fail_on, max_score)
    assert config.reference is not None
    for env in envs:
        if env not in config.environments:
            raise click.UsageError(f"--env {env}: not declared in {config.file} "
                                   f"(declared: {', '.join(config.environments)})")
    candidates = [e for e in envs if e != config.reference] if envs else list(config.candidates)
    if not candidates:
        raise click.UsageError("no candidate environment to compare with the reference")
    selected = _check_only(config, only)
    output.plan(formats, outputs, [p for p in [config.file] if p])  # usage errors before probing
    snapshots = audit_module.take_all(config, [config.reference, *candidates], selected)
    report = audit_module.build_report(snapshots[0], snapshots[1:], audit_module.policy_from(config))
    return _finish(report, formats, outputs, show_ignored, color, [p for p in [config.file] if p])


@cli.command()
@verbose_option
@config_option
@click.option("--env", required=True, metavar="NAME", help="Environment to snapshot.")
@click.option("-o", "--output", "output_path", required=True, metavar="SNAPSHOT.json",
              help="File to write (atomically).")
@only_option
def snapshot(config_path: str | None, env: str, output_path: str, only: tuple[str, ...]) -> int:
    """Snapshot one environment into a file, for a later `fidelity diff`."""
    from fidelity import exit_codes
    from fidelity import snapshot as snapshot_module
    from fidelity.secrets import SecretKeeper

    config = _load_config(config_path)
    if env not in config.environments:
        raise click.UsageError(f"--env {env}: not declared in {config.file} "
                               f"(declared: {', '.join(config.environments)})")
    target = Path(output_path)
    if config.file is not None and target.resolve() == config.file.resolve():
        raise click.UsageError(f"-o {target} would overwrite the config file")
    if target.is_dir():
        raise click.UsageError(f"-o {target} is a directory; give a file name")
    keeper = SecretKeeper()
    if not keeper.from_environment:
        logging.getLogger(__name__).warning(
            "FIDELITY_SECRET_KEY is not set: secret values in this snapshot can only be compared "
            "with snapshots from the same run")
    taken = snapshot_module.take(config, env, keeper, _check_only(config, only))
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot_module.write(taken, target)
    failed = [n for n, p in taken.probes.items() if p.status != "ok" or p.gaps]
    for name in failed:
        probe = taken.probes[name]
        problems = [probe.error] if probe.error else [g.message for g in probe.gaps]
        for problem in problems:
            click.echo(f"fidelity: {env}/{name}: {problem}", err=True)
    click.echo(f"wrote snapshot of {env} ({len(taken.probes)} probe(s), {len(failed)} incomplete) "
               f"to {target}", err=True)
    return exit_codes.for_snapshot(bool(failed))


@cli.command()
@verbose_option
@click.argument("reference", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@config_option
@format_option
@output_option
@fail_on_option
@max_score_option
@show_ignored_option
@color_option
def diff(reference: Path, candidate: Path, config_path: str | None, formats: tuple[str, ...],
         outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
         color: bool | None) -> int:
    """Compare two snapshot files (reference first) and report."""
    from fidelity import audit as audit_module
    from fidelity import output
    from fidelity import snapshot as snapshot_module

    config = _with_overrides(_load_config(config_path, required=False), fail_on, max_score)
    inputs = [reference, candidate, *[p for p in [config.file] if p]]
    output.plan(formats, outputs, inputs)
    ref, cand = snapshot_module.read(reference), snapshot_module.read(candidate)
    report = audit_module.build_report(ref, [cand], audit_module.policy_from(config))
    return _finish(report, formats, outputs, show_ignored, color, inputs)


@cli.command(name="probes")
@verbose_option
def list_probes() -> int:
    """List the available probe types, their options and default severities."""
    from fidelity.probe_docs import describe_probe_types

    click.echo(describe_probe_types())
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code; expected failures print one line, never a traceback."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("fidelity: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
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
    except click.exceptions.Abort:
        click.echo("fidelity: aborted", err=True)
        return ExitCode.USAGE
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"fidelity: error: {_one_line(exc.format_message())}", err=True)
        return ExitCode.USAGE
    except Exception as exc:
        code = for_expected_error(exc)
        if code is None:
            raise
        click.echo(f"fidelity: error: {_one_line(str(exc))}", err=True)
        return code
    return int(result) if isinstance(result, int) else ExitCode.OK


def _one_line(text: str) -> str:
    return " ".join(text.split())
