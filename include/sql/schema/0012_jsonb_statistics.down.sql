alter table base.person_current
    alter column elsewhere set statistics -1,
    alter column reasons set statistics -1,
    alter column sources set statistics -1,
    alter column record set statistics -1;
alter table base.person_version
    alter column elsewhere set statistics -1,
    alter column reasons set statistics -1,
    alter column sources set statistics -1,
    alter column record set statistics -1;
alter table publication.outbox alter column record set statistics -1;
