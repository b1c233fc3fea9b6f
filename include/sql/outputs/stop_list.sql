-- 死亡人员停保/停发待遇名单: people of category DECEASED_ACTIVE with every enrollment still
-- active or receiving benefits after the death date, the sources of the death and the
-- enrollment's own dates, so the agencies can stop it and recover what was paid since.
with deceased as (
    select *
    from base.person_current
    where category = 'DECEASED_ACTIVE'
),

held as (
    -- the enrollments the province receives (record.insurance), which the base already linked
    select d.person_id, i.code, i.status, i.since, nullif(i.employer_uscc, '') as employer_uscc
    from deceased d
    cross join lateral jsonb_to_recordset(
        case when jsonb_typeof(d.record -> 'insurance') = 'array' then d.record -> 'insurance' else '[]'::jsonb end
    ) as i(code text, status text, since date, employer_uscc text)
    where i.status in ('ACTIVE', 'RECEIVING')
),

from_columns as (
    -- a base row without the record's insurance list: its best status per code
    select d.person_id, s.code, s.status, null::date as since, d.employer_uscc
    from deceased d
    cross join lateral (values
        ('110', d.ins_110), ('120', d.ins_120), ('170', d.ins_170), ('210', d.ins_210),
        ('310', d.ins_310), ('390', d.ins_390), ('410', d.ins_410), ('510', d.ins_510)
    ) as s(code, status)
    where s.status in ('ACTIVE', 'RECEIVING')
      and not exists (select 1 from held h where h.person_id = d.person_id)
),

enrollments as (
    select * from held
    union all
    select * from from_columns
),

death_sources as (
    select d.person_id, string_agg(x.label, '; ' order by x.label) as death_sources
    from deceased d
    cross join lateral (
        select '民政(殡葬火化) ' || c.death_date::text as label
        from curated.ca_cremation c where c.person_id = d.person_id and c.death_date is not null
        union
        select '公安(户口注销) ' || coalesce(k.cancel_date::text, '')
        from curated.ps_cancellation k where k.person_id = d.person_id and k.cancel_type = 'DEATH'
        union
        select '公安(户口注销) ' || coalesce(ps.cancel_date::text, '')
        from curated.ps_person ps where ps.person_id = d.person_id and ps.hukou_status = 'CANCELLED_DEATH'
    ) x
    group by d.person_id
)

select
    d.county_code,
    d.town_code,
    d.person_id,
    d.name,
    d.sex,
    d.birth_date,
    d.deceased_on,
    d.sources -> 'deceased_on' ->> 'source'  as death_source,
    d.sources -> 'deceased_on' ->> 'as_of'   as death_source_as_of,
    s.death_sources,
    e.code                                   as insurance_code,
    e.status,
    e.since,
    e.employer_uscc,
    se.last_paid_month,
    d.ref_date
from deceased d
join enrollments e on e.person_id = d.person_id
left join death_sources s on s.person_id = d.person_id
left join curated.si_enrollment se
       on se.person_id = d.person_id and se.insurance_code = e.code and se.start_date = e.since
order by d.county_code nulls last, d.town_code nulls last, d.person_id, e.code
