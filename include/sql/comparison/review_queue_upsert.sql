-- Records below certainty (MATCH) or without any candidate (INVALID_IDENTITY) wait for a reviewer;
-- rejected and accepted ones are DECIDED. Candidates are stored as IDs and scores only.
with items as (
    -- one item per ID, whichever feeds carry it (a decision applies to all of them)
    select distinct on (raw_id) *
    from link_result
    where source <> '*'
      and (outcome in ('REVIEW', 'INVALID', 'REJECTED') or method = 'REVIEW')
    order by raw_id, source
)

insert into base.review_queue as q (kind, source, raw_id, candidate_person_id, score, candidates, state,
                                    first_run_id, last_run_id, created_at, updated_at)
select case when outcome = 'REVIEW' or (outcome <> 'INVALID' and candidate_person_id is not null) then 'MATCH'
            else 'INVALID_IDENTITY' end,
       source, raw_id, candidate_person_id, score, candidates,
       case when outcome in ('REVIEW', 'INVALID') then 'OPEN' else 'DECIDED' end,
       :run_id, :run_id, :now, :now
from items
on conflict (source, raw_id) do update
set kind = case when excluded.state = 'DECIDED' then q.kind else excluded.kind end,
    candidate_person_id = excluded.candidate_person_id, score = excluded.score,
    candidates = excluded.candidates, state = excluded.state, last_run_id = excluded.last_run_id,
    updated_at = excluded.updated_at
