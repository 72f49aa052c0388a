"""The `http` probe: what each running service says about itself over HTTP(S).

This module only re-exports the probe class. The fetching (`fetch`, `tls`, `collect`) imports
`http.client`, `ssl` and `cryptography` and is imported only inside `HttpProbe.collect`, so that
loading the probe registry stays cheap.
"""

from probes.http.probe import HttpProbe

__all__ = ["HttpProbe"]
