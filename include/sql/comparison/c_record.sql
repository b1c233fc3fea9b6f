-- Each person's row of the registration base: the provincial `data` object (record, built here in
-- the interface's field table order; jsonb stores keys canonically), per-field provenance and the
-- hashes that decide whether anything changed. Provenance keeps the as_of of the value's first
-- appearance: when a field's value equals the previous version's, its previous source entry stays.
-- The CTEs are materialised: inlined, the wide jsonb expressions were evaluated once per reference.
with shaped as materialized (
    select
        p.*,
        case when p.in_register then left(p.hukou_region, 6) end as county_code,
        case when p.in_register and length(p.hukou_region) >= 9 then left(p.hukou_region, 9) end as town_code,
        case when p.in_register and length(p.hukou_region) = 12 then p.hukou_region end as village_code,
        jsonb_build_object(
            'person_id', p.person_id,
            'name', p.name,
            'sex', p.sex,
            'ethnicity', p.ethnicity,
            'birth_date', p.birth_date,
            'hukou_region', coalesce(p.hukou_region, left(p.person_id, 6)),
            'hukou_status', p.hukou_status,
            'hukou_address', coalesce(p.hukou_address, ''),
            'residence_address', coalesce(p.residence_address, ''),
            'phone', coalesce(p.phone, ''),
            'employment_status', p.employment_status,
            'employer_uscc', coalesce(p.employer_uscc, ''),
            'insurance', coalesce(p.insurance, '[]'::jsonb),
            'category', p.category,
            'mismatched_fields', to_jsonb(p.mismatched_fields),
            'non_enrollment_reason', coalesce(p.non_enrollment_reason, ''),
            'deceased_on', p.deceased_on
        ) as data
    from c_person as p
),

recorded as materialized (
    -- per-field provenance, computed within each person's row (no join back to the wide rows)
    select s.*, coalesce(src.sources, '{}'::jsonb) as sources,
           s.data || jsonb_build_object('sources', coalesce(src.sources, '{}'::jsonb)) as record
    from shaped as s
    left join base.person_current as c on c.person_id = s.person_id
    cross join lateral (
        select jsonb_object_agg(
                   f.field,
                   case when c.record -> f.field = s.data -> f.field and c.sources ? f.field
                        then c.sources -> f.field
                        else jsonb_build_object('source', f.source, 'as_of', f.as_of) end
               ) as sources
        from (values
        ('name', s.name_source,
         case s.name_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                            else s.survey_as_of end),
        ('sex', s.sex_source,
         case s.sex_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                           else s.survey_as_of end),
        ('ethnicity', s.ethnicity_source,
         case s.ethnicity_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                                 else s.survey_as_of end),
        ('birth_date', s.birth_date_source,
         case s.birth_date_source when 'public_security' then coalesce(s.facts_as_of, s.si_as_of)
                                  when 'social_insurance' then s.si_as_of else s.survey_as_of end),
        ('residence_address', s.residence_address_source,
         case s.residence_address_source when 'public_security' then s.facts_as_of
                                         when 'social_insurance' then s.si_as_of else s.survey_as_of end),
        ('phone', s.phone_source,
         case s.phone_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                             else s.survey_as_of end),
        ('hukou_region', case when s.in_register then 'public_security' end, s.facts_as_of),
        ('hukou_address', case when s.in_register then 'public_security' end, s.facts_as_of),
        ('hukou_status', case when s.in_register then 'public_security' else 'social_insurance' end,
         case when s.in_register then s.status_as_of else coalesce(s.si_as_of, s.enrollment_as_of) end),
        ('deceased_on', case when s.deceased_on is not null then s.deceased_source end, s.deceased_as_of),
        ('employer_uscc',
         case when s.employer_uscc is null then null
              when s.withholding_employer = s.employer_uscc and s.enrollment_as_of is null then 'tax'
              else 'social_insurance' end,
         case when s.withholding_employer = s.employer_uscc and s.enrollment_as_of is null
              then s.withholding_as_of else s.enrollment_as_of end),
        ('insurance', case when s.insurance is not null then 'social_insurance' end, s.enrollment_as_of)
        ) as f (field, source, as_of)
        where f.source is not null
    ) as src
),

final as (
    select
        r.person_id, r.name, r.sex, r.ethnicity, r.birth_date, r.household_no, r.hukou_address,
        r.residence_address, r.phone, r.hukou_region, r.county_code, r.town_code, r.village_code,
        r.hukou_status, r.registered, r.age, r.student, r.military, r.deceased_on, r.should_insure,
        r.is_employee, r.employment_status, r.employer_uscc,
        coalesce(se.name, me.name) as employer_name,
        r.best ->> '110' as ins_110, r.best ->> '120' as ins_120, r.best ->> '170' as ins_170,
        r.best ->> '210' as ins_210, r.best ->> '310' as ins_310, r.best ->> '390' as ins_390,
        r.best ->> '410' as ins_410, r.best ->> '510' as ins_510,
        coalesce(r.elsewhere, '{}'::jsonb) as elsewhere,
        r.cov_pension, r.cov_medical, r.cov_210, r.cov_410, r.cov_510,
        r.category, r.mismatched_fields, r.reasons, r.non_enrollment_reason, r.reason_employer_uscc,
        r.sources, r.record,
        encode(sha256(convert_to(r.record::text, 'UTF8')), 'hex') as record_hash,
        r.review_flags
    from recorded as r
    left join curated.si_employer as se on se.uscc = r.employer_uscc
    left join curated.mr_enterprise as me on me.uscc = r.employer_uscc
)

select f.*,
       -- every column but the record (already hashed) and the sources (part of the record)
       md5(record_hash || (to_jsonb(f) - 'record' - 'sources')::text) as state_hash
from final as f
