"""The catalog queries of the mysql probe: one per object class, whatever the size of the schema.

Every query reads `information_schema` (no `SHOW CREATE`: everything compared is in a view) and
takes the databases to read as the parameter `schemas`. Where MySQL 8 and MariaDB name a
column differently, `FLAVOURED` holds both spellings; the rest is common to both. Columns
are aliased in lower case, so that rows look the same whatever the flavour.
"""

from __future__ import annotations

SCHEMATA = """
SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation
FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME"""

TABLES = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS name, TABLE_TYPE AS kind, ENGINE AS engine,
       ROW_FORMAT AS row_format, TABLE_COLLATION AS collation, CREATE_OPTIONS AS options,
       TABLE_COMMENT AS comment
FROM information_schema.TABLES
WHERE TABLE_SCHEMA IN %(schemas)s AND TABLE_TYPE <> 'VIEW'
ORDER BY TABLE_SCHEMA, TABLE_NAME"""

COLUMNS = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, COLUMN_NAME AS name, ORDINAL_POSITION AS position,
       COLUMN_TYPE AS type, DATA_TYPE AS data_type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS `default`,
       EXTRA AS extra, GENERATION_EXPRESSION AS generated, CHARACTER_SET_NAME AS charset,
       COLLATION_NAME AS collation, COLUMN_COMMENT AS comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA IN %(schemas)s
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"""

#: One row per key part. MySQL 8 has functional key parts (EXPRESSION) and IS_VISIBLE;
#: MariaDB 10.6+ has IGNORED (the same thing, inverted) and no functional key parts.
STATISTICS = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, INDEX_NAME AS name, NON_UNIQUE AS non_unique,
       SEQ_IN_INDEX AS seq, COLUMN_NAME AS `column`, SUB_PART AS sub_part, COLLATION AS `order`,
       INDEX_TYPE AS index_type, INDEX_COMMENT AS comment, {expression} AS expression,
       {invisible} AS invisible
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA IN %(schemas)s
ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""

FOREIGN_KEYS = """
SELECT k.TABLE_SCHEMA AS `schema`, k.TABLE_NAME AS `table`, k.CONSTRAINT_NAME AS name,
       k.COLUMN_NAME AS `column`, k.REFERENCED_TABLE_SCHEMA AS ref_schema,
       k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column,
       r.UPDATE_RULE AS on_update, r.DELETE_RULE AS on_delete
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
 AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA IN %(schemas)s AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"""

#: MariaDB's CHECK_CONSTRAINTS has TABLE_NAME (names are unique per table: a column check is
#: named after its column), and is read alone: joining it to TABLE_CONSTRAINTS makes MariaDB
#: build both in full and match them pairwise (8 s at 2,000 tables). MySQL 8's has no
#: TABLE_NAME (names are unique per database); its TABLE_CONSTRAINTS, a view on the indexed
#: data dictionary there, gives the table and whether the check is ENFORCED.
CHECKS = {
    "mariadb": """
SELECT CONSTRAINT_SCHEMA AS `schema`, TABLE_NAME AS `table`, CONSTRAINT_NAME AS name,
       CHECK_CLAUSE AS clause, 'YES' AS enforced
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA IN %(schemas)s
ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME""",
    "mysql": """
SELECT t.TABLE_SCHEMA AS `schema`, t.TABLE_NAME AS `table`, t.CONSTRAINT_NAME AS name,
       c.CHECK_CLAUSE AS clause, t.ENFORCED AS enforced
FROM information_schema.TABLE_CONSTRAINTS t
JOIN information_schema.CHECK_CONSTRAINTS c
  ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME
WHERE t.TABLE_SCHEMA IN %(schemas)s AND t.CONSTRAINT_TYPE = 'CHECK'
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME, t.CONSTRAINT_NAME""",
}

PARTITIONS = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, PARTITION_NAME AS name,
       SUBPARTITION_NAME AS subname, PARTITION_METHOD AS method, PARTITION_EXPRESSION AS expression,
       SUBPARTITION_METHOD AS submethod, SUBPARTITION_EXPRESSION AS subexpression,
       PARTITION_DESCRIPTION AS bound
