alter table base.applied_change drop constraint if exists applied_change_once;
alter table base.applied_change drop column if exists row_key;
alter table base.applied_change add constraint applied_change_once unique nulls not distinct
    (source, delivery_id, file_name, target, raw_id, uscc, effective_date, change);
alter table curated.change_log drop column if exists row_key;
