"""The `mysql` probe (MySQL and MariaDB): server, plugins, variables, schema, migrations and data shape.

This module only re-exports the probe class. The catalog reading imports PyMySQL and is
imported only inside `MysqlProbe.collect`, so that loading the probe registry never loads it.
"""
