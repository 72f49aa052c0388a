"""Which server variables are compared, and how much a difference in each one matters.

Values are those a new session of the probe's user gets: `SHOW SESSION VARIABLES` right
after connecting (so `init_connect` and per-session defaults count), before the probe sets
its own timeouts and transaction mode. The variables the client itself negotiates or the
probe sets (character set of the connection, autocommit, isolation, timeouts) are taken
from `SHOW GLOBAL VARIABLES` instead, which is what an application's new session starts from.

Host-specific values (paths, ports, ids, host names, the version, which the `server` part
has) are never collected. `sql_mode` is compared as a set: one finding per mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fidelity.probe.setting_lists import SettingLists

#: Never collected: differ between hosts by nature, or describe the server build or this session.
NOISE = (
    "*_dir", "*dir", "*_file", "*_path", "*_socket", "socket", "port", "*_port", "extra_port",
    "hostname", "report_host", "report_port", "report_user", "report_password", "bind_address",
    "server_id", "server_uuid", "server_id_bits", "gtid_*", "wsrep_node_*", "wsrep_cluster_address",
    "wsrep_sst_*", "version", "version_*", "innodb_version", "protocol_version", "license",
    "have_*", "pid_file", "log_bin_basename", "log_bin_index", "relay_log*", "general_log_file",
    "slow_query_log_file", "log_error", "ssl_*", "tls_*", "admin_*", "pseudo_*", "timestamp",
    "last_insert_id", "insert_id", "identity", "rand_seed*", "warning_count", "error_count",
    "session_track_*", "last_gtid", "external_user", "proxy_user", "in_transaction",
    "transaction_read_only", "tx_read_only", "max_statement_time", "max_execution_time",
    "lock_wait_timeout", "innodb_lock_wait_timeout", "system_time_zone", "large_page_size",
    "thread_handling", "innodb_buffer_pool_filename", "character_sets_dir", "lc_messages_dir",
    "plugin_dir", "basedir", "datadir", "tmpdir", "secure_file_priv", "debug*", "core_file",
    "skip_networking", "skip_name_resolve", "named_pipe", "shared_memory*", "log_tc_size",
    "rpl_semi_sync_*", "character_set_filesystem", "character_set_system",
    # the current database's defaults: `schema/<database>/charset|collation` has them
    "character_set_database", "collation_database",
)

#: Read from GLOBAL: the client negotiates them at connect (PyMySQL, utf8mb4) or the probe sets them.
FROM_GLOBAL = (
    "character_set_client", "character_set_connection", "character_set_results", "collation_connection",
    "autocommit", "transaction_isolation", "tx_isolation",
)

#: Change what statements accept, return or store, or how text compares.
HIGH = (
    "sql_mode", "character_set_server", "collation_server",
    "character_set_client", "character_set_connection", "character_set_results", "collation_connection",
    "time_zone", "lower_case_table_names", "explicit_defaults_for_timestamp", "default_storage_engine",
    "default_tmp_storage_engine", "transaction_isolation", "tx_isolation", "foreign_key_checks",
    "unique_checks", "autocommit", "sql_auto_is_null", "sql_safe_updates", "sql_select_limit",
    "group_concat_max_len", "div_precision_increment", "default_week_format", "lc_time_names",
    "max_allowed_packet", "auto_increment_increment", "auto_increment_offset", "sql_require_primary_key",
    "innodb_strict_mode", "innodb_default_row_format", "innodb_file_per_table", "default_password_lifetime",
    "block_encryption_mode", "updatable_views_with_limit", "old_passwords", "old_mode", "old",
    "sql_big_selects", "big_tables", "sql_notes", "sql_warnings", "sql_quote_show_create",
    "event_scheduler", "log_bin_trust_function_creators", "require_secure_transport", "read_only",
    "super_read_only", "innodb_read_only", "transaction_read_only", "completion_type",
    "optimizer_switch", "binlog_format", "innodb_autoinc_lock_mode", "system_versioning_alter_history",
    "regexp_buffer_size", "ft_min_word_len", "innodb_ft_min_token_size", "ft_stopword_file",
    "innodb_ft_enable_stopword", "default_collation_for_utf8mb4", "character_set_collations",
)

#: Follow the hardware, or tune performance, caching and logging only.
LOW = (
    "innodb_buffer_pool_*", "innodb_log_*", "innodb_io_capacity*", "innodb_*_threads", "innodb_thread_*",
    "innodb_page_cleaners", "innodb_flush_*", "innodb_adaptive_*", "innodb_open_files",
    "innodb_lru_*", "innodb_max_dirty_*", "innodb_change_buffer*", "innodb_sort_buffer_size",
    "innodb_online_alter_log_max_size", "innodb_purge_*", "innodb_stats_*", "innodb_doublewrite*",
    "max_connections", "max_user_connections", "max_connect_errors", "thread_cache_size",
    "thread_pool_*", "thread_stack", "table_open_cache*", "table_definition_cache", "open_files_limit",
    "key_buffer_size", "key_cache_*", "query_cache_*", "query_alloc_block_size", "query_prealloc_size",
    "sort_buffer_size", "join_buffer_*", "read_buffer_size", "read_rnd_buffer_size",
    "tmp_table_size", "tmp_memory_table_size", "max_heap_table_size", "bulk_insert_buffer_size",
    "myisam_*", "aria_*", "net_buffer_length", "binlog_cache_size", "binlog_stmt_cache_size",
    "max_binlog_*", "expire_logs_days", "binlog_expire_logs_seconds", "sync_binlog",
    "slow_query_log", "long_query_time", "log_slow_*", "log_queries_not_using_indexes",
    "general_log", "log_output", "log_warnings", "log_error_verbosity", "performance_schema*",
    "host_cache_size", "back_log", "metadata_locks_*", "stored_program_cache",
    "optimizer_search_depth", "optimizer_prune_level", "eq_range_index_dive_limit",
    "range_alloc_block_size", "transaction_alloc_block_size", "transaction_prealloc_size",
    "max_sort_length", "max_length_for_sort_data", "histogram_size", "histogram_type",
    "use_stat_tables", "userstat", "innodb_monitor_*", "innodb_print_*", "innodb_status_output*",
    "wait_timeout", "interactive_timeout", "net_*_timeout", "connect_timeout", "delayed_*",
    "innodb_read_ahead_threshold", "innodb_random_read_ahead", "innodb_spin_wait_delay",
    "innodb_sync_spin_loops", "innodb_write_io_threads", "innodb_read_io_threads",
)


LISTS = SettingLists(NOISE, HIGH, LOW)
is_noise = LISTS.is_noise
severity = LISTS.severity


def collect(session_values: Mapping[str, str], global_values: Mapping[str, str],
            extra: Iterable[str] = ()) -> dict[str, str]:
    """The compared variables, each as a new session of the probe's user gets it."""
    extra = tuple(extra)
    values: dict[str, str] = {}
    for name in sorted(set(session_values) | set(global_values)):
        if is_noise(name, extra):
            continue
        source = global_values if name in FROM_GLOBAL or name not in session_values else session_values
        if name in source:
            values[name] = source[name]
    return values
