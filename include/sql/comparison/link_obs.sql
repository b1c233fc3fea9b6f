-- Linkage input: every ID in another department's feed that failed its check (CHECK_FAIL), one
-- row per (source, id), with the identity evidence the feed carries. Enrollment rows carry no
-- name: they borrow it from the social insurance person record with the same ID, which failed its
-- check too (the check character is a function of the ID alone): only the flagged person records are
-- joined (their partial index), not all of si_person (0.5 s of every run at 1M persons).
with observed as (
    select 'si_person' as source, person_id as raw_id, name, sex, birth_date, phone,
           residence_address as address
    from curated.si_person where person_id_status = 'CHECK_FAIL'
    union all
    select 'si_enrollment', e.person_id, p.name, p.sex, p.birth_date, p.phone, p.residence_address
    from curated.si_enrollment as e
    left join curated.si_person as p on p.person_id = e.person_id and p.person_id_status = 'CHECK_FAIL'
    where e.person_id_status = 'CHECK_FAIL'
    union all
    select 'si_enrollment_change', e.person_id, p.name, p.sex, p.birth_date, p.phone, p.residence_address
    from curated.si_enrollment_change as e
    left join curated.si_person as p on p.person_id = e.person_id and p.person_id_status = 'CHECK_FAIL'
    where e.person_id_status = 'CHECK_FAIL'
    union all
    select 'ca_cremation', person_id, name, null, null, null, null
    from curated.ca_cremation where person_id_status = 'CHECK_FAIL'
    union all
    select 'ca_assistance', person_id, name, null, null, null, null
    from curated.ca_assistance where person_id_status = 'CHECK_FAIL'
    union all
    select 'edu_student', person_id, name, null, null, null, null
    from curated.edu_student where person_id_status = 'CHECK_FAIL'
    union all
    select 'tax_withholding', person_id, name, null, null, null, null
    from curated.tax_withholding where person_id_status = 'CHECK_FAIL'
    union all
    select 'survey_return', person_id, name, sex, birth_date, phone, residence_address
    from curated.survey_return where person_id_status = 'CHECK_FAIL'
    union all
    select 'ps_cancellation', person_id, name, null, null, null, null
    from curated.ps_cancellation where person_id_status = 'CHECK_FAIL'
),

deduplicated as (
    select distinct on (source, raw_id)
        source, raw_id, nullif(btrim(name), '') as name, sex, birth_date,
        base.norm_text(phone) as phone, base.norm_text(address) as address
    from observed
    where raw_id is not null
    order by source, raw_id, name nulls last, birth_date nulls last
)

select
    source, raw_id, name, sex, birth_date, phone, address,
    coalesce(birth_date, base.id_birth_date(raw_id)) as birth_date_evidence,
    coalesce(sex, case when substr(raw_id, 17, 1) ~ '[0-9]'
                       then case when substr(raw_id, 17, 1)::int % 2 = 1 then '1' else '2' end end) as sex_evidence
from deduplicated
