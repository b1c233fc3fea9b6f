-- People to visit in the household survey (入户调查), with what the form pre-fills.
-- Who: uninsured, lapsed, partially insured, any identity mismatch, not applicable because
-- the household record awaits cancellation (reason 11), and anyone flagged for review.
-- Only people whose household is registered in a known town can be visited by a town.
with candidates as (
    select p.*
    from base.person_current p
    where p.town_code is not null
      and (
          p.category in ('UNINSURED', 'LAPSED', 'PARTIAL')
          or coalesce(cardinality(p.mismatched_fields), 0) > 0
          or coalesce(cardinality(p.review_flags), 0) > 0
          or (
              p.category = 'NOT_APPLICABLE'
              and (
                  p.non_enrollment_reason = '11'
                  or exists (select 1 from jsonb_each_text(coalesce(p.reasons, '{}'::jsonb)) r where r.value = '11')
              )
          )
      )
)

select
    c.person_id,
    c.name,
    c.sex,
    c.birth_date,
    c.ethnicity,
    c.hukou_region,
    c.hukou_address,
    c.residence_address,
    c.phone,
    c.county_code,
    c.town_code,
    coalesce(c.village_code, c.town_code || '000')   as village_code,
    c.household_no,
    c.category,
    c.military,
    c.student,
    c.employment_status,
    coalesce(c.employer_name, e.name)                as employer_name,
    e.unit_type                                      as unit_type,
    c.cov_pension, c.cov_medical, c.cov_410, c.cov_510, c.cov_210,
    coalesce(c.reasons, '{}'::jsonb)                 as reasons,
    c.non_enrollment_reason,
    coalesce(r.name, c.reason_employer_uscc)         as reason_employer_name,
    coalesce(c.mismatched_fields, '{}')              as mismatched_fields,
    coalesce(c.review_flags, '{}')                   as review_flags,
    c.elsewhere
from candidates c
left join curated.mr_enterprise e on e.uscc = c.employer_uscc
left join curated.mr_enterprise r on r.uscc = c.reason_employer_uscc
order by c.town_code, village_code, c.household_no nulls last, c.person_id
