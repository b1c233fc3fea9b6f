-- No planner statistics for the wide jsonb documents of the base and the outbox. Nothing filters or
-- joins on them, and ANALYZE (the comparison's settle step after a bulk run, and autovacuum's own)
-- would sample and sort thousands of whole documents with jsonb comparisons for statistics no plan
-- uses: most of the cost of analysing these tables. The other columns keep their statistics.
alter table base.person_current
    alter column elsewhere set statistics 0,
    alter column reasons set statistics 0,
    alter column sources set statistics 0,
    alter column record set statistics 0;
alter table base.person_version
    alter column elsewhere set statistics 0,
    alter column reasons set statistics 0,
    alter column sources set statistics 0,
    alter column record set statistics 0;
alter table publication.outbox alter column record set statistics 0;
