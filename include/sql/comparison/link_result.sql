-- Linkage outcome per observed record: LINKED (with method), REVIEW (a candidate below certainty)
-- or INVALID (nothing close). UPGRADED_15 IDs of social insurance are linked to themselves
-- (method UPGRADE_15) so the person_id mismatch can be reported. Reviewers' decisions win:
-- the latest per record; a decision with source '*' (what `canbao review` records) covers the ID in
-- every feed.
with upgraded as (
    select distinct 'si_person' as source, person_id as raw_id from curated.si_person
    where person_id_status = 'UPGRADED_15'
    union
    select distinct 'si_enrollment', person_id from curated.si_enrollment where person_id_status = 'UPGRADED_15'
    union
    select distinct 'si_enrollment_change', person_id from curated.si_enrollment_change
    where person_id_status = 'UPGRADED_15'
),

automatic as (
    select source, raw_id, raw_id as person_id, 'UPGRADE_15' as method, 100::numeric as score, 'LINKED' as outcome,
           null::numeric as candidate_score, '[]'::jsonb as candidates
    from upgraded
    union all
    select source, raw_id, person_id, method, score, 'LINKED', null, '[]'::jsonb
    from link_deterministic
    union all
    select source, raw_id,
           person_id,
           'PROBABILISTIC',
           score,
           case when score >= :accept_score and score - runner_up >= :margin then 'LINKED'
                when score >= :review_score then 'REVIEW'
                else 'INVALID' end,
           score,
           candidates
    from link_probabilistic
),

latest_decision as (
    select distinct on (source, raw_id) source, raw_id, decision, person_id
    from base.review_decision
    order by source, raw_id, decision_id desc
),

decided as (
    select a.source, a.raw_id,
           case when coalesce(d.decision, w.decision) = 'ACCEPT' then coalesce(d.person_id, w.person_id)
                when a.outcome = 'LINKED' and coalesce(d.decision, w.decision) is null then a.person_id end
               as person_id,
           case when coalesce(d.decision, w.decision) = 'ACCEPT' then 'REVIEW' else a.method end as method,
           a.score,
           case when coalesce(d.decision, w.decision) = 'ACCEPT' then 'LINKED'
                when coalesce(d.decision, w.decision) = 'REJECT' then 'REJECTED'
                else a.outcome end as outcome,
           a.person_id as candidate_person_id,
           a.candidates
    from automatic as a
    left join latest_decision as d on d.source = a.source and d.raw_id = a.raw_id
    left join latest_decision as w on w.source = '*' and w.raw_id = a.raw_id
),

merges as (
    -- a reviewer merged a whole base person (a valid ID of its own) into another
    select '*' as source, raw_id, person_id, 'MERGE' as method, null::numeric as score, 'LINKED' as outcome,
           null::text as candidate_person_id, '[]'::jsonb as candidates
    from latest_decision
    where source = '*' and decision = 'ACCEPT' and person_id is not null and person_id <> raw_id
      and raw_id not in (select a.raw_id from automatic as a)
)

select * from decided
union all
select * from merges
