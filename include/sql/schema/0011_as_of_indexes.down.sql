drop index if exists curated.ps_person_as_of, curated.ps_person_change_as_of, curated.ps_cancellation_as_of,
    curated.si_enrollment_as_of, curated.si_enrollment_change_as_of;
