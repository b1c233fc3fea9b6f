-- Persons whose set of linked records changes in this run (both the old and the new person):
-- they must be recomputed even when none of their own rows changed.
with new_links as (
    select source, raw_id, person_id from link_result where outcome = 'LINKED'
),

old_links as (
    select source, raw_id, person_id from base.person_link
),

differences as (
    select coalesce(n.person_id, o.person_id) as person_id, o.person_id as old_person_id
    from new_links as n
    full join old_links as o on o.source = n.source and o.raw_id = n.raw_id
    where n.person_id is distinct from o.person_id
)

select person_id from differences where person_id is not null
union
select old_person_id from differences where old_person_id is not null
union
-- a merged-away person must be revisited (deleted) too
select raw_id from link_result where source = '*'
