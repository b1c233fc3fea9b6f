alter table base.person_current
    alter column record set compression default,
    alter column sources set compression default;
alter table base.person_version
    alter column record set compression default,
    alter column sources set compression default;
alter table publication.outbox
    alter column record set compression default;
