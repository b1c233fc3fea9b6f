-- Facts and classification of each person in scope at the reference date (DOMAIN.md, exactly):
-- chosen facts (public security first, then social insurance, then survey), should-insure,
-- applicable insurances, coverage per family here and elsewhere, the primary category in order
-- (deceased but active, duplicate, then within should-insure: uninsured, lapsed, partial, insured;
-- everyone else not applicable), reasons per missing insurance (for the uninsured, the partially
-- insured and the not applicable aged 16 or over only), and identity mismatches.
with idmap_student as (
    select m.person_id, max(x.as_of) as as_of
    from curated.edu_student as x
    join c_idmap as m
      on m.raw_id = x.person_id
     and ((m.source is null and x.person_id_status <> 'CHECK_FAIL') or m.source in ('edu_student', '*'))
    where coalesce(x.full_time, false)
      and x.absent_since is null
      and (x.enrol_date is null or x.enrol_date <= :ref_date)
      and (x.expected_graduation is null or x.expected_graduation > :ref_date)
    group by m.person_id
),

cremation as (
    select m.person_id, min(x.death_date) as death_date, min(x.as_of) as as_of
    from curated.ca_cremation as x
    join c_idmap as m
      on m.raw_id = x.person_id
     and ((m.source is null and x.person_id_status <> 'CHECK_FAIL') or m.source in ('ca_cremation', '*'))
    where x.death_date <= :ref_date and (x.cremation_date is null or x.cremation_date <= :ref_date)
    group by m.person_id
),

withholding as (
    select m.person_id,
           (array_agg(w.employer_uscc order by w.month desc, w.income desc nulls last, w.employer_uscc))[1]
               as employer_uscc,
           max(w.as_of) as as_of
    from curated.tax_withholding as w
    join c_idmap as m
      on m.raw_id = w.person_id
     and ((m.source is null and w.person_id_status <> 'CHECK_FAIL') or m.source in ('tax_withholding', '*'))
    where w.month >= to_char(cast(:ref_date as date) - make_interval(months => :employee_months), 'YYYY-MM')
      and w.month <= to_char(cast(:ref_date as date), 'YYYY-MM')
    group by m.person_id
),

survey as (
    select distinct on (m.person_id)
        m.person_id, btrim(x.name) as name, x.sex, x.birth_date, x.ethnicity, x.residence_address, x.phone,
        x.status_110, x.status_310, x.status_210, x.status_410, x.status_510, x.survey_date, x.as_of
    from curated.survey_return as x
    join c_idmap as m
      on m.raw_id = x.person_id
     and ((m.source is null and x.person_id_status <> 'CHECK_FAIL') or m.source in ('survey_return', '*'))
    where x.survey_date <= :ref_date
    order by m.person_id, x.survey_date desc, x.as_of desc
),

pending_review as (
    select distinct q.candidate_person_id as person_id
    from base.review_queue as q
    join c_scope as s on s.person_id = q.candidate_person_id
    where q.state = 'OPEN' and q.kind = 'MATCH' and q.source like 'si\_%'
),

