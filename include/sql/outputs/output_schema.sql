-- Outputs' tables in the base schema (owned by canbao/outputs). Idempotent: the
-- outputs build runs it before writing; the lead folds it into a migration.
create schema if not exists base;

-- Every file an outputs build wrote, per comparison run.
create table if not exists base.output (
    run_id      text not null,
    kind        text not null,   -- dispatch_table1 | dispatch_table2 | indicators | roster | employer_expansion | employee_expansion | stop_list
    region      text not null,   -- region code the file covers ('' for the whole city)
    path        text not null,   -- absolute path of the file under the run's output folder
    format      text not null,   -- xlsx | csv
    sha256      text not null,
    rows        integer not null, -- data rows (headers excluded)
    built_at    timestamptz not null default now(),
    delivered_to text,            -- SFTP path once delivered (rosters)
    delivered_at timestamptz,
    primary key (run_id, path)
);
create index if not exists output_run_kind on base.output (run_id, kind);

-- 全民参保计划工作调度表（一） per region and run.
create table if not exists base.dispatch_table1 (
    run_id        text not null,
    region_level  text not null check (region_level in ('city', 'county', 'town')),
    region_code   text not null,
    region_name   text not null,
    c1  integer not null, c2  integer not null, c3  integer not null, c4  integer not null,
    c5  integer not null, c6  integer not null, c7  integer not null, c8  integer not null,
    c9  integer not null, c10 integer not null, c11 integer not null, c12 integer not null,
    c13 integer not null, c14 integer not null,
    dead_not_cancelled integer not null,  -- in column 5 but not should-insure: known dead, record not yet cancelled
    should_insure      integer not null,  -- the classification's should-insure population
    primary key (run_id, region_level, region_code),
    constraint dispatch_table1_c5_formula check (c5 = c2 - c3 - c4)
);

-- 全民参保计划工作调度表（二） per region, quarter and run.
create table if not exists base.dispatch_table2 (
    run_id        text not null,
    quarter       text not null,   -- the 上季度 reported, e.g. 2026Q1
    region_level  text not null check (region_level in ('city', 'county', 'town')),
    region_code   text not null,
    region_name   text not null,
    family        text not null check (family in ('pension', 'medical', 'work_injury', 'maternity', 'unemployment')),
    target        integer,         -- 上季度扩面任务 (null: none configured)
    done          integer not null,-- 上季度已完成扩面人数
    completion_rate numeric(9,4),  -- done / target (null without a positive target)
    annual_plan   integer,         -- 本年度扩面计划
    primary key (run_id, quarter, region_level, region_code, family)
);

-- Registration rate and data completeness per region against the plan's goals.
create table if not exists base.output_indicator (
    run_id            text not null,
    region_level      text not null check (region_level in ('city', 'county', 'town')),
    region_code       text not null,
    region_name       text not null,
    should_insure     integer not null,
    pension_covered   integer not null,
    registration_rate numeric(9,4),
    base_persons      integer not null,
    complete_persons  integer not null,
    completeness      numeric(9,4),
    registration_goal numeric(5,4) not null,
    completeness_goal numeric(5,4) not null,
    primary key (run_id, region_level, region_code)
);
