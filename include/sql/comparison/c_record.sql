-- Each CHANGED person's row of the registration base: the provincial `data` object (record; jsonb
-- stores keys canonically), per-field provenance and the hashes that decide what is written.
--
-- state_hash is an md5 of everything the row is computed from: the person's whole c_person row
-- (hash_record_extended with two seeds: hashing the binary values, ~5x cheaper than the row's text)
-- and the employer's name. A person whose state_hash equals base.person_current's cannot have changed
-- (the row is a function of those inputs; provenance keeps its previous entries when values are
-- equal), so only the others get a record built, hashed and merged: a full re-run with nothing
-- changed builds no jsonb at all. record_hash stays the sha256 of the record's canonical text.
--
-- Provenance keeps the as_of of the value's first appearance: when a field's value equals the
-- previous version's and its previous entry was dated, that entry stays. An undated entry (a birth
-- date read from the ID before any source dated it) is replaced as soon as a source dates it.
-- The previous record and sources are each parsed once per person (jsonb_to_record), not once per
-- field.
with inputs as (
    select p.*, coalesce(se.name, me.name) as employer_name,
           md5(hash_record_extended(p, 0) || ':' || hash_record_extended(p, 1) || ':'
               || quote_nullable(coalesce(se.name, me.name))) as state_hash
    from c_person as p
    left join curated.si_employer as se on se.uscc = p.employer_uscc
    left join curated.mr_enterprise as me on me.uscc = p.employer_uscc
    offset 0  -- computed once per person, not once per reference
),

