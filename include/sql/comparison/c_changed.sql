-- Persons whose row changes (c_record holds only persons whose state_hash changed): a new version when what the province receives (record_hash) changed
-- or the person is new; an in-place refresh when only other columns (age, coverage flags...) did.
select
    r.person_id,
    c.person_id is null or c.record_hash <> r.record_hash as new_version,
    case when c.person_id is null or c.record_hash <> r.record_hash
         then greatest(coalesce(c.version, 0), coalesce(v.max_version, 0)) + 1
         else c.version end as version
from c_record as r
left join base.person_current as c on c.person_id = r.person_id
left join lateral (
    select max(pv.version) as max_version from base.person_version as pv where pv.person_id = r.person_id
) as v on true
where c.person_id is null or c.state_hash is distinct from r.state_hash
