"""Which server settings are compared, and how much a difference in each one matters.

Host-specific settings (paths, ports, addresses, names of this machine or cluster) and
values that describe the probe's own session are never collected. Sizes that follow
the hardware are low; settings that change what queries return or how data is read
and written are high; everything else is medium.
"""

from __future__ import annotations

from typing import Any

from fidelity.probe.setting_lists import SettingLists

#: Never collected: they differ between hosts by nature, or describe the probe's own session.
NOISE = (
    "config_file", "data_directory", "hba_file", "ident_file", "external_pid_file", "data_directory_mode",
    "port", "listen_addresses", "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
    "bonjour_name", "cluster_name", "krb_server_keyfile", "event_source", "syslog_ident",
    "ssl_ca_file", "ssl_cert_file", "ssl_crl_file", "ssl_crl_dir", "ssl_dh_params_file", "ssl_key_file",
    "ssl_passphrase_command", "log_directory", "log_filename", "stats_temp_directory",
    "dynamic_library_path", "extension_destdir",
    "archive_command", "archive_cleanup_command", "restore_command", "recovery_end_command",
    "primary_conninfo", "primary_slot_name", "promote_trigger_file", "recovery_target*",
    "server_version", "server_version_num", "shared_memory_size", "shared_memory_size_in_huge_pages",
    "in_hot_standby", "application_name", "client_encoding", "is_superuser", "session_authorization",
    "role", "transaction_isolation", "transaction_read_only", "transaction_deferrable",
)

#: Change how queries behave or what they return.
HIGH = (
    "server_encoding", "lc_collate", "lc_ctype", "standard_conforming_strings", "search_path", "TimeZone",
    "DateStyle", "IntervalStyle", "default_transaction_isolation", "default_transaction_read_only",
    "session_replication_role", "row_security", "integer_datetimes", "escape_string_warning",
    "backslash_quote", "transform_null_equals", "array_nulls", "bytea_output", "xmloption",
    "default_text_search_config",
)

#: Follow the hardware or only tune performance and logging.
LOW = (
    "shared_buffers", "work_mem", "maintenance_work_mem", "autovacuum_work_mem", "logical_decoding_work_mem",
    "temp_buffers", "effective_cache_size", "wal_buffers", "max_wal_size", "min_wal_size",
    "max_connections", "superuser_reserved_connections", "max_worker_processes", "max_parallel_*",
    "max_wal_senders", "max_replication_slots", "max_files_per_process", "effective_io_concurrency",
    "maintenance_io_concurrency", "huge_pages", "huge_page_size", "max_stack_depth", "hash_mem_multiplier",
    "min_dynamic_shared_memory", "random_page_cost", "seq_page_cost", "cpu_*_cost", "parallel_*_cost",
    "min_parallel_*", "jit_*", "geqo*", "autovacuum_*", "bgwriter_*", "checkpoint_*", "vacuum_cost_*",
    "wal_writer_*", "log_*", "track_*", "debug_*", "syslog_*", "update_process_title",
    "default_statistics_target", "old_snapshot_threshold",
)


LISTS = SettingLists(NOISE, HIGH, LOW)
is_noise = LISTS.is_noise
severity = LISTS.severity


#: Defaults that a major changed, as a snapshot records them: setting -> (major, default from that
#: major on), oldest first. `data_checksums` is initdb's default (checksums on from 18).
DEFAULTS: dict[str, tuple[tuple[int, str], ...]] = {
    "hash_mem_multiplier": ((14, "1"), (15, "2")),
    "log_autovacuum_min_duration": ((14, "-1"), (15, "10min")),
    "log_checkpoints": ((14, "off"), (15, "on")),
    "shared_buffers": ((14, "8MB"), (15, "128MB")),
    "vacuum_buffer_usage_limit": ((16, "256kB"), (17, "2MB")),
    "data_checksums": ((14, "off"), (18, "on")),
    "effective_io_concurrency": ((14, "1"), (18, "16")),
    "maintenance_io_concurrency": ((14, "10"), (18, "16")),
    "log_connections": ((14, "off"), (18, "")),
}


def default(name: str, major: int) -> str | None:
    """The default of `name` in PostgreSQL `major`, when DEFAULTS knows it."""
    found = None
    for since, value in DEFAULTS.get(name, ()):
        if since <= major:
            found = value
    return found


def default_changed(name: str, majors: tuple[int, int], values: tuple[object, object]) -> bool:
    """True when `values` are the defaults of `name` in `majors`: the version change explains them."""
    return (majors[0] != majors[1] and default(name, majors[0]) == values[0]
            and default(name, majors[1]) == values[1])


def is_built_in(name: str) -> bool:
    """A setting of the server itself, not a custom (`app.x`) or extension (`pg_stat_statements.x`)
    one: whether it exists is a matter of the server's version."""
    return "." not in name


#: Types of pg_settings.vartype whose values are one of a known few or a number (not any text): a
#: setting of one of them is no secret, whatever its name says.
CONSTRAINED_TYPES = frozenset({"bool", "enum", "integer", "real"})

#: The database's collation and character type: settings up to PostgreSQL 15, pg_database columns on all.
DATABASE_SETTINGS = (("lc_collate", "datcollate"), ("lc_ctype", "datctype"))
LOCALE_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def database_settings(database: dict[str, Any], present: set[str]) -> list[dict[str, Any]]:
    """Rows for `lc_collate` and `lc_ctype` where pg_settings lacks them (PostgreSQL 16 and later
    removed them), from the database's pg_database row, so that every major records them alike."""
    return [{"name": name, "reset_val": database[column], "unit": None, "vartype": "string"}
            for name, column in DATABASE_SETTINGS
            if name not in present and isinstance(database.get(column), str)]


def database_locale(database: dict[str, Any]) -> dict[str, str]:
    """The database's locale provider and locale when it is not libc (PostgreSQL 15 and later):
    datlocprovider, and daticulocale (15, 16) or datlocale (17+). Empty for libc, as before 15."""
    code = str(database.get("datlocprovider", "c"))
    provider = LOCALE_PROVIDERS.get(code, code)
    if provider == "libc":
        return {}
    locale = database.get("datlocale") or database.get("daticulocale")
    return {"provider": provider, **({"locale": str(locale)} if locale else {})}
