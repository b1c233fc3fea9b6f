-- Linkage candidates: every person of the household register (snapshot and change rows), with the
-- facts matching compares. One row per person (the latest delivery wins). Phone and address are
-- kept as delivered: link_probabilistic normalises them for the few candidates it scores, instead
-- of every register person paying base.norm_text (translate over multibyte text is slow).
with register as (
    select person_id, name, sex, birth_date, phone, residence_address, hukou_region, as_of,
           null::date as effective_date
    from curated.ps_person
    union all
    select person_id, name, sex, birth_date, phone, residence_address, hukou_region, as_of, effective_date
    from curated.ps_person_change
    where effective_date <= :ref_date
)

select distinct on (person_id)
    person_id, btrim(name) as name, sex, birth_date, phone, residence_address, hukou_region
from register
order by person_id, as_of desc, effective_date desc nulls first
