"""Which server settings are compared, and how much a difference in each one matters.

Host-specific settings (paths, ports, addresses, names of this machine or cluster) and
values that describe the probe's own session are never collected. Sizes that follow
the hardware are low; settings that change what queries return or how data is read
and written are high; everything else is medium.
"""

from __future__ import annotations

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
