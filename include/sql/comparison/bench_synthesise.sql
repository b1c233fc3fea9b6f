-- Benchmark city, synthesised in SQL (scratch databases only: curated and base tables are emptied).
-- :persons register rows over Shaoxing's six counties; 75 % insured here with a pension and a medical enrollment, a third of them
-- as employees (five insurances, tax withholding), 0.5 % of insurance IDs with a wrong check
-- character, 1 % dead per civil affairs, 5 % full-time students, 2 % insured here registered elsewhere.
truncate curated.ps_person, curated.ps_person_change, curated.ps_cancellation, curated.ca_cremation,
         curated.edu_student, curated.tax_withholding, curated.si_person, curated.si_enrollment,
         curated.si_enrollment_change, curated.survey_return, curated.change_log,
         base.person_current, base.person_version, base.person_link, base.review_queue, base.run,
         base.run_scope;
insert into intake.delivery (feed, file_name, sha256, bytes, as_of, state)
values ('bench', 'bench', md5(random()::text), 0, date '2026-11-20', 'ACCEPTED');

create temp table bench_ids on commit drop as
with n as (
    select i, date '1940-01-01' + (i % 30000) as birth,
           lpad(((i / 30000) % 1000)::text, 3, '0') as seq
    from generate_series(1, :persons) as i
),
body as (
    select i, birth, case when i % 50 = 0 then '110105' else '330604' end
                     || to_char(birth, 'YYYYMMDD') || seq as first17
    from n
)
select i, birth, first17 || base.id_check_char(first17) as person_id,
       case when i % 50 = 0 then false else true end as registered_here
from body;

insert into curated.ps_person (delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status, name, sex,
                               ethnicity, birth_date, household_no, hukou_region, hukou_address, residence_address,
                               phone, household_type, hukou_status, military)
select (select max(delivery_id) from intake.delivery), i, date '2026-11-20', person_id, person_id, 'VALID',
       '张' || (i % 997), case when substr(person_id, 17, 1)::int % 2 = 1 then '1' else '2' end, '01', birth,
       'H' || (i / 3),
       (array['330602', '330603', '330604', '330624', '330681', '330683'])[i % 6 + 1]
           || lpad(((i % 20) + 1)::text, 3, '0') || lpad(((i % 300) + 1)::text, 3, '0'),
       '上虞区某路' || i || '号', '上虞区某路' || i || '号', '138' || lpad((i % 100000000)::text, 8, '0'), 'NONAGRI',
       'REGISTERED', false
from bench_ids where registered_here;

insert into curated.si_person (delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status, name, sex,
                               birth_date, ethnicity, residence_address, phone)
select (select max(delivery_id) from intake.delivery), i, date '2026-11-20',
       case when i % 200 = 7 then left(person_id, 17) || case when right(person_id, 1) = '0' then '1' else '0' end
            else person_id end,
       person_id, case when i % 200 = 7 then 'CHECK_FAIL' else 'VALID' end,
       '张' || (i % 997), case when substr(person_id, 17, 1)::int % 2 = 1 then '1' else '2' end, birth, '01',
       '上虞区某路' || i || '号', case when i % 40 = 0 then '13900000000' else '138' || lpad((i % 100000000)::text, 8, '0') end
from bench_ids where i % 4 <> 0;

insert into curated.si_enrollment (delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status,
                                   insurance_code, employer_uscc, status, start_date, last_paid_month, receiving)
select (select max(delivery_id) from intake.delivery), 1, date '2026-11-20', s.person_id, s.person_id,
       s.person_id_status, c.code,
       case when c.code in ('110', '210', '310', '410', '510') then '91330604MA2B' || lpad((b.i % 5000)::text, 6, '0') end,
       case when b.i % 37 = 0 then 'SUSPENDED' else 'ACTIVE' end, date '2015-01-01',
       case when b.i % 53 = 0 then '2026-05' else '2026-10' end, b.birth < date '1961-01-01'
from bench_ids as b
join curated.si_person as s on s.source_row = b.i
cross join lateral (
    select unnest(case when b.i % 3 = 0 then array['110', '210', '310', '410', '510'] else array['170', '390'] end) as code
) as c
where b.i % 29 <> 0 or c.code <> '410';

insert into curated.tax_withholding (delivery_id, source_row, as_of, employer_uscc, employer_uscc_raw,
                                     employer_uscc_status, person_id, person_id_raw, person_id_status, name, month, income)
select (select max(delivery_id) from intake.delivery), i, date '2026-11-20',
       '91330604MA2B' || lpad((i % 5000)::text, 6, '0'), '91330604MA2B' || lpad((i % 5000)::text, 6, '0'), 'VALID',
       person_id, person_id, 'VALID', '张' || (i % 997), '2026-10', 6000
from bench_ids where i % 3 = 0 or i % 31 = 0;

insert into curated.ca_cremation (delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status, name,
                                  death_date, cremation_date)
select (select max(delivery_id) from intake.delivery), i, date '2026-11-20', person_id, person_id, 'VALID',
       '张' || (i % 997), date '2026-10-01', date '2026-10-04'
from bench_ids where i % 100 = 11;

insert into curated.edu_student (delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status, name,
                                 school_name, level, full_time, hukou_region, enrol_date, expected_graduation)
select (select max(delivery_id) from intake.delivery), i, date '2026-11-20', person_id, person_id, 'VALID',
       '张' || (i % 997), '上虞中学', 'SENIOR', true, '330604001001', date '2024-09-01', date '2027-07-01'
from bench_ids where birth > date '2004-01-01' and i % 2 = 0;

analyze curated.ps_person;
analyze curated.si_person;
analyze curated.si_enrollment;
analyze curated.tax_withholding;
