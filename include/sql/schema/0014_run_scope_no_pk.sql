-- base.run_scope (a run's persons and their counties) loses its primary key. The table holds one
-- run at a time (each run truncates it), each person once (the statements that fill it produce
-- distinct persons: run_scope_insert.sql by construction, run_scope_insert_incremental.sql with
-- DISTINCT), and is read by (run_id, county_code) alone. The key cost a random btree insert per
-- person: 2 of the 12 serial seconds before a 1M-person full run's units of work start.
alter table base.run_scope drop constraint if exists run_scope_pkey;
