-- Indexes that let a daily (incremental) comparison cost in proportion to what changed instead of
-- scanning the whole city: the linkage's observations (IDs that failed their check, and
-- 15-digit IDs upgraded by intake) through partial indexes, the register's linkage candidates by
-- birth date and by name, birthdays by month and day, and the time-dependent scope (enrollment
-- dates, the lapse line, the tax-withholding window) by range.

-- month * 100 + day of a date: birthdays between two reference dates
create or replace function base.month_day(d date) returns integer
language sql immutable strict parallel safe
as $$ select (extract(month from d) * 100 + extract(day from d))::integer $$;

create index if not exists ps_person_birthday on curated.ps_person (base.month_day(birth_date));
create index if not exists ps_person_birth_date on curated.ps_person (birth_date);
create index if not exists ps_person_name on curated.ps_person (name);
create index if not exists ps_person_change_birth_date on curated.ps_person_change (birth_date);
create index if not exists ps_person_change_name on curated.ps_person_change (name);
create index if not exists ps_person_change_effective on curated.ps_person_change (effective_date);

create index if not exists si_enrollment_employer on curated.si_enrollment (employer_uscc);
create index if not exists si_enrollment_start on curated.si_enrollment (start_date);
create index if not exists si_enrollment_end on curated.si_enrollment (end_date);
create index if not exists si_enrollment_paid on curated.si_enrollment (last_paid_month);
create index if not exists si_enrollment_change_effective on curated.si_enrollment_change (effective_date);
create index if not exists tax_withholding_month on curated.tax_withholding (month);
create index if not exists edu_student_graduation on curated.edu_student (expected_graduation);
create index if not exists edu_student_enrol on curated.edu_student (enrol_date);
create index if not exists ca_cremation_death on curated.ca_cremation (death_date);
create index if not exists ps_cancellation_date on curated.ps_cancellation (cancel_date);
create index if not exists survey_return_date on curated.survey_return (survey_date);

-- the linkage's observations: few rows of big tables
create index if not exists si_person_id_flagged on curated.si_person (person_id)
    where person_id_status in ('CHECK_FAIL', 'UPGRADED_15');
create index if not exists si_enrollment_id_flagged on curated.si_enrollment (person_id)
    where person_id_status in ('CHECK_FAIL', 'UPGRADED_15');
create index if not exists si_enrollment_change_id_flagged on curated.si_enrollment_change (person_id)
    where person_id_status in ('CHECK_FAIL', 'UPGRADED_15');
create index if not exists ca_cremation_id_flagged on curated.ca_cremation (person_id)
    where person_id_status = 'CHECK_FAIL';
create index if not exists ca_assistance_id_flagged on curated.ca_assistance (person_id)
    where person_id_status = 'CHECK_FAIL';
create index if not exists edu_student_id_flagged on curated.edu_student (person_id)
    where person_id_status = 'CHECK_FAIL';
create index if not exists tax_withholding_id_flagged on curated.tax_withholding (person_id)
    where person_id_status = 'CHECK_FAIL';
create index if not exists survey_return_id_flagged on curated.survey_return (person_id)
    where person_id_status = 'CHECK_FAIL';
create index if not exists ps_cancellation_id_flagged on curated.ps_cancellation (person_id)
    where person_id_status = 'CHECK_FAIL';