here as (
    select
        person_id,
        bool_or(family = 'pension' and state in ('ACTIVE', 'RECEIVING')) as cov_pension,
        bool_or(family = 'pension' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale))) as fresh_pension,
        bool_or(family = 'pension' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_pension,
        bool_or(family = 'pension' and state = 'TERMINATED') as term_pension,
        count(*) filter (where family = 'pension' and state in ('ACTIVE', 'RECEIVING')) as n_pension,
        bool_or(family = 'medical' and state in ('ACTIVE', 'RECEIVING')) as cov_medical,
        bool_or(family = 'medical' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale))) as fresh_medical,
        bool_or(family = 'medical' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_medical,
        bool_or(family = 'medical' and state = 'TERMINATED') as term_medical,
        count(*) filter (where family = 'medical' and state in ('ACTIVE', 'RECEIVING')) as n_medical,
        bool_or(family = '210' and state in ('ACTIVE', 'RECEIVING')) as cov_210,
        bool_or(family = '210' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale))) as fresh_210,
        bool_or(family = '210' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_210,
        bool_or(family = '210' and state = 'TERMINATED') as term_210,
        bool_or(family = '410' and state in ('ACTIVE', 'RECEIVING')) as cov_410,
        bool_or(family = '410' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale))) as fresh_410,
        bool_or(family = '410' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_410,
        bool_or(family = '410' and state = 'TERMINATED') as term_410,
        bool_or(family = '510' and state in ('ACTIVE', 'RECEIVING')) as cov_510,
        bool_or(family = '510' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale))) as fresh_510,
        bool_or(family = '510' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_510,
        bool_or(family = '510' and state = 'TERMINATED') as term_510,
        bool_or(state in ('ACTIVE', 'RECEIVING')) as any_active,
        bool_or(family = 'pension' and state = 'RECEIVING') as pension_receiving,
        -- an employer enrollment makes an employee while ACTIVE (not suspended, not receiving)
        bool_or(state = 'ACTIVE' and employer_uscc is not null
                and insurance_code in ('110', '120', '210', '310', '410', '510')) as employer_enrolled,
        bool_or(insurance_code = '110' and state = 'ACTIVE' and employer_uscc is null) as flexible,
        (array_agg(employer_uscc order by (state = 'ACTIVE') desc, start_date desc)
            filter (where employer_uscc is not null and state in ('ACTIVE', 'SUSPENDED')))[1] as employer_uscc,
        max(as_of) as as_of,
        jsonb_agg(jsonb_build_object('code', insurance_code, 'status', state, 'since', since,
                                     'employer_uscc', coalesce(employer_uscc, ''))
                  order by insurance_code, start_date, state) as insurance,
        -- employee medical alone (maternity merged into it: 310 covers 510)
        bool_or(insurance_code = '310' and state in ('ACTIVE', 'RECEIVING')) as cov_310_only,
        bool_or(insurance_code = '310' and (state = 'RECEIVING' or (state = 'ACTIVE' and not stale)))
            as fresh_310_only,
        bool_or(insurance_code = '310' and state in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_310_only,
        -- the best state of each insurance here (RECEIVING > ACTIVE > SUSPENDED > TERMINATED), in the
        -- same pass rather than a second grouping of c_enrollment
        max(state_rank) filter (where insurance_code = '110') as rank_110,
        max(state_rank) filter (where insurance_code = '120') as rank_120,
        max(state_rank) filter (where insurance_code = '170') as rank_170,
        max(state_rank) filter (where insurance_code = '210') as rank_210,
        max(state_rank) filter (where insurance_code = '310') as rank_310,
        max(state_rank) filter (where insurance_code = '390') as rank_390,
        max(state_rank) filter (where insurance_code = '410') as rank_410,
        max(state_rank) filter (where insurance_code = '510') as rank_510
    from (
        select e.*, case e.state when 'RECEIVING' then 4 when 'ACTIVE' then 3 when 'SUSPENDED' then 2 else 1 end
                        as state_rank
        from c_enrollment as e
    ) as ranked_enrollment
    group by person_id
),

elsewhere as (
    select
        person_id,
        jsonb_object_agg(insurance, status order by insurance, region_code) as statuses,
        bool_or(family = 'pension' and status in ('ACTIVE', 'RECEIVING')) as cov_pension,
        bool_or(family = 'pension' and status in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_pension,
        count(*) filter (where family = 'pension' and status in ('ACTIVE', 'RECEIVING')) as n_pension,
        bool_or(family = 'medical' and status in ('ACTIVE', 'RECEIVING')) as cov_medical,
        bool_or(family = 'medical' and status in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_medical,
        count(*) filter (where family = 'medical' and status in ('ACTIVE', 'RECEIVING')) as n_medical,
        bool_or(family = '210' and status in ('ACTIVE', 'RECEIVING')) as cov_210,
        bool_or(family = '210' and status in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_210,
        bool_or(family = '410' and status in ('ACTIVE', 'RECEIVING')) as cov_410,
        bool_or(family = '410' and status in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_410,
        bool_or(family = '510' and status in ('ACTIVE', 'RECEIVING')) as cov_510,
        bool_or(family = '510' and status in ('ACTIVE', 'RECEIVING', 'SUSPENDED')) as held_510
    from c_elsewhere
    group by person_id
),

facts as (
    select
        s.person_id,
        p.person_id is not null as in_register,
        coalesce(p.name, si.name, sv.name) as name,
        case when p.name is not null then 'public_security' when si.name is not null then 'social_insurance'
             when sv.name is not null then 'survey' end as name_source,
        coalesce(p.sex, si.sex, sv.sex) as sex,
        case when p.sex is not null then 'public_security' when si.sex is not null then 'social_insurance'
             when sv.sex is not null then 'survey' end as sex_source,
        coalesce(p.ethnicity, si.ethnicity, sv.ethnicity) as ethnicity,
        case when p.ethnicity is not null then 'public_security' when si.ethnicity is not null then 'social_insurance'
             when sv.ethnicity is not null then 'survey' end as ethnicity_source,
        coalesce(p.birth_date, si.birth_date, sv.birth_date, base.id_birth_date(s.person_id)) as birth_date,
        case when p.birth_date is not null then 'public_security' when si.birth_date is not null then 'social_insurance'
             when sv.birth_date is not null then 'survey' else 'public_security' end as birth_date_source,
        coalesce(p.residence_address, si.residence_address, sv.residence_address) as residence_address,
        case when p.residence_address is not null then 'public_security'
             when si.residence_address is not null then 'social_insurance'
             when sv.residence_address is not null then 'survey' end as residence_address_source,
        coalesce(p.phone, si.phone, sv.phone) as phone,
        case when p.phone is not null then 'public_security' when si.phone is not null then 'social_insurance'
             when sv.phone is not null then 'survey' end as phone_source,
        p.household_no, p.hukou_address, p.hukou_region, p.facts_as_of, p.status_as_of, p.cancel_date,
        coalesce(p.hukou_status, 'NOT_REGISTERED_HERE') as hukou_status,
        si.as_of as si_as_of, sv.as_of as survey_as_of,
        p.absent_since,
        coalesce(p.military, false) or p.hukou_status = 'CANCELLED_MILITARY' as military,
        st.person_id is not null as student,
        st.as_of as student_as_of,
        least(c.death_date, case when p.hukou_status = 'CANCELLED_DEATH' then p.cancel_date end) as deceased_on,
        case when c.death_date is not null
                  and (p.hukou_status is distinct from 'CANCELLED_DEATH' or c.death_date <= p.cancel_date)
             then 'civil_affairs' else 'public_security' end as deceased_source,
        case when c.death_date is not null
                  and (p.hukou_status is distinct from 'CANCELLED_DEATH' or c.death_date <= p.cancel_date)
             then c.as_of else p.status_as_of end as deceased_as_of,
        -- identity facts that differ between public security and social insurance
        case when p.person_id is null or si.person_id is null then '{}'::text[]
             else array_remove(array[
                 case when si.name is not null and p.name is not null and btrim(si.name) <> p.name then 'name' end,
                 case when si.sex is not null and p.sex is not null and si.sex <> p.sex then 'sex' end,
                 case when si.linked_id then 'person_id' end,
                 case when si.birth_date is not null and p.birth_date is not null
                           and si.birth_date <> p.birth_date then 'birth_date' end,
                 case when si.ethnicity is not null and p.ethnicity is not null
                           and si.ethnicity <> p.ethnicity then 'ethnicity' end,
                 -- identical text needs no normalising (base.norm_text costs ~6 us a call)
                 case when si.residence_address = p.residence_address then null
                      when base.norm_text(si.residence_address) <> base.norm_text(p.residence_address)
                      then 'residence_address' end,
                 case when si.phone = p.phone then null
                      when base.norm_text(si.phone) <> base.norm_text(p.phone) then 'phone' end
             ], null) end as mismatched_fields,
        w.employer_uscc as withholding_employer, w.as_of as withholding_as_of,
        sv.status_110, sv.status_310, sv.status_210, sv.status_410, sv.status_510,
        pr.person_id is not null as pending_review,
        h.person_id is not null or si.person_id is not null as insured_here,
        exists (select 1 from base.person_link as m where m.source = '*' and m.raw_id = s.person_id) as merged_away
    from c_scope as s
    left join c_ps as p on p.person_id = s.person_id
    left join c_si_person as si on si.person_id = s.person_id
    left join survey as sv on sv.person_id = s.person_id
    left join idmap_student as st on st.person_id = s.person_id
    left join cremation as c on c.person_id = s.person_id
    left join withholding as w on w.person_id = s.person_id
    left join pending_review as pr on pr.person_id = s.person_id
    left join here as h on h.person_id = s.person_id
),

judged as (
    select
        f.*,
        extract(year from age(cast(:ref_date as date), f.birth_date))::int as age,
        f.hukou_status = 'REGISTERED' as registered,
        coalesce(h.employer_enrolled, false) or f.withholding_employer is not null as is_employee,
        coalesce(h.any_active, false) as any_active,
        coalesce(h.pension_receiving, false) as pension_receiving,
        coalesce(h.flexible, false) as flexible,
        coalesce(h.employer_uscc, f.withholding_employer) as employer_uscc,
        h.insurance, h.as_of as enrollment_as_of,
        case h.rank_110 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_110,
        case h.rank_120 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_120,
        case h.rank_170 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_170,
        case h.rank_210 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_210,
        case h.rank_310 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_310,
        case h.rank_390 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_390,
        case h.rank_410 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_410,
        case h.rank_510 when 4 then 'RECEIVING' when 3 then 'ACTIVE' when 2 then 'SUSPENDED' when 1 then 'TERMINATED' end as ins_510,
        e.statuses as elsewhere,
        coalesce(h.cov_pension, false) or coalesce(e.cov_pension, false) as cov_pension,
        coalesce(h.fresh_pension, false) or coalesce(e.cov_pension, false) as fresh_pension,
        coalesce(h.held_pension, false) or coalesce(e.held_pension, false) as held_pension,
        coalesce(h.term_pension, false) as term_pension,
        coalesce(h.n_pension, 0) + coalesce(e.n_pension, 0) as n_pension,
        coalesce(h.cov_medical, false) or coalesce(e.cov_medical, false) as cov_medical,
        coalesce(h.fresh_medical, false) or coalesce(e.cov_medical, false) as fresh_medical,
        coalesce(h.held_medical, false) or coalesce(e.held_medical, false) as held_medical,
        coalesce(h.term_medical, false) as term_medical,
        coalesce(h.n_medical, 0) + coalesce(e.n_medical, 0) as n_medical,
        coalesce(h.cov_210, false) or coalesce(e.cov_210, false) as cov_210,
        coalesce(h.fresh_210, false) or coalesce(e.cov_210, false) as fresh_210,
        coalesce(h.held_210, false) or coalesce(e.held_210, false) as held_210,
        coalesce(h.term_210, false) as term_210,
        coalesce(h.cov_410, false) or coalesce(e.cov_410, false) as cov_410,
        coalesce(h.fresh_410, false) or coalesce(e.cov_410, false) as fresh_410,
        coalesce(h.held_410, false) or coalesce(e.held_410, false) as held_410,
        coalesce(h.term_410, false) as term_410,
        -- maternity merged into employee medical: 310 covers 510
        coalesce(h.cov_510, false) or coalesce(e.cov_510, false)
            or (cast(:maternity_merged as boolean) and (coalesce(h.cov_310_only, false))) as cov_510,
        coalesce(h.fresh_510, false) or coalesce(e.cov_510, false)
            or (cast(:maternity_merged as boolean) and coalesce(h.fresh_310_only, false)) as fresh_510,
        coalesce(h.held_510, false) or coalesce(e.held_510, false)
            or (cast(:maternity_merged as boolean) and coalesce(h.held_310_only, false)) as held_510,
        coalesce(h.term_510, false) as term_510
    from facts as f
    left join here as h on h.person_id = f.person_id
    left join elsewhere as e on e.person_id = f.person_id
),

population as (
    select
        j.*,
        j.deceased_on is null and j.registered and j.age >= 16 and not j.student and not j.military as should_insure,
        j.is_employee and '210' = any(cast(:employee_insurances as text[])) as needs_210,
        j.is_employee and '410' = any(cast(:employee_insurances as text[])) as needs_410,
        j.is_employee and '510' = any(cast(:employee_insurances as text[])) as needs_510
    from judged as j
),

categorised as (
    select
        p.*,
        case
            when p.deceased_on is not null and p.any_active then 'DECEASED_ACTIVE'
            when p.deceased_on is null and (p.n_pension >= 2 or p.n_medical >= 2) then 'DUPLICATE'
            when not p.should_insure then 'NOT_APPLICABLE'
            when not (p.held_pension or p.held_medical or (p.needs_210 and p.held_210)
                      or (p.needs_410 and p.held_410) or (p.needs_510 and p.held_510)) then 'UNINSURED'
            when (p.held_pension and not p.fresh_pension) or (p.held_medical and not p.fresh_medical)
                 or (p.needs_210 and p.held_210 and not p.fresh_210)
                 or (p.needs_410 and p.held_410 and not p.fresh_410)
                 or (p.needs_510 and p.held_510 and not p.fresh_510) then 'LAPSED'
            when not p.held_pension or not p.held_medical or (p.needs_210 and not p.held_210)
                 or (p.needs_410 and not p.held_410) or (p.needs_510 and not p.held_510) then 'PARTIAL'
            else 'INSURED'
        end as category,
        -- the reason a should-insure person lacks an insurance: the survey's answer first, then
        -- employer not enrolling (employees), insured information wrong (a record awaits review
        -- against this person), contributions stopped (a terminated enrollment), not insured personally
        case when p.is_employee then '3' when p.pending_review then '9' end as general_reason,
        -- not applicable: dead but household not cancelled 11, military 5, full-time student 4
        case when p.age < 16 then null
             when p.deceased_on is not null and p.registered then '11'
             when p.military then '5'
             when p.student then '4' end as not_applicable_reason
    from population as p
),

reasoned as materialized (
    select
        c.*,
        case when c.category not in ('UNINSURED', 'PARTIAL', 'NOT_APPLICABLE') then '{}'::jsonb
        else jsonb_strip_nulls(jsonb_build_object(
            '110', case when c.held_pension then null
                        when c.should_insure then coalesce(substring(c.status_110 from '^([0-9]{1,2})$'),
                             c.general_reason, case when c.term_pension then '2' else '1' end)
                        else c.not_applicable_reason end,
            '310', case when c.held_medical then null
                        when c.should_insure then coalesce(substring(c.status_310 from '^([0-9]{1,2})$'),
                             c.general_reason, case when c.term_medical then '2' else '1' end)
                        else c.not_applicable_reason end,
            '210', case when not c.should_insure or not c.needs_210 or c.held_210 then null
                        else coalesce(substring(c.status_210 from '^([0-9]{1,2})$'),
                             c.general_reason, case when c.term_210 then '2' else '1' end) end,
            '410', case when not c.should_insure or not c.needs_410 or c.held_410 then null
                        else coalesce(substring(c.status_410 from '^([0-9]{1,2})$'),
                             c.general_reason, case when c.term_410 then '2' else '1' end) end,
            '510', case when not c.should_insure or not c.needs_510 or c.held_510 then null
                        else coalesce(substring(c.status_510 from '^([0-9]{1,2})$'),
                             c.general_reason, case when c.term_510 then '2' else '1' end) end
        )) end as reasons
    from categorised as c
)

select
    r.*,
    coalesce(r.reasons ->> '110', r.reasons ->> '310', r.reasons ->> '210', r.reasons ->> '410',
             r.reasons ->> '510') as non_enrollment_reason,
    case when '3' in (r.reasons ->> '110', r.reasons ->> '310', r.reasons ->> '210', r.reasons ->> '410',
                      r.reasons ->> '510') then r.employer_uscc end
        as reason_employer_uscc,
    case when r.pension_receiving then 'RETIRED'
         when r.is_employee then 'EMPLOYED'
         when r.student then 'STUDENT'
         when r.flexible then 'FLEXIBLE'
         when r.age < 6 then 'PRESCHOOL'
         else 'UNKNOWN' end as employment_status,
    array_remove(array[
        case when r.absent_since is not null and r.hukou_status not like 'CANCELLED%'
             then 'MISSING_FROM_SNAPSHOT' end,
        case when r.pending_review then 'LINK_REVIEW' end
    ], null) as review_flags
from reasoned as r
where (r.in_register or r.insured_here) and not r.merged_away