FROM information_schema.PARTITIONS
WHERE TABLE_SCHEMA IN %(schemas)s AND PARTITION_NAME IS NOT NULL
ORDER BY TABLE_SCHEMA, TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION"""

VIEWS = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS name, VIEW_DEFINITION AS definition,
       CHECK_OPTION AS check_option, SECURITY_TYPE AS security, DEFINER AS definer
FROM information_schema.VIEWS
WHERE TABLE_SCHEMA IN %(schemas)s
ORDER BY TABLE_SCHEMA, TABLE_NAME"""

ROUTINES = """
SELECT ROUTINE_SCHEMA AS `schema`, ROUTINE_NAME AS name, ROUTINE_TYPE AS kind,
       DTD_IDENTIFIER AS returns, ROUTINE_DEFINITION AS body, IS_DETERMINISTIC AS `deterministic`,
       SQL_DATA_ACCESS AS data_access, SECURITY_TYPE AS security, SQL_MODE AS sql_mode,
       DEFINER AS definer, ROUTINE_COMMENT AS comment
FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA IN %(schemas)s
ORDER BY ROUTINE_SCHEMA, ROUTINE_TYPE, ROUTINE_NAME"""

PARAMETERS = """
SELECT SPECIFIC_SCHEMA AS `schema`, SPECIFIC_NAME AS routine, ROUTINE_TYPE AS kind,
       ORDINAL_POSITION AS position, PARAMETER_MODE AS mode, PARAMETER_NAME AS name,
       DTD_IDENTIFIER AS type
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA IN %(schemas)s AND ORDINAL_POSITION > 0
ORDER BY SPECIFIC_SCHEMA, ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION"""

TRIGGERS = """
SELECT TRIGGER_SCHEMA AS `schema`, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS `table`,
       EVENT_MANIPULATION AS event, ACTION_TIMING AS timing, ACTION_ORDER AS action_order,
       ACTION_STATEMENT AS body, SQL_MODE AS sql_mode, DEFINER AS definer
FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA IN %(schemas)s
ORDER BY TRIGGER_SCHEMA, TRIGGER_NAME"""

EVENTS = """
SELECT EVENT_SCHEMA AS `schema`, EVENT_NAME AS name, EVENT_TYPE AS type, EXECUTE_AT AS execute_at,
       INTERVAL_VALUE AS interval_value, INTERVAL_FIELD AS interval_field, ENDS AS ends,
       STATUS AS status, ON_COMPLETION AS on_completion, EVENT_DEFINITION AS body,
       SQL_MODE AS sql_mode, TIME_ZONE AS time_zone, DEFINER AS definer, EVENT_COMMENT AS comment
FROM information_schema.EVENTS
WHERE EVENT_SCHEMA IN %(schemas)s
ORDER BY EVENT_SCHEMA, EVENT_NAME"""

PLUGINS = """
SELECT PLUGIN_NAME AS name, PLUGIN_STATUS AS status, PLUGIN_VERSION AS version, PLUGIN_TYPE AS type
FROM information_schema.PLUGINS ORDER BY PLUGIN_NAME"""

#: MySQL 8 only (MariaDB has no components); needs SELECT on mysql.component.
COMPONENTS = "SELECT component_urn AS name FROM mysql.component ORDER BY component_urn"

SCHEMA_PRIVILEGES = """
SELECT TABLE_SCHEMA AS `schema`, GRANTEE AS grantee, PRIVILEGE_TYPE AS privilege
FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA IN %(schemas)s"""

TABLE_PRIVILEGES = """
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, GRANTEE AS grantee, PRIVILEGE_TYPE AS privilege
FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA IN %(schemas)s"""

#: Per flavour, the fragments of the queries above that differ.
FLAVOURED: dict[str, dict[str, dict[str, str]]] = {
    "mariadb": {
        "statistics": {"expression": "NULL", "invisible": "IGNORED = 'YES'"},
    },
    "mysql": {
        "statistics": {"expression": "EXPRESSION", "invisible": "IS_VISIBLE = 'NO'"},
    },
}
