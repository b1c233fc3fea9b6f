-- The applied-change journal of one comparison run: every curated.change_log row of the deliveries
-- promoted since the previous run (:last_delivery_id < delivery_id <= :max_delivery_id, read through
-- the change_log_delivery index: the cost follows the day's changes, not the population), and every
-- province feedback item received since the previous run started (up to this run's :now), each
-- resolved to its base person through base.person_link (the feed's own link, then a reviewer's '*'
-- merge), in effective-date order. A change already recorded (same source, delivery, key and kind)
-- is skipped, so re-running a run, or a run after a crashed one, records nothing twice.
with logged as (
    select distinct delivery_id, target, person_id as raw_id, uscc, row_key, effective_date, change
    from curated.change_log
    where delivery_id > cast(:last_delivery_id as bigint)
      and delivery_id <= cast(:max_delivery_id as bigint)
),

from_deliveries as (
    select
        coalesce(merged.person_id, linked.person_id, g.raw_id) as person_id,
        g.raw_id,
        g.uscc,
        g.row_key,
        d.feed as source,
        g.target,
        g.delivery_id,
        d.file_name,
        g.change,
        coalesce(g.effective_date, d.as_of) as effective_date,
        d.received_at,
        null::jsonb as detail
    from logged as g
    join intake.delivery as d on d.delivery_id = g.delivery_id
    left join base.person_link as linked on linked.source = g.target and linked.raw_id = g.raw_id
    left join base.person_link as merged
        on merged.source = '*' and merged.raw_id = coalesce(linked.person_id, g.raw_id)
),

previous_run as (
    select max(started_at) as started_at
    from base.run
    where not what_if and finished_at is not null and run_id <> :run_id
),

from_feedback as (
    select
        coalesce(merged.person_id, f.person_id) as person_id,
        f.person_id as raw_id,
        null::text as uscc,
        null::jsonb as row_key,
        'province_feedback' as source,
        'feedback' as target,
        null::bigint as delivery_id,
        f.node_id || '/' || f.cursor as file_name,
        'FEEDBACK_' || f.status as change,
        coalesce(case when f.status = 'TERMINATED' then f.until end, f.since,
                 cast(f.received_at at time zone :bureau_tz as date)) as effective_date,
        f.received_at,
        jsonb_build_object('insurance', f.insurance, 'region_code', f.region_code,
                           'since', f.since, 'until', f.until) as detail
    from publication.feedback as f
    cross join previous_run as p
    left join base.person_link as merged on merged.source = '*' and merged.raw_id = f.person_id
    where (p.started_at is null or f.received_at > p.started_at)
      and f.received_at <= :now
),

applied as (
    select * from from_deliveries
    union all
    select * from from_feedback
)

insert into base.applied_change (person_id, raw_id, uscc, row_key, source, target, delivery_id, file_name, change,
                                 effective_date, received_at, detail, run_id, applied_at)
select person_id, raw_id, uscc, row_key, source, target, delivery_id, file_name, change,
       effective_date, received_at, detail, :run_id, :now
from applied
order by effective_date nulls last, received_at, delivery_id nulls last, target, raw_id, row_key::text
on conflict on constraint applied_change_once do nothing
