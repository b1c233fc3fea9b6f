-- One day of churn for the incremental benchmark: :share of insured persons suspend their
-- resident pension in a new delivery dated the next day; change_log records who was touched.
insert into intake.delivery (feed, file_name, sha256, bytes, as_of, state)
values ('bench_churn', 'churn', md5(random()::text), 0, date '2026-11-21', 'ACCEPTED');

create temp table bench_touched on commit drop as
select person_id, insurance_code, start_date
from curated.si_enrollment
where insurance_code in ('170', '110') and person_id_status = 'VALID'
  and abs(hashtext(person_id)) % 10000 < (:share * 10000)::int;

update curated.si_enrollment as e
set status = 'SUSPENDED', as_of = date '2026-11-21',
    delivery_id = (select max(delivery_id) from intake.delivery)
from bench_touched as t
where e.person_id = t.person_id and e.insurance_code = t.insurance_code and e.start_date = t.start_date;

insert into curated.change_log (delivery_id, target, person_id, change)
select (select max(delivery_id) from intake.delivery), 'si_enrollment', person_id, 'UPDATE'
from bench_touched;

-- the household register is delivered again for the day: unchanged rows keep their as_of, the one
-- row it changes is re-dated and logged as promotion logs it (this moves the reference date)
insert into curated.change_log (delivery_id, target, person_id, change)
select (select max(delivery_id) from intake.delivery), 'ps_person', min(person_id), 'UPDATE'
from curated.ps_person;

update curated.ps_person set as_of = date '2026-11-21' where person_id = (select min(person_id) from curated.ps_person);
