-- A withdrawn person's last version is closed and a tombstone version (no record) recorded, so a
-- version number is never reused.
with closed as (
    update base.person_version as v
    set valid_to = :now
    from c_merged_away as m
    where v.person_id = m.person_id and v.valid_to is null
    returning v.person_id
)

insert into base.person_version (version, valid_from, valid_to, ref_date, run_id, person_id, review_flags)
select m.version, :now, :now, :ref_date, :run_id, m.person_id, array['MERGED_DUPLICATE']
from c_merged_away as m
