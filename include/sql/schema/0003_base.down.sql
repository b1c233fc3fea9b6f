-- Undo 0003_base.
drop schema if exists base cascade;
