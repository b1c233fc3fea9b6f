drop schema if exists publication cascade;
