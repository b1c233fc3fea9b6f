drop index if exists curated.ps_person_birthday, curated.ps_person_birth_date, curated.ps_person_name,
    curated.ps_person_change_birth_date, curated.ps_person_change_name, curated.ps_person_change_effective,
    curated.si_enrollment_employer, curated.si_enrollment_start, curated.si_enrollment_end,
    curated.si_enrollment_paid, curated.si_enrollment_change_effective, curated.tax_withholding_month,
    curated.edu_student_graduation, curated.edu_student_enrol, curated.ca_cremation_death,
    curated.ps_cancellation_date, curated.survey_return_date, curated.si_person_id_flagged,
    curated.si_enrollment_id_flagged, curated.si_enrollment_change_id_flagged, curated.ca_cremation_id_flagged,
    curated.ca_assistance_id_flagged, curated.edu_student_id_flagged, curated.tax_withholding_id_flagged,
    curated.survey_return_id_flagged, curated.ps_cancellation_id_flagged;
drop function if exists base.month_day(date);
