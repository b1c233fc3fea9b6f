drop table if exists intake.decision;
drop table if exists intake.quarantine;
drop table if exists intake.gate_result;
alter table if exists intake.delivery drop column if exists data_docs;
