drop schema if exists curated cascade;
drop schema if exists intake cascade;