changed as (
    -- the person's current row, joined once: its state_hash decides, its record and sources give the
    -- previous values and provenance, its version and record_hash go to c_changed (two joins with
    -- the whole base per county read every county's rows twice). A plain join, so the planner may
    -- hash it: a forced per-person lookup (LATERAL ... OFFSET 0) became a sequential scan per person
    -- when the base had just been emptied and looked tiny to the planner (a first build stalled).
    select i.*, c.record as prev_record, c.sources as prev_sources,
           c.person_id is not null as has_current, c.version as prev_version, c.record_hash as prev_record_hash
    from inputs as i
    left join base.person_current as c on c.person_id = i.person_id
    where c.state_hash is null or c.state_hash <> i.state_hash
),

fields as (
    -- each field's value as the record carries it, and its source and as_of in this run
    select
        s.*,
        case when s.in_register then left(s.hukou_region, 6) end as county_code,
        case when s.in_register and length(s.hukou_region) >= 9 then left(s.hukou_region, 9) end as town_code,
        case when s.in_register and length(s.hukou_region) = 12 then s.hukou_region end as village_code,
        coalesce(s.hukou_region, left(s.person_id, 6)) as v_hukou_region,
        coalesce(s.hukou_address, '') as v_hukou_address,
        coalesce(s.residence_address, '') as v_residence_address,
        coalesce(s.phone, '') as v_phone,
        coalesce(s.employer_uscc, '') as v_employer_uscc,
        coalesce(s.insurance, '[]'::jsonb) as v_insurance,
        case s.name_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                           else s.survey_as_of end as name_as_of,
        case s.sex_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                          else s.survey_as_of end as sex_as_of,
        case s.ethnicity_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                                else s.survey_as_of end as ethnicity_as_of,
        case s.birth_date_source when 'public_security' then coalesce(s.facts_as_of, s.si_as_of)
                                 when 'social_insurance' then s.si_as_of else s.survey_as_of end as birth_date_as_of,
        case s.residence_address_source when 'public_security' then s.facts_as_of
                                        when 'social_insurance' then s.si_as_of else s.survey_as_of end
            as residence_address_as_of,
        case s.phone_source when 'public_security' then s.facts_as_of when 'social_insurance' then s.si_as_of
                            else s.survey_as_of end as phone_as_of,
        case when s.in_register then 'public_security' end as hukou_source,
        case when s.in_register then 'public_security' else 'social_insurance' end as hukou_status_source,
        case when s.in_register then s.status_as_of else coalesce(s.si_as_of, s.enrollment_as_of) end
            as hukou_status_as_of,
        case when s.deceased_on is not null then s.deceased_source end as deceased_on_source,
        case when s.employer_uscc is null then null
             when s.withholding_employer = s.employer_uscc and s.enrollment_as_of is null then 'tax'
             else 'social_insurance' end as employer_uscc_source,
        case when s.withholding_employer = s.employer_uscc and s.enrollment_as_of is null
             then s.withholding_as_of else s.enrollment_as_of end as employer_uscc_as_of,
        case when s.insurance is not null then 'social_insurance' end as insurance_source
    from changed as s
),

provenance as (
    -- a field's entry as JSON text: the previous one when the value is unchanged and that entry was
    -- dated, else new. Text, parsed into jsonb once per person below: twelve nested jsonb_build_object calls cost
    -- twice as much (measured 5.1 s vs 2.95 s at 200,000 persons). Dates are written as their ISO
    -- text (the run sets DateStyle ISO) and sources are fixed identifiers that need no escaping:
    -- to_json() on each costs 0.5 us a pair instead of 0.2 (24 a person).
    select
        f.*,
        case when f.name_source is null then null
             when os.name ->> 'as_of' is not null and o.name is not distinct from f.name
                 then os.name::text
             else '{"as_of": ' || coalesce('"' || f.name_as_of::text || '"', 'null')
                  || ', "source": "' || f.name_source || '"}' end
            as e_name,
        case when f.sex_source is null then null
             when os.sex ->> 'as_of' is not null and o.sex is not distinct from f.sex then os.sex::text
             else '{"as_of": ' || coalesce('"' || f.sex_as_of::text || '"', 'null')
                  || ', "source": "' || f.sex_source || '"}' end
            as e_sex,
        case when f.ethnicity_source is null then null
             when os.ethnicity ->> 'as_of' is not null and o.ethnicity is not distinct from f.ethnicity
                 then os.ethnicity::text
             else '{"as_of": ' || coalesce('"' || f.ethnicity_as_of::text || '"', 'null')
                  || ', "source": "' || f.ethnicity_source || '"}' end
            as e_ethnicity,
        case when f.birth_date_source is null then null
             when os.birth_date ->> 'as_of' is not null and o.birth_date is not distinct from f.birth_date
                 then os.birth_date::text
             else '{"as_of": ' || coalesce('"' || f.birth_date_as_of::text || '"', 'null')
                  || ', "source": "' || f.birth_date_source || '"}' end
            as e_birth_date,
        case when f.residence_address_source is null then null
             when os.residence_address ->> 'as_of' is not null and o.residence_address is not distinct from f.v_residence_address
                 then os.residence_address::text
             else '{"as_of": ' || coalesce('"' || f.residence_address_as_of::text || '"', 'null')
                  || ', "source": "' || f.residence_address_source || '"}' end
            as e_residence_address,
        case when f.phone_source is null then null
             when os.phone ->> 'as_of' is not null and o.phone is not distinct from f.v_phone
                 then os.phone::text
             else '{"as_of": ' || coalesce('"' || f.phone_as_of::text || '"', 'null')
                  || ', "source": "' || f.phone_source || '"}' end
            as e_phone,
        case when f.hukou_source is null then null
             when os.hukou_region ->> 'as_of' is not null and o.hukou_region is not distinct from f.v_hukou_region
                 then os.hukou_region::text
             else '{"as_of": ' || coalesce('"' || f.facts_as_of::text || '"', 'null')
                  || ', "source": "' || f.hukou_source || '"}' end
            as e_hukou_region,
        case when f.hukou_source is null then null
             when os.hukou_address ->> 'as_of' is not null and o.hukou_address is not distinct from f.v_hukou_address
                 then os.hukou_address::text
             else '{"as_of": ' || coalesce('"' || f.facts_as_of::text || '"', 'null')
                  || ', "source": "' || f.hukou_source || '"}' end
            as e_hukou_address,
        case when os.hukou_status ->> 'as_of' is not null and o.hukou_status is not distinct from f.hukou_status
                 then os.hukou_status::text
             else '{"as_of": ' || coalesce('"' || f.hukou_status_as_of::text || '"', 'null')
                  || ', "source": "' || f.hukou_status_source || '"}' end
            as e_hukou_status,
        case when f.deceased_on_source is null then null
             when os.deceased_on ->> 'as_of' is not null and o.deceased_on is not distinct from f.deceased_on
                 then os.deceased_on::text
             else '{"as_of": ' || coalesce('"' || f.deceased_as_of::text || '"', 'null')
                  || ', "source": "' || f.deceased_on_source || '"}' end
            as e_deceased_on,
        case when f.employer_uscc_source is null then null
             when os.employer_uscc ->> 'as_of' is not null and o.employer_uscc is not distinct from f.v_employer_uscc
                 then os.employer_uscc::text
             else '{"as_of": ' || coalesce('"' || f.employer_uscc_as_of::text || '"', 'null')
                  || ', "source": "' || f.employer_uscc_source || '"}' end
            as e_employer_uscc,
        case when f.insurance_source is null then null
             when os.insurance ->> 'as_of' is not null and o.insurance is not distinct from f.v_insurance
                 then os.insurance::text
             else '{"as_of": ' || coalesce('"' || f.enrollment_as_of::text || '"', 'null')
                  || ', "source": "' || f.insurance_source || '"}' end
            as e_insurance
    from fields as f
    left join lateral jsonb_to_record(f.prev_record) as o (
        name text, sex text, ethnicity text, birth_date date, residence_address text, phone text,
        hukou_region text, hukou_address text, hukou_status text, deceased_on date, employer_uscc text,
        insurance jsonb
    ) on true
    left join lateral jsonb_to_record(f.prev_sources) as os (
        name jsonb, sex jsonb, ethnicity jsonb, birth_date jsonb, residence_address jsonb, phone jsonb,
        hukou_region jsonb, hukou_address jsonb, hukou_status jsonb, deceased_on jsonb, employer_uscc jsonb,
        insurance jsonb
    ) on true
),

sourced as (
    select
        p.*,
        cast('{' || concat_ws(', ',
            '"name": ' || p.e_name,
            '"sex": ' || p.e_sex,
            '"ethnicity": ' || p.e_ethnicity,
            '"birth_date": ' || p.e_birth_date,
            '"residence_address": ' || p.e_residence_address,
            '"phone": ' || p.e_phone,
            '"hukou_region": ' || p.e_hukou_region,
            '"hukou_address": ' || p.e_hukou_address,
            '"hukou_status": ' || p.e_hukou_status,
            '"deceased_on": ' || p.e_deceased_on,
            '"employer_uscc": ' || p.e_employer_uscc,
            '"insurance": ' || p.e_insurance
        ) || '}' as jsonb) as sources
    from provenance as p
    offset 0
),

recorded as (
    select
        s.*,
        jsonb_build_object(
            'person_id', s.person_id,
            'name', s.name,
            'sex', s.sex,
            'ethnicity', s.ethnicity,
            'birth_date', s.birth_date,
            'hukou_region', s.v_hukou_region,
            'hukou_status', s.hukou_status,
            'hukou_address', s.v_hukou_address,
            'residence_address', s.v_residence_address,
            'phone', s.v_phone,
            'employment_status', s.employment_status,
            'employer_uscc', s.v_employer_uscc,
            'insurance', s.v_insurance,
            'category', s.category,
            'mismatched_fields', to_jsonb(s.mismatched_fields),
            'non_enrollment_reason', coalesce(s.non_enrollment_reason, ''),
            'deceased_on', s.deceased_on,
            'sources', s.sources
        ) as record
    from sourced as s
    offset 0
)

select
    r.person_id, r.name, r.sex, r.ethnicity, r.birth_date, r.household_no, r.hukou_address,
    r.residence_address, r.phone, r.hukou_region, r.county_code, r.town_code, r.village_code,
    r.hukou_status, r.registered, r.age, r.student, r.military, r.deceased_on, r.should_insure,
    r.is_employee, r.employment_status, r.employer_uscc, r.employer_name,
    r.ins_110, r.ins_120, r.ins_170, r.ins_210, r.ins_310, r.ins_390, r.ins_410, r.ins_510,
    coalesce(r.elsewhere, '{}'::jsonb) as elsewhere,
    r.cov_pension, r.cov_medical, r.cov_210, r.cov_410, r.cov_510,
    r.category, r.mismatched_fields, r.reasons, r.non_enrollment_reason, r.reason_employer_uscc,
    r.sources, r.record,
    encode(sha256(convert_to(r.record::text, 'UTF8')), 'hex') as record_hash,
    r.review_flags,
    r.state_hash,
    r.has_current, r.prev_version, r.prev_record_hash
from recorded as r
