-- The analysts' export: one row per person of the base, mismatches semicolon-separated.
select
    person_id,
    category,
    non_enrollment_reason as reason_code,
    array_to_string(mismatched_fields, ';') as mismatched_fields,
    hukou_region as region_code,
    ins_110, ins_120, ins_170, ins_210, ins_310, ins_390, ins_410, ins_510
from base.person_current
order by person_id
