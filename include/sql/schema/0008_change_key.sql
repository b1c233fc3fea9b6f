-- The rest of a changed row's key in the change log and the applied-change journal: with person_id,
-- uscc and effective_date alone, two enrollments of one person changed by one delivery (pension and
-- medical insurance, say) were one log row and one journal row. row_key holds the key columns the
-- other columns do not (insurance_code and start_date of an enrollment, month of a withholding,
-- assistance_type, period); null when person_id/uscc/effective_date are the whole key. No personal
-- data: codes and dates only.
alter table curated.change_log add column if not exists row_key jsonb;
alter table base.applied_change add column if not exists row_key jsonb;

alter table base.applied_change drop constraint if exists applied_change_once;
alter table base.applied_change add constraint applied_change_once unique nulls not distinct
    (source, delivery_id, file_name, target, raw_id, uscc, row_key, effective_date, change);
