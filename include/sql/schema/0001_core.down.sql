drop schema if exists audit cascade;
