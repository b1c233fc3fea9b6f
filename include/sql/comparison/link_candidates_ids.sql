-- Register persons deterministic repair may link to: each flagged ID with its check character
-- recomputed, or with one adjacent transposition (looked up by key in link_register).
select left(o.raw_id, 17) || base.id_check_char(left(o.raw_id, 17)) as person_id
from link_obs as o
where o.raw_id ~ '^[0-9]{17}'
union
select left(o.raw_id, i - 1) || substr(o.raw_id, i + 1, 1) || substr(o.raw_id, i, 1) || substr(o.raw_id, i + 2)
from link_obs as o
cross join generate_series(1, 17) as i
where substr(o.raw_id, i, 1) <> substr(o.raw_id, i + 1, 1)
