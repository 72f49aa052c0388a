"""The `config_files` probe: .env, TOML, YAML, JSON, INI and .properties files, key by key.

Paths are ``PROBE/FILE/KEY/...``: FILE is the file's basename (or its configured
name) and nested tables add segments; lists of tables with a unique ``name`` field
are matched by name. Multi-document YAML is a list of documents.

Secrets never reach the snapshot. Every value under a secret-looking key name (or a
``secret_keys`` glob), including each leaf of a table or list below it, becomes a
keyed fingerprint here, but for booleans and numbers named as a measure of the secret
(``password_min_length``, ``TOKEN_REQUIRED=false``), which are policy and stay comparable; a secret
found by its shape anywhere else (a password inside a URL or DSN, a token, an
Authorization header) becomes a fingerprint of the secret part alone, so hosts stay
comparable (the SDK's `SubtreeProtector` does both in one walk). Fingerprints are keyed by
``FIDELITY_SECRET_KEY``: split ``snapshot``/``diff`` runs must set the same key in
both jobs, or secret values cannot be compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fidelity.probe import (
    Assessment,
    Category,
    Change,
    DiffChange,
    Gap,
    Kind,
    ListHint,
    Option,
    Probe,
    ProbeResult,
    ProbeWarning,
    Severity,
    SubtreeProtector,
    Survey,
    TreeTooDeep,
    check_sources,
    is_secret,
    key_as_shown,
    read_sources,
    source_options,
    without_fingerprints,
)
from probes.config_files.fast_json import read_json
from probes.config_files.formats import FORMATS, MAX_DEPTH, Duplicate, FormatError, guess_format, parse


class ConfigFilesProbe(Probe):
    """Reads config files from disk, a git ref or a command, and hides their secrets."""

    type_name = "config_files"
    category = Category.CONFIG
    description = "config files (.env, TOML, YAML, JSON, INI, .properties) from disk, git or a command"
    option_schema = (
        *source_options(FORMATS),
        Option("secret_keys", Kind.STRING_LIST, "extra key-name globs treated as secrets", default=[]),
    )
    severity_notes = (
        ("a whole file missing from the candidate", Severity.HIGH),
        ("a key missing from the candidate", Severity.HIGH),
        ("a file or key only in the candidate", Severity.MEDIUM),
        ("a changed value", Severity.MEDIUM),
        ("a changed secret (only its keyed fingerprint differs)", Severity.LOW),
    )
    list_hints = (ListHint("**", key="name"),)
    assess_reads_data = False  # a change is judged by its path and values alone

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        """Something to read: `paths` or `command`."""
        check_sources(options)

    def collect(self) -> ProbeResult:
        """Read and parse every file; unreadable or unparseable files become gaps."""
        files, gaps = read_sources(self.name, self.options)
        protector = SubtreeProtector(self.context.secrets, whole_below=self.options.get("secret_keys") or (),
                                     max_depth=MAX_DEPTH)  # one for every file: what it decides, it keeps
        data: dict[str, Any] = {}
        warnings: list[ProbeWarning] = []
        for source in files:
            fmt = source.format or guess_format(source.filename)
            duplicates: list[Duplicate] = []
            try:
                if fmt is None:
                    raise FormatError(f"{source.label}: cannot tell the format from the file name; "
                                      f"set `format` (one of {', '.join(FORMATS)})")
                survey: Survey | None = None
                if fmt == "json":
                    tree, survey = read_json(source.text, source.label, duplicates)
                else:
                    tree = parse(fmt, source.text, source.label, duplicates, walked_by_caller=True)
                data[source.name] = self._protect(protector, source.name, tree, source.label, survey)
            except FormatError as exc:
                gaps.append(Gap(object=source.name, message=str(exc), segments=(source.name,)))
                continue
            warnings += [self._duplicate(source.name, source.label, d) for d in duplicates]
        # a secret written again elsewhere, in any file, is fingerprinted there when the snapshot is taken
        return ProbeResult(data, tuple(gaps), tuple(warnings))

    def _duplicate(self, name: str, label: str, duplicate: Duplicate) -> ProbeWarning:
        """The warning for a key defined twice, never a value: the key as the snapshot shows it below
        a secret-looking name (the warning does not tell where it sits, and there a random-looking
        key, or a quoted literal in one, is fingerprinted whole), so it never shows more than the data."""
        key = key_as_shown(duplicate.key, self.context.secrets)
        return ProbeWarning(name, f"{label}: duplicate key {key!r} at lines {duplicate.first} and "
                                  f"{duplicate.second}; the last one (line {duplicate.second}) is used")

    def _protect(self, protector: SubtreeProtector, name: str, tree: Any, label: str,
                 survey: Survey | None = None) -> Any:
        """One file's tree, JSON-native, with every leaf under a secret-looking key name (or a
        `secret_keys` glob) fingerprinted whole, and the secrets found by their shape elsewhere (URL
        passwords, tokens, headers, keys as map keys) fingerprinted as the snapshot does for every
        probe: all in one walk, which the snapshot then does not repeat. With the `survey` of a JSON
        tree, a tree the walk would not change is kept without the walk."""
        try:
            return protector.protect(tree, (name,), survey)
        except TreeTooDeep:
            raise FormatError(f"{label}: nested more than {MAX_DEPTH} levels deep") from None

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Whole files and secrets get their own messages; secrets that differ are low."""
        segments = change.segments
        if len(segments) == 1 and change.change is Change.MISSING:
            return Assessment(Severity.HIGH, cls.category,
                              f"file {segments[0]} is missing from the candidate")
        if len(segments) == 1 and change.change is Change.EXTRA:
            return Assessment(cls.severities[Change.EXTRA], cls.category,
                              f"file {segments[0]} is only in the candidate")
        if change.change is Change.CHANGED and (is_secret(change.reference) or is_secret(change.candidate)):
            what = segments[-1] if segments else "value"
            compared = change.candidate if change.rewritten is None else change.rewritten
            if without_fingerprints(change.reference) == without_fingerprints(compared):
                return Assessment(Severity.LOW, cls.category,
                                  f"{what}: secret value differs (compared by keyed fingerprint)")
            return Assessment(cls.severities[Change.CHANGED], cls.category, f"{what} differs")
        return super().assess(change, reference, candidate)
