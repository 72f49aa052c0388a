"""The `redis` probe: server, config and keyspace shape of a Redis (or Valkey, KeyDB) server.

This module only re-exports the probe class. The reading (`session`, `server`, `config`,
`keyspace`) imports redis-py and is imported only inside `RedisProbe.collect`, so that
loading the probe registry never loads the driver.
"""

from probes.redis.probe import RedisProbe

__all__ = ["RedisProbe"]
