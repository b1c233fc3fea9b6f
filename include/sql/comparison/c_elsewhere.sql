-- Province feedback in force at the reference date: the latest item per person, insurance and region.
with items as (
    select distinct on (f.person_id, f.insurance, f.region_code)
        f.person_id, f.insurance, f.region_code, f.status, f.since, f.until
    from publication.feedback as f
    join c_scope as s on s.person_id = f.person_id
    order by f.person_id, f.insurance, f.region_code, f.received_at desc, f.cursor desc
)

select person_id, insurance, region_code, status,
       case when insurance in ('110', '120', '170') then 'pension'
            when insurance in ('310', '390') then 'medical'
            else insurance end as family
from items
where (since is null or since <= :ref_date) and (until is null or until >= :ref_date)
