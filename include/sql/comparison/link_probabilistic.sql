-- Probabilistic matching of what deterministic repair left: candidates from the register blocked
-- on birth date (from the record or the ID) or on name within the ID's county, scored 0-100:
--   ID shares >= 16 of 18 positions 30 (>= 14: 15), same name 30 (same surname and length 10),
--   same birth date 15, same sex 5, same phone 10, same normalised address 10.
-- Each record keeps its best candidate and the runner-up's score (for the certainty margin).
with pending as (
    select o.*
    from link_obs as o
    where not exists (select 1 from link_deterministic as d where d.source = o.source and d.raw_id = o.raw_id)
),

blocked as (
    select p.source, p.raw_id, c.person_id
    from pending as p
    join link_register_blocked as c on c.birth_date = p.birth_date_evidence
    union
    select p.source, p.raw_id, c.person_id
    from pending as p
    join link_register_blocked as c on c.name = p.name and left(c.person_id, 6) = left(p.raw_id, 6)
),

scored as (
    select
        b.source, b.raw_id, b.person_id,
        (case when base.id_same_positions(b.raw_id, c.person_id) >= 16 then 30
              when base.id_same_positions(b.raw_id, c.person_id) >= 14 then 15 else 0 end)
        + (case when p.name = c.name then 30
                when left(p.name, 1) = left(c.name, 1) and length(p.name) = length(c.name) then 10 else 0 end)
        + (case when p.birth_date_evidence = c.birth_date then 15 else 0 end)
        + (case when p.sex_evidence = c.sex then 5 else 0 end)
        + (case when p.phone = base.norm_text(c.phone) then 10 else 0 end)
        + (case when p.address = base.norm_text(c.residence_address) then 10 else 0 end) as score
    from blocked as b
    join pending as p on p.source = b.source and p.raw_id = b.raw_id
    join link_register_blocked as c on c.person_id = b.person_id
),

ranked as (
    select s.*,
           row_number() over (partition by source, raw_id order by score desc, person_id) as rank,
           jsonb_agg(jsonb_build_object('person_id', person_id, 'score', score))
               over (partition by source, raw_id order by score desc, person_id
                     rows between unbounded preceding and unbounded following) as candidates,
           lead(score) over (partition by source, raw_id order by score desc, person_id) as runner_up
    from scored as s
)

select p.source, p.raw_id, r.person_id, r.score, coalesce(r.runner_up, 0) as runner_up,
       coalesce(r.candidates, '[]'::jsonb) as candidates
from pending as p
left join ranked as r on r.source = p.source and r.raw_id = p.raw_id and r.rank = 1
