-- Record every link; a link that did not change keeps its original run and time.
insert into base.person_link (source, raw_id, person_id, method, score, run_id, linked_at)
select source, raw_id, person_id, method, score, :run_id, :now
from link_result
where outcome = 'LINKED'
on conflict (source, raw_id) do update
set person_id = excluded.person_id, method = excluded.method, score = excluded.score,
    run_id = excluded.run_id, linked_at = excluded.linked_at
where (base.person_link.person_id, base.person_link.method, base.person_link.score)
      is distinct from (excluded.person_id, excluded.method, excluded.score)
