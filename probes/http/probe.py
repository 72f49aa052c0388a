"""The `http` probe: what each running service says about itself: status, headers, JSON, TLS.

Data, and so the path grammar below the probe name (docs/probes/http.md has it all)::

    endpoints/<name>/status                      200
    endpoints/<name>/redirects                   ["301 https://{env}.shop.example/login?next="]
    endpoints/<name>/headers/<header>            kept headers, normalised
    endpoints/<name>/cookies/<cookie>/<attribute> secure | httponly | samesite | path | domain | ...
    endpoints/<name>/body                        JSON | not JSON | invalid JSON | empty
    endpoints/<name>/json/<field>/...            kept JSON fields, secrets fingerprinted
    endpoints/<name>/body_hash                   keyed hash of a body that is not JSON (body_hash = true)
    endpoints/<name>/tls/protocol | cipher | issuer | key | san | expiry

Only GET and HEAD are ever sent. The fetching is imported only inside `collect`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fidelity.probe import (
    Assessment,
    Category,
    DiffChange,
    Kind,
    ListHint,
    Option,
    Probe,
    ProbeError,
    ProbeResult,
    Severity,
    mask_text,
    one_line,
)
from probes.http import severity
from probes.http.options import DEFAULT_HEADERS_KEPT, check_endpoints, check_headers


class HttpProbe(Probe):
    """Fetches each configured endpoint with GET or HEAD and records what the service answers."""

    type_name = "http"
    category = Category.CONFIG
    remote = True
    description = "running services over HTTP(S): status, redirects, headers, cookies, JSON fields, TLS"
    option_schema = (
        Option("endpoints", Kind.TABLE, 'name = URL ({env}, ${VAR}) or a table of url, method (GET, HEAD), '
               "headers, json_paths, headers_kept, expect_status, body_hash (docs/probes/http.md)",
               required=True, check=check_endpoints),
        Option("headers", Kind.TABLE, 'request headers for every endpoint, values usually "${VAR}" '
               "(never recorded)", default={}, check=check_headers),
        Option("headers_kept", Kind.STRING_LIST, "globs of response headers compared, for endpoints "
               "without their own", default=list(DEFAULT_HEADERS_KEPT)),
        Option("secret_keys", Kind.STRING_LIST, "extra JSON key globs whose values are secrets", default=[]),
        Option("timeout", Kind.NUMBER, "seconds one endpoint's fetch may take, redirects included", 10.0,
               above=0, maximum=3600),
        Option("tls_verify", Kind.BOOLEAN, "verify certificates and host names", default=True),
        Option("ca_bundle", Kind.STRING, "PEM file of the CAs to trust instead of the system's", path=True),
        Option("max_redirects", Kind.INTEGER, "redirects followed before recording 'more than N'", 5,
               minimum=0, maximum=50),
        Option("max_body_bytes", Kind.INTEGER, "bytes of a body read at most", 1_000_000, minimum=1,
               maximum=100_000_000),
    )
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = severity.SEVERITY_NOTES
    list_hints = (ListHint("endpoints/*/tls/san"),)

    def collect(self) -> ProbeResult:
        """Fetch every endpoint; fail only when none could be fetched."""
        from probes.http.collect import Reader
        from probes.http.options import check_url, parse

        env = self.context.environment
        endpoints = parse(self.options)
        secrets = [value for e in endpoints for _, value in e.headers]
        for endpoint in endpoints:
            try:
                check_url(endpoint.url, f"endpoints.{endpoint.name}")
            except ValueError as exc:
                raise ProbeError(self._line(f"{exc} (after substitution); fix the URL or the variable",
                                            secrets)) from None
            # a header from a ${VAR} may hold a line break, which http.client would echo, value and all
            broken = next((name for name, value in endpoint.headers if "\n" in value or "\r" in value), None)
            if broken:
                raise ProbeError(self._line(f"endpoints.{endpoint.name}.headers: the value of {broken} has a "
                                            "line break (after substitution); fix the variable", secrets))
        try:
            reader = Reader(self.options, self.context.secrets, env)
        except OSError as exc:  # ca_bundle missing, unreadable or not PEM (ssl.SSLError is an OSError)
            cause = exc.strerror or getattr(exc, "reason", None) or type(exc).__name__
            bundle = self.options.get("ca_bundle")
            raise ProbeError(self._line(f"ca_bundle: cannot load {bundle!r} ({cause}); give a PEM file of CA "
                                        "certificates", secrets)) from None
        outcome = reader.read(endpoints)
        if len(outcome.gaps) == len(endpoints) and not outcome.data["endpoints"]:
            first = outcome.gaps[0]
            more = f" (and {len(endpoints) - 1} more endpoint(s) failed)" if len(endpoints) > 1 else ""
            raise ProbeError(self._line(f"{first.object}: {first.message}{more}", secrets))
        return ProbeResult(outcome.data, outcome.gaps, outcome.warnings)

    def _line(self, text: str, secrets: list[str]) -> str:
        prefix = f"http probe {self.name!r}, environment {self.context.environment!r}: "
        return one_line(mask_text(prefix + text, secrets))

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge a change by where it is; see `probes.http.severity`."""
        return severity.assess(change, reference, candidate)
